"""The background job of notifications: the e-mail digest (``notifications.digest``).

The jobs queue's schedules run it daily (``frequency: daily``) and weekly; the CLI runs the
same function in the foreground (``iofs notify digest``).
"""

from __future__ import annotations

from typing import Any

from iofs.errors import InputError
from iofs.i18n import N_
from iofs.i18n import gettext as _
from iofs.jobs.kinds import JobContext, JobKind

DIGEST = JobKind(
    name="notifications.digest",
    run="iofs.notifications.jobs:run_digest",
    title=N_("E-mail digests"),
)


def run_digest(
    context: JobContext, frequency: str = "daily", dry_run: bool = False
) -> dict[str, Any]:
    """Send the ``frequency`` digests; the result counts sent, failed and skipped digests.

    Raises :class:`InputError` for an unknown frequency or when SMTP is not configured.
    """
    from iofs.notifications import digest
    from iofs.notifications.mail import MailNotConfigured

    if frequency not in ("daily", "weekly"):
        raise InputError(_("The frequency must be daily or weekly."), "frequency")
    try:
        report = digest.run_digest(
            context.session_factory,
            context.settings,
            frequency,
            dry_run=dry_run,
            progress=lambda done, total: context.progress(done, total),
        )
    except MailNotConfigured as error:
        raise InputError(str(error), "smtp") from None
    for recipient in report.recipients:
        context.log(f"{recipient.email}: {recipient.status} {recipient.error}".strip())
    return report.summary()
