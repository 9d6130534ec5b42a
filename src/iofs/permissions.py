"""Permissions: declared once per module, checked in one place (:func:`authorize`).

A module declares its permissions with :func:`declare`, saying for each role whether the role
holds it everywhere (``ANY``), only within its scope (``OWN_COUNTRY`` for focal points,
``OWN_ORGANISATION`` for donors), or not at all (role absent). Anonymous visitors hold only the
permissions declared with ``public=True``. Every write and every non-public read calls
:func:`authorize`, directly in a service or through the web dependency
:func:`iofs.http.security.require`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from iofs.i18n import gettext as _
from iofs.roles import Role


class Reach(enum.Enum):
    """How far a role's permission extends."""

    ANY = "any"
    OWN_COUNTRY = "own_country"
    OWN_ORGANISATION = "own_organisation"


ANY = Reach.ANY
OWN_COUNTRY = Reach.OWN_COUNTRY
OWN_ORGANISATION = Reach.OWN_ORGANISATION


@dataclass(frozen=True)
class Permission:
    """A named permission, e.g. ``members.figures.write``."""

    name: str
    description: str
    roles: Mapping[Role, Reach]
    public: bool = False


REGISTRY: dict[str, Permission] = {}


def declare(
    module: str,
    permissions: Mapping[str, tuple[str, Mapping[Role, Reach]]],
    public: Iterable[str] = (),
) -> dict[str, Permission]:
    """Register a module's permissions: ``{"figures.write": (description, {role: reach})}``.

    Admin holds every permission everywhere, whether declared or not. Returns the permissions
    by full name (``<module>.<name>``). Declaring the same name twice is an error.
    """
    public_names = set(public)
    declared: dict[str, Permission] = {}
    for short, (description, roles) in permissions.items():
        name = f"{module}.{short}"
        if name in REGISTRY:
            raise ValueError(f"permission {name} is declared twice")
        permission = Permission(
            name, description, {Role.ADMIN: ANY, **roles}, public=short in public_names
        )
        REGISTRY[name] = permission
        declared[name] = permission
    return declared


@dataclass(frozen=True)
class Principal:
    """Who makes a request: a user (by session or API token) or an anonymous visitor."""

    user_id: int | None = None
    email: str | None = None
    display_name: str | None = None
    roles: Mapping[Role, frozenset[str]] = field(default_factory=dict)
    token_id: int | None = None
    session_id: int | None = None
    ip: str | None = None
    user_agent: str | None = None
    language: str | None = None
    #: Who acts when there is no user: "cli:<login>" for the terminal.
    label: str | None = None

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    def countries(self) -> frozenset[str]:
        """ISO3 codes this principal acts for as focal point."""
        return self.roles.get(Role.FOCAL_POINT, frozenset())

    def organisations(self) -> frozenset[str]:
        """Donor organisations this principal acts for."""
        return self.roles.get(Role.DONOR, frozenset())


ANONYMOUS = Principal()


class PermissionDenied(Exception):
    """The principal may not do this; the message is safe to show."""

    def __init__(self, permission: str, reason: str, *, authenticated: bool) -> None:
        super().__init__(reason)
        self.permission = permission
        self.authenticated = authenticated


def allows(
    principal: Principal,
    permission: str,
    *,
    country: str | None = None,
    organisation: str | None = None,
) -> bool:
    """Whether ``principal`` holds ``permission`` for the given country/organisation.

    A scoped permission checked without a country (or organisation) means "for at least one":
    routes use that to admit focal points before the service checks the record's country.
    """
    declared = REGISTRY.get(permission)
    if declared is None:
        raise KeyError(f"undeclared permission {permission!r}")
    if declared.public:
        return True
    for role, scope in principal.roles.items():
        reach = declared.roles.get(role)
        if reach is None:
            continue
        if reach is ANY:
            return True
        if reach is OWN_COUNTRY and ((country is None and scope) or country in scope):
            return True
        if reach is OWN_ORGANISATION and (
            (organisation is None and scope) or organisation in scope
        ):
            return True
    return False


def authorize(
    principal: Principal,
    permission: str,
    *,
    country: str | None = None,
    organisation: str | None = None,
) -> None:
    """Raise :class:`PermissionDenied` unless ``principal`` holds ``permission`` (scoped)."""
    if allows(principal, permission, country=country, organisation=organisation):
        return
    if not principal.is_authenticated:
        reason = _("Sign in to do this.")
    elif country is not None:
        reason = _("You may not do this for %(country)s.") % {"country": country}
    elif organisation is not None:
        reason = _("You may not do this for %(organisation)s.") % {"organisation": organisation}
    else:
        reason = _("You do not have permission to do this.")
    raise PermissionDenied(permission, reason, authenticated=principal.is_authenticated)


def permission_table() -> list[tuple[str, str, dict[str, str]]]:
    """Every declared permission with each role's reach, for documentation and the admin page."""
    rows = []
    for name in sorted(REGISTRY):
        declared = REGISTRY[name]
        reaches = {
            role.value: (declared.roles[role].value if role in declared.roles else "—")
            for role in Role
        }
        reaches["anonymous"] = "any" if declared.public else "—"
        rows.append((name, declared.description, reaches))
    return rows
