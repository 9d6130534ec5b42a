"""Characterization and evaluation: trait definitions (method and scale, as in Bioversity
crop descriptor lists and GRIN-Global crop traits), observations per accession, their import
from CSV/XLSX (validated first, all-or-nothing, every bad row named by its line), export,
search by trait values ("DRT >= 7", "DTH <= 110") and per-accession summaries.

Scales: ``numeric`` (a unit, optional bounds), ``ordinal`` (integer codes, e.g. 1–9, with
labels in ``categories``) and ``nominal`` (codes with labels). Numeric and ordinal values are
stored in ``value_number`` (indexed with the trait, so a trait search is a range scan);
nominal codes in ``value_code``.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

import numpy as np
from sqlalchemy import Integer, Select, any_, bindparam, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from iofs.audit import service as audit
from iofs.genebank import trait_index
from iofs.genebank.errors import GenebankError, UnknownRecord
from iofs.genebank.models import Accession, Observation, Trait
from iofs.genebank.schemas import TraitIn
from iofs.genebank.search import SearchQuery, equalities, like_prefix, row_conditions
from iofs.http.paging import Page, Pager, SortKey
from iofs.i18n import gettext as _
from iofs.permissions import Principal, allows, authorize

audit.audited(Trait)
audit.audited(Observation)

#: Columns of an observation file (CSV or XLSX, first row the header; case-insensitive).
OBSERVATION_COLUMNS = [
    "INSTCODE",
    "ACCENUMB",
    "TRAIT",
    "VALUE",
    "DATE",
    "SITE",
    "ENVIRONMENT",
    "OBSERVER",
]
REQUIRED_COLUMNS = ("INSTCODE", "ACCENUMB", "TRAIT", "VALUE")
#: Comparison operators of a trait criterion.
OPERATORS = (">=", "<=", "=", ">", "<")
_CRITERION = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*(>=|<=|=|>|<)\s*(\S.*?)\s*$")


def categories_of(trait: Trait) -> dict[str, str]:
    """A trait's codes and their labels (``"1=low;9=high"`` → ``{"1": "low", "9": "high"}``)."""
    pairs = (part.split("=", 1) for part in trait.categories.split(";") if part.strip())
    return {p[0].strip(): (p[1].strip() if len(p) > 1 else "") for p in pairs}


def define_trait(session: Session, principal: Principal, data: TraitIn) -> Trait:
    """Create a trait or update the one with the same code (audited)."""
    authorize(principal, "genebank.collection.write")
    if (
        data.scale == "numeric"
        and data.minimum is not None
        and data.maximum is not None
        and data.minimum > data.maximum
    ):
        raise GenebankError(_("The minimum is above the maximum."), "minimum")
    if data.scale != "numeric" and not data.categories.strip():
        raise GenebankError(_("An ordinal or nominal scale lists its codes."), "categories")
    trait = session.execute(select(Trait).where(Trait.code == data.code)).scalar_one_or_none()
    values = data.model_dump()
    if trait is None:
        trait = Trait(**values)
        session.add(trait)
        session.flush()
        audit.created(session, principal, trait)
        return trait
    before = audit.snapshot(trait)
    for name, value in values.items():
        setattr(trait, name, value)
    audit.updated(session, principal, trait, before)
    return trait


def _traits_query(crop: str = "") -> Select[Trait]:
    """Trait definitions, of one crop when given (unordered)."""
    query = select(Trait)
    if crop:
        query = query.where(Trait.crop == crop)
    return query


def list_traits(session: Session, crop: str = "") -> list[Trait]:
    """Trait definitions (of one crop when given), by code: every one (CLI, exports)."""
    return list(session.execute(_traits_query(crop).order_by(Trait.code, Trait.id)).scalars())


#: Name bound into the cursors of the trait list.
TRAITS_SCOPE = "genebank.traits"


def traits_page(
    session: Session, after: str | None, limit: int, secret: str, crop: str = ""
) -> Page[Trait]:
    """One page of :func:`list_traits` (by code, then id) after the cursor ``after``; trait
    definitions are public."""
    pager = Pager(TRAITS_SCOPE, [SortKey(Trait.code), SortKey(Trait.id)], secret)
    page: Page[Trait] = pager.fetch(
        session, _traits_query(crop), after, limit, key=lambda t: (t.code, t.id)
    )
    return page


def get_trait(session: Session, code: str) -> Trait:
    trait = session.execute(select(Trait).where(Trait.code == code)).scalar_one_or_none()
    if trait is None:
        raise UnknownRecord(_("No such trait."), "trait")
    return trait


@dataclass
class ObservationIssue:
    """A problem of one row of an observation file."""

    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.column}: {self.reason}"


class ObservationsRejected(GenebankError):
    """An observation file with errors: nothing was imported; ``issues`` names each row."""

    def __init__(self, issues: list[ObservationIssue]) -> None:
        super().__init__(_("Nothing was imported: %(n)d problems.") % {"n": len(issues)}, "file")
        self.issues = issues


@dataclass
class ObservationImport:
    """What an import did: observations added and rows already stored (unchanged)."""

    inserted: int = 0
    unchanged: int = 0
    issues: list[ObservationIssue] = field(default_factory=list)


def read_observation_rows(name: str, content: bytes) -> list[tuple[int, dict[str, str]]]:
    """Rows of an observation file (CSV in UTF-8, or XLSX by its name) as ``(line, {COLUMN:
    text})``; the header is line 1."""
    if name.lower().endswith(".xlsx"):
        from iofs.spreadsheets import read_workbook

        with read_workbook(content) as book:  # bounded: zip bombs, entities, huge sheets
            first = book.sheetnames[0] if book.sheetnames else None
            table = (
                [] if first is None else [[_cell_text(v) for v in row] for row in book.rows(first)]
            )
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise GenebankError(_("The file is not UTF-8 text."), "file") from None
        table = list(csv.reader(io.StringIO(text)))
    if not table:
        return []
    header = [h.strip().upper() for h in table[0]]
    return [
        (number, {h: (row[i].strip() if i < len(row) else "") for i, h in enumerate(header)})
        for number, row in enumerate(table[1:], start=2)
        if any(c.strip() for c in row)
    ]


def _cell_text(value: Any) -> str:
    """A spreadsheet cell as the text a CSV file would hold."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()[:10]
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _parse_value(trait: Trait, text: str) -> tuple[float | None, str, str | None]:
    """(value_number, value_code, error) of a value of ``trait``."""
    if trait.scale == "nominal":
        if text not in categories_of(trait):
            return None, "", _("'%(v)s' is not a code of %(t)s.") % {"v": text, "t": trait.code}
        return None, text, None
    try:
        number = float(text)
    except ValueError:
        return None, "", _("'%(v)s' is not a number.") % {"v": text}
    if not math.isfinite(number):
        return None, "", _("'%(v)s' is not a number.") % {"v": text}
    if trait.scale == "ordinal" and text not in categories_of(trait):
        return None, "", _("'%(v)s' is not a code of %(t)s.") % {"v": text, "t": trait.code}
    if (trait.minimum is not None and number < trait.minimum) or (
        trait.maximum is not None and number > trait.maximum
    ):
        return (
            None,
            "",
            _("%(v)s is outside %(lo)s–%(hi)s.")
            % {"v": text, "lo": trait.minimum, "hi": trait.maximum},
        )
    return number, "", None


def import_observations(
    session: Session, principal: Principal, rows: Sequence[tuple[int, dict[str, str]]]
) -> ObservationImport:
    """Validate every row, then store them all or none (:class:`ObservationsRejected`).
    A row equal to a stored observation (same accession, trait, value, date, site,
    environment, observer) is left alone, so re-importing a file changes nothing."""
    authorize(principal, "genebank.collection.write")
    issues: list[ObservationIssue] = []
    if rows:
        missing = [c for c in REQUIRED_COLUMNS if c not in rows[0][1]]
        if missing:
            raise ObservationsRejected(
                [ObservationIssue(1, c, _("column missing")) for c in missing]
            )
    traits = {t.code: t for t in session.execute(select(Trait)).scalars()}
    wanted = {(r["INSTCODE"], r["ACCENUMB"]) for _line, r in rows}
    accessions: dict[tuple[str, str], int] = {}
    numbers = sorted({n for _i, n in wanted})
    for start in range(0, len(numbers), 500):
        for instcode, accenumb, stored_id in session.execute(
            select(Accession.instcode, Accession.accenumb, Accession.id).where(
                Accession.accenumb.in_(numbers[start : start + 500])
            )
        ).all():
            accessions[(instcode, accenumb)] = stored_id
    prepared: list[dict[str, Any]] = []
    for line, row in rows:
        accession_id = accessions.get((row["INSTCODE"], row["ACCENUMB"]))
        if accession_id is None:
            issues.append(ObservationIssue(line, "ACCENUMB", _("no such accession")))
        trait = traits.get(row["TRAIT"])
        if trait is None:
            issues.append(ObservationIssue(line, "TRAIT", _("no such trait")))
            continue
        number, code, error = _parse_value(trait, row["VALUE"])
        if error:
            issues.append(ObservationIssue(line, "VALUE", error))
        observed_on = None
        if row.get("DATE"):
            try:
                observed_on = date.fromisoformat(row["DATE"])
            except ValueError:
                issues.append(ObservationIssue(line, "DATE", _("not a date (YYYY-MM-DD)")))
            else:
                if observed_on > date.today():
                    issues.append(ObservationIssue(line, "DATE", _("in the future")))
        if accession_id is not None and not error:
            prepared.append(
                {
                    "trait_id": trait.id,
                    "accession_id": accession_id,
                    "value_number": number,
                    "value_code": code,
                    "observed_on": observed_on,
                    "site": row.get("SITE", "")[:255],
                    "environment": row.get("ENVIRONMENT", "")[:255],
                    "observer": row.get("OBSERVER", "")[:255],
                }
            )
    if issues:
        raise ObservationsRejected(issues)
    result = ObservationImport()
    existing = _existing_keys(session, {p["accession_id"] for p in prepared})
    if any(_key(values) not in existing for values in prepared):
        trait_index.observations_changed(session)
    for values in prepared:
        key = _key(values)
        if key in existing:
            result.unchanged += 1
            continue
        existing.add(key)
        observation = Observation(**values)
        session.add(observation)
        session.flush()
        audit.created(session, principal, observation)
        result.inserted += 1
    return result


def _key(values: dict[str, Any]) -> tuple[Any, ...]:
    return (
        values["trait_id"],
        values["accession_id"],
        values["value_number"],
        values["value_code"],
        values["observed_on"],
        values["site"],
        values["environment"],
        values["observer"],
    )


def _existing_keys(session: Session, accession_ids: set[int]) -> set[tuple[Any, ...]]:
    ids = sorted(accession_ids)
    keys: set[tuple[Any, ...]] = set()
    columns = (
        Observation.trait_id,
        Observation.accession_id,
        Observation.value_number,
        Observation.value_code,
        Observation.observed_on,
        Observation.site,
        Observation.environment,
        Observation.observer,
    )
    for start in range(0, len(ids), 500):
        keys |= {
            tuple(r)
            for r in session.execute(
                select(*columns).where(Observation.accession_id.in_(ids[start : start + 500]))
            ).all()
        }
    return keys


def import_observation_file(
    session: Session, principal: Principal, path: Path
) -> ObservationImport:
    """:func:`import_observations` of a CSV or XLSX file."""
    return import_observations(
        session, principal, read_observation_rows(path.name, path.read_bytes())
    )


def export_observations(session: Session, principal: Principal, out: IO[str]) -> int:
    """Observations as CSV in the import's columns (re-importable); the public sees those of
    available accessions. Returns the row count."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(OBSERVATION_COLUMNS)
    query = (
        select(
            Accession.instcode,
            Accession.accenumb,
            Trait.code,
            Trait.scale,
            Observation.value_number,
            Observation.value_code,
            Observation.observed_on,
            Observation.site,
            Observation.environment,
            Observation.observer,
        )
        .join(Accession, Accession.id == Observation.accession_id)
        .join(Trait, Trait.id == Observation.trait_id)
        .order_by(Accession.instcode, Accession.accenumb, Trait.code, Observation.id)
    )
    if not allows(principal, "genebank.read_internal"):
        query = query.where(Accession.available.is_(True))
    count = 0
    for (
        instcode,
        accenumb,
        code,
        scale,
        number,
        value_code,
        observed_on,
        site,
        environment,
        observer,
    ) in session.execute(query):
        value = value_code if scale == "nominal" else f"{number:g}"
        writer.writerow(
            [
                instcode,
                accenumb,
                code,
                value,
                observed_on.isoformat() if observed_on else "",
                site,
                environment,
                observer,
            ]
        )
        count += 1
    return count


@dataclass(frozen=True)
class Criterion:
    """A condition on a trait's values: ``code op value`` (e.g. ``DRT >= 7``)."""

    code: str
    operator: str
    value: str


def parse_criterion(text: str) -> Criterion:
    """``"DRT>=7"`` → ``Criterion("DRT", ">=", "7")``; operators ``>= <= = > <``."""
    match = _CRITERION.match(text)
    if match is None:
        raise GenebankError(_("Write a trait condition as CODE>=VALUE (or <=, =, >, <)."), "trait")
    return Criterion(*match.groups())


def parse_criteria(text: str) -> list[Criterion]:
    """Conditions separated by ``,`` ``;`` or ``and`` (``"DRT>=7, DTH<=110"``); empty text,
    none."""
    parts = re.split(r"\s*(?:[,;]|\band\b)\s*", text.strip())
    return [parse_criterion(part) for part in parts if part]


def _condition(session: Session, criterion: Criterion) -> tuple[Trait, float | None, str]:
    """The trait of ``criterion`` and the number (numeric and ordinal) or code (nominal) it
    compares with; a clear error for an unknown trait, a bad number or a nominal ``>``."""
    trait = get_trait(session, criterion.code)
    if trait.scale == "nominal":
        if criterion.operator != "=":
            raise GenebankError(_("A nominal trait is compared with = only."), "trait")
        return trait, None, criterion.value
    try:
        number = float(criterion.value)
    except ValueError:
        raise GenebankError(
            _("'%(v)s' is not a number.") % {"v": criterion.value}, "trait"
        ) from None
    if not math.isfinite(number):
        raise GenebankError(_("'%(v)s' is not a number.") % {"v": criterion.value}, "trait")
    return trait, number, ""


#: Accessions meeting the trait conditions that the database filters one by one (by primary
#: key) for an exact total; above it the total is estimated from a sample.
EXACT_LIMIT = 50_000
#: Accessions of the sample an estimated total is computed from, and of each step of a page
#: read when the total is estimated.
SAMPLE = 5_000


@dataclass
class TraitSearchResult:
    """A page of a trait search and its total; ``approximate`` when the total is estimated
    (more than :data:`EXACT_LIMIT` accessions meet the trait conditions and other filters
    apply): the share of a sample of :data:`SAMPLE` that passes the filters times the
    accessions meeting the conditions."""

    total: int
    accessions: list[Accession]
    approximate: bool = False


def _filtered(session: Session, ids: np.ndarray, conditions: list[Any]) -> list[int]:
    """Those of ``ids`` (sorted accession ids) whose accessions meet ``conditions``, in id
    order: one statement, the ids passed as one array (PostgreSQL) or one JSON text
    (SQLite), each looked up by primary key."""
    values = ids.tolist()
    if session.get_bind().dialect.name == "postgresql":
        # ARRAY(SELECT unnest(...)): the planner does not see the array's length, and
        # probes an index per id instead of weighing a scan.
        array = bindparam("ids", values, type_=ARRAY(Integer))
        listed: Any = Accession.id == any_(func.array(select(func.unnest(array)).scalar_subquery()))
    else:
        table = func.json_each(json.dumps(values)).table_valued("value")
        listed = Accession.id.in_(select(table.c.value))
    query = select(Accession.id).where(listed, *conditions).order_by(Accession.id)
    return list(session.execute(query).scalars())


def trait_search_result(
    session: Session,
    principal: Principal,
    criteria: Iterable[Criterion],
    limit: int = 100,
    offset: int = 0,
    filters: SearchQuery | None = None,
) -> TraitSearchResult:
    """Accessions with at least one observation meeting each criterion (all must hold), in
    id order (as the search); ``filters`` adds the search's filters (text, genus, crop,
    country, status, availability); the public sees available accessions.

    The conditions and availability are met from the in-memory trait index
    (:mod:`iofs.genebank.trait_index`: a binary search per condition, mask intersections);
    the database then filters the accessions found by the other filters, by primary key."""
    wanted = list(criteria)
    if not wanted:
        raise GenebankError(_("Give at least one trait condition."), "trait")
    parsed = [_condition(session, criterion) for criterion in wanted]
    arrays = trait_index.CACHE.traits(session, sorted({trait.id for trait, _n, _c in parsed}))
    candidates = trait_index.intersect(
        [
            trait_index.matching_ids(arrays[trait.id], criterion.operator, number, code)
            for (trait, number, code), criterion in zip(parsed, wanted, strict=True)
        ]
    )
    where = equalities(principal, filters or SearchQuery())
    if "available" in where:  # the availability mask, from the index too
        mask = trait_index.CACHE.available(session)
        candidates = trait_index.keep(candidates, mask, bool(where.pop("available")))
    conditions = row_conditions(where)
    text = filters.text.strip() if filters else ""
    if text:
        pattern = like_prefix(text)
        conditions.append(
            or_(
                Accession.accenumb == text,
                func.lower(Accession.taxon).like(pattern, escape="\\"),
                func.lower(Accession.cropname).like(pattern, escape="\\"),
            )
        )
    approximate = False
    if not conditions:
        total, page_ids = int(candidates.size), candidates[offset : offset + limit].tolist()
    elif candidates.size <= EXACT_LIMIT:
        kept = _filtered(session, candidates, conditions)
        total, page_ids = len(kept), kept[offset : offset + limit]
    else:
        found: list[int] = []
        read = 0
        while read < candidates.size and len(found) < offset + limit:
            found += _filtered(session, candidates[read : read + SAMPLE], conditions)
            read += SAMPLE
        page_ids = found[offset : offset + limit]
        if read >= candidates.size:  # every candidate was read: the total is exact
            total = len(found)
        else:
            sample = np.unique(np.linspace(0, candidates.size - 1, SAMPLE).astype(np.int64))
            share = len(_filtered(session, candidates[sample], conditions)) / sample.size
            total, approximate = max(round(share * candidates.size), len(found)), True
    page = select(Accession).where(Accession.id.in_(page_ids)).order_by(Accession.id)
    accessions = list(session.execute(page).scalars()) if page_ids else []
    return TraitSearchResult(total, accessions, approximate)


def trait_search(
    session: Session,
    principal: Principal,
    criteria: Iterable[Criterion],
    limit: int = 100,
    offset: int = 0,
    filters: SearchQuery | None = None,
) -> tuple[int, list[Accession]]:
    """(total, page) of :func:`trait_search_result` (the total may be estimated: see
    :class:`TraitSearchResult`)."""
    result = trait_search_result(session, principal, criteria, limit, offset, filters)
    return result.total, result.accessions


@dataclass
class TraitSummary:
    """One trait's observations of an accession: count, mean/min/max (numeric and ordinal)
    or counts per code (nominal), in the trait's unit."""

    trait: Trait
    observations: int
    mean: float | None
    minimum: float | None
    maximum: float | None
    codes: dict[str, int]


def trait_summaries(session: Session, accession_id: int) -> list[TraitSummary]:
    """Summaries of an accession's observations per trait, by trait code."""
    rows = session.execute(
        select(Trait, Observation.value_number, Observation.value_code)
        .join(Observation, Observation.trait_id == Trait.id)
        .where(Observation.accession_id == accession_id)
        .order_by(Trait.code)
    ).all()
    grouped: dict[int, tuple[Trait, list[float], dict[str, int]]] = {}
    for trait, number, code in rows:
        _trait, numbers, codes = grouped.setdefault(trait.id, (trait, [], {}))
        if number is not None:
            numbers.append(number)
        if code:
            codes[code] = codes.get(code, 0) + 1
    return [
        TraitSummary(
            trait,
            len(numbers) + sum(codes.values()),
            sum(numbers) / len(numbers) if numbers else None,
            min(numbers, default=None),
            max(numbers, default=None),
            codes,
        )
        for trait, numbers, codes in grouped.values()
    ]


def observations_of(
    session: Session,
    trait_ids: Sequence[int] | None = None,
    accession_ids: Sequence[int] | None = None,
    limit: int = 1000,
    offset: int = 0,
    available_only: bool = True,
) -> tuple[int, list[tuple[Observation, Trait, Accession]]]:
    """Observations (with their trait and accession), optionally of some traits or
    accessions, in id order: (total, page). ``available_only``: of available accessions."""
    query = (
        select(Observation, Trait, Accession)
        .join(Trait, Trait.id == Observation.trait_id)
        .join(Accession, Accession.id == Observation.accession_id)
    )
    if trait_ids is not None:
        query = query.where(Observation.trait_id.in_(trait_ids))
    if accession_ids is not None:
        query = query.where(Observation.accession_id.in_(accession_ids))
    if available_only:
        query = query.where(Accession.available.is_(True))
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    page = session.execute(query.order_by(Observation.id).limit(limit).offset(offset)).all()
    return int(total), [(o, t, a) for o, t, a in page]
