"""The labels page and API are keyset-paged with signed cursors: pages follow one another
without a repeat or a gap, the domain, language and "missing only" filters hold on every
page, a changed cursor is refused, and only the secretariat reaches any page of the list."""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import urlencode

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iofs.db import transaction
from iofs.http.paging import encode_cursor
from iofs.labels import service
from iofs.permissions import Principal
from iofs.roles import Role
from tests.conftest import ORIGIN, TEST_SECRET, make_user, sign_in
from tests.web.api_pages import api_rows

SECRETARIAT = Principal(user_id=None, roles={Role.SECRETARIAT: frozenset()}, label="tests:sec")


def _seed(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        service.seed(session)


def _rows(client: TestClient, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every row of the labels API with ``params``, following the ``Link`` page after page."""
    return api_rows(client, "/api/v1/labels?" + urlencode(params))


def _whole(factory: sessionmaker[Session], language: str, **where: Any) -> list[tuple[str, str]]:
    with factory() as session:
        page = service.labels_page(session, language, None, 100_000, "any", **where)
    assert page.next is None
    return [(row.domain, row.code) for row in page.items]


def test_labels_api_pages_follow_and_keep_filters(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    _seed(loaded_registry)
    params = {"domain": "commodity", "language": "fr", "limit": 40}
    first = client.get("/api/v1/labels", params=params).json()
    assert len(first["items"]) == 40 and first["next"]
    found = _rows(client, params)
    rows = [(row["domain"], row["code"]) for row in found]
    assert len(set(rows)) == len(rows) == 147  # no repeat; every commodity
    assert rows == _whole(loaded_registry, "fr", domain="commodity")
    assert {row["language"] for row in found} == {"fr"}
    # across domains: pages run on from one domain into the next
    everything = [(r["domain"], r["code"]) for r in _rows(client, {"limit": 500})]
    assert everything == _whole(loaded_registry, "en")
    assert len({domain for domain, _code in everything}) > 1

    # "missing only" holds on every page
    with transaction(loaded_registry) as session:
        for number in range(5):
            code = f"Test grain {number}"
            service.put_label(session, SECRETARIAT, "commodity", code, "en", code)
    missing = _rows(client, {"domain": "commodity", "language": "ar", "missing": True, "limit": 2})
    wanted = _whole(loaded_registry, "ar", domain="commodity", missing_only=True)
    assert len(wanted) >= 5 and ("commodity", "Test grain 3") in wanted
    assert [(r["domain"], r["code"]) for r in missing] == wanted
    assert all(row["text"] is None for row in missing)


def test_a_changed_or_foreign_cursor_is_refused(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    _seed(loaded_registry)
    cursor = client.get("/api/v1/labels", params={"limit": 3}).json()["next"]
    payload, tag = cursor.split(".")
    forged = encode_cursor(["commodity", "Rice"], scope="reserves.requests", secret=TEST_SECRET)
    for bad in (payload + "." + tag[1:], payload[1:] + "." + tag, "commodity|Rice", forged):
        answer = client.get("/api/v1/labels", params={"after": bad})
        assert answer.status_code == 400, bad
        assert "cursor" in answer.json()["detail"]
    _uid, _token = make_user(loaded_registry, "sec@paging.example", "secretariat")
    sign_in(client, "sec@paging.example")
    assert client.get("/labels", params={"after": forged}).status_code == 400


def _next(page: str) -> str:
    return html.unescape(page.split('class="pager-next" rel="next" href="', 1)[1].split('"')[0])


def test_labels_page_pages_keep_filters_and_permission(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    _seed(loaded_registry)
    make_user(loaded_registry, "fp@paging.example", "focal_point", ("KAZ",))
    make_user(loaded_registry, "sec@paging.example", "secretariat")
    sign_in(client, "sec@paging.example")
    first = client.get("/labels?domain=commodity&language=fr&lang=fr")
    assert first.status_code == 200
    assert "Page suivante" in first.text  # 147 commodities: pages of 100
    link = _next(first.text)
    assert link.startswith("/labels?") and "domain=commodity" in link and "language=fr" in link
    second = client.get(link)
    codes = [html.unescape(part.split('"', 1)[0]) for part in second.text.split('data-code="')[1:]]
    codes_first = [
        html.unescape(part.split('"', 1)[0]) for part in first.text.split('data-code="')[1:]
    ]
    assert len(codes_first) == 100 and len(codes) == 47 and not set(codes) & set(codes_first)
    assert [("commodity", c) for c in codes_first + codes] == _whole(
        loaded_registry, "fr", domain="commodity"
    )
    assert 'class="pager-next"' not in second.text and 'class="pager-first"' in second.text

    # saving a label on page 2 comes back to page 2; its notice does not follow the pager
    back = html.unescape(second.text.split('name="back" value="', 1)[1].split('"', 1)[0])
    assert "after=" in back
    saved = client.post(
        "/labels/edit",
        data={
            "domain": "commodity",
            "code": codes[0],
            "language": "fr",
            "text": "Nouveau nom",
            "back": back,
        },
        headers={"Origin": ORIGIN},
        follow_redirects=False,
    )
    assert saved.status_code == 303 and "after=" in saved.headers["location"]
    again = client.get(saved.headers["location"])
    assert 'id="label-saved"' in again.text and 'value="Nouveau nom"' in again.text
    first_link = again.text.split('class="pager-first" href="', 1)[1].split('"', 1)[0]
    assert "saved" not in first_link and "domain=commodity" in html.unescape(first_link)

    # the list is the secretariat's on every page
    client.cookies.clear()
    sign_in(client, "fp@paging.example")
    assert client.get(link).status_code == 403
    client.cookies.clear()
    assert client.get(link, follow_redirects=False).status_code == 401
