"""Permissions of the job queue.

Everyone signed in sees (and may cancel) the jobs they submitted (``jobs.own``). The
secretariat sees every job (and a holder of a kind's submit permission everywhere, e.g. the
secretariat for programme uploads, sees the jobs of that kind); only the secretariat sets
schedules. Checked in :mod:`iofs.jobs.service`
against the job touched.
"""

from __future__ import annotations

from iofs.permissions import ANY, declare
from iofs.roles import Role

PERMISSIONS = declare(
    "jobs",
    {
        "own": ("See and cancel one's own background jobs", {role: ANY for role in Role}),
        "view_all": ("See and cancel every background job", {Role.SECRETARIAT: ANY}),
        "schedules.manage": (
            "Add, enable, disable and remove job schedules",
            {Role.SECRETARIAT: ANY},
        ),
    },
)

OWN = "jobs.own"
VIEW_ALL = "jobs.view_all"
MANAGE_SCHEDULES = "jobs.schedules.manage"
