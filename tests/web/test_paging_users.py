"""The users list (page /admin/users and GET /api/v1/users), keyset-paged by e-mail."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from iofs.accounts import service
from iofs.accounts.models import User
from iofs.db import transaction
from iofs.roles import Role
from tests.conftest import make_user, sign_in
from tests.web.api_pages import api_rows


def _many(factory: sessionmaker[Session], count: int) -> None:
    with transaction(factory) as session:
        for i in range(count):
            role = Role.FOCAL_POINT if i % 4 == 0 else Role.VIEWER
            service.create_user(
                session,
                service.cli_principal(),
                email=f"user{i:03d}@{'ministry' if i % 2 else 'iofs'}.example",
                display_name=f"User {i}",
                password="correct horse battery staple",
                grants=[service.RoleGrant(role, ("KAZ",) if role is Role.FOCAL_POINT else ())],
            )


def _walk(client: TestClient, url: str, headers: dict[str, str]) -> list[str]:
    return [u["email"] for u in api_rows(client, url, headers)]


def test_users_api_and_page_visit_every_user_once(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    _admin, token = make_user(loaded_registry, "admin@iofs.example", "admin")
    _many(loaded_registry, 150)
    with loaded_registry() as session:
        emails = sorted(session.execute(select(User.email)).scalars())
    auth = {"Authorization": f"Bearer {token}"}
    assert _walk(client, "/api/v1/users?limit=33", auth) == emails
    # odd numbers are the ministry's and focal points are multiples of 4: none match both
    assert _walk(client, "/api/v1/users?q=ministry&role=focal_point", auth) == []
    iofs_focal = sorted(f"user{i:03d}@iofs.example" for i in range(0, 150, 4))
    assert _walk(client, "/api/v1/users?limit=7&q=IOFS.example&role=focal_point", auth) == (
        iofs_focal
    )
    assert client.get("/api/v1/users?role=king", headers=auth).status_code == 422
    assert client.get("/api/v1/users?after=x.y", headers=auth).status_code == 400

    sign_in(client, "admin@iofs.example")
    url = "/admin/users?q=user"
    shown: list[str] = []
    while url:
        page = client.get(url)
        assert page.status_code == 200
        shown += re.findall(r'<tr data-email="([^"]+)">', page.text)
        found = re.search(r'<a class="pager-next" rel="next" href="([^"]+)"', page.text)
        url = found.group(1).replace("&amp;", "&") if found else ""
        assert not url or "q=user" in url
    assert shown == [e for e in emails if e.startswith("user")]
    assert client.get("/admin/users?role=").status_code == 200  # the form's "All"
