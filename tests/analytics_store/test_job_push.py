"""A background job that writes to the analytics store is pushed to the shared store when it
ends (the hook in :func:`iofs.jobs.runner.execute`), on SQLite and PostgreSQL; the pull
thread of an app process then brings it to another data directory."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from iofs.analytics_store.background import Puller
from iofs.config import Settings
from iofs.db import make_engine, make_session_factory
from iofs.demo import ILLUSTRATIVE_PRICES
from iofs.jobs import service
from iofs.jobs.kinds import JobContext, JobKind
from iofs.jobs.models import Job
from iofs.jobs.worker import Worker
from tests.analytics_store.conftest import shared_settings, visible_bytes


def ingest_illustrative_prices(context: JobContext) -> dict[str, Any]:
    """Ingest the demo's illustrative price file (as the fetch jobs ingest theirs)."""
    from iofs.monitor.prices import ingest

    report = ingest.ingest_file(ILLUSTRATIVE_PRICES, context.settings.analytics_dir)
    return {"rows": report.rows}


KINDS = {
    "tests.ingest_prices": JobKind(
        "tests.ingest_prices",
        "tests.analytics_store.test_job_push:ingest_illustrative_prices",
        "Ingest illustrative prices",
    )
}


def test_a_job_is_pushed_when_it_ends_and_the_pull_thread_brings_it(
    settings: Settings, tmp_path: Path, s3_endpoint: str, bucket: str
) -> None:
    a = shared_settings(settings.data_dir, s3_endpoint, bucket, database_url=settings.database_url)
    b = shared_settings(tmp_path / "b", s3_endpoint, bucket, analytics_sync_seconds=0.2)
    factory = make_session_factory(make_engine(a.resolved_database_url))
    with factory() as session:
        job_id = service.submit(session, a, "tests.ingest_prices", {}, registry=KINDS).id
    worker = Worker(a, KINDS)
    try:
        assert worker.run_one(0) is not None
    finally:
        worker.close()
    with factory() as session:
        job = session.get(Job, job_id)
        assert job is not None and job.state == "succeeded", job.error if job else None
    assert visible_bytes(a.analytics_dir)

    puller = Puller(b)
    puller.start()
    try:
        deadline = time.monotonic() + 30
        while visible_bytes(b.analytics_dir) != visible_bytes(a.analytics_dir):
            assert time.monotonic() < deadline, puller.last_error
            time.sleep(0.1)
    finally:
        puller.stop()
    assert puller.pulls >= 1 and puller.last_error is None
