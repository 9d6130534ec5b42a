"""``iofs notify …``: send the e-mail digests (or show who would get what), a test message."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from iofs.cli_support import console, fail

notify_app = typer.Typer(
    help="E-mail digests: send them (daily or weekly), or a test message.", no_args_is_help=True
)


@notify_app.command("digest")
def digest_command(
    frequency: Annotated[
        str, typer.Option("--frequency", help="daily or weekly: which subscribers to serve.")
    ] = "daily",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print who would receive what; send nothing.")
    ] = False,
) -> None:
    """Send each subscriber of FREQUENCY the new items of their topics (once per period).

    Exit status 1 when a message could not be sent (recorded in the sent-mail log with the
    reason), 2 when SMTP is not configured or the input is wrong.
    """
    from rich.progress import Progress

    from iofs.cli_support import session_factory, settings
    from iofs.notifications import digest
    from iofs.notifications.mail import MailNotConfigured

    if frequency not in ("daily", "weekly"):
        raise fail(f"--frequency must be daily or weekly, not {frequency!r}.", 2)
    config = settings()
    try:
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("digests", total=None)
            report = digest.run_digest(
                session_factory(),
                config,
                frequency,
                dry_run=dry_run,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    except MailNotConfigured as error:
        raise fail(escape(str(error)), 2) from None
    for recipient in report.recipients:
        status = "would send" if dry_run else recipient.status
        console.print(
            f"{recipient.email} ({recipient.language}): {status}: {recipient.subject}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
        for item in recipient.items:
            console.print(
                f"  - [{item.topic}] {item.title}: {item.detail.text}",
                highlight=False,
                markup=False,
                soft_wrap=True,
            )
        if recipient.error:
            console.print(f"  {recipient.error}", highlight=False, markup=False, soft_wrap=True)
    console.print(
        f"{report.frequency} digest {report.period}: "
        + (f"{len(report.recipients)} would be sent" if dry_run else f"{report.sent} sent")
        + f", {report.failed} failed, {report.already_sent} already sent this period, "
        f"{report.nothing_new} with nothing new.",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    if report.failed:
        first = next(r.error for r in report.recipients if r.error)
        raise fail(escape(f"{report.failed} digest(s) could not be sent: {first}"), 1)


@notify_app.command("test-mail")
def test_mail_command(
    address: Annotated[str, typer.Argument(help="Where to send the test message.")],
) -> None:
    """Send a short message to ADDRESS with the configured SMTP settings."""
    from iofs.accounts.service import AccountError, normalise_email
    from iofs.cli_support import session_factory, settings
    from iofs.notifications import digest
    from iofs.notifications.mail import MailError, MailNotConfigured

    try:
        recipient = normalise_email(address)
    except AccountError:
        raise fail(f"ADDRESS {address!r} is not an e-mail address.", 2) from None
    try:
        message_id = digest.send_check(settings(), session_factory(), recipient)
    except MailNotConfigured as error:
        raise fail(escape(str(error)), 2) from None
    except MailError as error:
        raise fail(escape(str(error)), 1) from None
    console.print(
        f"Sent to {recipient} (Message-ID {message_id}).",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
