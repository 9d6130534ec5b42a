"""Workers racing for jobs, workers that vanish (stale heartbeats, SIGKILL), and schedules
queued exactly once however many workers look at them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from iofs.config import Settings
from iofs.db import make_engine, make_session_factory
from iofs.jobs import queue, schedules, service
from iofs.jobs.cadence import parse
from iofs.jobs.models import Job, JobSchedule
from iofs.jobs.worker import Worker
from tests.conftest import PROJECT_ROOT
from tests.jobs import kinds_for_tests
from tests.jobs.kinds_for_tests import KINDS

STOPPED = "The worker stopped while running this job; run it again."


def _factory(settings: Settings) -> sessionmaker[Session]:
    return make_session_factory(make_engine(settings.resolved_database_url))


def test_racing_workers_never_run_one_job_twice(queue_settings: Settings) -> None:
    factory = _factory(queue_settings)
    with factory() as session:
        ids = [
            service.submit(session, queue_settings, "tests.count", {"n": 1}, registry=KINDS).id
            for _ in range(40)
        ]
    kinds_for_tests.RUNS.clear()
    workers = [Worker(queue_settings, KINDS) for _ in range(4)]
    start = threading.Barrier(len(workers))

    def drain(worker: Worker) -> None:
        start.wait()
        idle = 0
        while idle < 3:  # a claim may lose a race; stop after three empty looks in a row
            idle = 0 if worker.run_one(0) is not None else idle + 1

    threads = [
        threading.Thread(target=drain, args=(w,), name=f"racer-{n}") for n, w in enumerate(workers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    for worker in workers:
        worker.close()
    runs = Counter(job_id for job_id, _thread in kinds_for_tests.RUNS)
    assert sorted(runs) == ids
    assert set(runs.values()) == {1}
    assert len({thread for _job, thread in kinds_for_tests.RUNS}) > 1  # they did share it
    with factory() as session:
        rows = session.execute(select(Job.state, Job.attempts, Job.worker)).all()
    assert {(state, attempts) for state, attempts, _w in rows} == {("succeeded", 1)}
    assert len({worker for _s, _a, worker in rows}) > 1


def _running(settings: Settings, worker: str, heartbeat_age: float) -> int:
    with _factory(settings)() as session:
        job = queue.submit(session, KINDS, "tests.count", {}, None)
        job.state, job.worker = "running", worker
        job.started_at = job.heartbeat_at = queue.now() - timedelta(seconds=heartbeat_age)
        session.commit()
        return job.id


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_stale_heartbeats_are_recovered_with_the_sentence(settings: Settings) -> None:
    here = queue.worker_name()
    host = here.rpartition(":")[0]
    old_elsewhere = _running(settings, "elsewhere.example:4242", 600)
    fresh_elsewhere = _running(settings, "elsewhere.example:4243", 1)
    old_but_alive_here = _running(settings, here, 600)  # SQLite: a long import's beats wait
    dead_here = _running(settings, f"{host}:{_dead_pid()}", 0)
    with _factory(settings)() as session:
        recovered = queue.recover_stale(session, stale_seconds=120)
    assert sorted(recovered) == sorted([old_elsewhere, dead_here])
    with _factory(settings)() as session:
        for job_id in recovered:
            job = session.get(Job, job_id)
            assert job is not None
            assert (job.state, job.error) == ("failed", STOPPED)
            assert job.finished_at is not None
        for job_id in (fresh_elsewhere, old_but_alive_here):
            assert session.get(Job, job_id).state == "running"  # type: ignore[union-attr]
        # the sentence in the job's language
        arabic = _running(settings, "elsewhere.example:1", 600)
        session.get(Job, arabic).language = "ar"  # type: ignore[union-attr]
        session.commit()
        queue.recover_stale(session, stale_seconds=120)
        error = session.get(Job, arabic).error  # type: ignore[union-attr]
        assert error and error != STOPPED


def test_a_killed_worker_leaves_the_job_failed_and_the_database_unchanged(
    queue_settings: Settings, tmp_path: Path
) -> None:
    marker = tmp_path / "written"
    factory = _factory(queue_settings)
    with factory() as session:
        job_id = service.submit(
            session,
            queue_settings,
            "tests.write_and_wait",
            {"marker": str(marker), "rows": 50},
            registry=KINDS,
        ).id
    url = queue_settings.resolved_database_url
    environment = {**os.environ, "IOFS_JOBS_URL": queue_settings.jobs_url}
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.jobs.worker_process", url, str(tmp_path / "var")],
        cwd=PROJECT_ROOT,
        env=environment,
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < deadline:
            assert process.poll() is None, "the worker exited before writing"
            time.sleep(0.05)
        assert marker.exists(), "the worker never started the job"
        with factory() as session:
            assert session.get(Job, job_id).state == "running"  # type: ignore[union-attr]
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(30)
    assert process.returncode == -signal.SIGKILL
    Worker(queue_settings, KINDS).housekeeping(force=True)
    with factory() as session:
        job = session.get(Job, job_id)
        assert job is not None
        assert (job.state, job.error) == ("failed", STOPPED)
        assert session.scalar(select(func.count()).select_from(JobSchedule)) == 0


def _due_schedule(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        cadence = parse("hourly@05")
        schedule = JobSchedule(
            kind="tests.count",
            params={"n": 1},
            cadence=cadence.kind,
            hour=0,
            minute=cadence.minute,
            enabled=True,
            next_run_at=queue.now() - timedelta(minutes=1),
            created_at=queue.now(),
        )
        session.add(schedule)
        session.commit()
        return schedule.id


def _look(worker: Worker, start: threading.Barrier) -> None:
    start.wait()
    worker.housekeeping(force=True)


def test_a_due_schedule_is_queued_exactly_once_across_workers(queue_settings: Settings) -> None:
    factory = _factory(queue_settings)
    schedule_id = _due_schedule(factory)
    workers = [Worker(queue_settings, KINDS) for _ in range(3)]
    for round_ in range(4):
        start = threading.Barrier(len(workers))

        threads = [threading.Thread(target=_look, args=(w, start)) for w in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        with factory() as session:
            jobs = list(session.scalars(select(Job).order_by(Job.id)))
            schedule = session.get(JobSchedule, schedule_id)
            assert schedule is not None
            assert len(jobs) == round_ + 1
            assert schedule.last_job_id == jobs[-1].id
            assert schedule.next_run_at > queue.now()
            assert schedule.next_run_at.minute == 5
            schedule.next_run_at = queue.now() - timedelta(seconds=30)  # due again
            session.commit()
    ran = 0
    for worker in workers:
        while worker.run_one(0) is not None:
            ran += 1
        worker.close()
    assert ran == 4


def test_disabled_and_future_schedules_wait(settings: Settings) -> None:
    factory = _factory(settings)
    schedule_id = _due_schedule(factory)
    with factory() as session:
        session.get(JobSchedule, schedule_id).enabled = False  # type: ignore[union-attr]
        session.commit()
    assert schedules.enqueue_due(factory, KINDS) == []
    with factory() as session:
        schedule = session.get(JobSchedule, schedule_id)
        assert schedule is not None
        schedule.enabled = True
        schedule.next_run_at = queue.now() + timedelta(minutes=5)
        session.commit()
    assert schedules.enqueue_due(factory, KINDS) == []
