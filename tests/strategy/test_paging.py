"""The reported values API is keyset-paged: pages follow one another without a repeat or a
gap, filters hold on every page, a changed cursor is refused, and an unapproved value stays
with those allowed to see it on every page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iofs.accounts.service import cli_principal
from iofs.db import transaction
from iofs.http.paging import encode_cursor
from iofs.permissions import Principal
from iofs.roles import Role
from iofs.strategy import reporting
from tests.conftest import TEST_SECRET, make_user
from tests.strategy.conftest import Framework
from tests.web.api_pages import api_rows

EVIDENCE = "https://example.org/ministry/report-2026.pdf"
CHECKER = Principal(roles={Role.SECRETARIAT: frozenset()}, label="test:checker")
STATES = ("KAZ", "TUR", "EGY", "MAR")


def _values(factory: sessionmaker[Session], found: Framework) -> dict[int, str]:
    """Two KPIs for four states in 2026 and 2027 plus one overall value: KAZ's and EGY's
    approved, TUR's and MAR's left submitted. Returns each value's status by id."""
    entered = cli_principal()
    statuses: dict[int, str] = {}
    with transaction(factory) as session:
        reporting.put_period(session, entered, 2027, "open")
        for year in (2026, 2027):
            for kpi in (found.seeds, found.policy):
                for iso3 in STATES:
                    row = reporting.report_value(
                        session,
                        entered,
                        reporting.ValueInput(kpi, iso3, year, "1", evidence_url=EVIDENCE),
                    )
                    if iso3 in ("KAZ", "EGY"):
                        reporting.review_value(session, CHECKER, row.id, "approve")
                    statuses[row.id] = "approved" if iso3 in ("KAZ", "EGY") else "submitted"
        overall = reporting.report_value(
            session,
            entered,
            reporting.ValueInput(found.flour, None, 2026, "5", evidence_url=EVIDENCE),
        )
        statuses[overall.id] = "submitted"
    return statuses


def _rows(
    client: TestClient, params: dict[str, Any], headers: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """Every row of the values API with ``params``, following the ``Link`` page after page."""
    return api_rows(client, "/api/v1/strategy/values?" + urlencode(params), headers)


def _first(
    client: TestClient, params: dict[str, Any], headers: dict[str, str] | None = None
) -> dict[str, Any]:
    answer = client.get("/api/v1/strategy/values", params=params, headers=headers or {})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _order(row: dict[str, Any], years: dict[int, int]) -> tuple[int, int, str, int]:
    return (years[row["period_id"]], row["kpi_id"], row["iso3"] or "", row["id"])


def test_values_pages_follow_without_repeat_or_gap(
    client: TestClient, loaded_registry: sessionmaker[Session], results_framework: Framework
) -> None:
    statuses = _values(loaded_registry, results_framework)
    _, secretariat = make_user(loaded_registry, "sec@paging.example", "secretariat")
    auth = {"Authorization": f"Bearer {secretariat}"}
    first = _first(client, {"limit": 3}, auth)
    assert len(first["items"]) == 3 and first["next"]
    rows = _rows(client, {"limit": 3}, auth)
    assert sorted(row["id"] for row in rows) == sorted(statuses)  # no gap, no repeat
    with loaded_registry() as session:
        years = {p.id: p.year for p in reporting.list_periods(session)}
        whole = reporting.list_values(session, CHECKER)
    assert [row["id"] for row in rows] == [value.id for value in whole]
    assert rows == sorted(rows, key=lambda row: _order(row, years))
    # 2026: two state KPIs for four states, then the overall KPI; then 2027
    assert [row["iso3"] for row in rows[:4]] == ["EGY", "KAZ", "MAR", "TUR"]
    assert rows[8]["iso3"] is None and rows[8]["kpi_id"] == results_framework.flour

    # a filter holds on every page
    kaz = _first(client, {"limit": 2, "iso3": "KAZ", "kpi_id": results_framework.seeds}, auth)
    assert len(kaz["items"]) == 2 and kaz["next"] is None
    submitted = {"limit": 2, "year": 2026, "status": "submitted"}
    assert _first(client, submitted, auth)["next"]
    found = _rows(client, submitted, auth)
    assert len(found) == 5
    assert {years[row["period_id"]] for row in found} == {2026}
    assert {row["status"] for row in found} == {"submitted"}


def test_values_pages_keep_unapproved_values_with_those_allowed(
    client: TestClient, loaded_registry: sessionmaker[Session], results_framework: Framework
) -> None:
    statuses = _values(loaded_registry, results_framework)
    approved = {i for i, status in statuses.items() if status == "approved"}
    public = _rows(client, {"limit": 2})
    assert {row["id"] for row in public} == approved and len(public) == len(approved)
    _, focal = make_user(loaded_registry, "fp@tur.example", "focal_point", ("TUR",))
    auth = {"Authorization": f"Bearer {focal}"}
    seen = _rows(client, {"limit": 2}, auth)
    assert len(seen) == len(approved) + 4  # six pages of two: the check held on each
    assert {row["id"] for row in seen} == approved | {
        row["id"] for row in seen if row["iso3"] == "TUR"
    }
    assert {row["iso3"] for row in seen if row["status"] != "approved"} == {"TUR"}
    assert len([row for row in seen if row["iso3"] == "TUR"]) == 4


def test_a_changed_or_foreign_cursor_is_refused(
    client: TestClient, loaded_registry: sessionmaker[Session], results_framework: Framework
) -> None:
    _values(loaded_registry, results_framework)
    cursor = client.get("/api/v1/strategy/values", params={"limit": 1}).json()["next"]
    payload, tag = cursor.split(".")
    changed = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + tag
    for bad in (changed, "not-a-cursor", cursor + "x"):
        answer = client.get("/api/v1/strategy/values", params={"limit": 1, "after": bad})
        assert answer.status_code == 400, bad
        assert "cursor" in answer.json()["detail"]
    # signed with the installation's key, but for another list, or of another shape
    for scope, key in (("labels.listing", [2026, 1, "KAZ", 1]), (reporting.VALUES_SCOPE, [1])):
        other = encode_cursor(key, scope=scope, secret=TEST_SECRET)
        assert client.get("/api/v1/strategy/values", params={"after": other}).status_code == 400
