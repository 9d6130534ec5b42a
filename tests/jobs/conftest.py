"""Fixtures of the job queue tests: settings on each backend (the database itself, and the
Redis server of this machine with a queue name of the test's own)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from iofs.config import Settings

REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(params=["database", "redis"])
def queue_settings(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Settings]:
    """The test installation's settings with the job queue on ``database``, then Redis."""
    if request.param == "database":
        yield settings.model_copy(update={"jobs_heartbeat_seconds": 0.2})
        return
    if not redis_available():
        pytest.skip(f"Redis is not running at {REDIS_URL}")
    name = f"iofs:test:{uuid.uuid4().hex[:12]}"
    yield settings.model_copy(
        update={"jobs_url": f"{REDIS_URL}?queue={name}", "jobs_heartbeat_seconds": 0.2}
    )
    import redis

    redis.Redis.from_url(REDIS_URL).delete(name)


@pytest.fixture
def programme_data(loaded_registry: sessionmaker[Session]) -> sessionmaker[Session]:
    """The programmes demo data (the upload job's workbooks refer to its appeals)."""
    from iofs.accounts.service import cli_principal
    from iofs.db import transaction
    from iofs.programmes import demo

    with transaction(loaded_registry) as session:
        demo.load(session, cli_principal())
    return loaded_registry
