"""The audit log page and GET /api/v1/audit, keyset-paged by id (SQLite and PostgreSQL)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from iofs.accounts import service as accounts
from iofs.audit import service as audit
from iofs.audit.models import AuditEntry
from iofs.db import transaction
from tests.conftest import make_user, sign_in
from tests.web.api_pages import api_rows


def _queue(factory: sessionmaker[Session], record_type: str, count: int) -> None:
    with transaction(factory) as session:
        audit.created_many(
            session,
            accounts.cli_principal(),
            record_type,
            [(str(i), f'{{"n": {i}}}') for i in range(count)],
        )


def _api_walk(client: TestClient, url: str, headers: dict[str, str]) -> list[int]:
    return [e["id"] for e in api_rows(client, url, headers)]


def test_api_pages_visit_every_entry_once_newest_first(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    _, token = make_user(loaded_registry, "sec@iofs.example", "secretariat")
    auth = {"Authorization": f"Bearer {token}"}
    _queue(loaded_registry, "thing", 230)
    _queue(loaded_registry, "other", 30)
    with loaded_registry() as session:
        every = list(
            session.execute(select(AuditEntry.id).order_by(AuditEntry.id.desc())).scalars()
        )
        things = session.execute(
            select(func.count()).where(AuditEntry.record_type == "thing")
        ).scalar_one()
    assert things == 230

    assert _api_walk(client, "/api/v1/audit?limit=40", auth) == every
    only = _api_walk(client, "/api/v1/audit?limit=50&record_type=thing", auth)
    assert len(only) == len(set(only)) == 230 and only == sorted(only, reverse=True)
    both = _api_walk(client, "/api/v1/audit?limit=7&record_type=thing&record_id=12", auth)
    assert len(both) == 1
    nothing = _api_walk(client, "/api/v1/audit?record_type=other&since=2999-01-01", auth)
    assert nothing == []

    first = client.get("/api/v1/audit?limit=10", headers=auth).json()
    swapped = client.get(f"/api/v1/audit?limit=10&after={first['next']}X", headers=auth)
    assert swapped.status_code == 400 and "first page" in swapped.json()["detail"]
    assert client.get("/api/v1/audit?limit=5001", headers=auth).status_code == 422


def test_audit_page_pages_with_its_filters(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    make_user(loaded_registry, "sec@iofs.example", "secretariat")
    _queue(loaded_registry, "thing", 450)
    assert sign_in(client, "sec@iofs.example").status_code in (200, 303)
    url = "/audit?record_type=thing"
    shown: list[str] = []
    pages = 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        assert '<details class="filter-panel" open>' in response.text  # a filter is set
        shown += re.findall(r"<tr><td>(\d+)</td>", response.text)
        pages += 1
        found = re.search(r'<a class="pager-next" rel="next" href="([^"]+)"', response.text)
        url = found.group(1).replace("&amp;", "&") if found else ""
        if url:
            assert "record_type=thing" in url
    assert pages == 3 and len(shown) == len(set(shown)) == 450
    plain = client.get("/audit").text
    assert '<details class="filter-panel">' in plain and "First page" not in plain
