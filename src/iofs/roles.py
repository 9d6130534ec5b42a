"""Roles and what their scope means.

A user holds one or more role assignments. ``focal_point`` is scoped to member states (ISO3
codes) and ``donor`` to a donor organisation (its identifier: ISO3 for a state, else an IATI
organisation id); the other roles are unscoped.
"""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    """What a person may do, before scopes are applied."""

    ADMIN = "admin"
    SECRETARIAT = "secretariat"
    FOCAL_POINT = "focal_point"
    DONOR = "donor"
    GENEBANK_CURATOR = "genebank_curator"
    VIEWER = "viewer"


class ScopeKind(enum.StrEnum):
    """What a role's scope values are."""

    NONE = "none"
    COUNTRY = "country"
    ORGANISATION = "organisation"


ROLE_SCOPE: dict[Role, ScopeKind] = {
    Role.ADMIN: ScopeKind.NONE,
    Role.SECRETARIAT: ScopeKind.NONE,
    Role.FOCAL_POINT: ScopeKind.COUNTRY,
    Role.DONOR: ScopeKind.ORGANISATION,
    Role.GENEBANK_CURATOR: ScopeKind.NONE,
    Role.VIEWER: ScopeKind.NONE,
}
