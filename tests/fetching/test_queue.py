"""The fetch job kinds run by the job queue's own runner (iofs.jobs.runner.execute): the job
is recorded, the fetch runs carry its id, a failed source fails the job with its sentence."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from iofs.config import Settings
from iofs.fetching.runs import runs_of
from iofs.jobs import queue
from iofs.jobs.models import Job
from iofs.jobs.runner import execute
from iofs.jobs.service import kinds
from tests.fetching.fixtures import price_csv
from tests.fetching.server import HdxServer

AFG = "wfp-food-prices-for-afghanistan"
AFG_PATH = "/dataset/afg/resource/1/download/wfp_food_prices_afg.csv"


def _submit_and_run(
    factory: sessionmaker[Session], settings: Settings, params: dict[str, object]
) -> tuple[int, Job | None, object]:
    registry = kinds()
    name = queue.worker_name("#test")
    with factory() as session:
        job = queue.submit(session, registry, "prices.fetch", params, None, "en", running_by=name)
        session.commit()
        job_id = job.id
    outcome = execute(job_id, name, settings, factory, registry)
    with factory() as session:
        return job_id, session.get(Job, job_id), outcome


def test_prices_fetch_job_through_the_queue(
    fetch_settings: Settings, session_factory: sessionmaker[Session], hdx: HdxServer
) -> None:
    hdx.publish(AFG, "wfp_food_prices_afg.csv", AFG_PATH, price_csv())
    job_id, job, outcome = _submit_and_run(session_factory, fetch_settings, {"countries": ["AFG"]})
    assert outcome.state == "succeeded", outcome.error  # type: ignore[attr-defined]
    assert job is not None and job.result["rows_added"] == 48
    assert any("WFP prices AFG: fetched" in line for line in job.log.splitlines())
    with session_factory() as session:
        (run,) = runs_of(session, "prices:AFG")
        assert run.job_id == job_id and run.status == "fetched"

    hdx.datasets[AFG] = [("wfp_food_prices_afg.csv", "/gone.csv")]
    _job_id, failed, outcome = _submit_and_run(
        session_factory, fetch_settings, {"countries": ["AFG"]}
    )
    assert outcome.state == "failed"  # type: ignore[attr-defined]
    assert failed is not None and failed.error is not None
    assert "/gone.csv: not found on the server (HTTP 404)." in failed.error
