"""The plan of one FAOSTAT file: its typed read, casts, validation and mapping, as SQL.

A plan is the SELECT that turns the CSV's cells (``src``) into the store's columns in one
pass. Layouts: *normalized* (``Area Code, [Area Code (M49),] Area, Item Code, [Item Code
(CPC),] Item, Element Code, Element, [Year Code,] Year, Unit, Value, Flag[, Note]``; the
detailed trade matrix has ``Reporter Country Code … Partner Country Code …`` instead of
``Area Code``) and *wide* (``… Unit, Y2014, Y2014F, Y2014N, Y2015, …``).

Values are kept as FAOSTAT states them: ``<2.5`` becomes value 2.5 with qualifier ``<``; an
empty value is missing (null); flags and notes are kept. Text cells are stored as published
(trimmed when the file's first rows show padding, which FAOSTAT's bulk files never have).
Three-year averages (Year ``2000-2002``) keep both ends (``year`` 2000, ``year_end`` 2002).

Each column is cast once (codes, years and values that the file's first rows show to be
plain numbers are cast by ``read_csv`` itself); every row is validated on the way and the
first invalid one stops the query (:data:`BAD_ROW`); FAO area codes are mapped to
M49/ISO3/kind by indexing constant lists (no join), and low-cardinality columns are ENUMs.
``raw_error`` gives the line-numbered reasons once a pass has stopped.
"""
# ruff: noqa: S608 - SQL is assembled from quoted identifiers and quoted literals; no user text

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from iofs.monitor.faostat.areas import FIRST_AGGREGATE_CODE, M49_ALIASES, Area, areas
from iofs.monitor.faostat.sniff import IngestError
from iofs.monitor.faostat.sql import enum_type as _enum
from iofs.monitor.faostat.sql import identifier as _q
from iofs.monitor.faostat.sql import literal as _lit

_YEAR_COLUMN = re.compile(r"^Y(\d{4})$")
_PLAIN_INT = re.compile(r"^\d{1,9}$")
_PLAIN_YEAR = re.compile(r"^\d{4}$")
_PLAIN_NUMBER = re.compile(r"^(-?\d{1,15}(\.\d+)?)?$")
#: Rows read (Python csv) to choose the typed plan and whether text cells need trimming.
SAMPLE_ROWS = 5000


def _int(column: str, strip: str = "'") -> str:
    """A code cell as INTEGER (NULL when it is not one); ``'686`` and ``S2901`` allowed.

    The plain cast is tried first; the trimming/stripping fallback runs only on the rows where
    it failed (DuckDB evaluates COALESCE arguments lazily).
    """
    return (
        f"coalesce(TRY_CAST({column} AS INTEGER), "
        f"TRY_CAST(ltrim(trim({column}), {_lit(strip)}) AS INTEGER))"
    )


def _value(column: str) -> tuple[str, str, str]:
    """SQL for (value DOUBLE, qualifier, error) of a FAOSTAT value cell (diagnostic form)."""
    v = f"trim({column})"
    value = (
        f"CASE WHEN {v} = '' OR {column} IS NULL THEN NULL "
        f"WHEN left({v}, 1) IN ('<', '>') THEN TRY_CAST(trim(substr({v}, 2)) AS DOUBLE) "
        f"ELSE TRY_CAST({v} AS DOUBLE) END"
    )
    qualifier = f"CASE WHEN left({v}, 1) IN ('<', '>') THEN left({v}, 1) END"
    error = (
        f"CASE WHEN {v} <> '' AND ({value}) IS NULL THEN 'Value: ' || {v} || ' is not a number' END"
    )
    return value, qualifier, error


def _fast_value(raw: str, cast: str) -> tuple[str, str, str]:
    """(value, qualifier, is-bad) from a raw cell and its plain ``TRY_CAST(... AS DOUBLE)``.

    Same results as :func:`_value`; the string work runs only where the plain cast failed.
    """
    v = f"trim({raw})"
    value = (
        f"CASE WHEN {cast} IS NOT NULL THEN {cast} "
        f"WHEN left({v}, 1) IN ('<', '>') THEN TRY_CAST(trim(substr({v}, 2)) AS DOUBLE) END"
    )
    qualifier = f"CASE WHEN {cast} IS NULL AND left({v}, 1) IN ('<', '>') THEN left({v}, 1) END"
    bad = f"(value IS NULL AND coalesce({v}, '') <> '')"
    return value, qualifier, bad


#: The message of the guard that stops the single validating pass at the first bad row.
BAD_ROW = "iofs-faostat-bad-row"


@dataclass
class Plan:
    """The SQL of one file.

    ``select`` (common table expressions to follow ``WITH src AS (…),``) reads ``src``
    once: an inner query casts each column once, the outer one maps
    area codes with in-memory lookups and stops the query at the first invalid row (then
    the ingest re-reads the file with ``raw_error`` for line-numbered reasons).
    """

    select: str
    raw_error: str
    layout: str
    #: columns read_csv casts itself (INTEGER, DOUBLE); all others are read as VARCHAR.
    types: dict[str, str] = field(default_factory=dict)


def _pick(header: list[str], *names: str) -> str | None:
    for name in names:
        if name in header:
            return name
    return None


#: Values of the ``area_kind`` column.
AREA_KINDS = ("country", "former", "aggregate", "unmapped")

#: Area codes below this are looked up in dense constant lists; the few above it (below
#: :data:`FIRST_AGGREGATE_CODE`) by CASE branches; aggregates from 5000 up by rule.
_DENSE_CODES = 1000


@dataclass(frozen=True)
class _Lookups:
    lists: dict[str, str]  # iso3, m49, kind → SQL constant list indexed by code + 1
    types: dict[str, str]
    top: int
    sparse: dict[int, Area]
    fao_of_m49: str
    m49_top: int


@lru_cache(maxsize=1)
def _lookups() -> _Lookups:
    """Constant lists indexed by FAO area code + 1 (ISO3, M49, kind) and M49 + 1 (FAO code).

    A row's area is mapped by indexing a short constant list: cheaper than a join, which
    would copy every column of the stream through a hash probe. The lists stop at
    :data:`_DENSE_CODES` (DuckDB handles the constant list per vector, so its length counts).
    """
    ref = areas()
    top = max(a.fao_code for a in ref if a.fao_code < _DENSE_CODES)
    iso3: list[str | None] = [None] * (top + 1)
    m49: list[int | None] = [None] * (top + 1)
    kind: list[str | None] = ["unmapped"] * (top + 1)
    sparse: dict[int, Area] = {}
    for a in ref:
        if a.fao_code <= top:
            iso3[a.fao_code], m49[a.fao_code], kind[a.fao_code] = a.iso3, a.m49, a.kind
        elif a.fao_code < FIRST_AGGREGATE_CODE or a.iso3 or a.m49 or a.kind != "aggregate":
            sparse[a.fao_code] = a
    rank = {"country": 0, "former": 1}
    by_m49: dict[int, Area] = {}
    for a in ref:
        if a.m49 is not None:
            best = by_m49.get(a.m49)
            if best is None or rank.get(a.kind, 2) < rank.get(best.kind, 2):
                by_m49[a.m49] = a
    fao_of_m49: dict[int, int] = {m: a.fao_code for m, a in by_m49.items()}
    fao_of_m49.update(M49_ALIASES)
    m49_top = max(fao_of_m49)
    m49_list: list[int | None] = [None] * (m49_top + 1)
    for code, fao in fao_of_m49.items():
        m49_list[code] = fao
    iso3_type = _enum(sorted(a.iso3 for a in ref if a.iso3))
    kind_type = _enum(AREA_KINDS)

    def sql(values: list[str | None] | list[int | None], type_: str) -> str:
        text = ", ".join(
            "NULL" if v is None else _lit(v) if isinstance(v, str) else str(v) for v in values
        )
        return f"CAST([{text}] AS {type_}[])"

    return _Lookups(
        lists={
            "iso3": sql(iso3, iso3_type),
            "m49": sql(m49, "INTEGER"),
            "kind": sql(kind, kind_type),
        },
        types={"iso3": iso3_type, "m49": "INTEGER", "kind": kind_type},
        top=top,
        sparse=sparse,
        fao_of_m49=sql(m49_list, "INTEGER"),
        m49_top=m49_top,
    )


def _lookup(name: str, code: str) -> str:
    """``name`` (iso3, m49, kind) of FAO area ``code`` from the constant lists."""
    ref = _lookups()
    type_ = ref.types[name]
    branches = [f"WHEN {code} BETWEEN 0 AND {ref.top} THEN {ref.lists[name]}[{code} + 1]"]
    for fao_code, area in ref.sparse.items():
        value = getattr(area, name)
        if value is not None:
            branches.append(
                f"WHEN {code} = {fao_code} THEN "
                + (f"{_lit(value)}::{type_}" if isinstance(value, str) else f"{value}")
            )
    if name == "kind":
        branches.append(
            f"WHEN {code} >= {FIRST_AGGREGATE_CODE} THEN 'aggregate'::{type_} "
            f"ELSE 'unmapped'::{type_}"
        )
    return f"CASE {' '.join(branches)} END"


def needs_cpc_map(header: list[str]) -> bool:
    """Whether the file names its items by CPC code only (a FAOSTAT web download)."""
    return _pick(header, *_ITEM_COLUMNS) is None and "Item Code (CPC)" in header


_ITEM_COLUMNS = ("Item Code", "Item Code (FBS)", "Item Code (FAO)")


def _cpc_item_code(cpc: str, cpc_map: dict[str, int] | None) -> str:
    """The FAO item code of a CPC code cell, from the correspondence (NULL where unknown)."""
    if not cpc_map:
        return "NULL::INTEGER"
    branches = " ".join(f"WHEN {_lit(key)} THEN {code}" for key, code in sorted(cpc_map.items()))
    return f"CASE ltrim(trim({cpc}), {_lit(chr(39))}) {branches} END"


def build_plan(
    header: list[str],
    domain: str,
    source: str,
    label: str,
    sample: list[dict[str, str]] | None = None,
    cpc_map: dict[str, int] | None = None,
) -> Plan:
    """Build the SELECT of the store's columns from ``src`` for this header.

    With a ``sample`` of the file's first rows, the code columns (and, in the normalized
    layout, Year and Value) whose sampled cells are all plain numbers are read by
    ``read_csv`` as INTEGER/DOUBLE directly. Such a plan is optimistic: when a later cell
    does not fit, the read fails and the ingest runs the all-VARCHAR plan
    (``sample=None``) instead. Text cells (names, unit, flag) are kept as published; they
    are trimmed when the sample shows padding (FAOSTAT's bulk files do not pad; checking
    every row would cost ~10 % of the ingest). Codes and values are parsed whatever their
    padding.
    """
    wide_years = [(int(m.group(1)), h) for h in header if (m := _YEAR_COLUMN.match(h))]
    layout = (
        "wide" if wide_years and "Year" not in header and "Value" not in header else "normalized"
    )
    area_col = _pick(header, "Area Code", "Reporter Country Code", "Country Code")
    m49_col = _pick(header, "Area Code (M49)", "Reporter Country Code (M49)", "Country Code (M49)")
    partner_col = _pick(header, "Partner Country Code")
    partner_m49_col = None if partner_col else _pick(header, "Partner Country Code (M49)")
    item_col = _pick(header, *_ITEM_COLUMNS)
    cpc_col = _pick(header, "Item Code (CPC)")
    # A web download names its items by CPC code only: mapped to FAO item codes where the
    # correspondence is known, else kept by CPC code (item_code NULL).
    cpc_only = item_col is None and cpc_col is not None
    element_col = _pick(header, "Element Code")
    missing = [
        name
        for name, col in (
            ("Area Code", area_col or m49_col),
            ("Item Code", item_col or cpc_col),
            ("Element Code", element_col),
        )
        if col is None
    ]
    if layout == "normalized":
        missing += [name for name in ("Year", "Value") if name not in header]
    if missing:
        raise IngestError(
            f"{label} line 1: missing column(s) {', '.join(missing)}; "
            f"not a FAOSTAT file (bulk download in normalized or wide layout, "
            f"or a web download)"
        )
    assert element_col is not None
    partner_any = partner_col or partner_m49_col

    types: dict[str, str] = {}
    trim = True
    if sample:
        code_columns = [
            c for c in (area_col, m49_col, partner_col, partner_m49_col, item_col, element_col) if c
        ]
        for col in code_columns:
            if all(_PLAIN_INT.match(row.get(col) or "") for row in sample):
                types[col] = "INTEGER"
        if layout == "normalized":
            if all(_PLAIN_YEAR.match(row.get("Year") or "") for row in sample):
                types["Year"] = "INTEGER"
            if all(_PLAIN_NUMBER.match(row.get("Value") or "") for row in sample):
                types["Value"] = "DOUBLE"
        trim = any(
            v != v.strip()
            for row in sample
            for k, v in row.items()
            if k not in types and isinstance(v, str)
        )

    def text(*names: str) -> str:
        col = _pick(header, *names)
        if col is None:
            return "NULL::VARCHAR"
        return f"trim({_q(col)})" if trim else _q(col)

    def code(col: str | None, strip: str = "'") -> str:
        if col is None:
            return "NULL::INTEGER"
        return _q(col) if col in types else _int(_q(col), strip)

    area_code, m49, partner = code(area_col), code(m49_col), code(partner_any)
    element_code = code(element_col)
    item_code = _cpc_item_code(_q(cpc_col or ""), cpc_map) if cpc_only else code(item_col, "S'")
    # Diagnostic messages, per raw row of the all-VARCHAR read.
    area_code_v = _int(_q(area_col)) if area_col else "NULL::INTEGER"
    m49_v = _int(_q(m49_col)) if m49_col else "NULL::INTEGER"
    partner_v = _int(_q(partner_any)) if partner_any else "NULL::INTEGER"
    element_code_v = _int(_q(element_col))
    base_errors = []
    if area_col:
        base_errors.append(
            f"CASE WHEN {area_code_v} IS NULL THEN '{area_col}: ' || "
            f"coalesce({_q(area_col)}, '(empty)') || ' is not an integer' END"
        )
    else:
        base_errors.append(
            f"CASE WHEN {m49_v} IS NULL THEN '{m49_col}: ' || "
            f"coalesce({_q(m49_col or '')}, '(empty)') || ' is not a code' END"
        )
    if partner_any:
        base_errors.append(
            f"CASE WHEN {partner_v} IS NULL THEN '{partner_any}: ' || "
            f"coalesce({_q(partner_any)}, '(empty)') || ' is not an integer' END"
        )
    if cpc_only:
        base_errors.append(
            f"CASE WHEN trim(coalesce({_q(cpc_col or '')}, '')) = '' THEN "
            f"'Item Code (CPC): (empty) is not an item code' END"
        )
    else:
        item_code_v = _int(_q(item_col or ""), "S'")
        base_errors.append(
            f"CASE WHEN {item_code_v} IS NULL THEN '{item_col}: ' || "
            f"coalesce({_q(item_col or '')}, '(empty)') || ' is not an item code' "
            f"END"
        )
    base_errors.append(
        f"CASE WHEN {element_code_v} IS NULL THEN 'Element Code: ' || "
        f"coalesce({_q(element_col)}, '(empty)') || ' is not an integer' END"
    )
    # The same checks as booleans for the single validating pass.
    base_bad = [
        f"{'m49' if area_col is None else 'area_code'} IS NULL",
        "(item_code IS NULL AND coalesce(item_cpc, '') = '')" if cpc_only else "item_code IS NULL",
        "element_code IS NULL",
    ]
    if partner_any:
        base_bad.append("partner_code IS NULL")
    codes = (
        f"{area_code} AS area_code, {m49} AS m49, {partner} AS partner_code, "
        f"{item_code} AS item_code, {element_code} AS element_code, "
        f"{text('Area', 'Reporter Countries', 'Country')} AS area, "
        f"{text('Partner Countries')} AS partner, "
        + (
            f"nullif(ltrim(trim({_q(cpc_col or '')}), {_lit(chr(39))}), '') AS item_cpc, "
            if cpc_only
            else f"{text('Item Code (CPC)')} AS item_cpc, "
        )
        + f"{text('Item')} AS item, {text('Element')} AS element, {text('Unit')} AS unit"
    )
    if area_col:
        fao = "area_code"
        m49_out = f"coalesce(m49, {_lookup('m49', 'area_code')})"
    else:
        ref = _lookups()
        fao = f"CASE WHEN m49 BETWEEN 0 AND {ref.m49_top} THEN {ref.fao_of_m49}[m49 + 1] END"
        m49_out = "m49"
    mapped = (
        f"SELECT *, {_lookup('iso3', 'area_code')} AS iso3, "
        f"{_lookup('kind', 'area_code')} AS area_kind, "
        + (
            f"{_lookup('iso3', 'partner_code')} AS partner_iso3, "
            f"{_lookup('kind', 'partner_code')} AS partner_kind "
            if partner_any
            else "NULL::VARCHAR AS partner_iso3, NULL::VARCHAR AS partner_kind "
        )
        + "FROM v"
    )
    out = (
        f"SELECT {_lit(domain)}::{_enum([domain])} AS domain, area_code, m49, iso3, "
        f"area_kind, area, "
        f"partner_code, partner_iso3, partner_kind, partner, item_code, item_cpc, item, "
        f"element_code, element, unit, year, year_end, value, qualifier, flag, note, "
        f"{_lit(source)}::{_enum([source])} AS source FROM m"
    )
    if layout == "normalized":
        year_text = f"trim({_q('Year')})"
        year = f"TRY_CAST(left({year_text}, 4) AS INTEGER)"
        year_end = f"TRY_CAST(right({year_text}, 4) AS INTEGER)"
        _, _, value_error = _value(_q("Value"))
        year_error = (
            f"CASE WHEN {year} IS NULL OR {year_end} IS NULL OR "
            f"length({year_text}) NOT IN (4, 9) THEN 'Year: ' || "
            f"coalesce({_q('Year')}, '(empty)') || ' is not a year or year range' END"
        )
        errors = [*base_errors, year_error, value_error]
        raw_error = f"NULLIF(concat_ws('; ', {', '.join(errors)}), '')"
        value, qualifier, value_bad = _fast_value("_v", "_vd")
        year_raw, value_raw = _q("Year"), _q("Value")
        years = (
            f"{year_raw}::VARCHAR AS _y, {year_raw} AS _yi"
            if "Year" in types
            else f"{year_raw} AS _y, TRY_CAST({year_raw} AS INTEGER) AS _yi"
        )
        values = (
            f"{value_raw}::VARCHAR AS _v, {value_raw} AS _vd"
            if "Value" in types
            else f"{value_raw} AS _v, TRY_CAST({value_raw} AS DOUBLE) AS _vd"
        )
        cast = (
            f"SELECT {codes}, {years}, {values}, "
            f"{text('Flag')} AS flag, {text('Note')} AS note FROM src"
        )
        # A plain year (2015) is cast once; a range (2014-2016) keeps both ends.
        parsed = (
            f"SELECT c.*, CASE WHEN _yi BETWEEN 1000 AND 9999 THEN _yi "
            f"ELSE TRY_CAST(left(trim(_y), 4) AS INTEGER) END AS year, "
            f"CASE WHEN _yi BETWEEN 1000 AND 9999 THEN _yi "
            f"WHEN length(trim(_y)) IN (4, 9) THEN TRY_CAST(right(trim(_y), 4) AS INTEGER) "
            f"END AS year_end, {value} AS value, {qualifier} AS qualifier FROM c"
        )
        bad = " OR ".join([*base_bad, "year IS NULL", "year_end IS NULL", value_bad])
    else:
        cells = []
        value_errors = []
        for year_number, column in wide_years:
            flag = f"{_q(column + 'F')}" if column + "F" in header else "NULL::VARCHAR"
            note = f"{_q(column + 'N')}" if column + "N" in header else "NULL::VARCHAR"
            cells.append(f"{{'y': {year_number}, 'v': {_q(column)}, 'f': {flag}, 'n': {note}}}")
            value_errors.append(_value(_q(column))[2].replace("'Value: '", f"'{column}: '"))
        raw_error = f"NULLIF(concat_ws('; ', {', '.join([*base_errors, *value_errors])}), '')"
        value, qualifier, value_bad = _fast_value("_v", "_vd")
        cast = (
            f"SELECT * EXCLUDE (cell), cell.y AS year, cell.y AS year_end, cell.v AS _v, "
            f"TRY_CAST(cell.v AS DOUBLE) AS _vd, trim(cell.f) AS flag, "
            f"trim(cell.n) AS note "
            f"FROM (SELECT {codes}, unnest([{', '.join(cells)}]) AS cell FROM src) "
            f"WHERE trim(coalesce(cell.v, '')) <> '' OR trim(coalesce(cell.f, '')) <> ''"
        )
        parsed = f"SELECT c.*, {value} AS value, {qualifier} AS qualifier FROM c"
        bad = " OR ".join([*base_bad, value_bad])
    partner_fao = ""
    if partner_m49_col:  # M49 partner codes (a web download's trade matrix) → FAO codes
        ref = _lookups()
        partner_fao = (
            f", CASE WHEN partner_code BETWEEN 0 AND {ref.m49_top} THEN "
            f"{ref.fao_of_m49}[partner_code + 1] END AS partner_code"
        )
    checked = f"SELECT * FROM p WHERE CASE WHEN {bad} THEN error({_lit(BAD_ROW)}) ELSE true END"
    select = (
        f"c AS ({cast}), p AS ({parsed}), v AS ({checked}), "
        f"f AS (SELECT * REPLACE ({fao} AS area_code, {m49_out} AS m49{partner_fao}) "
        f"FROM v), "
        f"m AS ({mapped.replace('FROM v', 'FROM f')}) {out}"
    )
    return Plan(select, raw_error, layout, types)


def read_csv_sql(
    path: Path, header: list[str], encoding: str, types: dict[str, str] | None = None
) -> str:
    """DuckDB's ``read_csv`` of ``path``: every column VARCHAR but those in ``types``."""
    types = types or {}
    columns = ", ".join(
        f"{_lit(h or f'column{i}')}: {_lit(types.get(h, 'VARCHAR'))}" for i, h in enumerate(header)
    )
    return (
        f"read_csv({_lit(str(path))}, header = true, auto_detect = false, delim = ',', "
        f"quote = '\"', escape = '\"', encoding = {_lit(encoding)}, "
        f"columns = {{{columns}}})"
    )
