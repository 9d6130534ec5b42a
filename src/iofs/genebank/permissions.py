"""Permissions of the gene bank.

Passport data of available accessions is public (as on Genesys); lots, tests, distributions,
the regeneration queue and unavailable accessions are internal. Curators write.
"""

from __future__ import annotations

from iofs.permissions import ANY, declare
from iofs.roles import Role

PERMISSIONS = declare(
    "genebank",
    {
        "read_internal": (
            "See lots, tests, distributions, the regeneration queue and "
            "accessions not available to the public",
            {Role.GENEBANK_CURATOR: ANY, Role.SECRETARIAT: ANY, Role.VIEWER: ANY},
        ),
        "passport.write": (
            "Import and edit passport data (MCPD) and availability",
            {Role.GENEBANK_CURATOR: ANY},
        ),
        "collection.write": (
            "Record seed lots, safety duplicates and germination tests",
            {Role.GENEBANK_CURATOR: ANY},
        ),
        "distribute": (
            "Record distributions of samples under the SMTA",
            {Role.GENEBANK_CURATOR: ANY},
        ),
        "request": (
            "Ask for seed on the public catalogue, accepting the SMTA (click-wrap)",
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
