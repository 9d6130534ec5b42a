"""Pooled PostgreSQL connections: pinged after they lay idle, handed out at once when just used.

``iofs.db.make_engine`` pings a pooled connection only when it has been idle for longer than
``PING_AFTER_IDLE_S`` (``pool_pre_ping`` pinged at every checkout: a round trip per request).
A connection the server dropped while it lay in the pool must still be replaced unseen.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from iofs import db
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL,
    reason="PostgreSQL not configured: set IOFS_TEST_DATABASE_URL "
    "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)",
)

IDLE = 0.2  # seconds: the threshold these tests set


@pytest.fixture
def pings() -> list[int]:
    """One item per ping the engine sends."""
    return []


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch, pings: list[int]) -> Iterator[Engine]:
    """An engine of one pooled connection, pinging after :data:`IDLE` s; pings counted."""
    assert POSTGRES_URL
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", IDLE)
    made = db.make_engine(POSTGRES_URL, pool_size=1, max_overflow=0)
    ping = made.dialect.do_ping

    def counted(dbapi_connection: object) -> bool:
        pings.append(1)
        return ping(dbapi_connection)

    monkeypatch.setattr(made.dialect, "do_ping", counted)
    yield made
    made.dispose()


def backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_connection_used_a_moment_ago_is_handed_out_without_a_ping(
    engine: Engine, pings: list[int]
) -> None:
    first = backend_pid(engine)
    for _ in range(5):
        assert backend_pid(engine) == first  # the same pooled connection
    assert pings == []


def test_a_connection_idle_past_the_threshold_is_pinged_once(
    engine: Engine, pings: list[int]
) -> None:
    first = backend_pid(engine)
    time.sleep(IDLE + 0.1)
    assert backend_pid(engine) == first
    assert len(pings) == 1
    assert backend_pid(engine) == first  # just used again: no second ping
    assert len(pings) == 1


def test_a_connection_the_server_dropped_while_idle_is_replaced_unseen(
    engine: Engine, pings: list[int]
) -> None:
    assert POSTGRES_URL
    dropped = backend_pid(engine)
    other = db.make_engine(POSTGRES_URL)
    try:
        with other.begin() as connection:
            assert connection.execute(
                text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped}
            ).scalar_one()
    finally:
        other.dispose()
    time.sleep(IDLE + 0.1)
    replaced = backend_pid(engine)  # no error: the ping found it dead, the pool reconnected
    assert replaced != dropped
    assert len(pings) == 1
