"""Permissions of the strategy module (Strategic Vision 2031 and partnerships)."""

from __future__ import annotations

from iofs.permissions import ANY, OWN_COUNTRY, declare
from iofs.roles import Role

PERMISSIONS = declare(
    "strategy",
    {
        "framework.write": (
            "Edit the results framework, targets and reporting periods",
            {Role.SECRETARIAT: ANY},
        ),
        "values.read_unapproved": (
            "See KPI values not yet approved",
            {Role.SECRETARIAT: ANY, Role.VIEWER: ANY, Role.FOCAL_POINT: OWN_COUNTRY},
        ),
        "values.write": (
            "Report a state's KPI values with evidence",
            {Role.SECRETARIAT: ANY, Role.FOCAL_POINT: OWN_COUNTRY},
        ),
        "values.review": ("Approve KPI values or ask for a correction", {Role.SECRETARIAT: ANY}),
        "partnerships.write": (
            "Record partners, agreements, obligations, events and trainings",
            {Role.SECRETARIAT: ANY},
        ),
        "partnerships.read_drafts": (
            "See agreements still in draft or negotiation",
            {Role.SECRETARIAT: ANY, Role.VIEWER: ANY},
        ),
    },
)
