"""A live iofs server on a free loopback port and a Playwright-driven Debian Chromium.

Browser tests skip only when Chromium is absent on a developer's machine; in CI
(``CI=true``) a missing browser is an error.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import text

from iofs.config import Settings
from iofs.db import make_engine, make_session_factory, transaction, upgrade

CHROMIUM = os.environ.get("IOFS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


#: Users present in the live server's database (password: tests.conftest.PASSWORD).
BROWSER_USERS = [
    ("admin@iofs.example", "admin", ()),
    ("secretariat@iofs.example", "secretariat", ()),
    ("focal.kaz@iofs.example", "focal_point", ("KAZ",)),
    ("viewer@iofs.example", "viewer", ()),
    ("curator@iofs.example", "genebank_curator", ()),
    ("donor.kaz@iofs.example", "donor", ("KAZ",)),
    ("focal.pse@iofs.example", "focal_point", ("PSE",)),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """uvicorn serving the app in a background thread."""

    def __init__(self, settings: Settings) -> None:
        from iofs.web.app import create_app

        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.app = create_app(settings)
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the test server did not start within 20 s")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.app.state.engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def live_settings(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    """A seeded installation for the browser tests: SQLite, then PostgreSQL (own schema)."""
    from iofs.members import service
    from tests.conftest import POSTGRES_URL, _postgres_schema_url, make_user

    data_dir = tmp_path_factory.mktemp("live")
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{data_dir / 'iofs.sqlite3'}"
    else:
        if not POSTGRES_URL:
            pytest.skip("PostgreSQL not configured: set IOFS_TEST_DATABASE_URL")
        schema = f"iofs_live_{uuid.uuid4().hex[:10]}"
        with make_engine(POSTGRES_URL).begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = _postgres_schema_url(POSTGRES_URL, schema)
    settings = Settings(
        env="test",
        data_dir=data_dir,
        database_url=url,
        secret_key="browser-test-secret-key-0123456789abcdef",
    )
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        service.load_reference(session)
    for email, role, scopes in BROWSER_USERS:
        make_user(factory, email, role, scopes)
    engine.dispose()
    yield settings
    if schema is not None and POSTGRES_URL:
        admin = make_engine(POSTGRES_URL)
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def live_server(live_settings: Settings) -> Iterator[LiveServer]:
    with LiveServer(live_settings) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        if os.environ.get("CI"):
            pytest.fail(
                f"Chromium not found at {CHROMIUM}; CI must install it (apt-get install chromium)"
            )
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """A fresh browser page; fails the test on any request that leaves the loopback server."""
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    outside: list[str] = []
    errors: list[str] = []

    def check(route: Any) -> None:
        url = route.request.url
        if url.startswith(live_server.url) or url.startswith("data:"):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    page.route("**/*", check)
    page.set_default_timeout(15_000)
    page.on("pageerror", lambda error: errors.append(str(error)))
    # A refused sign-in answers 401/429 and a form with invalid input re-renders with 422, by
    # design; anything else logged as an error fails.
    expected = ("status of 401", "status of 429", "status of 422")
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and not any(e in message.text for e in expected)
            else None
        ),
    )
    yield page
    context.close()
    assert outside == [], f"pages requested outside resources: {outside}"
    assert errors == [], f"browser errors: {errors}"
