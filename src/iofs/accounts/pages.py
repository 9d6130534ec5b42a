"""Sign-in / sign-out, one's own account (password, API tokens), user administration."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from iofs.accounts import service
from iofs.accounts.labels import reach_label, role_label
from iofs.accounts.models import User
from iofs.accounts.principals import (
    SESSION_COOKIE,
    session_cookie_options,
    sign_session_key,
    unsign_session_key,
)
from iofs.http.deps import RecordId, db_session
from iofs.http.paging import AFTER, pager_context, secret_of
from iofs.http.security import client_ip, current_principal, require
from iofs.http.templating import environment, render
from iofs.i18n import gettext as _
from iofs.permissions import Principal, permission_table
from iofs.roles import ROLE_SCOPE, Role, ScopeKind

router = APIRouter(include_in_schema=False)
environment().globals.update(role_label=role_label, reach_label=reach_label)


def _local_path(target: str | None) -> str:
    """Only same-site paths are followed after sign-in (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _landing(user: User, target: str) -> str:
    """Where a sign-in lands: the page asked for, else a focal point's own state's page (the
    country brief, which links to the state's open report); the home page for the others."""
    if target != "/":
        return target
    states = sorted(a.scope for a in user.roles if a.role == Role.FOCAL_POINT and a.scope)
    return f"/countries/{states[0]}" if states else "/"


@router.get("/signin", response_class=HTMLResponse)
def signin_form(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "accounts/signin.html", {"next": _local_path(next), "error": None})


@router.post("/signin", response_class=HTMLResponse, response_model=None)
def signin(
    request: Request,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=2000)] = "/",
    session: Session = Depends(db_session),
) -> Response:
    try:
        user = service.authenticate(
            session,
            email,
            password,
            ip=client_ip(request),
            user_agent=request.headers.get("user-agent"),
        )
    except service.SignInFailed as failure:
        session.commit()  # keep the throttling counters
        headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else None
        page = render(
            request,
            "accounts/signin.html",
            {"next": _local_path(next), "error": str(failure), "email": email},
            status_code=429 if failure.retry_after else 401,
        )
        if headers:
            page.headers.update(headers)
        return page
    # Session rotation: whatever session the browser had is ended; a fresh key is issued.
    old = request.cookies.get(SESSION_COOKIE)
    old_key = unsign_session_key(request, old) if old else None
    if old_key:
        service.end_session(session, old_key)
    raw = service.start_session(
        session, user, ip=client_ip(request), user_agent=request.headers.get("user-agent")
    )
    session.commit()
    response = RedirectResponse(_landing(user, _local_path(next)), status_code=303)
    response.set_cookie(
        SESSION_COOKIE, sign_session_key(request, raw), **session_cookie_options(request)
    )
    response.set_cookie(
        "lang", user.preferred_language, max_age=365 * 24 * 3600, samesite="lax", httponly=True
    )
    return response


@router.post("/signout")
def signout(request: Request, session: Session = Depends(db_session)) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    raw = unsign_session_key(request, cookie) if cookie else None
    if raw:
        service.end_session(session, raw)
        session.commit()
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _account_page(
    request: Request,
    session: Session,
    principal: Principal,
    message: str | None = None,
    error: str | None = None,
    new_token: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    assert principal.user_id is not None
    user = service.get_user(session, principal.user_id)
    tokens = service.list_tokens(session, principal, user.id)
    return render(
        request,
        "accounts/account.html",
        {
            "user": user,
            "tokens": tokens,
            "message": message,
            "error": error,
            "new_token": new_token,
        },
        status_code=status_code,
    )


@router.get("/account", response_class=HTMLResponse)
def account(
    request: Request,
    principal: Principal = Depends(require("accounts.password.own")),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    return _account_page(request, session, principal)


@router.post("/account/password", response_class=HTMLResponse)
def account_password(
    request: Request,
    current_password: Annotated[str, Form(max_length=1024)],
    new_password: Annotated[str, Form(max_length=1024)],
    principal: Principal = Depends(require("accounts.password.own")),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    try:
        service.change_password(session, principal, current_password, new_password)
    except service.AccountError as error:
        session.rollback()
        return _account_page(request, session, principal, error=str(error), status_code=422)
    session.commit()
    return _account_page(request, session, principal, message=_("Password changed."))


@router.post("/account/tokens", response_class=HTMLResponse)
def account_token(
    request: Request,
    name: Annotated[str, Form(max_length=120)] = "",
    expires_days: Annotated[int | None, Form(ge=1, le=3650)] = None,
    principal: Principal = Depends(require("accounts.tokens.own")),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    assert principal.user_id is not None
    raw, _token = service.create_token(
        session, principal, principal.user_id, name=name, expires_days=expires_days
    )
    session.commit()
    return _account_page(request, session, principal, new_token=raw)


@router.post("/account/tokens/{token_id}/revoke", response_class=HTMLResponse)
def account_token_revoke(
    request: Request,
    token_id: RecordId,
    principal: Principal = Depends(require("accounts.tokens.own")),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    service.revoke_token(session, principal, token_id)
    session.commit()
    return _account_page(request, session, principal, message=_("Token revoked."))


def _parse_grants(role_lines: str) -> list[service.RoleGrant]:
    """Roles from a form: one per line, ``role`` or ``role: SCOPE1, SCOPE2``."""
    grants = []
    for line in role_lines.splitlines():
        if not line.strip():
            continue
        name, _sep, scopes = line.partition(":")
        try:
            role = Role(name.strip())
        except ValueError:
            raise service.AccountError(
                _("Unknown role %(role)s.") % {"role": name.strip()[:40]}, "roles"
            ) from None
        grants.append(
            service.RoleGrant(role, tuple(s.strip() for s in scopes.split(",") if s.strip()))
        )
    return grants


def _users_page(
    request: Request,
    session: Session,
    principal: Principal,
    error: str | None = None,
    status_code: int = 200,
    after: str | None = None,
    text: str = "",
    role: Role | None = None,
) -> HTMLResponse:
    page = service.users_page(session, principal, after, 100, secret_of(request), text, role)
    return render(
        request,
        "accounts/users.html",
        {
            "users": page.items,
            **pager_context(request, page),
            "where": {"q": text, "role": role.value if role else ""},
            "error": error,
            "roles": list(Role),
            "scoped": {r.value: ROLE_SCOPE[r] is not ScopeKind.NONE for r in Role},
            "can_manage": principal.has_role(Role.ADMIN),
        },
        status_code=status_code,
    )


@router.get("/admin/users", response_class=HTMLResponse)
def users(
    request: Request,
    q: Annotated[str, Query(max_length=254)] = "",
    role: Annotated[str, Query(max_length=32)] = "",
    after: str | None = AFTER,
    principal: Principal = Depends(require("accounts.users.read")),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    """Users by e-mail, 100 a page, filtered by part of the e-mail or name and by role (the
    form's "All" sends an empty role)."""
    chosen = next((r for r in Role if r.value == role), None)
    return _users_page(request, session, principal, after=after, text=q, role=chosen)


@router.post("/admin/users", response_class=HTMLResponse)
def users_create(
    request: Request,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1024)],
    roles: Annotated[str, Form(max_length=4000)],
    display_name: Annotated[str, Form(max_length=120)] = "",
    preferred_language: Annotated[str, Form(max_length=2)] = "en",
    principal: Principal = Depends(require("accounts.users.manage")),
    session: Session = Depends(db_session),
) -> Response:
    try:
        service.create_user(
            session,
            principal,
            email=email,
            display_name=display_name,
            password=password,
            grants=_parse_grants(roles),
            language=preferred_language,
        )
    except service.AccountError as error:
        session.rollback()
        return _users_page(request, session, principal, error=str(error), status_code=422)
    session.commit()
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/admin/users/{user_id}", response_class=HTMLResponse)
def user_page(
    request: Request,
    user_id: RecordId,
    principal: Principal = Depends(require("accounts.users.read")),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    user = service.get_user(session, user_id)
    return render(
        request,
        "accounts/user.html",
        {
            "user": user,
            "error": None,
            "can_manage": principal.has_role(Role.ADMIN),
            "role_lines": "\n".join(
                f"{a.role.value}: {a.scope}" if a.scope else a.role.value for a in user.roles
            ),
        },
    )


@router.post("/admin/users/{user_id}", response_class=HTMLResponse)
def user_update(
    request: Request,
    user_id: RecordId,
    action: Annotated[str, Form(max_length=16)],
    roles: Annotated[str, Form(max_length=4000)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    principal: Principal = Depends(require("accounts.users.manage")),
    session: Session = Depends(db_session),
) -> Response:
    try:
        if action == "roles":
            service.set_roles(session, principal, user_id, _parse_grants(roles))
        elif action == "password":
            service.reset_password(session, principal, user_id, password)
        elif action in {"activate", "deactivate"}:
            service.set_active(session, principal, user_id, action == "activate")
        else:
            raise service.AccountError(_("Unknown action."), "action")
    except service.AccountError as error:
        session.rollback()
        user = service.get_user(session, user_id)
        return render(
            request,
            "accounts/user.html",
            {"user": user, "error": str(error), "can_manage": True, "role_lines": roles},
            status_code=422,
        )
    session.commit()
    return RedirectResponse(f"/admin/users/{user_id}", status_code=303)


@router.get("/admin/permissions", response_class=HTMLResponse)
def permissions(
    request: Request, principal: Principal = Depends(current_principal)
) -> HTMLResponse:
    """The role → permission table as declared by the modules (public documentation)."""
    return render(
        request,
        "accounts/permissions.html",
        {"rows": permission_table(), "roles": [r.value for r in Role] + ["anonymous"]},
    )
