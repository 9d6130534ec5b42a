"""Keyset pages of the gene bank's lists: distributions, unreported SMTAs, public requests and
the regeneration queue, in the API and on the pages (SQLite and PostgreSQL)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from iofs.accounts.models import User
from iofs.accounts.service import cli_principal, principal_for
from iofs.db import transaction
from iofs.genebank import demo, pages, service
from iofs.genebank.models import Accession, Lot
from tests.conftest import make_user

NEXT_LINK = re.compile(r'class="pager-next" rel="next" href="([^"]+)"')
REQUEST_SECTION = re.compile(r'data-request="(\d+)"')
QUEUE_ROW = re.compile(r'<tr data-lot="(\d+)"')


def _tampered(cursor: str) -> str:
    """The cursor with its last characters changed (its signature no longer holds)."""
    return cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")


def _walk(client: TestClient, url: str, headers: dict[str, str]) -> list[list[dict[str, Any]]]:
    """Every page of an API list, following ``next`` (and checking the ``Link`` header)."""
    pages_seen: list[list[dict[str, Any]]] = []
    after: str | None = None
    while True:
        page_url = url + (
            ("&" if "?" in url else "?") + urlencode({"after": after}) if after else ""
        )
        response = client.get(page_url, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        pages_seen.append(body["items"])
        after = body["next"]
        if after is None:
            assert "Link" not in response.headers
            return pages_seen
        assert 'rel="next"' in response.headers["Link"] and "after=" in response.headers["Link"]
        assert len(pages_seen) < 100


def _html_pages(client: TestClient, url: str, headers: dict[str, str]) -> list[str]:
    """Every page of an HTML list, following its "Next page" link."""
    seen = []
    while True:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.text
        seen.append(response.text)
        found = NEXT_LINK.search(response.text)
        if found is None:
            return seen
        assert "Next page" in response.text
        url = html.unescape(found.group(1))
        assert len(seen) < 100


def _ship(session: Session, lot_id: int, identifier: str, country: str, on: date) -> None:
    service.distribute(
        session,
        cli_principal(),
        lot_id,
        service.DistributionIn(
            recipient_name=f"Illustrative recipient {identifier}",
            recipient_country=country,
            purpose="research",
            mta_type="smta",
            mta_identifier=identifier,
            mta_date=on,
            requested_on=on,
            shipped_on=on,
            seeds=10,
        ),
    )


@pytest.fixture
def bank(loaded_registry: sessionmaker[Session]) -> dict[str, Any]:
    """The demo gene bank with five more SMTA shipments, four small lots (stock alerts) and
    public requests of two requesters (three and two), one sample cancelled."""
    _uid, curator = make_user(loaded_registry, "curator@iofs.example", "genebank_curator")
    _uid, viewer = make_user(loaded_registry, "viewer@iofs.example", "viewer")
    first_id, first = make_user(loaded_registry, "fp@iofs.example", "focal_point", ("KAZ",))
    second_id, second = make_user(loaded_registry, "fp2@iofs.example", "focal_point", ("UZB",))
    with transaction(loaded_registry) as session:
        demo.load(session, cli_principal())
        accession_of = {
            a.accenumb: a for a in session.execute(select(Accession)).scalars() if a.available
        }
        big = next(
            lot
            for lot in session.execute(select(Lot).order_by(Lot.seed_count.desc())).scalars()
            if session.get_one(Accession, lot.accession_id).available
        )
        for n, country in enumerate(["SEN", "TUR", "SEN", "TUR", "SEN"]):
            _ship(session, big.id, f"PAGE-SMTA-{n}", country, date(2025, 3, 1 + n))
        for n in range(4):
            service.create_lot(
                session,
                cli_principal(),
                big.accession_id,
                service.LotIn(
                    lot_number=f"PAGE-L{n}",
                    collection="active",
                    storage_temperature_c=5.0,
                    moisture_content_pct=6.0,
                    seed_count=100,
                    origin="acquisition",
                    stored_on=date(2024, 1, 1),
                    reference_sample_seeds=50,
                ),
            )
        wanted = sorted(a.id for a in accession_of.values())[:2]
        requests: dict[int, list[int]] = {first_id: [], second_id: []}
        for user_id, count in ((first_id, 3), (second_id, 2)):
            principal = principal_for(session.get_one(User, user_id))
            for _n in range(count):
                basket = service.submit_public_request(
                    session,
                    principal,
                    service.RequesterIn(
                        name=f"Requester {user_id}",
                        institution="Illustrative institute",
                        country="KAZ",
                        purpose="research",
                    ),
                    wanted,
                    service.SMTA_SHA256,
                )
                requests[user_id].append(basket.id)
        session.flush()
        cancelled = requests[first_id][0]
        sample = next(
            r
            for r in service.distributions(session, cli_principal(), status="requested")
            if r.public_request_id == cancelled
        )
        service.cancel_sample(session, cli_principal(), sample.id, date.today())
    return {
        "curator": {"Authorization": f"Bearer {curator}"},
        "viewer": {"Authorization": f"Bearer {viewer}"},
        "first": {"Authorization": f"Bearer {first}"},
        "second": {"Authorization": f"Bearer {second}"},
        "requests": requests,
        "first_id": first_id,
        "second_id": second_id,
        "cancelled": cancelled,
    }


def _ids(pages_seen: list[list[dict[str, Any]]], key: Callable[[dict[str, Any]], int]) -> list[int]:
    return [key(item) for items in pages_seen for item in items]


def test_distributions_api_pages_filters_and_cursors(
    client: TestClient, bank: dict[str, Any], loaded_registry: sessionmaker[Session]
) -> None:
    with loaded_registry() as session:
        every = [d.id for d in service.distributions(session, cli_principal())]
        shipped = [d.id for d in service.distributions(session, cli_principal(), status="shipped")]
        senegal = [
            d.id
            for d in service.distributions(session, cli_principal())
            if d.recipient_country == "SEN"
        ]
    assert len(every) > 4 and 2 < len(senegal) < len(every)
    walked = _walk(client, "/api/v1/genebank/distributions?limit=2", bank["curator"])
    assert all(len(items) == 2 for items in walked[:-1]) and len(walked) > 2
    ids = _ids(walked, lambda d: d["id"])
    assert ids == every and len(set(ids)) == len(ids)  # no repeat, no gap, same order
    by_status = _walk(
        client, "/api/v1/genebank/distributions?limit=2&status=shipped", bank["viewer"]
    )
    assert _ids(by_status, lambda d: d["id"]) == shipped
    assert {d["status"] for items in by_status for d in items} == {"shipped"}
    by_country = _walk(
        client, "/api/v1/genebank/distributions?limit=2&country=sen", bank["curator"]
    )
    assert _ids(by_country, lambda d: d["id"]) == senegal

    first = client.get("/api/v1/genebank/distributions?limit=2", headers=bank["curator"]).json()
    cursor = first["next"]
    bad = client.get(
        "/api/v1/genebank/distributions",
        params={"limit": 2, "after": _tampered(cursor)},
        headers=bank["curator"],
    )
    assert bad.status_code == 400 and "cursor" in bad.json()["detail"]
    other_list = client.get(
        "/api/v1/genebank/smta-unreported",
        params={"limit": 2, "after": cursor},
        headers=bank["curator"],
    )
    assert other_list.status_code == 400
    # Page 2 stays internal: a requester (no read_internal) is refused with a valid cursor.
    for headers in (bank["first"], {}):
        refused = client.get(
            "/api/v1/genebank/distributions", params={"limit": 2, "after": cursor}, headers=headers
        )
        assert refused.status_code in (401, 403)
    assert (
        client.get(
            "/api/v1/genebank/distributions?status=lost", headers=bank["curator"]
        ).status_code
        == 422
    )


def test_unreported_smtas_api_and_page(
    client: TestClient,
    bank: dict[str, Any],
    loaded_registry: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with loaded_registry() as session:
        todo = [d.id for d in service.unreported(session, cli_principal())]
    assert len(todo) == 6  # the demo's and the five above
    walked = _walk(client, "/api/v1/genebank/smta-unreported?limit=2", bank["curator"])
    assert [len(items) for items in walked] == [2, 2, 2]
    assert _ids(walked, lambda d: d["id"]) == todo
    with transaction(loaded_registry) as session:
        service.mark_reported(session, cli_principal(), todo[:1])
    walked = _walk(client, "/api/v1/genebank/smta-unreported?limit=4", bank["curator"])
    assert _ids(walked, lambda d: d["id"]) == todo[1:]

    monkeypatch.setattr(pages, "PAGE_ROWS", 2)
    seen = _html_pages(client, "/genebank/smta?lang=en", bank["curator"])
    rows = [int(i) for text in seen for i in re.findall(r'data-distribution="(\d+)"', text)]
    assert rows == todo[1:] and len(seen) == 3
    assert "First page" in seen[1] and "First page" not in seen[0]
    bad = client.get("/genebank/smta", params={"after": "x.y"}, headers=bank["curator"])
    assert bad.status_code == 400
    assert client.get("/genebank/smta", headers=bank["first"]).status_code == 403


def test_request_pages_keep_each_requester_to_their_own(
    client: TestClient, bank: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pages, "PAGE_ROWS", 2)
    mine, theirs = bank["requests"][bank["first_id"]], bank["requests"][bank["second_id"]]
    seen = _html_pages(client, "/genebank/my-requests?lang=en", bank["first"])
    shown = [int(i) for text in seen for i in REQUEST_SECTION.findall(text)]
    assert shown == sorted(mine, reverse=True) and len(seen) == 2
    seen = _html_pages(client, "/genebank/my-requests?lang=en", bank["second"])
    assert [int(i) for text in seen for i in REQUEST_SECTION.findall(text)] == sorted(
        theirs, reverse=True
    )
    # The first requester's cursor on the second's list reads only the second's requests.
    first_page = client.get("/genebank/my-requests?lang=en", headers=bank["first"]).text
    cursor_url = html.unescape(NEXT_LINK.search(first_page).group(1))  # type: ignore[union-attr]
    other = client.get(cursor_url, headers=bank["second"])
    assert other.status_code == 200
    assert not set(map(int, REQUEST_SECTION.findall(other.text))) & set(mine)

    seen = _html_pages(client, "/genebank/requests?lang=en", bank["curator"])
    every = [int(i) for text in seen for i in REQUEST_SECTION.findall(text)]
    assert every == sorted(mine + theirs, reverse=True) and len(seen) == 3
    # The status filter is kept in the "Next page" link.
    seen = _html_pages(client, "/genebank/requests?lang=en&status=requested", bank["curator"])
    assert all("status=requested" in NEXT_LINK.search(t).group(1) for t in seen[:-1])  # type: ignore[union-attr]
    assert [int(i) for t in seen for i in REQUEST_SECTION.findall(t)] == every
    seen = _html_pages(client, "/genebank/requests?status=cancelled", bank["curator"])
    assert [int(i) for t in seen for i in REQUEST_SECTION.findall(t)] == [bank["cancelled"]]
    seen = _html_pages(client, "/genebank/my-requests?status=cancelled", bank["second"])
    assert REQUEST_SECTION.findall(seen[0]) == []

    # A requester never reaches the curators' list, not even with a valid cursor.
    assert (
        client.get(cursor_url.replace("my-requests", "requests"), headers=bank["first"]).status_code
        == 403
    )
    bad = client.get(
        "/genebank/my-requests",
        params={"after": _tampered(cursor_url.split("after=")[1])},
        headers=bank["first"],
    )
    assert bad.status_code == 400
    assert client.get("/genebank/requests?status=lost", headers=bank["curator"]).status_code == 422


def test_regeneration_queue_api_and_dashboard_pages(
    client: TestClient,
    bank: dict[str, Any],
    loaded_registry: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with loaded_registry() as session:
        queue = service.regeneration_queue(session, cli_principal())
    order = [s.lot.id for s in queue]
    alerts = [s.lot.id for s in queue if "below_three_sowings" in s.reasons]
    assert len(order) > 4 and len(alerts) >= 4
    walked = _walk(client, "/api/v1/genebank/regeneration-queue?limit=2", bank["curator"])
    assert _ids(walked, lambda s: s["lot"]["id"]) == order
    walked = _walk(
        client,
        "/api/v1/genebank/regeneration-queue?limit=2&reason=below_three_sowings",
        bank["viewer"],
    )
    assert _ids(walked, lambda s: s["lot"]["id"]) == alerts
    assert all("below_three_sowings" in s["reasons"] for items in walked for s in items)
    cursor = client.get(
        "/api/v1/genebank/regeneration-queue?limit=2", headers=bank["curator"]
    ).json()["next"]
    bad = client.get(
        "/api/v1/genebank/regeneration-queue",
        params={"after": _tampered(cursor)},
        headers=bank["curator"],
    )
    assert bad.status_code == 400
    refused = client.get(
        "/api/v1/genebank/regeneration-queue", params={"after": cursor}, headers=bank["first"]
    )
    assert refused.status_code == 403

    monkeypatch.setattr(pages, "PAGE_ROWS", 2)
    seen = _html_pages(client, "/genebank/curator?lang=en", bank["curator"])
    assert [int(i) for t in seen for i in QUEUE_ROW.findall(t)] == order
    seen = _html_pages(client, "/genebank/curator?reason=below_three_sowings", bank["curator"])
    assert all("reason=below_three_sowings" in NEXT_LINK.search(t).group(1) for t in seen[:-1])  # type: ignore[union-attr]
    assert [int(i) for t in seen for i in QUEUE_ROW.findall(t)] == alerts
    assert client.get("/genebank/curator?after=bad", headers=bank["curator"]).status_code == 400
    assert client.get("/genebank/curator", headers=bank["first"]).status_code == 403


def test_trait_definitions_api_and_page(
    client: TestClient, loaded_registry: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    with transaction(loaded_registry) as session:
        for n, crop in enumerate(["wheat", "barley", "wheat", "barley", "wheat"]):
            service.define_trait(
                session,
                cli_principal(),
                service.TraitIn(code=f"T{n}", name=f"Trait {n}", crop=crop, scale="numeric"),
            )
    walked = _walk(client, "/api/v1/genebank/traits?limit=2", {})
    assert [len(items) for items in walked] == [2, 2, 1]
    assert _ids(walked, lambda t: int(t["code"][1:])) == [0, 1, 2, 3, 4]
    wheat = _walk(client, "/api/v1/genebank/traits?limit=2&crop=wheat", {})
    assert _ids(wheat, lambda t: int(t["code"][1:])) == [0, 2, 4]
    cursor = client.get("/api/v1/genebank/traits?limit=2").json()["next"]
    bad = client.get("/api/v1/genebank/traits", params={"after": _tampered(cursor)})
    assert bad.status_code == 400
    monkeypatch.setattr(pages, "PAGE_ROWS", 2)
    seen = _html_pages(client, "/genebank/traits?lang=en", {})
    assert [c for t in seen for c in re.findall(r'data-trait="([^"]+)"', t)] == [
        f"T{n}" for n in range(5)
    ]
