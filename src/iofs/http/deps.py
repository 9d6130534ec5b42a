"""Request dependencies shared by every module's routes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Path, Request
from sqlalchemy.orm import Session

from iofs.validation import MAX_RECORD_ID

#: ``request.state`` attribute holding the request's open session (:func:`db_session`).
SESSION_STATE = "iofs_db_session"


def db_session(request: Request) -> Iterator[Session]:
    """One database session per request, closed afterwards. While it is open it is also
    :func:`request_session`, so that what a page's template reads (labels) shares its
    connection rather than checking out another."""
    factory = request.app.state.session_factory
    with factory() as session:
        setattr(request.state, SESSION_STATE, session)
        try:
            yield session
        finally:
            setattr(request.state, SESSION_STATE, None)


def request_session(request: Request) -> Session | None:
    """The session :func:`db_session` opened for ``request``, while it is open; else None."""
    state = getattr(request, "state", None)
    found = getattr(state, SESSION_STATE, None) if state is not None else None
    return found if isinstance(found, Session) else None


#: A database row id in a path: positive and within a 32-bit integer, on every backend.
RecordId = Annotated[int, Path(ge=1, le=MAX_RECORD_ID, description="Record id")]
