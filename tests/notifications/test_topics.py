"""The other topics at the SMTP server: partnership deadlines, the review queue (maker–checker)
and job completion, with the digest run as a background job of the real queue."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session, sessionmaker

from iofs.accounts.service import cli_principal
from iofs.config import Settings
from iofs.db import transaction
from iofs.notifications import digest
from tests.notifications.conftest import (
    Inbox,
    create_user,
    mail_settings,
    principal_of,
    subscribe,
)


def _text(message: object) -> str:
    return str(message.get_body(preferencelist=("plain",)).get_content())  # type: ignore[attr-defined]


def test_partnership_deadlines_and_review_queue(
    loaded_registry: sessionmaker[Session], settings: Settings, smtp: tuple[Inbox, int]
) -> None:
    from iofs.programmes import demo
    from iofs.programmes.contributions import put_contribution
    from iofs.strategy import partnerships

    inbox, port = smtp
    today = date.today()
    with transaction(loaded_registry) as session:
        demo.load(session, cli_principal())
        agreement = partnerships.put_agreement(
            session,
            cli_principal(),
            {
                "title": "MoU with the Arab Organization for Agricultural Development",
                "kind": "mou",
                "signed_on": today - timedelta(days=700),
                "expires_on": today + timedelta(days=20),
                "notice_days": 0,
            },
        )
        partnerships.add_obligation(
            session,
            cli_principal(),
            agreement.id,
            {"description": "Annual joint report", "due_on": today - timedelta(days=3)},
        )
    checker = create_user(loaded_registry, "checker@iofs.example", "secretariat", "fr")
    maker = create_user(loaded_registry, "maker@iofs.example", "secretariat")
    with transaction(loaded_registry) as session:
        put_contribution(
            session,
            principal_of(loaded_registry, maker),
            {
                "reference": "NOTIFY-PENDING",
                "donor": "KAZ",
                "appeal": "F4H-GAZA",
                "status": "paid",
                "decided_on": date(2025, 1, 10),
                "amount": "777",
            },
        )
    for user in (checker, maker):
        subscribe(
            loaded_registry,
            user,
            {"topic": "partnership_deadlines"},
            {"topic": "review_queue"},
        )
    report = digest.run_digest(loaded_registry, mail_settings(settings, port), today=today)
    assert report.sent == 2
    [french] = inbox.to("checker@iofs.example")
    text = _text(french)
    assert "Échéances des partenariats" in text and "Ma file de revue" in text
    assert "MoU with the Arab Organization for Agricultural Development" in text
    assert "Annual joint report" in text and "En retard depuis le" in text
    assert "NOTIFY-PENDING" in text and "saisi par maker@iofs.example" in text
    assert "https://iofs.example.org/programmes/review" in text
    assert f"https://iofs.example.org/partnerships#agreement-{agreement.id}" in text
    # the maker is not asked to review their own figure
    maker_text = _text(inbox.to("maker@iofs.example")[0])
    assert "NOTIFY-PENDING" not in maker_text and "Annual joint report" in maker_text


def test_job_completion_through_the_digest_job(
    monitored: sessionmaker[Session], settings: Settings, smtp: tuple[Inbox, int]
) -> None:
    from iofs.jobs import queue
    from iofs.jobs.runner import execute
    from iofs.jobs.service import kinds

    inbox, port = smtp
    config = mail_settings(settings, port)
    user = create_user(monitored, "analyst@iofs.example")
    subscribe(monitored, user, {"topic": "risk_watchlist"}, {"topic": "job_completion"})
    registry = kinds()
    assert "notifications.digest" in registry
    worker = queue.worker_name("#test")
    with monitored() as session:
        job = queue.submit(
            session,
            registry,
            "notifications.digest",
            {"frequency": "daily"},
            user,
            "en",
            running_by=worker,
        )
        session.commit()
        job_id = job.id
    outcome = execute(job_id, worker, config, monitored, registry)
    assert outcome.state == "succeeded", outcome.error
    assert outcome.result is not None and outcome.result["sent"] == 1
    [first] = inbox.messages
    assert "Afghanistan" in _text(first) and "E-mail digests" not in _text(first)

    # the next day: the finished digest job is news, the watchlist entry is not
    tomorrow = digest.run_digest(monitored, config, today=date.today() + timedelta(days=1))
    assert tomorrow.sent == 1
    text = _text(inbox.messages[1])
    assert "E-mail digests (finished)" in text
    assert f"https://iofs.example.org/jobs/{job_id}" in text
    assert "Afghanistan" not in text
