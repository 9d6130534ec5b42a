"""Issue 21's "done when", end to end: a scheduled fetch from the local server ingests the real
Afghan WFP prices, and a user subscribed to Afghanistan's price alerts then receives the digest
at the local SMTP server. Before the fetch, the same digest run has nothing to send them."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from iofs.accounts.service import cli_principal
from iofs.config import Settings
from iofs.db import transaction
from iofs.jobs import queue
from iofs.jobs.cadence import parse
from iofs.jobs.models import Job, JobSchedule
from iofs.jobs.schedules import add
from iofs.jobs.service import kinds
from iofs.jobs.worker import run_pending
from iofs.notifications import digest
from tests.fetching.server import HdxServer
from tests.notifications.conftest import (  # noqa: F401 - the SMTP server fixture
    Inbox,
    create_user,
    mail_settings,
    smtp,
    subscribe,
)

TODAY = date(2026, 12, 2)
AFG_FILE = "wfp_food_prices_afg.csv"


def test_a_scheduled_fetch_feeds_the_price_alert_digest_of_a_subscriber(
    shared_data: Path,
    fetch_settings: Settings,
    loaded_registry: sessionmaker[Session],
    hdx: HdxServer,
    smtp: tuple[Inbox, int],  # noqa: F811
) -> None:
    inbox, port = smtp
    hdx.publish(
        "wfp-food-prices-for-afghanistan",
        AFG_FILE,
        f"/dataset/afg/resource/r/download/{AFG_FILE}",
        (shared_data / "wfp" / "country" / AFG_FILE).read_bytes(),
    )
    reader = create_user(loaded_registry, "analyst@fetch.example", language="fr")
    subscribe(loaded_registry, reader, {"topic": "price_alerts", "states": ["AFG"]})
    config = mail_settings(fetch_settings, port)

    before = digest.run_digest(loaded_registry, config, "daily", today=TODAY)
    assert before.sent == 0 and inbox.messages == []  # no prices yet, nothing to tell

    with transaction(loaded_registry) as session:
        schedule = add(
            session, cli_principal(), kinds(), "prices.fetch", {"countries": ["AFG"]},
            parse("daily@03:00"),
        )  # fmt: skip
        session.flush()
        schedule_id = schedule.id
        session.execute(
            update(JobSchedule)
            .where(JobSchedule.id == schedule_id)
            .values(next_run_at=queue.now() - timedelta(minutes=1))
        )
    (job_id,) = run_pending(config, schedules_too=True)
    with loaded_registry() as session:
        job = session.get(Job, job_id)
        assert job is not None and job.state == "succeeded", job and job.error
        assert job.result is not None
        assert job.result["rows_added"] == 33_511  # the real file's rows (SOURCES-real.md)

    after = digest.run_digest(loaded_registry, config, "daily", today=TODAY)
    assert (after.sent, after.failed) == (1, 0)
    [message] = inbox.to("analyst@fetch.example")
    text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert message["Content-Language"] == "fr"
    assert "Afghanistan" in text and "https://iofs.example.org/prices/AFG" in text
