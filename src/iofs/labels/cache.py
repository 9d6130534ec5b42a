"""The in-process label cache: one query loads a domain in one language, a change stamp
checked once per request (or per session) tells when the secretariat has edited a label.

Each database (by URL) has one :class:`_Store`: the stamp it was loaded at and the tables
loaded so far, ``(domain, language) -> {code: text}`` with the English text filled in where
the language has none. Every write to ``data_labels`` changes the stamp (:func:`touch`) in the
same transaction; a :class:`Lookup` reads the stamp once when it is made and starts a fresh
store when it differs, so an edit shows from the next request on in the process that made
it, and within :data:`STAMP_REUSE` seconds on every other (requests of that time share one
read of the stamp, :func:`recent_stamp`).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from iofs import i18n
from iofs.labels.domains import FALLBACK
from iofs.labels.models import DataLabel, DataLabelStamp

#: The one row of ``data_label_stamp``.
STAMP_ROW = 1
#: Key of a session's memoised :class:`Lookup` in ``Session.info``.
SESSION_KEY = "iofs.labels.lookup"

Reader = Callable[[Any], Sequence[Any]]


@dataclass
class _Store:
    stamp: str | None
    tables: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)


_STORES: dict[str, _Store] = {}
_LOCK = threading.Lock()
#: Longest a process reuses the labels' stamp it read for a request (seconds).
STAMP_REUSE = 0.25
#: Database key → (monotonic time it was read, stamp), for :func:`recent_stamp`.
_RECENT: dict[str, tuple[float, str | None]] = {}


def _database_key(session: Session) -> str:
    return session.get_bind().engine.url.render_as_string(hide_password=True)


def current_stamp(session: Session) -> str | None:
    """The stamp of the labels as stored (None before the first write)."""
    return session.execute(
        select(DataLabelStamp.stamp).where(DataLabelStamp.id == STAMP_ROW)
    ).scalar_one_or_none()


def recent_stamp(session: Session, key: str) -> str | None:
    """The labels' stamp as this process read it less than :data:`STAMP_REUSE` seconds ago,
    else read now: under load, the pages of a quarter of a second share one read rather than
    each paying a round trip for it. An edit made by this process shows at once
    (:func:`touch` forgets the stamp read), one made by another within that time. ``key``:
    the database's (:func:`_database_key`)."""
    now = time.monotonic()
    with _LOCK:
        found = _RECENT.get(key)
    if found is not None and now - found[0] < STAMP_REUSE:
        return found[1]
    stamp = current_stamp(session)
    with _LOCK:
        _RECENT[key] = (now, stamp)
    return stamp


def touch(session: Session) -> None:
    """Give the labels a new stamp, in the caller's transaction (call after every write)."""
    values = {"stamp": uuid.uuid4().hex, "changed_at": datetime.now(UTC)}
    table = cast(Table, DataLabelStamp.__table__)
    # Core statements on named columns: the migration that seeds the labels runs this too.
    changed = session.execute(update(table).where(table.c.id == STAMP_ROW).values(**values))
    if not changed.rowcount:  # type: ignore[attr-defined]
        session.execute(insert(table).values(id=STAMP_ROW, **values))
    session.info.pop(SESSION_KEY, None)
    forget_recent_stamps()


def forget_recent_stamps() -> None:
    """Read the labels' stamp again at the next request (after an edit, a restore)."""
    with _LOCK:
        _RECENT.clear()


def _store(key: str, stamp: str | None) -> _Store:
    with _LOCK:
        store = _STORES.get(key)
        if store is None or store.stamp != stamp:
            store = _Store(stamp)
            _STORES[key] = store
        return store


class Lookup:
    """The labels as one request sees them (the stamp is read once, when it is made)."""

    def __init__(self, key: str, stamp: str | None, reader: Reader) -> None:
        self._store = _store(key, stamp)
        self._read = reader
        #: How many table queries this lookup made (tests count them).
        self.queries = 0

    @classmethod
    def of_session(cls, session: Session) -> Lookup:
        """A lookup reading through ``session`` (its stamp :func:`recent_stamp`)."""
        key = _database_key(session)
        return cls(key, recent_stamp(session, key), lambda query: session.execute(query).all())

    @classmethod
    def of_factory(cls, factory: sessionmaker[Session]) -> Lookup:
        """A lookup opening a short session from ``factory`` for each query (pages)."""

        def read(query: Any) -> Sequence[Any]:
            with factory() as session:
                return session.execute(query).all()

        with factory() as session:
            key, stamp = _database_key(session), current_stamp(session)
        return cls(key, stamp, read)

    def table(self, domain: str, language: str) -> dict[str, str]:
        """``{code: text}`` of ``domain`` in ``language``, English where it has none."""
        tables = self._store.tables
        found = tables.get((domain, language))
        if found is None:
            self.queries += 1
            rows = self._read(
                select(DataLabel.code, DataLabel.language, DataLabel.text).where(
                    DataLabel.domain == domain, DataLabel.language.in_({language, FALLBACK})
                )
            )
            english = {r.code: r.text for r in rows if r.language == FALLBACK and r.text}
            own = {r.code: r.text for r in rows if r.language == language and r.text}
            found = {**english, **own}
            tables[(domain, language)] = found
        return found

    def __call__(
        self, domain: str, code: object, language: str | None = None, default: str | None = None
    ) -> str:
        """The text of ``code`` in ``language`` (default: the request's), else its English
        text, else ``default``, else the code itself."""
        if code is None or code == "":
            return default or ""
        text = self.table(domain, language or i18n.current_language()).get(str(code))
        if text:
            return text
        return default if default is not None else str(code)


def session_lookup(session: Session) -> Lookup:
    """The lookup memoised on ``session`` (one stamp check per session, i.e. per request)."""
    lookup = session.info.get(SESSION_KEY)
    if not isinstance(lookup, Lookup):
        lookup = Lookup.of_session(session)
        session.info[SESSION_KEY] = lookup
    return lookup


_BOUND: ContextVar[Lookup | None] = ContextVar("iofs_labels_lookup", default=None)


def bind(lookup: Lookup) -> None:
    """Make ``lookup`` the current request's (a context variable, as the language is)."""
    _BOUND.set(lookup)


def bound() -> Lookup | None:
    """The lookup bound to the current request, if any."""
    return _BOUND.get()


def clear() -> None:
    """Forget every cached label (tests; a process that restores a backup)."""
    with _LOCK:
        _STORES.clear()
        _RECENT.clear()
