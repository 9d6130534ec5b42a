"""A scheduled fetch (issue 21, "done when"): a daily prices.fetch schedule, due, is run by the
job worker against the local server; it ingests, a later due run ingests the new rows."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from iofs.accounts.service import cli_principal
from iofs.config import Settings
from iofs.db import transaction
from iofs.fetching.runs import runs_of
from iofs.jobs import queue
from iofs.jobs.cadence import parse
from iofs.jobs.models import Job, JobSchedule
from iofs.jobs.schedules import add
from iofs.jobs.service import kinds
from iofs.jobs.worker import run_pending
from tests.fetching.fixtures import price_csv
from tests.fetching.server import HdxServer

AFG = "wfp-food-prices-for-afghanistan"
AFG_PATH = "/dataset/afg/resource/1/download/wfp_food_prices_afg.csv"


def _make_due(factory: sessionmaker[Session], schedule_id: int) -> None:
    with transaction(factory) as session:
        session.execute(
            update(JobSchedule)
            .where(JobSchedule.id == schedule_id)
            .values(next_run_at=queue.now() - timedelta(minutes=1))
        )


def test_scheduled_prices_fetch(
    fetch_settings: Settings, session_factory: sessionmaker[Session], hdx: HdxServer
) -> None:
    hdx.publish(AFG, "wfp_food_prices_afg.csv", AFG_PATH, price_csv(months=12))
    with transaction(session_factory) as session:
        schedule = add(
            session,
            cli_principal(),
            kinds(),
            "prices.fetch",
            {"countries": ["AFG"]},
            parse("daily@03:00"),
        )
        session.flush()
        schedule_id = schedule.id
    _make_due(session_factory, schedule_id)
    (first,) = run_pending(fetch_settings, schedules_too=True)
    hdx.publish(AFG, "wfp_food_prices_afg.csv", AFG_PATH, price_csv(months=18))
    _make_due(session_factory, schedule_id)
    (second,) = run_pending(fetch_settings, schedules_too=True)
    with session_factory() as session:
        jobs = [session.get(Job, first), session.get(Job, second)]
        assert [j.state for j in jobs if j] == ["succeeded", "succeeded"]
        assert [j.result["rows_added"] for j in jobs if j] == [24, 12]
        runs = runs_of(session, "prices:AFG")
        assert [(r.status, r.job_id) for r in runs] == [("fetched", second), ("fetched", first)]
