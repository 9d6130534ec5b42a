"""Permission checks on requests and the CSRF defence, for every module's routes.

- Who is asking is resolved by the accounts module (``iofs.accounts.principals``), installed
  by the app factory as ``app.state.resolve_principal``.
- CSRF: a state-changing request that is not token-authenticated must come from this origin:
  ``Sec-Fetch-Site`` must be ``same-origin``/``none`` when sent; otherwise ``Origin`` (or, failing
  that, ``Referer``) must match the request's own origin. Requests carrying none are refused.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from fastapi import Request

from iofs.i18n import N_
from iofs.permissions import Principal, authorize

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def resolve_principal(request: Request) -> Principal:
    """The request's principal, from the resolver the app installed (anonymous allowed).

    The app factory sets ``app.state.resolve_principal`` (the accounts module's); the toolkit
    only asks it, so it depends on no module.
    """
    resolver: Callable[[Request], Principal] = request.app.state.resolve_principal
    return resolver(request)


def current_principal(request: Request) -> Principal:
    """FastAPI dependency: the principal, anonymous allowed."""
    return resolve_principal(request)


class Requirement:
    """A FastAPI dependency that checks one declared permission before the handler runs.

    Scoped permissions (e.g. a focal point's own country) take the country from the path
    parameter named ``country_param`` when given; otherwise the service checks the record's
    country itself. The permission name is kept on the object so tests can list every route's
    rule from the app.
    """

    def __init__(self, permission: str, country_param: str | None = None) -> None:
        from iofs.permissions import REGISTRY

        if permission not in REGISTRY:
            raise KeyError(f"undeclared permission {permission!r}")
        self.permission = permission
        self.country_param = country_param

    def __call__(self, request: Request) -> Principal:
        principal = resolve_principal(request)
        country = None
        if self.country_param:
            value = request.path_params.get(self.country_param)
            country = str(value).upper() if value is not None else None
        authorize(principal, self.permission, country=country)
        return principal


def require(permission: str, country_param: str | None = None) -> Callable[..., Principal]:
    """Dependency factory: ``principal: Principal = Depends(require("members.figures.write"))``."""
    return Requirement(permission, country_param)


def same_origin(request: Request) -> bool:
    """Whether a state-changing request demonstrably comes from this site (see module doc)."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site in {"same-origin", "none"}
    expected = f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}"
    origin = request.headers.get("origin")
    if origin is not None:
        return origin == expected
    referer = request.headers.get("referer")
    if referer:
        parts = urlsplit(referer)
        return f"{parts.scheme}://{parts.netloc}" == expected
    return False


def csrf_rejection(request: Request) -> str | None:
    """Why a request must be refused as cross-site, or None when it may proceed."""
    if request.method in SAFE_METHODS or bearer_token(request) is not None:
        return None
    if same_origin(request):
        return None
    return N_("Cross-site request refused: state-changing requests must come from this site "
              "(Origin / Sec-Fetch-Site), or use an API token.")


