"""API shape of audit entries."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str
    actor_user_id: int | None
    token_id: int | None
    ip: str | None
    user_agent: str | None
    action: str
    record_type: str
    record_id: str
    before: str | None
    after: str | None
    prev_hash: str
    hash: str
