"""Request dependencies shared by every module's routes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Path, Request
from sqlalchemy.orm import Session

from iofs.validation import MAX_RECORD_ID


def db_session(request: Request) -> Iterator[Session]:
    """One database session per request, closed afterwards."""
    factory = request.app.state.session_factory
    with factory() as session:
        yield session


#: A database row id in a path: positive and within a 32-bit integer, on every backend.
RecordId = Annotated[int, Path(ge=1, le=MAX_RECORD_ID, description="Record id")]
