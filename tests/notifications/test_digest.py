"""Digests at a real SMTP server: in the reader's language, once per period, never the same
item twice, unsubscribe, failures recorded, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from datetime import date
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from iofs.cli import app as cli_app
from iofs.config import Settings
from iofs.notifications import digest
from iofs.notifications.models import DeliveredItem, SentMail, Subscription
from tests.notifications.conftest import (
    Inbox,
    create_user,
    free_port,
    mail_settings,
    subscribe,
)

TODAY = date(2026, 12, 2)


def _parts(message: object) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[attr-defined]
    html = message.get_body(preferencelist=("html",)).get_content()  # type: ignore[attr-defined]
    return text, html


def test_watchlist_and_price_digest_in_arabic_and_english(
    monitored: sessionmaker[Session], settings: Settings, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    config = mail_settings(settings, port)
    arabic = create_user(monitored, "amina@iofs.example", language="ar", name="أمينة")
    english = create_user(monitored, "john@iofs.example", language="en", name="John")
    for user in (arabic, english):
        subscribe(
            monitored,
            user,
            {"topic": "risk_watchlist"},
            {"topic": "price_alerts", "states": ["afg"]},
        )
    report = digest.run_digest(monitored, config, "daily", today=TODAY)
    assert (report.sent, report.failed) == (2, 0)
    assert len(inbox.peers) == 1, "one SMTP connection for the whole run"

    [message] = inbox.to("amina@iofs.example")
    text, html = _parts(message)
    assert message["Subject"].startswith("ملخص")  # the Arabic subject
    assert "أفغانستان" in text and "Afghanistan" not in text
    assert "أفغانستان" in html and 'dir="rtl"' in html and 'lang="ar"' in html
    assert "https://iofs.example.org/risk/AFG" in text
    assert 'href="https://iofs.example.org/prices/AFG"' in html
    assert "<bdi" in html  # figures isolated in the right-to-left HTML
    assert message["Content-Language"] == "ar"
    unsubscribe = message["List-Unsubscribe"].strip("<>")
    assert unsubscribe.startswith("https://iofs.example.org/notifications/unsubscribe?token=")
    assert unsubscribe in text

    [english_message] = inbox.to("john@iofs.example")
    english_text, english_html = _parts(english_message)
    assert english_message["Subject"].startswith("IOFS daily digest")
    assert "Afghanistan" in english_text and 'dir="ltr"' in english_html

    with monitored() as session:
        rows = session.scalars(select(SentMail).order_by(SentMail.recipient)).all()
        assert [(r.recipient, r.status, r.language, r.period) for r in rows] == [
            ("amina@iofs.example", "sent", "ar", "2026-12-02"),
            ("john@iofs.example", "sent", "en", "2026-12-02"),
        ]
        assert rows[0].message_id == message["Message-ID"]
        assert rows[0].items == len(report.recipients[0].items) >= 2


def test_a_rerun_sends_nothing_twice(
    monitored: sessionmaker[Session], settings: Settings, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    config = mail_settings(settings, port)
    user = create_user(monitored, "fp@iofs.example", language="fr")
    subscribe(monitored, user, {"topic": "risk_watchlist", "states": ["AFG"]})
    first = digest.run_digest(monitored, config, "daily", today=TODAY)
    assert first.sent == 1 and "Afghanistan" in _parts(inbox.messages[0])[0]
    again = digest.run_digest(monitored, config, "daily", today=TODAY)
    assert (again.sent, again.already_sent) == (0, 1)
    # the next day: the same watchlist entry is not news any more
    tomorrow = digest.run_digest(monitored, config, "daily", today=date(2026, 12, 3))
    assert (tomorrow.sent, tomorrow.nothing_new) == (0, 1)
    assert len(inbox.messages) == 1
    with monitored() as session:
        assert session.scalar(select(func.count()).select_from(SentMail)) == 1


def test_unsubscribe_link_confirms_and_stops_mail(
    monitored: sessionmaker[Session],
    settings: Settings,
    smtp: tuple[Inbox, int],
    client: TestClient,
) -> None:
    inbox, port = smtp
    config = mail_settings(settings, port)
    user = create_user(monitored, "leila@iofs.example", language="ar")
    subscribe(monitored, user, {"topic": "risk_watchlist"})
    digest.run_digest(monitored, config, "weekly" if False else "daily", today=TODAY)
    link = urlsplit(inbox.messages[0]["List-Unsubscribe"].strip("<>"))

    tampered = client.get(f"{link.path}?{link.query[:-3]}abc")
    assert tampered.status_code == 400
    page = client.get(f"{link.path}?{link.query}&lang=ar")
    assert page.status_code == 200
    assert "leila@iofs.example" in page.text and 'dir="rtl"' in page.text
    assert "قائمة المراقبة" in page.text  # the topic removed, named in Arabic
    with monitored() as session:
        assert session.scalar(select(func.count()).select_from(Subscription)) == 0
    again = client.get(f"{link.path}?{link.query}")
    assert again.status_code == 200  # a second click says it is already done

    # a later period with a new item still sends nothing: no subscription is left
    with monitored.begin() as session:
        session.execute(DeliveredItem.__table__.delete())
    later = digest.run_digest(monitored, config, "daily", today=date(2026, 12, 9))
    assert later.recipients == [] and len(inbox.messages) == 1


def test_smtp_down_is_recorded_and_the_cli_exits_1(
    monitored: sessionmaker[Session], settings: Settings
) -> None:
    closed = free_port()  # nothing listens there
    config = mail_settings(settings, closed)
    user = create_user(monitored, "ops@iofs.example")
    subscribe(monitored, user, {"topic": "risk_watchlist"})
    report = digest.run_digest(monitored, config, "daily", today=TODAY)
    assert (report.sent, report.failed) == (0, 1)
    with monitored() as session:
        [row] = session.scalars(select(SentMail)).all()
        assert row.status == "failed"
        assert f"127.0.0.1:{closed}" in row.error and "IOFS_SMTP_HOST" in row.error
        assert session.scalar(select(func.count()).select_from(DeliveredItem)) == 0

    env = {
        **os.environ,
        "IOFS_DATABASE_URL": settings.resolved_database_url,
        "IOFS_DATA_DIR": str(settings.data_dir),
        "IOFS_SECRET_KEY": settings.secret_key or "",
        "IOFS_SMTP_HOST": "127.0.0.1",
        "IOFS_SMTP_PORT": str(closed),
        "IOFS_SMTP_TLS": "none",
        "IOFS_SMTP_SENDER": "alerts@iofs.example",
    }
    result = CliRunner().invoke(cli_app, ["notify", "digest"], env=env)
    assert result.exit_code == 1, result.output
    assert "could not be sent" in result.output and "cannot be used" in result.output
    assert "Traceback" not in result.output
    with monitored() as session:  # the failed digest is retried and recorded again
        assert session.scalar(select(func.count()).select_from(SentMail)) == 2


def test_cli_dry_run_prints_who_would_receive_what_and_sends_nothing(
    monitored: sessionmaker[Session], settings: Settings
) -> None:
    user = create_user(monitored, "dry@iofs.example", language="fr")
    subscribe(monitored, user, {"topic": "price_alerts", "states": ["AFG"]})
    env = {
        **os.environ,
        "IOFS_DATABASE_URL": settings.resolved_database_url,
        "IOFS_DATA_DIR": str(settings.data_dir),
        "IOFS_SECRET_KEY": settings.secret_key or "",
    }
    unconfigured = CliRunner().invoke(cli_app, ["notify", "digest"], env=env)
    assert unconfigured.exit_code == 2
    assert "E-mail is not configured" in unconfigured.output
    assert "IOFS_SMTP_HOST" in unconfigured.output
    result = CliRunner().invoke(cli_app, ["notify", "digest", "--dry-run"], env=env)
    assert result.exit_code == 0, result.output
    assert "dry@iofs.example (fr): would send" in result.output
    assert "Afghanistan" in result.output and "[price_alerts]" in result.output
    bad = CliRunner().invoke(cli_app, ["notify", "digest", "--frequency", "hourly"], env=env)
    assert bad.exit_code == 2 and "daily or weekly" in bad.output
    with monitored() as session:
        assert session.scalar(select(func.count()).select_from(SentMail)) == 0


def test_starttls_and_the_test_mail_command(
    loaded_registry: sessionmaker[Session], settings: Settings, tls_smtp: tuple[Inbox, int]
) -> None:
    inbox, port = tls_smtp
    env = {
        **os.environ,
        "IOFS_DATABASE_URL": settings.resolved_database_url,
        "IOFS_DATA_DIR": str(settings.data_dir),
        "IOFS_SECRET_KEY": settings.secret_key or "",
        "IOFS_SMTP_HOST": "127.0.0.1",
        "IOFS_SMTP_PORT": str(port),
        "IOFS_SMTP_TLS": "starttls",
        "IOFS_SMTP_SENDER": "IOFS <alerts@iofs.example>",
    }
    result = CliRunner().invoke(cli_app, ["notify", "test-mail", "ops@iofs.example"], env=env)
    assert result.exit_code == 0, result.output
    assert "Sent to ops@iofs.example" in result.output
    [message] = inbox.messages
    assert message["Subject"] == "IOFS test message"
    plain = CliRunner().invoke(
        cli_app, ["notify", "test-mail", "ops@iofs.example"], env={**env, "IOFS_SMTP_TLS": "none"}
    )
    # the server insists on STARTTLS: the plain session is refused, in one sentence
    assert plain.exit_code == 1 and "STARTTLS" in plain.output.replace("\n", " ")
    bad = CliRunner().invoke(cli_app, ["notify", "test-mail", "not-an-address"], env=env)
    assert bad.exit_code == 2 and "not an e-mail address" in bad.output
    with loaded_registry() as session:
        statuses = session.scalars(select(SentMail.status).order_by(SentMail.id)).all()
        assert statuses == ["sent", "failed"]


def test_two_runs_at_once_send_each_digest_once(
    monitored: sessionmaker[Session], settings: Settings, smtp: tuple[Inbox, int]
) -> None:
    import threading

    inbox, port = smtp
    config = mail_settings(settings, port)
    for number in range(4):
        user = create_user(monitored, f"user{number}@iofs.example")
        subscribe(monitored, user, {"topic": "risk_watchlist"})
    digest.run_digest(monitored, config, "daily", dry_run=True, today=TODAY)  # warm the index
    reports: list[digest.DigestReport] = []
    runs = [
        threading.Thread(
            target=lambda: reports.append(digest.run_digest(monitored, config, today=TODAY))
        )
        for _ in range(2)
    ]
    for run in runs:
        run.start()
    for run in runs:
        run.join(timeout=120)
    assert len(reports) == 2
    assert sum(r.sent for r in reports) == 4 and sum(r.failed for r in reports) == 0
    assert sorted(rcpt for _f, [rcpt] in inbox.envelopes) == [
        f"user{n}@iofs.example" for n in range(4)
    ]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_ssl_with_a_login_and_a_wrong_password(
    monitored: sessionmaker[Session], settings: Settings, ssl_smtp: tuple[Inbox, int]
) -> None:
    from tests.notifications.conftest import SMTP_LOGIN

    inbox, port = ssl_smtp
    login, password = SMTP_LOGIN
    user = create_user(monitored, "ssl@iofs.example")
    subscribe(monitored, user, {"topic": "risk_watchlist"})
    wrong = mail_settings(settings, port, "ssl", smtp_username=login, smtp_password="wrong")
    refused = digest.run_digest(monitored, wrong, today=TODAY)
    assert refused.failed == 1 and "refused the login: 535" in refused.recipients[0].error
    assert "IOFS_SMTP_PASSWORD" in refused.recipients[0].error
    right = mail_settings(settings, port, "ssl", smtp_username=login, smtp_password=password)
    sent = digest.run_digest(monitored, right, today=TODAY)
    assert sent.sent == 1 and len(inbox.to("ssl@iofs.example")) == 1
    with monitored() as session:
        statuses = session.scalars(select(SentMail.status).order_by(SentMail.id)).all()
        assert statuses == ["failed", "sent"]
