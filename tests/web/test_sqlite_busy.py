"""SQLite while another write holds the database (#21 item 3): a write waits behind the busy
timeout and succeeds; one that waits longer than it answers 503 with a sentence saying the
database is busy (not that it cannot be reached, not a 500) and nothing is saved."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from iofs import db
from iofs.config import Settings
from iofs.web.app import create_app
from tests.conftest import make_user


def _hold_write_lock(
    path: str, seconds: float | None, held: threading.Event, answered: threading.Event
) -> None:
    """Hold SQLite's write lock for ``seconds``, or (None) until the request is answered: on a
    busy machine a request can take longer than any fixed hold to reach its write."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")  # the write lock, as a long import holds it
    held.set()
    if seconds is None:
        answered.wait(60)
    else:
        time.sleep(seconds)
    connection.execute("ROLLBACK")
    connection.close()


@pytest.mark.parametrize(("timeout_ms", "hold_s", "status"), [(3_000, 0.5, 200), (200, None, 503)])
def test_a_write_behind_another_waits_or_is_told_the_database_is_busy(
    settings: Settings,
    loaded_registry: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
    timeout_ms: int,
    hold_s: float | None,
    status: int,
) -> None:
    if not settings.resolved_database_url.startswith("sqlite"):
        pytest.skip("SQLite's single writer; PostgreSQL writers lock rows, not the database")
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", timeout_ms)
    _, token = make_user(loaded_registry, "writer@iofs.example", "admin")
    path = make_url(settings.resolved_database_url).database or ""
    with TestClient(create_app(settings)) as client:
        held, answered = threading.Event(), threading.Event()
        holder = threading.Thread(target=_hold_write_lock, args=(path, hold_s, held, answered))
        holder.start()
        held.wait(10)
        begin = time.monotonic()
        answer = client.put(
            "/api/v1/partnerships/partners?lang=fr",
            headers={"Authorization": f"Bearer {token}"},
            json={"name": "Queued partner", "kind": "other"},
        )
        answered.set()
        holder.join()
        assert answer.status_code == status, answer.text
        names = [p["name"] for p in client.get("/api/v1/partnerships/partners").json()]
        if status == 503:
            # told after the 200 ms set here, not the default 30 s (the lock is still held)
            assert time.monotonic() - begin < 20
            assert answer.headers["Retry-After"] == "5"
            assert "occupée" in answer.json()["detail"]
            assert "Queued partner" not in names
        else:
            assert "Queued partner" in names
