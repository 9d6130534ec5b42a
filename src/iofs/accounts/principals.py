"""Who is asking: the principal of a web request, from its session cookie or API token.

- Browser sessions: the cookie holds a random key signed with the secret key (HttpOnly,
  SameSite=Lax, Secure over https); the key's hash is looked up in ``user_session``.
- Scripts: ``Authorization: Bearer iofs_…`` API tokens, same permissions as their user.

The app factory installs :func:`resolve_principal` as the request's principal resolver
(``app.state.resolve_principal``), so the web toolkit's permission checks never import this
module.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from itsdangerous import BadSignature, TimestampSigner

from iofs.accounts import service as accounts
from iofs.http.security import bearer_token, client_ip
from iofs.permissions import ANONYMOUS, Principal

SESSION_COOKIE = "iofs_session"


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
    factory = request.app.state.lookup_factory  # autocommit: no COMMIT round trip after
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
                principal = (
                    accounts.resolve_session(session, raw, ip=ip, user_agent=agent) or ANONYMOUS
                )
    request.state.principal = principal
    return principal


def session_cookie_options(request: Request) -> dict[str, Any]:
    return {
        "httponly": True,
        "samesite": "lax",
        "secure": request.url.scheme == "https",
        "path": "/",
        "max_age": int(accounts.SESSION_LIFETIME.total_seconds()),
    }
