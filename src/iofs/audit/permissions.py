"""Permissions of the audit log."""

from __future__ import annotations

from iofs.permissions import ANY, declare
from iofs.roles import Role

PERMISSIONS = declare(
    "audit",
    {
        "read": ("Read and export the audit log", {Role.SECRETARIAT: ANY}),
    },
)
