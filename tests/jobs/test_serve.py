"""``iofs serve`` runs the embedded job worker by default, and not with
``IOFS_JOBS_EMBEDDED=false``."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from iofs.config import Settings
from iofs.db import make_engine, make_session_factory
from iofs.jobs import service
from iofs.jobs.models import Job
from tests.conftest import PROJECT_ROOT


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(settings: Settings, embedded: bool) -> tuple[subprocess.Popen[str], str]:
    port = _port()
    environment = {
        **os.environ,
        "IOFS_DATABASE_URL": settings.resolved_database_url,
        "IOFS_DATA_DIR": str(settings.data_dir),
        "IOFS_SECRET_KEY": settings.secret_key or "",
        "IOFS_JOBS_POLL_SECONDS": "0.2",
        "IOFS_JOBS_EMBEDDED": "true" if embedded else "false",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "iofs.cli", "serve", "--port", str(port), "--workers", "1"],
        cwd=PROJECT_ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/healthz"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[0]
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return process, url
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("iofs serve did not answer /healthz")


def _state(settings: Settings, job_id: int) -> str:
    with make_session_factory(make_engine(settings.resolved_database_url))() as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job.state


def _submit(settings: Settings, folder: Path) -> int:
    with make_session_factory(make_engine(settings.resolved_database_url))() as session:
        return service.submit(
            session, settings, "backup.snapshot", {"directory": str(folder), "keep": 1}
        ).id


def test_serve_runs_queued_jobs_in_its_embedded_worker(settings: Settings, tmp_path: Path) -> None:
    job_id = _submit(settings, tmp_path / "backups")
    process, _url = _serve(settings, embedded=True)
    try:
        deadline = time.monotonic() + 90
        while _state(settings, job_id) in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _state(settings, job_id) == "succeeded"
        assert len(list((tmp_path / "backups").glob("iofs-backup-*.tar.gz"))) == 1
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=60)


def test_serve_without_the_embedded_worker_leaves_jobs_queued(
    settings: Settings, tmp_path: Path
) -> None:
    job_id = _submit(settings, tmp_path / "backups")
    process, _url = _serve(settings, embedded=False)
    try:
        time.sleep(2)  # ten poll intervals: an embedded worker would have claimed it
        assert _state(settings, job_id) == "queued"
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=60)
