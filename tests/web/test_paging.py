"""The keyset pager (iofs.http.paging): cursors, SQL on SQLite and PostgreSQL, in-memory lists."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from fastapi import HTTPException
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from iofs import i18n
from iofs.http.paging import (
    BadCursor,
    Pager,
    SortKey,
    decode_cursor,
    encode_cursor,
)
from iofs.members.models import MemberState

SECRET = "a-test-secret-that-signs-cursors-0123456789"


def test_cursor_round_trip_keeps_types() -> None:
    key = (
        3,
        "KAZ",
        2.5,
        None,
        dt.date(2024, 11, 1),
        dt.datetime(2024, 1, 2, 3, 4, 5),
        Decimal("10.50"),
    )
    token = encode_cursor(key, scope="test", secret=SECRET)
    assert "=" not in token and "/" not in token and "+" not in token  # base64url, unpadded
    assert decode_cursor(token, scope="test", secret=SECRET, size=len(key)) == key


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # tag changed
        lambda t: "W10" + t[t.index(".") :],  # payload replaced by "[]"
        lambda t: t.split(".")[0],  # tag cut off
        lambda t: "not a cursor",
        lambda t: "",
        lambda t: "%%%.%%%",
    ],
)
def test_a_tampered_cursor_is_refused_with_a_sentence(mangle: object) -> None:
    token = encode_cursor((1969, "AFG"), scope="test", secret=SECRET)
    with pytest.raises(BadCursor) as caught:
        decode_cursor(mangle(token), scope="test", secret=SECRET, size=2)  # type: ignore[operator]
    assert caught.value.status_code == 400
    assert "first page" in str(caught.value.detail)


def test_a_cursor_of_another_list_or_key_size_is_refused() -> None:
    token = encode_cursor((1969, "AFG"), scope="states", secret=SECRET)
    with pytest.raises(HTTPException):
        decode_cursor(token, scope="audit", secret=SECRET, size=2)
    with pytest.raises(HTTPException):
        decode_cursor(token, scope="states", secret="another-installation-secret-0123", size=2)
    with pytest.raises(HTTPException):
        decode_cursor(token, scope="states", secret=SECRET, size=3)


def test_the_refusal_is_translated() -> None:
    i18n.set_language("fr")
    try:
        assert "première page" in str(BadCursor().detail)
    finally:
        i18n.set_language("en")


def _walk(pager: Pager, session: Session, limit: int) -> list[list[str]]:
    pages: list[list[str]] = []
    after: str | None = None
    while True:
        page = pager.fetch(
            session,
            select(MemberState),
            after,
            limit,
            key=lambda s: (s.oic_accession_year, s.iso3),
        )
        assert page.first == (after is None)
        pages.append([s.iso3 for s in page.items])
        if page.next is None:
            assert not page.has_more
            return pages
        assert len(page.items) == limit
        after = page.next


@pytest.mark.parametrize("descending", [False, True], ids=["row-value", "mixed-directions"])
def test_sql_keyset_visits_every_row_once_with_ties_on_the_first_key(
    loaded_registry: sessionmaker[Session], descending: bool
) -> None:
    keys = [SortKey(MemberState.oic_accession_year, descending), SortKey(MemberState.iso3)]
    pager = Pager("states", keys, SECRET)
    with loaded_registry() as session:
        everything = session.execute(select(MemberState)).scalars().all()
        expected = [
            s.iso3
            for s in sorted(
                everything,
                key=lambda s: ((-1 if descending else 1) * s.oic_accession_year, s.iso3),
            )
        ]
        years = [s.oic_accession_year for s in everything]
        assert len(years) > len(set(years)) + 10  # many ties on the first key
        pages = _walk(pager, session, limit=5)
    assert [iso3 for page in pages for iso3 in page] == expected
    assert len(expected) == 57
    assert [len(p) for p in pages] == [5] * 11 + [2]


def test_sql_keyset_last_page_exactly_full_has_no_next(
    loaded_registry: sessionmaker[Session],
) -> None:
    pager = Pager("states", [SortKey(MemberState.iso3)], SECRET)
    with loaded_registry() as session:
        first = pager.fetch(session, select(MemberState), None, 50, key=lambda s: (s.iso3,))
        assert first.next is not None
        last = pager.fetch(session, select(MemberState), first.next, 7, key=lambda s: (s.iso3,))
        assert len(last.items) == 7 and last.next is None and not last.first
        whole = pager.fetch(session, select(MemberState), None, 57, key=lambda s: (s.iso3,))
        assert len(whole.items) == 57 and whole.next is None and whole.first


def test_slice_pages_a_sorted_list_in_memory() -> None:
    rows = [(year, code) for year in (1969, 1969, 1970) for code in ("A", "B", "C")]
    rows = sorted(set(rows))
    pager = Pager("memory", [], SECRET, size=2)
    seen: list[tuple[int, str]] = []
    after: str | None = None
    while True:
        page = pager.slice(rows, key=lambda r: r, after=after, limit=2)
        seen.extend(page.items)
        if page.next is None:
            break
        after = page.next
    assert seen == rows
    empty = pager.slice([], key=lambda r: r, after=None, limit=2)
    assert empty.items == [] and empty.next is None and empty.first
