"""Every write route × every role (and anonymous) → the expected allow or deny.

The routes come from the app's OpenAPI spec, so a new write route fails this test until it
declares a permission (``Depends(require(...))``) and the permission has a row in EXPECTED.
EXPECTED is written out by hand: it is the policy, not a copy of the code.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iofs.http.routes import api_routes
from iofs.http.security import Requirement
from tests.conftest import make_user

ROLES = ["admin", "secretariat", "focal_point", "donor", "genebank_curator", "viewer"]
SCOPES = {"focal_point": ("KAZ",), "donor": ("KAZ",)}
ALL = set(ROLES)

#: permission -> roles allowed at the route (focal points act for KAZ here).
EXPECTED: dict[str, set[str]] = {
    "accounts.users.manage": {"admin"},
    "accounts.users.read": {"admin", "secretariat"},
    "accounts.tokens.own": ALL,
    "accounts.password.own": ALL,
    "audit.read": {"admin", "secretariat"},
    "members.figures.write": {"admin", "secretariat", "focal_point"},
    "members.figures.publish": {"admin", "secretariat"},
    "strategy.framework.write": {"admin", "secretariat"},
    "programmes.manage": {"admin", "secretariat"},
    "programmes.contributions.write": {"admin", "secretariat"},
    "programmes.projects.write": {"admin", "secretariat", "focal_point"},
    "programmes.deliveries.write": {"admin", "secretariat", "focal_point"},
    "programmes.approve": {"admin", "secretariat"},
    "programmes.exchange": {"admin", "secretariat"},
    "programmes.read_pending": {"admin", "secretariat", "viewer", "focal_point", "donor"},
    "strategy.values.write": {"admin", "secretariat", "focal_point"},
    "strategy.values.review": {"admin", "secretariat"},
    "strategy.partnerships.write": {"admin", "secretariat"},
    "genebank.read_internal": {"admin", "secretariat", "viewer", "genebank_curator"},
    "genebank.passport.write": {"admin", "genebank_curator"},
    "genebank.collection.write": {"admin", "genebank_curator"},
    "genebank.distribute": {"admin", "genebank_curator"},
    "reserves.registry.write": {"admin", "secretariat"},
    "reserves.stock.write": {"admin", "secretariat", "focal_point"},
    "reserves.requests.write": {"admin", "secretariat", "focal_point"},
    "reserves.assess": {"admin", "secretariat"},
    "reserves.decide": {"admin", "secretariat"},
    "data.read": {"admin", "secretariat", "viewer"},
    "data.remove": {"admin", "secretariat"},
    "labels.edit": {"admin", "secretariat"},
    "notifications.subscribe": ALL,
    "jobs.own": ALL,
}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class _Params(dict[str, Any]):
    """Known path parameters; any other (a new module's ids) gets 1: a record that may not
    exist, which allowed callers see as 404/422 and denied ones as 401/403."""

    def __missing__(self, key: str) -> Any:
        return "KAZ" if key in {"iso3", "country"} else 1


def _requirements(route: APIRoute) -> list[str]:
    found: list[str] = []
    stack = [route.dependant]
    while stack:
        dependant = stack.pop()
        if isinstance(dependant.call, Requirement):
            found.append(dependant.call.permission)
        stack.extend(dependant.dependencies)
    return found


def _write_routes(client: TestClient) -> list[tuple[str, str, APIRoute]]:
    spec_paths = client.get("/openapi.json").json()["paths"]
    routes = []
    for path, route in api_routes(client.app.routes):  # type: ignore[attr-defined]
        if path in spec_paths:
            for method in sorted(route.methods & WRITE_METHODS):
                routes.append((method, path, route))
    return routes


def test_every_write_route_declares_a_known_permission(client: TestClient) -> None:
    routes = _write_routes(client)
    assert len(routes) >= 10
    missing = [f"{m} {p}" for m, p, r in routes if not _requirements(r)]
    assert not missing, f"write routes without a permission rule: {missing}"
    unknown = {perm for _m, _p, r in routes for perm in _requirements(r)} - set(EXPECTED)
    assert not unknown, f"permissions without a row in EXPECTED: {unknown}"


@pytest.fixture
def people(loaded_registry: sessionmaker[Session]) -> dict[str, dict[str, Any]]:
    from iofs.accounts import service
    from iofs.db import transaction
    from iofs.members import figures

    people: dict[str, dict[str, Any]] = {}
    for role in ROLES:
        user_id, token = make_user(
            loaded_registry, f"{role}@iofs.example", role, SCOPES.get(role, ())
        )
        with transaction(loaded_registry) as session:
            _raw, spare = service.create_token(
                session, service.cli_principal(), user_id, name="spare"
            )
            people[role] = {"user_id": user_id, "token": token, "spare_token": spare.id}
    target, _ = make_user(loaded_registry, "target@iofs.example", "viewer")
    with transaction(loaded_registry) as session:
        figure = figures.create_figure(
            session,
            service.cli_principal(),
            "KAZ",
            figures.FigureInput("population", 2024, "20000000"),
        )
        figure_id = figure.id
    for person in people.values():
        person["params"] = {
            "iso3": "KAZ",
            "user_id": target,
            "figure_id": figure_id,
            "token_id": person["spare_token"],
        }
    return people


def test_permission_matrix(client: TestClient, people: dict[str, dict[str, Any]]) -> None:
    failures = []
    for method, path, route in _write_routes(client):
        permission = _requirements(route)[0]
        for role in [*ROLES, "anonymous"]:
            person = people.get(role)
            params = person["params"] if person else people["viewer"]["params"]
            url = path.format_map(_Params(params))
            headers = (
                {"Authorization": f"Bearer {person['token']}"}
                if person
                else {"Origin": "http://testserver"}
            )
            # An empty body: allowed callers get past the permission check to validation (4xx
            # but never 401/403), so nothing is changed by this test.
            response = client.request(method, url, headers=headers, json={})
            denied = response.status_code in (401, 403)
            expected_denied = role not in EXPECTED[permission]
            if denied != expected_denied:
                failures.append(
                    f"{role:16} {method} {path} ({permission}) -> "
                    f"{response.status_code}, expected "
                    f"{'deny' if expected_denied else 'allow'}"
                )
            if role == "anonymous":
                assert response.status_code == 401, (method, path, response.status_code)
            assert response.status_code < 500, (role, method, path, response.text)
    assert not failures, "\n".join(failures)
