"""Permissions of accounts: users, tokens, passwords."""

from __future__ import annotations

from iofs.permissions import ANY, declare
from iofs.roles import Role

PERMISSIONS = declare(
    "accounts",
    {
        "users.manage": ("Create users, set roles, reset passwords, deactivate", {}),
        "users.read": ("See the list of users and their roles", {Role.SECRETARIAT: ANY}),
        "tokens.own": (
            "Create and revoke one's own API tokens",
            {
                Role.SECRETARIAT: ANY,
                Role.FOCAL_POINT: ANY,
                Role.DONOR: ANY,
                Role.GENEBANK_CURATOR: ANY,
                Role.VIEWER: ANY,
            },
        ),
        "password.own": (
            "Change one's own password",
            {
                Role.SECRETARIAT: ANY,
                Role.FOCAL_POINT: ANY,
                Role.DONOR: ANY,
                Role.GENEBANK_CURATOR: ANY,
                Role.VIEWER: ANY,
            },
        ),
    },
)
