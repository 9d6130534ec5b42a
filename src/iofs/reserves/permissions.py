"""Permissions of the reserves module.

Reserve positions are public, as APTERR and the ECOWAS reserve publish theirs. The
secretariat keeps the registry (systems, members, targets, pledges, warehouses); focal points
write the stock and the requests of their own states only (checked in the services against
the record's country); the committee's decision is the secretariat's, by someone other than
the person who assessed the request (maker–checker).
"""

from __future__ import annotations

from iofs.permissions import ANY, OWN_COUNTRY, declare
from iofs.roles import Role

PERMISSIONS = declare(
    "reserves",
    {
        "registry.write": (
            "Record reserve systems, members, targets, pledges and warehouses",
            {Role.SECRETARIAT: ANY},
        ),
        "stock.write": (
            "Record a state's reserve lots, quality tests and stock movements",
            {Role.SECRETARIAT: ANY, Role.FOCAL_POINT: OWN_COUNTRY},
        ),
        "requests.write": (
            "Request, dispatch, deliver and replenish a state's reserve release",
            {Role.SECRETARIAT: ANY, Role.FOCAL_POINT: OWN_COUNTRY},
        ),
        "assess": (
            "Assess a release request and size it (technical note)",
            {Role.SECRETARIAT: ANY},
        ),
        "decide": (
            "Decide on a release request (committee: approve, reduce, refuse)",
            {Role.SECRETARIAT: ANY},
        ),
    },
)

REGISTRY_WRITE = "reserves.registry.write"
STOCK_WRITE = "reserves.stock.write"
REQUESTS_WRITE = "reserves.requests.write"
ASSESS = "reserves.assess"
DECIDE = "reserves.decide"
