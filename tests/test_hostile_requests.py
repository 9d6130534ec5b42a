"""Hostile requests and a failing database, answered with a sentence (issue #20, items 8, 10).

Each test reproduces an attack of the issue: a huge body before authentication, a deeply
nested JSON, NUL bytes, cached signed-in pages, a forged Host, the database unreachable.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, FastAPI, File, Form, UploadFile
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from typer.testing import CliRunner

from iofs.config import Settings
from tests.conftest import ORIGIN, TEST_SECRET, make_user, sign_in
from tests.coroutines import run_apart

MB = 1 << 20
BOGUS = {"Authorization": "Bearer iofs_bogus_token"}
UNREACHABLE = "postgresql+psycopg://nobody@127.0.0.1:1/x"


def _stream(
    app: FastAPI, path: str, headers: dict[str, str], total: int, chunk: bytes = b" " * MB
) -> tuple[int, bytes, int]:
    """POST ``total`` bytes to ``app`` chunk by chunk, as a client streaming a body would.

    Returns the status, the response body and how many bytes the app pulled.
    """
    pulled = 0
    status = 0
    body = b""

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        if pulled >= total:
            return {"type": "http.request", "body": b"", "more_body": False}
        pulled += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": pulled < total}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, body
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body += message.get("body", b"")

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "server": ("testserver", 80),
        "client": ("198.51.100.1", 40000),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }
    run_apart(app, scope, receive, send)
    return status, body, pulled


# --- item 8: the body limit ---------------------------------------------------------------


def test_a_300_mb_body_with_a_bogus_token_is_refused_while_streaming(client: TestClient) -> None:
    status, body, pulled = _stream(
        client.app,
        "/api/v1/users",  # type: ignore[arg-type]
        {**BOGUS, "Content-Type": "application/json"},
        300 * MB,
    )
    assert pulled <= 26 * MB, f"read {pulled} bytes before answering {status}"
    assert status == 413, body[:200]
    assert "too large" in json.loads(body)["detail"]


def test_a_declared_content_length_over_the_limit_is_refused_before_reading(
    client: TestClient,
) -> None:
    status, body, pulled = _stream(
        client.app,
        "/api/v1/users",  # type: ignore[arg-type]
        {**BOGUS, "Content-Type": "application/json", "Content-Length": str(300 * MB)},
        300 * MB,
    )
    assert status == 413 and pulled == 0
    assert "25 MB" in json.loads(body)["detail"]


def test_a_route_may_declare_a_larger_limit(settings: Settings) -> None:
    from iofs.http.security import body_limit
    from iofs.web.app import create_app

    router = APIRouter()

    @router.post("/big")
    @body_limit(4 * MB)
    async def big(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    @router.post("/small")
    async def small(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    app = create_app(settings.model_copy(update={"max_request_bytes": 2 * MB}))
    app.include_router(router)
    status, body, _ = _stream(app, "/big", {"Sec-Fetch-Site": "same-origin"}, 3 * MB)
    assert status == 200 and json.loads(body) == {"size": 3 * MB}
    status, _, pulled = _stream(app, "/small", {"Sec-Fetch-Site": "same-origin"}, 3 * MB)
    assert status == 413 and pulled <= 3 * MB
    status, _, _ = _stream(app, "/big", {"Sec-Fetch-Site": "same-origin"}, 5 * MB)
    assert status == 413
    app.state.engine.dispose()


# --- item 10: hostile JSON and NUL bytes -------------------------------------------------


@pytest.fixture
def admin_auth(loaded_registry: sessionmaker[Session]) -> dict[str, str]:
    _, token = make_user(loaded_registry, "admin@iofs.example", "admin")
    return {"Authorization": f"Bearer {token}"}


def test_a_200000_deep_json_answers_422(client: TestClient, admin_auth: dict[str, str]) -> None:
    deep = b"[" * 200_000 + b"]" * 200_000
    response = client.post(
        "/api/v1/users", content=deep, headers={**admin_auth, "Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert "nested" in response.json()["detail"]


def test_a_nul_byte_in_json_text_answers_422(
    client: TestClient, admin_auth: dict[str, str]
) -> None:
    body = {
        "email": "nul@iofs.example",
        "display_name": "a\u0000b",
        "password": "a long enough password",
        "roles": [{"role": "viewer"}],
    }
    response = client.post("/api/v1/users", json=body, headers=admin_auth)
    assert response.status_code == 422
    assert "NUL" in response.json()["detail"]
    keyed = client.post("/api/v1/users", json={"x\u0000": 1}, headers=admin_auth)
    assert keyed.status_code == 422


def test_a_nul_byte_in_a_form_field_or_query_answers_422(client: TestClient) -> None:
    form = client.post(
        "/signin",
        data={"email": "a\x00@iofs.example", "password": "x"},
        headers={"Origin": ORIGIN, "Accept": "text/html"},
    )
    assert form.status_code == 422 and "NUL" in form.text
    query = client.get("/api/v1/members?q=%00")
    assert query.status_code == 422 and "NUL" in query.json()["detail"]


def test_a_nul_byte_in_a_multipart_text_field_answers_422_but_files_may_hold_any_byte(
    settings: Settings,
) -> None:
    from iofs.web.app import create_app

    router = APIRouter()

    @router.post("/evidence")
    async def evidence(
        comment: Annotated[str, Form()], file: Annotated[UploadFile, File()]
    ) -> dict[str, int]:
        return {"comment": len(comment), "file": len(await file.read())}

    app = create_app(settings)
    app.include_router(router)
    with TestClient(app) as client:
        binary = {"file": ("scan.bin", b"\x00\x01\x00" * 1000, "application/octet-stream")}
        ok = client.post(
            "/evidence", data={"comment": "fine"}, files=binary, headers={"Origin": ORIGIN}
        )
        assert ok.status_code == 200 and ok.json() == {"comment": 4, "file": 3000}
        refused = client.post(
            "/evidence", data={"comment": "bad\x00"}, files=binary, headers={"Origin": ORIGIN}
        )
        assert refused.status_code == 422 and "NUL" in refused.json()["detail"]
    app.state.engine.dispose()


# --- item 10: signed-in responses are not cached ------------------------------------------


def test_signed_in_pages_and_new_tokens_are_not_stored_by_caches(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    _, token = make_user(loaded_registry, "fp@kaz.example", "focal_point", ("KAZ",))
    assert "no-store" not in client.get("/").headers.get("cache-control", "")
    assert (
        client.post(
            "/signin", data={"email": "x@iofs.example", "password": "x"}, headers={"Origin": ORIGIN}
        ).headers["cache-control"]
        == "no-store"
    )
    sign_in(client, "fp@kaz.example")
    assert client.get("/account").headers["cache-control"] == "no-store"
    created = client.post("/account/tokens", data={"name": "t"}, headers={"Origin": ORIGIN})
    assert "iofs_" in created.text and created.headers["cache-control"] == "no-store"
    client.cookies.clear()
    api = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200 and api.headers["cache-control"] == "no-store"


# --- item 10: the Host header is not trusted for absolute links ---------------------------


def _host_request(host: str, **settings: Any) -> Request:
    app = SimpleNamespace(state=SimpleNamespace(settings=Settings(env="test", **settings)))
    return Request(
        {
            "type": "http",
            "method": "GET",
            "path": "/prices/alerts.atom",
            "app": app,
            "scheme": "http",
            "server": (host, 80),
            "query_string": b"",
            "headers": [(b"host", host.encode())],
        }
    )


def test_public_base_url_never_reflects_a_forged_host() -> None:
    from iofs.http.security import public_base_url

    assert public_base_url(_host_request("evil.example")) == "http://localhost"
    assert public_base_url(_host_request("localhost:8000")) == "http://localhost:8000"
    assert public_base_url(_host_request("127.0.0.1")) == "http://127.0.0.1"
    assert (
        public_base_url(_host_request("iofs.example.org", allowed_hosts="iofs.example.org"))
        == "http://iofs.example.org"
    )
    assert (
        public_base_url(_host_request("evil.example", public_url="https://iofs.example.org/"))
        == "https://iofs.example.org"
    )


# --- item 10: the database unreachable --------------------------------------------------


@pytest.mark.parametrize(
    "command", [["members", "list"], ["users", "list"], ["audit", "verify"], ["serve"]]
)
def test_cli_with_the_database_unreachable_prints_one_sentence(
    command: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from iofs.cli import app

    monkeypatch.setenv("IOFS_DATABASE_URL", UNREACHABLE)
    monkeypatch.setenv("IOFS_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    text = " ".join(result.output.split())  # the console wraps at its width
    assert text.startswith("error: the database (postgresql at 127.0.0.1:1/x) cannot be used")
    assert text.count("error:") == 1 and len(text) < 400


def test_server_with_the_database_unreachable_answers_503(tmp_path: Path) -> None:
    from iofs.web.app import create_app

    app = create_app(
        Settings(env="test", data_dir=tmp_path, database_url=UNREACHABLE, secret_key=TEST_SECRET)
    )
    with TestClient(app) as client:
        page = client.get("/members", headers={"Accept": "text/html"})
        assert page.status_code == 503 and "database" in page.text
        assert "Internal Server Error" not in page.text
        api = client.get("/api/v1/members")
        assert api.status_code == 503 and "database" in api.json()["detail"]
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.json()["status"] == "unavailable" and "database" in health.json()["reason"]
        ready = client.get("/readyz")
        assert ready.status_code == 503
    app.state.engine.dispose()


def test_readyz_checks_migrations(client: TestClient, tmp_path: Path) -> None:
    from iofs.web.app import create_app

    assert client.get("/readyz").status_code == 200
    assert client.get("/healthz").json()["status"] == "ok"
    empty = create_app(
        Settings(
            env="test",
            data_dir=tmp_path,
            database_url=f"sqlite:///{tmp_path / 'empty.sqlite3'}",
            secret_key=TEST_SECRET,
        )
    )
    with TestClient(empty) as fresh:
        assert fresh.get("/healthz").status_code == 200
        ready = fresh.get("/readyz")
        assert ready.status_code == 503 and "iofs db upgrade" in ready.json()["reason"]
    empty.state.engine.dispose()
