"""Accession search: text, facets (genus, crop, country of origin, biological status,
availability), key-ordered pages and collecting sites for the map.

Totals and facet counts come from :class:`~iofs.genebank.models.AccessionCount`, one row per
facet combination, which every write of accessions keeps current (:func:`adjust_counts`), so
a facet page over a million accessions reads a few thousand summary rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import String, case, delete, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from iofs.genebank import trait_index
from iofs.genebank.models import Accession, AccessionCount
from iofs.http.paging import Page, Pager, SortKey
from iofs.permissions import Principal, allows, authorize

# --- search counts -------------------------------------------------------------------------


def count_key(values: dict[str, Any]) -> tuple[Any, ...]:
    """The facet combination (a key of :data:`COUNT_KEYS`) an accession snapshot counts in."""
    return (
        bool(values["available"]),
        values["genus"],
        values["taxon"],
        values["cropname"],
        values["origcty"],
        values["sampstat"],
        values["lat"] is not None,
    )


COUNT_KEYS = ("available", "genus", "taxon", "cropname", "origcty", "sampstat", "has_coordinates")


def adjust_counts(session: Session, changes: Counter[tuple[Any, ...]]) -> None:
    """Add ``changes`` (facet combination -> accessions added, negative when removed) to the
    search counts. Every write of accessions passes here, even one that leaves the counts as
    they were (an accession made available and another withdrawn), so it also renews the
    accessions token of the trait index."""
    trait_index.accessions_changed(session)
    rows = [
        dict(zip(COUNT_KEYS, key, strict=True), accessions=n) for key, n in changes.items() if n
    ]
    if not rows:
        return
    from sqlalchemy.dialects import postgresql, sqlite

    statement: Any = (
        postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    )(AccessionCount)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=list(COUNT_KEYS),
            set_={"accessions": AccessionCount.accessions + statement.excluded.accessions},
        ),
        rows,
    )
    if any(row["accessions"] < 0 for row in rows):
        session.execute(delete(AccessionCount).where(AccessionCount.accessions <= 0))


def rebuild_counts(session: Session, principal: Principal) -> int:
    """Recompute the search counts from the accessions (after writes behind the service's
    back: ``iofs genebank reindex``); the trait index re-reads accessions and observations
    at its next search. Returns the number of facet combinations."""
    authorize(principal, "genebank.passport.write")
    trait_index.observations_changed(session)
    session.execute(delete(AccessionCount))
    has_coordinates = Accession.lat.is_not(None)
    rows = session.execute(
        select(
            Accession.available,
            Accession.genus,
            Accession.taxon,
            Accession.cropname,
            Accession.origcty,
            Accession.sampstat,
            has_coordinates,
            func.count(),
        ).group_by(
            Accession.available,
            Accession.genus,
            Accession.taxon,
            Accession.cropname,
            Accession.origcty,
            Accession.sampstat,
            has_coordinates,
        )
    ).all()
    adjust_counts(session, Counter({tuple(r[:-1]): r[-1] for r in rows}))
    return len(rows)


# --- search ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchQuery:
    """Search filters; empty means 'any'. ``after_id`` pages by key (the page starts after
    that id; totals and facets still count every match), cheaper than a large ``offset``."""

    text: str = ""
    genus: str = ""
    crop: str = ""
    country: str = ""
    sampstat: str = ""
    available: bool | None = None
    with_coordinates: bool = False
    limit: int = 50
    offset: int = 0
    after_id: int | None = None


@dataclass
class SearchResult:
    """A page of accessions, the total and facet counts (value -> accessions)."""

    total: int
    accessions: list[Accession]
    facets: dict[str, list[tuple[str, int]]]


FACETS = {
    "genus": Accession.genus,
    "crop": Accession.cropname,
    "country": Accession.origcty,
    "sampstat": Accession.sampstat,
    "available": Accession.available,
}
#: Rows a scan in id order may read before an index on the filters is the better plan.
SCAN_BUDGET = 20_000
#: Above this many matching taxa or crop names, text search filters rows by the pattern.
IN_LIST_LIMIT = 500


def like_prefix(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def equalities(principal: Principal, query: SearchQuery) -> dict[str, Any]:
    """The filters that are facet values: field -> value."""
    where: dict[str, Any] = {}
    if not allows(principal, "genebank.read_internal"):
        where["available"] = True
    elif query.available is not None:
        where["available"] = query.available
    for name, value in (
        ("genus", query.genus),
        ("cropname", query.crop),
        ("origcty", query.country.upper()),
        ("sampstat", query.sampstat),
    ):
        if value:
            where[name] = value
    if query.with_coordinates:
        where["has_coordinates"] = True
    return where


def _count_conditions(where: dict[str, Any], pattern: str | None) -> list[Any]:
    conditions: list[Any] = []
    for name, value in where.items():
        column = getattr(AccessionCount, name)
        conditions.append(column.is_(value) if isinstance(value, bool) else column == value)
    if pattern is not None:
        conditions.append(
            func.lower(AccessionCount.taxon).like(pattern, escape="\\")
            | func.lower(AccessionCount.cropname).like(pattern, escape="\\")
        )
    return conditions


def row_conditions(where: dict[str, Any], plain: bool = True) -> list[Any]:
    """Conditions on accessions; ``plain=False`` hides them from indexes (SQLite then reads
    the table in id order, which is fastest when matches are dense)."""

    def column(expression: Any) -> Any:
        return expression if plain else func.coalesce(expression, expression)

    conditions: list[Any] = []
    for name, value in where.items():
        if name == "has_coordinates":
            conditions.append(column(Accession.lat).is_not(None))
        else:  # booleans compared with = too: PostgreSQL indexes "= true", not "IS TRUE"
            conditions.append(column(getattr(Accession, name)) == value)
    return conditions


@dataclass
class _Matches:
    """What a query matches: counts from the summary table, the row conditions to page with."""

    total: int
    counts: list[tuple[str, str, int]]  # (facet, value, accessions)
    where: dict[str, Any]
    text: str
    taxa: list[str] | None = None
    crops: list[str] | None = None
    pattern: str | None = None
    genus_taxa: list[str] | None = None

    def text_condition(self, plain: bool) -> Any:
        def column(expression: Any) -> Any:
            return expression if plain else func.coalesce(expression, expression)

        if self.taxa is None or self.crops is None:
            assert self.pattern is not None
            terms = [
                func.lower(Accession.taxon).like(self.pattern, escape="\\"),
                func.lower(Accession.cropname).like(self.pattern, escape="\\"),
            ]
        else:
            terms = []
            if self.taxa:
                terms.append(column(Accession.taxon).in_(self.taxa))
            if self.crops:
                terms.append(column(Accession.cropname).in_(self.crops))
        return or_(Accession.accenumb == self.text, *terms)


def _facet_value(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _match(session: Session, principal: Principal, query: SearchQuery, facets: bool) -> _Matches:
    """Total and facet counts of ``query`` in one grouped query over the summary table, plus
    the few accessions whose number equals the text without their taxon or crop matching."""
    where = equalities(principal, query)
    text_value = query.text.strip()
    pattern = like_prefix(text_value) if text_value else None
    conditions = _count_conditions(where, pattern)
    total_n = func.coalesce(func.sum(AccessionCount.accessions), 0)
    parts = [
        select(
            literal("", String).label("facet"),
            literal("", String).label("value"),
            total_n.label("n"),
        ).where(*conditions)
    ]
    if facets:
        for name, column in (
            ("genus", AccessionCount.genus),
            ("crop", AccessionCount.cropname),
            ("country", AccessionCount.origcty),
            ("sampstat", AccessionCount.sampstat),
        ):
            parts.append(
                select(literal(name, String), column, func.sum(AccessionCount.accessions))
                .where(*conditions)
                .group_by(column)
            )
        flag = case((AccessionCount.available.is_(True), "true"), else_="false")
        parts.append(
            select(literal("available", String), flag, func.sum(AccessionCount.accessions))
            .where(*conditions)
            .group_by(flag)
        )
    rows = [(f, v, int(n)) for f, v, n in session.execute(union_all(*parts))]
    total = sum(n for f, _v, n in rows if not f)
    counts = [r for r in rows if r[0]]
    matches = _Matches(total, counts, where, text_value)
    if "genus" in where and total:
        # Genus is not indexed: its taxa are (a taxon starts with its genus).
        taxa = list(
            session.execute(
                select(AccessionCount.taxon).where(*_count_conditions(where, None)).distinct()
            ).scalars()
        )
        if len(taxa) <= IN_LIST_LIMIT:
            matches.genus_taxa = taxa
    if pattern is None:
        return matches
    matches.pattern = pattern
    # The exact taxa and crop names that match, so rows are found by plain equality.
    plain_conditions = _count_conditions(where, None)
    names = session.execute(
        union_all(
            select(literal("taxon", String), AccessionCount.taxon)
            .where(*plain_conditions, func.lower(AccessionCount.taxon).like(pattern, escape="\\"))
            .distinct(),
            select(literal("crop", String), AccessionCount.cropname)
            .where(
                *plain_conditions, func.lower(AccessionCount.cropname).like(pattern, escape="\\")
            )
            .distinct(),
        )
    ).all()
    if len(names) <= IN_LIST_LIMIT:
        matches.taxa = sorted({value for kind, value in names if kind == "taxon"})
        matches.crops = sorted({value for kind, value in names if kind == "crop"})
    extra = session.execute(
        select(
            Accession.available,
            Accession.genus,
            Accession.cropname,
            Accession.origcty,
            Accession.sampstat,
        ).where(
            Accession.accenumb == text_value,
            *row_conditions(where),
            ~(
                func.lower(Accession.taxon).like(pattern, escape="\\")
                | func.lower(Accession.cropname).like(pattern, escape="\\")
            ),
        )
    ).all()
    for available, genus, crop, country, sampstat in extra:
        matches.total += 1
        for facet, value in (
            ("genus", genus),
            ("crop", crop),
            ("country", country),
            ("sampstat", sampstat),
            ("available", _facet_value(available)),
        ):
            matches.counts.append((facet, value, 1))
    return matches


def _page(
    session: Session,
    matches: _Matches,
    query: SearchQuery,
    limit: int,
    columns: Sequence[Any] | None = None,
) -> list[Any]:
    """One page in id order, planned from the match count: when matches are dense, SQLite
    reads the table in id order and stops at the page; when sparse, the indexes serve."""
    if matches.total == 0:
        return []
    plain = True
    if session.get_bind().dialect.name == "sqlite":
        low, high = session.execute(
            select(
                select(func.min(Accession.id)).scalar_subquery(),
                select(func.max(Accession.id)).scalar_subquery(),
            )
        ).one()
        span = (high or 0) - (low or 0) + 1
        plain = (query.offset + limit) * span / matches.total > SCAN_BUDGET
    conditions = row_conditions(matches.where, plain)
    if plain and matches.genus_taxa is not None:
        conditions.append(Accession.taxon.in_(matches.genus_taxa))
    if matches.text:
        conditions.append(matches.text_condition(plain))
    if query.after_id is not None:
        conditions.append(Accession.id > query.after_id)
    statement = (select(*columns) if columns else select(Accession)).where(*conditions)
    statement = statement.order_by(Accession.id).limit(limit).offset(query.offset)
    if columns:
        return list(session.execute(statement))
    return list(session.execute(statement).scalars())


def search(
    session: Session,
    principal: Principal,
    query: SearchQuery,
    facets: bool = True,
    facet_size: int = 12,
    page: bool = True,
) -> SearchResult:
    """Accessions matching ``query`` (id order) with the total and the top facet values.

    Text matches an accession number exactly, or the start of a taxon or crop name (any
    case). Totals and facets come from :class:`AccessionCount`; ``page=False``: the counts
    only."""
    matches = _match(session, principal, query, facets)
    counts: dict[str, list[tuple[str, int]]] = {}
    if facets:
        merged: dict[str, Counter[str]] = {name: Counter() for name in FACETS}
        for facet, value, n in matches.counts:
            merged[facet][value] += n
        for name, values in merged.items():
            top = sorted(values.items(), key=lambda item: (-item[1], item[0]))[:facet_size]
            counts[name] = [(value, n) for value, n in top if value != "" and n > 0]
    rows = _page(session, matches, query, query.limit) if page else []
    return SearchResult(matches.total, rows, counts)


#: Name bound into the cursors of the accession list (page and API).
PAGE_SCOPE = "genebank.accessions"


def search_page(
    session: Session,
    principal: Principal,
    query: SearchQuery,
    after: str | None,
    secret: str,
    facets: bool = True,
) -> tuple[SearchResult, Page[Accession]]:
    """The search (total, facets) with the page of ``query.limit`` accessions after the
    cursor ``after``. The search ranks nothing (it lists matches in id order), so it pages by
    id: ``WHERE id > :last ORDER BY id LIMIT n + 1``, as cheap at the millionth accession as at
    the first. A changed cursor is a 400 (:class:`iofs.http.paging.BadCursor`)."""
    pager = Pager(PAGE_SCOPE, [SortKey(Accession.id)], secret)
    start = pager.decode(after)
    keyed = replace(
        query,
        limit=query.limit + 1,
        after_id=start[0] if start is not None else query.after_id,
        offset=0 if start is not None else query.offset,
    )
    result = search(session, principal, keyed, facets=facets)
    page = pager.page(
        result.accessions,
        key=lambda a: (a.id,),
        limit=query.limit,
        first=start is None and query.offset == 0 and query.after_id is None,
    )
    return SearchResult(result.total, page.items, result.facets), page


def collecting_points(
    session: Session, principal: Principal, query: SearchQuery, limit: int = 2000
) -> list[dict[str, Any]]:
    """Collecting sites (decimal degrees) of matching accessions, for the map."""
    located = SearchQuery(**{**query.__dict__, "with_coordinates": True, "offset": 0})
    matches = _match(session, principal, located, facets=False)
    rows = _page(
        session,
        matches,
        located,
        limit,
        (Accession.id, Accession.accenumb, Accession.taxon, Accession.lat, Accession.lon),
    )
    return [
        {
            "id": r.id,
            "accenumb": r.accenumb,
            "taxon": r.taxon,
            "lat": r.lat,
            "lon": r.lon,
            "label": f"{r.accenumb} — {r.taxon}",
        }
        for r in rows
    ]
