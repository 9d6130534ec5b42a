"""Keyset paging for every long list, in pages and in the JSON API.

A page is read by its *sort key*, never by an offset: the query asks for rows whose key
comes after the last row shown (``WHERE (k1, k2) > (:a, :b) ORDER BY k1, k2 LIMIT n + 1``), so
page 500 costs what page 1 costs and a row added meanwhile neither repeats nor hides another.
(The method: Markus Winand, "We need tool support for keyset pagination", use-the-index-luke.com,
2014; row-value comparison is SQL:1999 and runs on PostgreSQL and SQLite ≥ 3.15.)

The cursor a client sends back (``after``) is the last row's key as JSON, base64url-encoded, with
an HMAC-SHA256 tag over the list's name and the key made with the installation's secret key: a
cursor edited by hand, cut short or taken from another list is refused with a sentence (400),
never turned into a query. The last key of a page (``next``) is ``None`` on the last page.

Sort keys must be unique (end with the row id) and not NULL; a column sorted descending is
marked so in :class:`SortKey` and compared with the expanded ``OR`` form, since a row value
compares every column in one direction.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from fastapi import HTTPException, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import Select, and_, or_, tuple_
from sqlalchemy.orm import QueryableAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from iofs.i18n import gettext as _

T = TypeVar("T")
#: A SELECT of any columns (SQLAlchemy 2.1 types a Select by its row's column types).
AnySelect = Select[*tuple[Any, ...]]

#: Default and largest page sizes (rows) of pages and API lists.
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000

#: Query parameters shared by every paged API list and page.
AFTER = Query(
    None,
    max_length=2000,
    description="Cursor from the previous page's `next` (opaque); absent for the first page",
)


def limit_query(default: int = DEFAULT_LIMIT, maximum: int = MAX_LIMIT) -> Any:
    """The ``limit`` query parameter: rows per page, 1 to ``maximum``."""
    return Query(default, ge=1, le=maximum, description=f"Rows per page (1–{maximum})")


class BadCursor(HTTPException):
    """A cursor that was not made by this list: 400 with a sentence in the user's language."""

    def __init__(self) -> None:
        super().__init__(
            400,
            _(
                "The page link is not valid (the 'after' cursor was changed or belongs to "
                "another list). Start again from the first page."
            ),
        )


@dataclass(frozen=True)
class SortKey:
    """One column of a keyset order; ``descending`` sorts (and pages) from high to low."""

    column: ColumnElement[Any] | QueryableAttribute[Any]
    descending: bool = False


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list.

    ``items`` are the rows shown (at most ``limit``); ``next`` is the cursor of the following
    page or ``None`` on the last page; ``first`` says whether this page started the list (no
    cursor was given), so a pager offers "First page" only where it leads somewhere.
    """

    items: list[T]
    next: str | None
    first: bool
    limit: int

    @property
    def has_more(self) -> bool:
        """Whether rows follow this page."""
        return self.next is not None


class PageOut(BaseModel, Generic[T]):
    """A page of an API list: ``items``, and ``next``, the ``after`` of the following page
    (``null`` on the last page). The same URL is in the ``Link: <…>; rel="next"`` header."""

    items: list[T]
    next: str | None = Field(
        description="Cursor of the next page (pass it as `after`); null on the last page"
    )

    @classmethod
    def of(cls, page: Page[T]) -> PageOut[T]:
        """The API form of ``page``."""
        return cls(items=page.items, next=page.next)


# -- the cursor ---------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A key value as JSON; dates, times and decimals are tagged to come back as themselves."""
    if isinstance(value, dt.datetime):
        return {"t": value.isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    if value is None or isinstance(value, str | int | float):
        return value
    raise TypeError(f"a sort key holds {type(value).__name__}, not a JSON value")


def _typed(value: Any) -> Any:
    """Inverse of :func:`_plain` (raises ValueError/TypeError on a malformed value)."""
    if isinstance(value, dict):
        if len(value) != 1:
            raise ValueError("tagged value with several tags")
        ((tag, text),) = value.items()
        if not isinstance(text, str):
            raise ValueError("tagged value is not text")
        if tag == "t":
            return dt.datetime.fromisoformat(text)
        if tag == "d":
            return dt.date.fromisoformat(text)
        if tag == "n":
            return Decimal(text)
        raise ValueError(f"unknown tag {tag!r}")
    if value is None or isinstance(value, str | int | float):
        return value
    raise ValueError("not a key value")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _tag(secret: str, scope: str, payload: str) -> str:
    mac = hmac.new(secret.encode(), f"{scope}\n{payload}".encode(), hashlib.sha256)
    return _b64(mac.digest()[:16])


def encode_cursor(key: Sequence[Any], *, scope: str, secret: str) -> str:
    """The opaque cursor of a row's sort ``key`` on the list named ``scope``."""
    payload = _b64(json.dumps([_plain(v) for v in key], separators=(",", ":")).encode())
    return f"{payload}.{_tag(secret, scope, payload)}"


def decode_cursor(token: str, *, scope: str, secret: str, size: int) -> tuple[Any, ...]:
    """The sort key a cursor holds; :class:`BadCursor` (400) when it was not made by
    :func:`encode_cursor` for ``scope`` or does not hold ``size`` values."""
    payload, dot, tag = token.partition(".")
    if not dot or not hmac.compare_digest(tag, _tag(secret, scope, payload)):
        raise BadCursor()
    try:
        values = json.loads(_unb64(payload))
        if not isinstance(values, list) or len(values) != size:
            raise ValueError("wrong size")
        return tuple(_typed(v) for v in values)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise BadCursor() from None


# -- SQL ------------------------------------------------------------------------------------


def after_clause(keys: Sequence[SortKey], after: Sequence[Any]) -> ColumnElement[bool]:
    """``WHERE`` condition of the rows that come after ``after`` in the order of ``keys``.

    One direction: the row value ``(k1, k2) > (:a, :b)`` (``<`` descending), which an index
    on ``(k1, k2)`` serves. Mixed directions: ``k1 > :a OR (k1 = :a AND k2 < :b) …``.
    """
    if len({k.descending for k in keys}) == 1:
        left = tuple_(*(k.column for k in keys))
        right = tuple_(*after)
        return left < right if keys[0].descending else left > right
    terms = []
    for i, key in enumerate(keys):
        equal = [k.column == v for k, v in zip(keys[:i], after[:i], strict=True)]
        step = key.column < after[i] if key.descending else key.column > after[i]
        terms.append(and_(*equal, step))
    return or_(*terms)


def keyset(
    statement: AnySelect, keys: Sequence[SortKey], after: Sequence[Any] | None, limit: int
) -> AnySelect:
    """``statement`` ordered by ``keys``, starting after ``after``, one row more than
    ``limit`` (the extra row tells whether a next page exists)."""
    if after is not None:
        statement = statement.where(after_clause(keys, after))
    order = [k.column.desc() if k.descending else k.column.asc() for k in keys]
    return statement.order_by(None).order_by(*order).limit(limit + 1)


class Pager:
    """Pages one list: its name (``scope``, bound into its cursors), its sort key and the
    secret the cursors are signed with. A list paged in memory (:meth:`slice`) gives no SQL
    keys, only their number (``size``)."""

    def __init__(
        self, scope: str, keys: Sequence[SortKey], secret: str, size: int | None = None
    ) -> None:
        self.scope = scope
        self.keys = list(keys)
        self.secret = secret
        #: Values in a key: the SQL keys', or ``size`` for a list paged in memory.
        self.size = size if size is not None else len(self.keys)

    def decode(self, token: str | None) -> tuple[Any, ...] | None:
        """The key a cursor holds (None for the first page); 400 when it is not valid."""
        if not token:
            return None
        return decode_cursor(token, scope=self.scope, secret=self.secret, size=self.size)

    def cursor(self, key: Sequence[Any]) -> str:
        """The cursor of the page that follows the row whose sort key is ``key``."""
        return encode_cursor(key, scope=self.scope, secret=self.secret)

    def page(
        self,
        rows: Sequence[T],
        key: Callable[[T], Sequence[Any]],
        limit: int,
        first: bool,
    ) -> Page[T]:
        """A :class:`Page` from up to ``limit + 1`` rows in key order."""
        shown = list(rows[:limit])
        more = len(rows) > limit and bool(shown)
        token = (
            encode_cursor(key(shown[-1]), scope=self.scope, secret=self.secret) if more else None
        )
        return Page(items=shown, next=token, first=first, limit=limit)

    def fetch(
        self,
        session: Session,
        statement: AnySelect,
        after: str | None,
        limit: int,
        key: Callable[[Any], Sequence[Any]],
        scalars: bool = True,
    ) -> Page[Any]:
        """Run ``statement`` for the page after the cursor ``after``; ``key`` reads a row's
        sort key (the same values, in the same order, as the pager's ``keys``)."""
        start = self.decode(after)
        result = session.execute(keyset(statement, self.keys, start, limit))
        rows = list(result.scalars()) if scalars else list(result.all())
        return self.page(rows, key, limit, first=start is None)

    def fetch_visible(
        self,
        session: Session,
        statement: AnySelect,
        after: str | None,
        limit: int,
        key: Callable[[Any], Sequence[Any]],
        visible: Callable[[Any], bool],
        scalars: bool = True,
    ) -> Page[Any]:
        """:meth:`fetch` for lists whose rows pass a check in Python (a permission that
        depends on the row): rows are read by key in batches, from where the last batch
        ended, until ``limit + 1`` pass or the rows run out."""
        start = self.decode(after)
        batch = max(2 * (limit + 1), 200)
        shown: list[Any] = []
        position = start
        while len(shown) <= limit:
            result = session.execute(keyset(statement, self.keys, position, batch - 1))
            rows = list(result.scalars()) if scalars else list(result.all())
            for row in rows:
                if visible(row):
                    shown.append(row)
                    if len(shown) > limit:
                        break
            if len(rows) < batch:
                break
            position = tuple(key(rows[-1]))
        return self.page(shown, key, limit, first=start is None)

    def window(
        self, keys: Sequence[tuple[Any, ...]], after: str | None, limit: int
    ) -> tuple[slice, str | None, bool]:
        """Rows of a list held in memory whose sort ``keys`` ascend (one tuple per row, in
        row order; a computed table such as a month's price signals): the slice of the page
        after the cursor ``after``, the next cursor, and whether it is the first page.
        The start is found by bisection, so a deep page costs what the first costs."""
        start = self.decode(after)
        begin = 0 if start is None else bisect.bisect_right(keys, start)
        stop = min(begin + limit, len(keys))
        more = stop < len(keys) and stop > begin
        token = (
            encode_cursor(keys[stop - 1], scope=self.scope, secret=self.secret) if more else None
        )
        return slice(begin, stop), token, start is None

    def slice(
        self, rows: Sequence[T], key: Callable[[T], Sequence[Any]], after: str | None, limit: int
    ) -> Page[T]:
        """Page a list held in memory and sorted by ``key`` (ascending)."""
        window, token, first = self.window([tuple(key(r)) for r in rows], after, limit)
        return Page(items=list(rows[window]), next=token, first=first, limit=limit)


def secret_of(request: Request) -> str:
    """The installation's secret key, which signs the cursors."""
    return str(request.app.state.settings.resolved_secret_key())


def _query_with(request: Request, after: str | None) -> str:
    pairs = [(k, v) for k, v in request.query_params.multi_items() if k != "after"]
    if after:
        pairs.append(("after", after))
    return urlencode(pairs)


def page_url(request: Request, after: str | None) -> str:
    """This request's path and query with ``after`` set (dropped when None), every filter
    kept: the link a pager shows."""
    query = _query_with(request, after)
    return request.url.path + ("?" + query if query else "")


def pager_context(request: Request, page: Page[Any]) -> dict[str, Any]:
    """What ``_pager.html`` reads: the page (``pager``) and its "Next" / "First page" links."""
    return {
        "pager": page,
        "next_url": page_url(request, page.next) if page.next else None,
        "first_url": None if page.first else page_url(request, None),
    }


def link_header(request: Request, response: Response, page: Page[Any]) -> None:
    """Set ``Link: <…>; rel="next"`` (RFC 8288) on an API response when a next page exists."""
    if page.next is not None:
        url = request.url.replace(query=_query_with(request, page.next))
        response.headers["Link"] = f'<{url}>; rel="next"'
