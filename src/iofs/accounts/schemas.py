"""API shapes for users, roles and tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from iofs.roles import Role


class RoleGrantIn(BaseModel):
    """A role and its scopes: ISO3 codes for focal_point, organisation ids for donor."""

    role: Role
    scopes: list[str] = Field(default_factory=list, max_length=60)


class RoleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    role: Role
    scope: str


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    display_name: str
    preferred_language: str
    active: bool
    created_at: datetime
    roles: list[RoleOut]


class UserCreate(BaseModel):
    email: str = Field(max_length=254)
    display_name: str = Field(default="", max_length=120)
    password: str = Field(min_length=1, max_length=1024)
    preferred_language: Literal["ar", "en", "fr"] = "en"
    roles: list[RoleGrantIn] = Field(min_length=1, max_length=20)


class RolesUpdate(BaseModel):
    roles: list[RoleGrantIn] = Field(min_length=1, max_length=20)


class UserUpdate(BaseModel):
    active: bool


class PasswordReset(BaseModel):
    password: str = Field(min_length=1, max_length=1024)


class PasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


class TokenCreate(BaseModel):
    name: str = Field(default="", max_length=120)
    expires_days: int | None = Field(default=None, ge=1, le=3650)


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="The token itself; shown only once.")
