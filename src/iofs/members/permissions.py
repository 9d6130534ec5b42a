"""Permissions of the member-state registry (national figures)."""

from __future__ import annotations

from iofs.permissions import ANY, OWN_COUNTRY, declare
from iofs.roles import Role

PERMISSIONS = declare(
    "members",
    {
        "figures.read_unpublished": (
            "See a state's unpublished national figures",
            {Role.SECRETARIAT: ANY, Role.VIEWER: ANY, Role.FOCAL_POINT: OWN_COUNTRY},
        ),
        "figures.write": (
            "Enter, correct and delete a state's national figures",
            {Role.SECRETARIAT: ANY, Role.FOCAL_POINT: OWN_COUNTRY},
        ),
        "figures.publish": ("Publish or withdraw national figures", {Role.SECRETARIAT: ANY}),
    },
)
