"""Fixtures of the fetch tests: the local HDX-shaped server and a job context."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy.orm import Session, sessionmaker

from iofs.config import Settings
from tests.fetching.server import HdxServer, start


@pytest.fixture
def hdx() -> Iterator[HdxServer]:
    """A local server speaking HTTP like HDX's CKAN and file hosts do."""
    state, httpd = start()
    yield state
    state.release.set()
    httpd.shutdown()
    httpd.server_close()


@dataclass
class Context:
    """A :class:`iofs.jobs.kinds.JobContext` of the tests: keeps what the job reports."""

    settings: Settings
    session_factory: sessionmaker[Session]
    job_id: int | None = None
    owner_id: int | None = None
    reported: list[tuple[float, float | None, str]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def progress(self, done: float, total: float | None = None, message: str = "") -> None:
        self.reported.append((done, total, message))

    def log(self, message: str) -> None:
        self.lines.append(message)


@pytest.fixture
def fetch_settings(settings: Settings, hdx: HdxServer) -> Settings:
    """The test installation's settings pointing at the local server, quick retries."""
    return settings.model_copy(
        update={"fetch_hdx_url": hdx.base_url, "fetch_retries": 0, "fetch_backoff": 0.0}
    )


@pytest.fixture
def context(fetch_settings: Settings, session_factory: sessionmaker[Session]) -> Context:
    return Context(fetch_settings, session_factory, job_id=7)
