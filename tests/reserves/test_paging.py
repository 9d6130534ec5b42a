"""The release requests page and API, the positions and the warnings API are keyset-paged:
pages follow one another without a repeat or a gap, filters hold on every page, a changed
cursor is refused, and the page shows a "Next page" link that keeps its filters."""

from __future__ import annotations

import html
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iofs.accounts.service import cli_principal
from iofs.db import transaction
from iofs.http.paging import encode_cursor
from iofs.reserves import ledger, pages, releases
from tests.conftest import TEST_SECRET, make_user, sign_in
from tests.web.api_pages import api_rows

#: (reference, state, requested on): two share a date, so the id breaks the tie.
REQUESTS = [
    ("AFG-P1", "AFG", date(2025, 3, 1)),
    ("AFG-P2", "AFG", date(2025, 3, 5)),
    ("AFG-P3", "AFG", date(2025, 3, 5)),
    ("KAZ-P1", "KAZ", date(2025, 3, 3)),
    ("AFG-P4", "AFG", date(2025, 4, 1)),
    ("TUR-P1", "TUR", date(2025, 2, 1)),
]


def _requests(factory: sessionmaker[Session]) -> None:
    operator = cli_principal()
    with transaction(factory) as session:
        for reference, country, day in REQUESTS:
            releases.create_request(
                session,
                operator,
                {
                    "reference": reference,
                    "country": country,
                    "commodity": "wheat",
                    "quantity_t": "10",
                    "tier": 3,
                    "reason": "drought",
                    "requested_on": day,
                },
            )
        releases.assess(session, operator, "AFG-P2", {"dated": date(2025, 3, 6), "note": "gap"})


def _rows(client: TestClient, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every row of an API list with ``params``, following the ``Link`` page after page."""
    return api_rows(client, f"{path}?{urlencode(params)}")


def _sizes(client: TestClient, path: str, params: dict[str, Any]) -> list[int]:
    """The number of rows on each page of an API list, following ``next``."""
    sizes, after = [], None
    while True:
        body = client.get(path, params={**params, **({"after": after} if after else {})}).json()
        sizes.append(len(body["items"]))
        after = body["next"]
        if after is None or len(sizes) > 50:
            return sizes


def _newest_first(rows: list[tuple[str, str, date]]) -> list[str]:
    order = {reference: index for index, (reference, _c, _d) in enumerate(REQUESTS)}
    ranked = sorted(rows, key=lambda r: (r[2], order[r[0]]), reverse=True)
    return [reference for reference, _c, _d in ranked]


def test_requests_api_pages_follow_and_keep_filters(
    client: TestClient, reserve: sessionmaker[Session]
) -> None:
    _requests(reserve)
    path = "/api/v1/reserves/requests"
    assert _sizes(client, path, {"limit": 2}) == [2, 2, 2]
    found = _rows(client, path, {"limit": 2})
    assert [row["reference"] for row in found] == _newest_first(REQUESTS)
    with reserve() as session:
        assert [r.reference for r in releases.requests(session)] == _newest_first(REQUESTS)
    afghanistan = _rows(client, path, {"limit": 2, "country": "afg"})
    assert [row["reference"] for row in afghanistan] == _newest_first(
        [r for r in REQUESTS if r[1] == "AFG"]
    )
    assert _sizes(client, path, {"limit": 2, "country": "afg"}) == [2, 2]
    assessed = _rows(client, path, {"limit": 1, "status": "assessed"})
    assert [row["reference"] for row in assessed] == ["AFG-P2"]
    assert client.get(path, params={"status": "lost"}).status_code == 422


def test_a_changed_or_foreign_cursor_is_refused(
    client: TestClient, reserve: sessionmaker[Session]
) -> None:
    _requests(reserve)
    cursor = client.get("/api/v1/reserves/requests", params={"limit": 1}).json()["next"]
    payload, tag = cursor.split(".")
    foreign = encode_cursor([date(2025, 3, 5), 3], scope="reserves.positions", secret=TEST_SECRET)
    for path in ("/api/v1/reserves/requests", "/reserves/requests"):
        for bad in (payload + "." + tag[::-1], "x" + cursor, foreign):
            answer = client.get(path, params={"after": bad})
            assert answer.status_code == 400, (path, bad)
    positions = client.get("/api/v1/reserves/positions", params={"after": cursor})
    assert positions.status_code == 400


def test_requests_page_shows_one_page_and_a_next_link_keeping_filters(
    client: TestClient, reserve: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    _requests(reserve)
    make_user(reserve, "sec@reserves.example", "secretariat")
    monkeypatch.setattr(pages, "REQUESTS_PAGE_SIZE", 2)
    first = client.get("/reserves/requests?country=AFG&lang=en")
    assert first.status_code == 200
    text = html.unescape(first.text)
    assert 'id="request-AFG-P4"' in text and 'id="request-AFG-P3"' in text
    assert 'id="request-AFG-P2"' not in text and 'id="request-KAZ-P1"' not in text
    assert "Next page" in text and 'id="raise-drafts"' not in text
    link = text.split('class="pager-next" rel="next" href="', 1)[1].split('"', 1)[0]
    assert link.startswith("/reserves/requests?") and "country=AFG" in link
    second = html.unescape(client.get(link).text)
    assert 'id="request-AFG-P2"' in second and 'id="request-AFG-P1"' in second
    assert 'id="request-AFG-P4"' not in second and 'id="request-TUR-P1"' not in second
    assert "Next page" not in second and "First page" in second
    # a visitor never gets the secretariat's form, on the second page either
    assert 'id="raise-drafts"' not in second
    sign_in(client, "sec@reserves.example")
    assert 'id="raise-drafts"' in client.get(link).text
    # a status filter, in French and Arabic too
    for language in ("fr", "ar"):
        page = client.get(f"/reserves/requests?status=assessed&lang={language}")
        assert page.status_code == 200 and 'id="request-AFG-P2"' in page.text
        assert 'id="request-AFG-P1"' not in page.text
    empty = client.get("/reserves/requests?country=EGY&lang=fr").text
    assert "Aucune demande de déblocage ne correspond." in html.unescape(empty)
    assert client.get("/reserves/requests?country=Egypt").status_code == 422


def _lots(factory: sessionmaker[Session], today: date) -> None:
    """Five more lots in KAZ-1 and TUR-1 holding grain, three of them due soon or past."""
    operator = cli_principal()
    with transaction(factory) as session:
        for code, store, best_before, rotation_due in (
            ("KAZ-L2", "KAZ-1", today + timedelta(days=10), None),
            ("KAZ-L3", "KAZ-1", None, today - timedelta(days=3)),
            ("KAZ-L4", "KAZ-1", today + timedelta(days=10), today + timedelta(days=10)),
            ("TUR-L2", "TUR-1", today + timedelta(days=400), None),
            ("TUR-L3", "TUR-1", today + timedelta(days=5), None),
        ):
            ledger.put_lot(
                session,
                operator,
                {
                    "code": code,
                    "warehouse": store,
                    "commodity": "wheat",
                    "received_on": today - timedelta(days=30),
                    "best_before": best_before,
                    "rotation_due": rotation_due,
                },
            )
            session.flush()
            ledger.record_movement(
                session,
                operator,
                code,
                {"kind": "receipt", "dated": today - timedelta(days=30), "quantity_t": "7"},
            )


def test_positions_and_warnings_api_pages(
    client: TestClient, reserve: sessionmaker[Session]
) -> None:
    today = date.today()
    _lots(reserve, today)
    found = _rows(client, "/api/v1/reserves/positions", {"limit": 2})
    lots = [row["lot"] for row in found]
    assert lots == ["KAZ-L1", "KAZ-L2", "KAZ-L3", "KAZ-L4", "TUR-L1", "TUR-L2", "TUR-L3"]
    assert _sizes(client, "/api/v1/reserves/positions", {"limit": 2}) == [2, 2, 2, 1]
    balances = {row["lot"]: row["balance_t"] for row in found}
    assert balances["KAZ-L1"] == "100.000" and balances["TUR-L1"] == "0.000"
    assert balances["KAZ-L3"] == "7.000"
    turkey = _rows(client, "/api/v1/reserves/positions", {"limit": 2, "country": "TUR"})
    assert [row["lot"] for row in turkey] == ["TUR-L1", "TUR-L2", "TUR-L3"]

    warned = _rows(client, "/api/v1/reserves/warnings", {"limit": 2})
    seen = [(row["lot_code"], row["kind"]) for row in warned]
    assert seen == [
        ("KAZ-L3", "rotation_overdue"),
        ("TUR-L3", "expiring"),
        ("KAZ-L2", "expiring"),
        ("KAZ-L4", "expiring"),
        ("KAZ-L4", "rotation_due"),
    ]
    with reserve() as session:
        whole = ledger.warnings(session, today)
    assert seen == [(w.lot_code, w.kind) for w in whole]
    kazakhstan = _rows(client, "/api/v1/reserves/warnings", {"limit": 1, "country": "KAZ"})
    assert len(kazakhstan) == 4 and {row["country"] for row in kazakhstan} == {"KAZ"}
    cursor = client.get("/api/v1/reserves/warnings", params={"limit": 1}).json()["next"]
    assert client.get("/api/v1/reserves/positions", params={"after": cursor}).status_code == 400
