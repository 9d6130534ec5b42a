"""Request dependencies shared by every module's routes."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy.orm import Session


def db_session(request: Request) -> Iterator[Session]:
    """One database session per request, closed afterwards."""
    factory = request.app.state.session_factory
    with factory() as session:
        yield session
