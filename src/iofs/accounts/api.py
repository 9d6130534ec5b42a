"""JSON API for the signed-in user, users (admin) and API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.orm import Session

from iofs.accounts import service
from iofs.accounts.schemas import (
    PasswordChange,
    PasswordReset,
    RoleGrantIn,
    RolesUpdate,
    TokenCreate,
    TokenCreated,
    TokenOut,
    UserCreate,
    UserOut,
    UserUpdate,
)
from iofs.db import Base
from iofs.http.deps import RecordId, db_session
from iofs.http.paging import AFTER, PageOut, limit_query, link_header, secret_of
from iofs.http.security import require
from iofs.permissions import Principal
from iofs.roles import Role

router = APIRouter(tags=["accounts"])


def _grants(roles: list[RoleGrantIn]) -> list[service.RoleGrant]:
    return [service.RoleGrant(r.role, tuple(r.scopes)) for r in roles]


def _commit(session: Session, *objects: Base) -> None:
    session.commit()
    for obj in objects:
        session.refresh(obj)


@router.get("/me", response_model=UserOut, summary="The signed-in user")
def me(
    principal: Principal = Depends(require("accounts.password.own")),
    session: Session = Depends(db_session),
) -> UserOut:
    assert principal.user_id is not None
    return UserOut.model_validate(service.get_user(session, principal.user_id))


@router.post("/me/password", status_code=204, summary="Change one's own password")
def change_password(
    body: PasswordChange,
    principal: Principal = Depends(require("accounts.password.own")),
    session: Session = Depends(db_session),
) -> Response:
    service.change_password(session, principal, body.current_password, body.new_password)
    session.commit()
    return Response(status_code=204)


@router.get("/users", response_model=PageOut[UserOut], summary="Users by e-mail, keyset-paged")
def list_users(
    request: Request,
    response: Response,
    q: Annotated[str, Query(max_length=254, description="Part of the e-mail or name")] = "",
    role: Role | None = None,
    after: str | None = AFTER,
    limit: int = limit_query(100, 1000),
    principal: Principal = Depends(require("accounts.users.read")),
    session: Session = Depends(db_session),
) -> PageOut[UserOut]:
    """Users in e-mail order: pass ``next`` as ``after`` for the following page (also in the
    ``Link: <…>; rel="next"`` header)."""
    page = service.users_page(session, principal, after, limit, secret_of(request), q, role)
    link_header(request, response, page)
    return PageOut[UserOut](items=[UserOut.model_validate(u) for u in page.items], next=page.next)


@router.post("/users", response_model=UserOut, status_code=201, summary="Create a user")
def create_user(
    body: UserCreate,
    principal: Principal = Depends(require("accounts.users.manage")),
    session: Session = Depends(db_session),
) -> UserOut:
    user = service.create_user(
        session,
        principal,
        email=body.email,
        display_name=body.display_name,
        password=body.password,
        grants=_grants(body.roles),
        language=body.preferred_language,
    )
    _commit(session, user)
    return UserOut.model_validate(user)


@router.put("/users/{user_id}/roles", response_model=UserOut, summary="Replace a user's roles")
def set_roles(
    user_id: RecordId,
    body: RolesUpdate,
    principal: Principal = Depends(require("accounts.users.manage")),
    session: Session = Depends(db_session),
) -> UserOut:
    user = service.set_roles(session, principal, user_id, _grants(body.roles))
    _commit(session, user)
    return UserOut.model_validate(user)


@router.patch("/users/{user_id}", response_model=UserOut, summary="Activate or deactivate")
def update_user(
    user_id: RecordId,
    body: UserUpdate,
    principal: Principal = Depends(require("accounts.users.manage")),
    session: Session = Depends(db_session),
) -> UserOut:
    user = service.set_active(session, principal, user_id, body.active)
    _commit(session, user)
    return UserOut.model_validate(user)


@router.post("/users/{user_id}/password", status_code=204, summary="Reset a user's password")
def reset_password(
    user_id: RecordId,
    body: PasswordReset,
    principal: Principal = Depends(require("accounts.users.manage")),
    session: Session = Depends(db_session),
) -> Response:
    service.reset_password(session, principal, user_id, body.password)
    session.commit()
    return Response(status_code=204)


@router.get("/tokens", response_model=list[TokenOut], summary="One's own API tokens")
def list_tokens(
    principal: Principal = Depends(require("accounts.tokens.own")),
    session: Session = Depends(db_session),
) -> list[TokenOut]:
    assert principal.user_id is not None
    return [
        TokenOut.model_validate(t)
        for t in service.list_tokens(session, principal, principal.user_id)
    ]


@router.post(
    "/tokens",
    response_model=TokenCreated,
    status_code=201,
    summary="Create an API token for oneself (shown once)",
)
def create_token(
    body: TokenCreate,
    principal: Principal = Depends(require("accounts.tokens.own")),
    session: Session = Depends(db_session),
) -> TokenCreated:
    assert principal.user_id is not None
    raw, token = service.create_token(
        session, principal, principal.user_id, name=body.name, expires_days=body.expires_days
    )
    _commit(session, token)
    return TokenCreated(token=raw, **TokenOut.model_validate(token).model_dump())


@router.delete("/tokens/{token_id}", status_code=204, summary="Revoke an API token")
def revoke_token(
    token_id: RecordId,
    principal: Principal = Depends(require("accounts.tokens.own")),
    session: Session = Depends(db_session),
) -> Response:
    service.revoke_token(session, principal, token_id)
    session.commit()
    return Response(status_code=204)
