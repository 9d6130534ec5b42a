"""Submit, claim, run, succeed, fail and cancel, on the database queue and on Redis."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from iofs.config import Settings
from iofs.db import make_engine, make_session_factory
from iofs.jobs import queue, service
from iofs.jobs.models import Job, JobSchedule
from iofs.jobs.worker import Worker, run_pending
from tests.jobs.kinds_for_tests import KINDS


def _factory(settings: Settings) -> sessionmaker[Session]:
    return make_session_factory(make_engine(settings.resolved_database_url))


def _submit(settings: Settings, kind: str, **params: object) -> int:
    with _factory(settings)() as session:
        return service.submit(session, settings, kind, params, registry=KINDS).id


def _job(settings: Settings, job_id: int) -> Job:
    with _factory(settings)() as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def test_a_job_runs_and_succeeds_with_its_result(queue_settings: Settings) -> None:
    job_id = _submit(queue_settings, "tests.count", n=4)
    queued = _job(queue_settings, job_id)
    assert queued.state == "queued" and queued.attempts == 0
    assert run_pending(queue_settings, KINDS) == [job_id]
    job = _job(queue_settings, job_id)
    assert job.state == "succeeded"
    assert job.result == {"counted": 4, "url": "/jobs"}
    assert (job.progress_done, job.progress_total, job.percent) == (4.0, 4.0, 100.0)
    assert job.message == "step 4"
    assert "counted to 4" in job.log
    assert job.attempts == 1 and job.worker and job.error is None
    assert job.started_at and job.finished_at and job.finished_at >= job.started_at
    assert run_pending(queue_settings, KINDS) == []  # nothing runs twice


def test_jobs_run_oldest_first(queue_settings: Settings) -> None:
    ids = [_submit(queue_settings, "tests.count", n=1) for _ in range(3)]
    assert run_pending(queue_settings, KINDS) == ids


def test_bad_input_fails_with_the_sentence_and_details(queue_settings: Settings) -> None:
    rejected = _submit(queue_settings, "tests.reject", rows=3)
    refused = _submit(queue_settings, "tests.refuse")
    crashed = _submit(queue_settings, "tests.crash")
    run_pending(queue_settings, KINDS)
    job = _job(queue_settings, rejected)
    assert job.state == "failed"
    assert job.error == "Nothing was saved; problems found: 3."
    assert job.result == {"errors": [{"row": r, "reason": "bad"} for r in (1, 2, 3)]}
    assert _job(queue_settings, refused).error == "The file is not a workbook."
    crash = _job(queue_settings, crashed)
    assert crash.state == "failed"
    assert crash.error is not None and "RuntimeError" in crash.error


def test_unknown_kind_and_parameters_are_refused_at_submission(settings: Settings) -> None:
    import pytest

    from iofs.errors import InputError

    with _factory(settings)() as session:
        with pytest.raises(InputError, match=r"no job kind tests\.nothing"):
            service.submit(session, settings, "tests.nothing", registry=KINDS)
        with pytest.raises(InputError, match="takes the parameters n, pause"):
            service.submit(session, settings, "tests.count", {"m": 1}, registry=KINDS)
        assert session.scalar(select(func.count()).select_from(Job)) == 0


def test_a_queued_job_cancelled_never_runs(queue_settings: Settings) -> None:
    from iofs.accounts.service import cli_principal

    job_id = _submit(queue_settings, "tests.count")
    with _factory(queue_settings)() as session:
        assert (
            service.cancel_job(session, queue_settings, cli_principal(), job_id).state
            == "cancelled"
        )
    assert run_pending(queue_settings, KINDS) == []
    assert _job(queue_settings, job_id).state == "cancelled"


def test_a_running_job_cancelled_rolls_back(queue_settings: Settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import threading

    from iofs.accounts.service import cli_principal

    marker = tmp_path / "written"
    job_id = _submit(queue_settings, "tests.write_and_wait", marker=str(marker), seconds=30.0)
    worker = Worker(queue_settings, KINDS)
    thread = threading.Thread(target=worker.run_one, args=(0,))
    thread.start()
    try:
        for _ in range(400):
            if marker.exists():
                break
            thread.join(0.05)
        assert marker.exists()
        with _factory(queue_settings)() as session:
            service.cancel_job(session, queue_settings, cli_principal(), job_id)
        thread.join(20)
        assert not thread.is_alive()
    finally:
        worker.close()
    job = _job(queue_settings, job_id)
    assert job.state == "cancelled"
    assert job.error == "Cancelled before it finished; nothing was saved."
    with _factory(queue_settings)() as session:
        assert session.scalar(select(func.count()).select_from(JobSchedule)) == 0


def test_a_stopping_worker_puts_its_job_back(queue_settings: Settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import threading

    marker = tmp_path / "written"
    job_id = _submit(queue_settings, "tests.write_and_wait", marker=str(marker), seconds=30.0)
    worker = Worker(queue_settings, KINDS)
    thread = threading.Thread(target=worker.run_one, args=(0,))
    thread.start()
    try:
        for _ in range(400):
            if marker.exists():
                break
            thread.join(0.05)
        worker.stop(grace=0)
        thread.join(20)
        assert not thread.is_alive()
    finally:
        worker.close()
    job = _job(queue_settings, job_id)
    assert (job.state, job.worker, job.attempts) == ("queued", None, 1)
    assert "waits in the queue again" in job.log
    with _factory(queue_settings)() as session:
        assert session.scalar(select(func.count()).select_from(JobSchedule)) == 0
    # the next worker runs it to the end
    marker.unlink()
    with _factory(queue_settings)() as session:
        session.get(Job, job_id).params = {"marker": str(marker), "seconds": 0.0}  # type: ignore[union-attr]
        session.commit()
    if queue_settings.jobs_url != "database":
        from iofs.jobs.backends import backend_for

        backend_for(queue_settings).dispatch(job_id)
    assert run_pending(queue_settings, KINDS) == [job_id]
    assert _job(queue_settings, job_id).state == "succeeded"
    assert queue.LOG_LIMIT_BYTES > 0
