"""Shared fixtures: a migrated database on SQLite and (when configured) PostgreSQL, the app.

Database-backed tests take the ``database_url`` fixture, which runs each test once on SQLite
and once on PostgreSQL when ``IOFS_TEST_DATABASE_URL`` is set (``make test`` in CI sets it).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

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
        hide_password=False)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def migrated_database(request: pytest.FixtureRequest,
                      tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated to head, once per test session and backend."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "iofs.sqlite3"
        url = f"sqlite:///{path}"
        upgrade(url)
        yield url
        return
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL not configured: set IOFS_TEST_DATABASE_URL "
                    "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
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
        if engine.dialect.name == "postgresql":
            connection.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables)
                                    + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f'DELETE FROM "{table}"'))


@pytest.fixture
def database_url(migrated_database: str) -> Iterator[str]:
    """A migrated, empty database for one test (SQLite, then PostgreSQL)."""
    engine = make_engine(migrated_database)
    _empty_all_tables(engine)
    engine.dispose()
    yield migrated_database


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings of a test installation: its own data dir and database."""
    return Settings(env="test", data_dir=tmp_path / "var", database_url=database_url,
                    secret_key=TEST_SECRET)


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
