"""Shared fixtures: a migrated database on SQLite and (when configured) PostgreSQL, the app.

Database-backed tests take the ``database_url`` fixture, which runs each test once on SQLite
and once on PostgreSQL when ``IOFS_TEST_DATABASE_URL`` is set (``make test`` in CI sets it).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from iofs.config import Settings
from iofs.db import make_engine, make_session_factory, upgrade
from iofs.models import Base

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
POSTGRES_URL = os.environ.get("IOFS_TEST_DATABASE_URL")
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The reference datasets beside the project; tests using them skip when absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference datasets not found at {SHARED_DATA} (only on dev/CI machines)")
    return SHARED_DATA


def _postgres_schema_url(base: str, schema: str) -> str:
    url = make_url(base)
    return url.set(query={**url.query, "options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def migrated_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database migrated to head, once per test session and backend."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "iofs.sqlite3"
        url = f"sqlite:///{path}"
        upgrade(url)
        yield url
        return
    if not POSTGRES_URL:
        pytest.skip(
            "PostgreSQL not configured: set IOFS_TEST_DATABASE_URL "
            "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)"
        )
    schema = f"iofs_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = _postgres_schema_url(POSTGRES_URL, schema)
    try:
        upgrade(url)
        yield url
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _empty_all_tables(engine: Engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as connection:
        connection.execute(
            text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
        )


@pytest.fixture
def database_url(migrated_database: str, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database for one test (SQLite, then PostgreSQL).

    SQLite: a copy of the migrated template file. PostgreSQL: the session's schema, emptied
    with TRUNCATE (which the audit log's append-only row triggers do not block).
    """
    if migrated_database.startswith("sqlite"):
        template = Path(make_url(migrated_database).database or "")
        copy = tmp_path / "iofs.sqlite3"
        shutil.copyfile(template, copy)
        yield f"sqlite:///{copy}"
        return
    engine = make_engine(migrated_database)
    _empty_all_tables(engine)
    engine.dispose()
    yield migrated_database


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings of a test installation: its own data dir and database."""
    return Settings(
        env="test", data_dir=tmp_path / "var", database_url=database_url, secret_key=TEST_SECRET
    )


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def loaded_registry(session_factory: sessionmaker[Session]) -> sessionmaker[Session]:
    """The member-state reference data loaded."""
    from iofs.db import transaction
    from iofs.members import service

    with transaction(session_factory) as session:
        service.load_reference(session)
    return session_factory


@pytest.fixture
def client(settings: Settings, loaded_registry: sessionmaker[Session]) -> Iterator[TestClient]:
    """A test client of the app, with the reference data loaded."""
    from iofs.web.app import create_app

    app = create_app(settings)
    with TestClient(app) as test_client:
        yield test_client
    app.state.engine.dispose()


# --- accounts -----------------------------------------------------------------------------

PASSWORD = "correct horse battery staple"
ORIGIN = "http://testserver"


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing() -> Iterator[None]:
    """Argon2id with small parameters so that tests creating many users stay fast.

    Still real argon2 (the production parameters are pwdlib's recommended ones); the rehash
    test switches back to them to prove outdated hashes are upgraded at sign-in.
    """
    from pwdlib import PasswordHash
    from pwdlib.hashers.argon2 import Argon2Hasher

    from iofs.accounts import passwords

    original = passwords._hasher
    passwords.set_hasher(
        PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
    )
    yield
    passwords.set_hasher(original)


def make_user(
    factory: sessionmaker[Session],
    email: str,
    role: str,
    scopes: tuple[str, ...] = (),
    password: str = PASSWORD,
) -> tuple[int, str]:
    """Create a user with one role and an API token; returns (user id, raw token)."""
    from iofs.accounts import service
    from iofs.db import transaction
    from iofs.roles import Role

    with transaction(factory) as session:
        user = service.create_user(
            session,
            service.cli_principal(),
            email=email,
            display_name=email.split("@")[0],
            password=password,
            grants=[service.RoleGrant(Role(role), scopes)],
        )
        raw, _token = service.create_token(session, service.cli_principal(), user.id, name="tests")
        return user.id, raw


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> Any:
    """Sign in through the form as a browser would (same-origin)."""
    return client.post(
        "/signin",
        data={"email": email, "password": password, "next": "/"},
        headers={"Origin": ORIGIN},
        follow_redirects=False,
    )
