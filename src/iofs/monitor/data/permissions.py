"""Permissions of the data module (what was loaded into the analytics store)."""

from __future__ import annotations

from iofs.permissions import ANY, declare
from iofs.roles import Role

PERMISSIONS = declare(
    "data",
    {
        "read": (
            "List the slices loaded into the analytics store",
            {Role.SECRETARIAT: ANY, Role.VIEWER: ANY},
        ),
        "remove": ("Remove a slice from the analytics store (audited)", {Role.SECRETARIAT: ANY}),
    },
)
