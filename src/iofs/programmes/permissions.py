"""Permissions of the programmes module.

Approved figures are public, as on OCHA FTS. Figures awaiting review are seen by the
secretariat and viewers, by donors for their own contributions and by focal points for their
own states. Focal points edit their states' projects, deliveries, beneficiaries and results;
a second person of the secretariat approves what counts (maker–checker).
"""

from __future__ import annotations

from iofs.permissions import ANY, OWN_COUNTRY, OWN_ORGANISATION, declare
from iofs.roles import Role

PERMISSIONS = declare(
    "programmes",
    {
        "manage": (
            "Record programmes, projects, appeals, requirements and organisations",
            {Role.SECRETARIAT: ANY},
        ),
        "contributions.write": (
            "Record pledges, commitments and payments",
            {Role.SECRETARIAT: ANY},
        ),
        "projects.write": (
            "Edit a state's projects, activities and results",
            {Role.SECRETARIAT: ANY, Role.FOCAL_POINT: OWN_COUNTRY},
        ),
        "deliveries.write": (
            "Record a state's consignments, deliveries and beneficiaries",
            {Role.SECRETARIAT: ANY, Role.FOCAL_POINT: OWN_COUNTRY},
        ),
        "approve": ("Approve or reject figures entered by someone else", {Role.SECRETARIAT: ANY}),
        "read_pending": (
            "See figures awaiting approval",
            {
                Role.SECRETARIAT: ANY,
                Role.VIEWER: ANY,
                Role.FOCAL_POINT: OWN_COUNTRY,
                Role.DONOR: OWN_ORGANISATION,
            },
        ),
        "exchange": ("Import FTS flows and Excel sheets", {Role.SECRETARIAT: ANY}),
    },
)
