"""``iofs jobs …`` and the backup kind: exit codes and sentences, a foreground run recorded
as a job, schedules from the command line, and ``iofs jobs worker`` running a queued job and
stopping on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

from iofs.cli import app as cli_app
from iofs.config import Settings
from iofs.db import make_engine, make_session_factory
from iofs.jobs import service
from iofs.jobs.models import Job, JobSchedule
from tests.conftest import PROJECT_ROOT


def _env(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "IOFS_DATABASE_URL": settings.resolved_database_url,
        "IOFS_DATA_DIR": str(settings.data_dir),
        "IOFS_SECRET_KEY": settings.secret_key or "",
        "IOFS_JOBS_URL": settings.jobs_url,
    }


def _run(settings: Settings, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli_app, list(args), env=_env(settings))
    return result.exit_code, " ".join(result.output.split())


def test_run_backup_in_the_foreground_keeps_the_newest(settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    for _ in range(3):
        code, output = _run(
            settings,
            "jobs",
            "run",
            "backup.snapshot",
            "--param",
            f"directory={folder}",
            "--param",
            "keep=2",
        )
        assert code == 0, output
        assert "succeeded" in output and '"tables"' in output
        time.sleep(1.1)  # archive names carry the second
    archives = sorted(folder.glob("iofs-backup-*.tar.gz"))
    assert len(archives) == 2
    factory = make_session_factory(make_engine(settings.resolved_database_url))
    with factory() as session:
        jobs = session.query(Job).order_by(Job.id).all()
        assert [job.state for job in jobs] == ["succeeded"] * 3
        assert jobs[-1].result is not None and len(jobs[-1].result["removed"]) == 1
        assert jobs[-1].result["archive"] == str(archives[-1])
    code, output = _run(settings, "jobs", "show", str(jobs[-1].id))
    assert code == 0 and "backup.snapshot" in output and "removed" in output


def test_input_errors_exit_2_with_a_sentence(settings: Settings, tmp_path: Path) -> None:
    cases = [
        (["jobs", "run", "nothing.here"], "There is no job kind nothing.here"),
        (["jobs", "run", "backup.snapshot", "--param", "dir=x"], "takes the parameters"),
        (["jobs", "run", "backup.snapshot", "--param", "oops"], "write KEY=VALUE"),
        (
            [
                "jobs",
                "run",
                "backup.snapshot",
                "--param",
                f"directory={tmp_path}",
                "--param",
                "keep=0",
            ],
            "keep must be a whole number of at least 1, not 0.",
        ),
        (["jobs", "show", "999"], "There is no job 999."),
        (["jobs", "cancel", "999"], "There is no job 999."),
        (["jobs", "list", "--state", "done"], "--state must be one of"),
        (
            ["jobs", "schedule", "add", "backup.snapshot", "daily@25:00"],
            "hour must be between 0 and 23",
        ),
        (
            ["jobs", "schedule", "add", "backup.snapshot", "often"],
            "The cadence often is not one of",
        ),
        (["jobs", "schedule", "add", "nothing.here", "daily@02:00"], "no job kind"),
        (["jobs", "schedule", "enable", "999"], "There is no schedule 999."),
        (["jobs", "schedule", "remove", "999"], "There is no schedule 999."),
    ]
    for args, sentence in cases:
        code, output = _run(settings, *args)
        assert code == 2, (args, output)
        assert sentence in output and "Traceback" not in output, (args, output)


def test_schedules_from_the_command_line(settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    code, output = _run(
        settings,
        "jobs",
        "schedule",
        "add",
        "backup.snapshot",
        "weekly@sun@02:30",
        "--param",
        f"directory={folder}",
        "--param",
        "keep=4",
    )
    assert code == 0, output
    assert "schedule 1: backup.snapshot weekly@sun@02:30" in output
    code, output = _run(settings, "jobs", "schedule", "list", "--format", "json")
    assert code == 0 and '"weekly@sun@02:30"' in output and '"enabled": "yes"' in output
    assert _run(settings, "jobs", "schedule", "disable", "1")[0] == 0
    factory = make_session_factory(make_engine(settings.resolved_database_url))
    with factory() as session:
        schedule = session.get(JobSchedule, 1)
        assert schedule is not None and not schedule.enabled
        assert schedule.next_run_at.weekday() == 6
        assert (schedule.next_run_at.hour, schedule.next_run_at.minute) == (2, 30)
    assert _run(settings, "jobs", "schedule", "enable", "1")[0] == 0
    assert _run(settings, "jobs", "schedule", "remove", "1")[0] == 0
    with factory() as session:
        assert session.get(JobSchedule, 1) is None


def test_the_worker_runs_a_queued_job_and_stops_on_sigterm(
    settings: Settings, tmp_path: Path
) -> None:
    factory = make_session_factory(make_engine(settings.resolved_database_url))
    with factory() as session:
        job_id = service.submit(
            session, settings, "backup.snapshot", {"directory": str(tmp_path / "b"), "keep": 1}
        ).id
    environment = {**_env(settings), "IOFS_JOBS_POLL_SECONDS": "0.2"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "iofs.cli", "jobs", "worker", "--grace", "5"],
        cwd=PROJECT_ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        state = "queued"
        while time.monotonic() < deadline and state not in ("succeeded", "failed"):
            time.sleep(0.2)
            with factory() as session:
                job = session.get(Job, job_id)
                assert job is not None
                state = job.state
        assert state == "succeeded", state
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0, output
    assert "stopping (SIGTERM) after the current job" in output
