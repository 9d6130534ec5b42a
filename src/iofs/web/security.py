"""Who is asking (session cookie or API token), permission checks, CSRF defence.

- Browser sessions: the cookie holds a random key signed with the secret key (HttpOnly,
  SameSite=Lax, Secure over https); the key's hash is looked up in ``user_session``.
- Scripts: ``Authorization: Bearer iofs_…`` API tokens, same permissions as their user.
- CSRF: a state-changing request that is not token-authenticated must come from this origin:
  ``Sec-Fetch-Site`` must be ``same-origin``/``none`` when sent; otherwise ``Origin`` (or, failing
  that, ``Referer``) must match the request's own origin. Requests carrying none are refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from itsdangerous import BadSignature, TimestampSigner

from iofs.accounts import service as accounts
from iofs.i18n import N_
from iofs.permissions import ANONYMOUS, Principal, authorize

SESSION_COOKIE = "iofs_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def _signer(request: Request) -> TimestampSigner:
    return TimestampSigner(request.app.state.secret_key, salt="iofs-session")


def sign_session_key(request: Request, raw: str) -> str:
    return _signer(request).sign(raw).decode()


def unsign_session_key(request: Request, cookie: str) -> str | None:
    max_age = int(accounts.SESSION_LIFETIME.total_seconds())
    try:
        return _signer(request).unsign(cookie, max_age=max_age).decode()
    except BadSignature:
        return None


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def resolve_principal(request: Request) -> Principal:
    """The request's principal (cached on the request); anonymous when nothing valid is sent.

    An invalid or revoked bearer token is not silently anonymous: it is recorded on the
    request so that protected routes answer 401 with a clear message.
    """
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    principal = ANONYMOUS
    ip, agent = client_ip(request), request.headers.get("user-agent")
    factory = request.app.state.session_factory
    token = bearer_token(request)
    with factory() as session, session.begin():
        if token is not None:
            found = accounts.resolve_token(session, token, ip=ip, user_agent=agent)
            request.state.bad_token = found is None
            principal = found or ANONYMOUS
        else:
            cookie = request.cookies.get(SESSION_COOKIE)
            raw = unsign_session_key(request, cookie) if cookie else None
            if raw:
                principal = accounts.resolve_session(session, raw, ip=ip,
                                                     user_agent=agent) or ANONYMOUS
    request.state.principal = principal
    return principal


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


def session_cookie_options(request: Request) -> dict[str, Any]:
    return {"httponly": True, "samesite": "lax", "secure": request.url.scheme == "https",
            "path": "/", "max_age": int(accounts.SESSION_LIFETIME.total_seconds())}
