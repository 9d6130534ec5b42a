"""Permissions of notifications.

Every signed-in person may subscribe, and sees and edits only their own subscriptions and
their own sent mail (checked in :mod:`iofs.notifications.service` against the record's user);
the secretariat reads the whole sent-mail log.
"""

from __future__ import annotations

from iofs.permissions import ANY, declare
from iofs.roles import Role

PERMISSIONS = declare(
    "notifications",
    {
        "subscribe": (
            "Subscribe to e-mail digests and read one's own sent mail",
            {role: ANY for role in Role},
        ),
        "log.read": (
            "Read the whole sent-mail log (every user's digests)",
            {Role.SECRETARIAT: ANY},
        ),
    },
)

SUBSCRIBE = "notifications.subscribe"
LOG_READ = "notifications.log.read"
