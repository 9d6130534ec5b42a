"""Ingest FAOSTAT bulk downloads, as FAOSTAT publishes them, into the Parquet store.

Accepted inputs: the bulk zip (``<Domain>_E_All_Data_(Normalized).zip`` …) or a CSV inside it,
in the *normalized* layout (``Area Code, [Area Code (M49),] Area, Item Code, [Item Code (CPC),]
Item, Element Code, Element, [Year Code,] Year, Unit, Value, Flag[, Note]``; the detailed trade
matrix has ``Reporter Country Code … Partner Country Code …`` instead of ``Area Code``) or the
*wide* layout (``… Unit, Y2014, Y2014F, Y2014N, Y2015, …``); Latin-1 or UTF-8 (BOM allowed).

Values are kept as FAOSTAT states them: ``<2.5`` becomes value 2.5 with qualifier ``<``; an
empty value is missing (null); flags and notes are kept. Text cells are stored as published
(trimmed when the file's first rows show padding, which FAOSTAT's bulk files never have).
Three-year averages (Year ``2000-2002``) keep both ends (``year`` 2000, ``year_end`` 2002).

One DuckDB pass streams the file into a temporary Parquet file (bounded memory: DuckDB's
``memory_limit``, no insertion order, small row groups): each column is cast once (codes,
years and values that the file's first rows show to be plain numbers are cast by
``read_csv`` itself), every row is validated on the way and the first invalid one stops the
pass; FAO area codes are mapped to M49/ISO3/kind by indexing constant lists (no join), and
low-cardinality columns are written as ENUMs (no per-row dictionary hashing). Only when the
pass stops is the file read again to report the bad rows by line number and reason
(:func:`_line_errors`), and if a late cell merely did not fit the sampled types, the general
all-VARCHAR plan is run instead. The result is atomically renamed to
``<analytics_dir>/faostat/observations/<DOMAIN>/<source>.parquet``. A file with a bad row
writes nothing.

Idempotent, never duplicating: re-ingesting the same file name replaces its slice (same
path). An observation is identified by domain + area + item + element + year (both ends of a
year range; for the trade matrix also the partner, see :data:`OBSERVATION_KEY`): when a file
under another name holds observations that an older slice of the same domain already has
(the same data downloaded twice, or a newer extract overlapping an older one), the file
ingested last wins and those rows are removed from the older slice (a slice left empty is
deleted); the report lists them under ``superseded``. The new slice is written first, then
the older ones are rewritten, so an interruption can leave a duplicate, never a loss.
"""
# ruff: noqa: S608 - SQL is assembled from quoted identifiers and quoted literals; no user text

from __future__ import annotations

import codecs
import contextlib
import csv
import json
import os
import re
import shutil
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import duckdb

from iofs.monitor.faostat.areas import FIRST_AGGREGATE_CODE, M49_ALIASES, Area, areas

#: FAOSTAT domain codes recognised, with their names.
DOMAINS: dict[str, str] = {
    "FBS": "Food Balances (2010-)",
    "FBSH": "Food Balances (-2013, old methodology and population)",
    "QCL": "Crops and livestock products (production)",
    "QV": "Value of Agricultural Production",
    "TCL": "Crops and livestock products (trade)",
    "TM": "Detailed trade matrix",
    "CP": "Consumer Price Indices",
    "FS": "Suite of Food Security Indicators",
    "OA": "Annual population",
}

_FILENAME_DOMAINS: tuple[tuple[str, str], ...] = (
    (r"Trade_?DetailedTradeMatrix|Trade_Matrix", "TM"),
    (r"Trade_Crops_?Livestock|Trade_CropsLivestock|^Trade_", "TCL"),
    (r"FoodBalanceSheetsHistoric", "FBSH"),
    (r"FoodBalanceSheets|Food_Balance|FBS", "FBS"),
    (r"Value_of_Production", "QV"),
    (r"Production_Crops|Production_Livestock|Production_", "QCL"),
    (r"ConsumerPriceIndices|Consumer_?Prices", "CP"),
    (r"Food_Security|FoodSecurity", "FS"),
    (r"Population", "OA"),
)

#: Element codes that identify a domain when the file name does not.
_ELEMENT_DOMAINS: tuple[tuple[frozenset[int], str], ...] = (
    (frozenset({664, 674, 684, 645, 5301, 5142, 5511, 5611, 5911, 5072}), "FBS"),
    (frozenset({5510, 5312, 5419, 5320, 5321, 5513}), "QCL"),
    (frozenset({5610, 5622, 5910, 5922}), "TCL"),
    (frozenset({6120, 6121, 6122, 6123, 6125, 6126, 6128, 6132}), "FS"),
    (frozenset({152, 57, 58, 55}), "QV"),
    (frozenset({511, 512, 513}), "OA"),
)

_YEAR_COLUMN = re.compile(r"^Y(\d{4})$")
_PLAIN_INT = re.compile(r"^\d{1,9}$")
_PLAIN_YEAR = re.compile(r"^\d{4}$")
_PLAIN_NUMBER = re.compile(r"^(-?\d{1,15}(\.\d+)?)?$")
#: How far :func:`detect_encoding` looks for a first non-ASCII byte (~0.1 s per 256 MB).
ENCODING_SCAN_BYTES = 1 << 28
#: Rows read (Python csv) to choose the typed plan and whether text cells need trimming.
SAMPLE_ROWS = 5000
#: DuckDB's buffer memory during an ingest (it spills to the staging folder beyond that).
MEMORY_LIMIT = "400MB"
#: Parquet row group: small enough that the writer's buffers stay bounded.
ROW_GROUP_SIZE = 122_880
MAX_REPORTED_ERRORS = 20
SUPPORTING_FILES = re.compile(r"_(Flags|AreaCodes|ItemCodes|Elements|ItemCodes\w*|"
                              r"Currencys|Purposes|Sources|Reporter\w*|Partner\w*)\.csv$", re.I)


class IngestError(ValueError):
    """The file cannot be ingested; the message names the file, line, field and reason."""


@dataclass
class IngestReport:
    """What one ingest did."""

    source: str
    domain: str
    layout: str
    encoding: str
    rows: int
    countries: int
    aggregates: int
    unmapped_areas: list[int] = field(default_factory=list)
    year_min: int | None = None
    year_max: int | None = None
    qualified_values: int = 0
    missing_values: int = 0
    path: str = ""
    seconds: float = 0.0
    replaced: bool = False
    #: rows of other slices of the domain that this file superseded (source → rows removed)
    superseded: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def store_dir(analytics_dir: Path) -> Path:
    """Directory of the FAOSTAT observations (one sub-folder per domain)."""
    return analytics_dir / "faostat" / "observations"


# --------------------------------------------------------------------------- reading the file


def detect_encoding(path: Path) -> str:
    """``utf-8`` or ``latin-1`` (FAOSTAT uses both), from the first bytes that are not ASCII.

    The file is scanned for its first non-ASCII chunk (up to :data:`ENCODING_SCAN_BYTES`;
    FAOSTAT's first "Côte d'Ivoire" may be far in): bytes there that are not UTF-8 mean
    Latin-1. An ASCII-only start is read as UTF-8; if a later byte is not UTF-8,
    :func:`ingest_file` retries as Latin-1.
    """
    chunk_size = 1 << 23
    with path.open("rb") as handle:
        scanned = 0
        while scanned < ENCODING_SCAN_BYTES:
            chunk = handle.read(chunk_size)
            if not chunk:
                break
            scanned += len(chunk)
            if chunk.isascii():
                continue
            # Everything before was ASCII, so the chunk starts on a character boundary.
            try:
                codecs.getincrementaldecoder("utf-8")().decode(chunk, final=False)
            except UnicodeDecodeError:
                return "latin-1"
            return "utf-8"
    return "utf-8"


def read_header(path: Path, encoding: str) -> list[str]:
    """The CSV header, stripped of a BOM and padding."""
    with path.open("r", encoding=encoding, newline="", errors="replace") as handle:
        try:
            header = next(csv.reader(handle))
        except StopIteration:
            raise IngestError(f"{path.name}: the file is empty") from None
    header = [h.strip().lstrip("\ufeff").lstrip("ï»¿").strip() for h in header]
    return header


def _sample_rows(path: Path, encoding: str, count: int = 400) -> list[dict[str, str]]:
    with path.open("r", encoding=encoding, newline="", errors="replace") as handle:
        reader = csv.reader(handle)
        header = [h.strip().lstrip("\ufeff").lstrip("ï»¿").strip() for h in next(reader, [])]
        rows = []
        for number, row in enumerate(reader):
            if number >= count:
                break
            rows.append(dict(zip(header, row, strict=False)))
    return rows


def recognise_domain(path: Path, header: list[str], encoding: str,
                     name: str | None = None) -> str:
    """The FAOSTAT domain code (see :data:`DOMAINS`) from the file name, else its content."""
    label = name or path.name
    for pattern, domain in _FILENAME_DOMAINS:
        if re.search(pattern, label, re.I):
            return domain
    rows = _sample_rows(path, encoding)
    if "Domain Code" in header and rows:
        code = rows[0].get("Domain Code", "").strip().upper()
        if code in DOMAINS:
            return code
    if "Reporter Country Code" in header or "Partner Country Code" in header:
        return "TM"
    elements: set[int] = set()
    items: set[int] = set()
    for row in rows:
        for key, target in (("Element Code", elements), ("Item Code", items)):
            text = row.get(key, "").strip().lstrip("S'")
            if text.isdigit():
                target.add(int(text))
    if items & {23012, 23013, 23014}:
        return "CP"
    best = max(_ELEMENT_DOMAINS, key=lambda pair: len(pair[0] & elements))
    if best[0] & elements:
        return best[1]
    raise IngestError(f"{label}: cannot recognise the FAOSTAT domain from the file name or its "
                      f"elements; give it explicitly (one of {', '.join(DOMAINS)})")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _int(column: str, strip: str = "'") -> str:
    """A code cell as INTEGER (NULL when it is not one); ``'686`` and ``S2901`` allowed.

    The plain cast is tried first; the trimming/stripping fallback runs only on the rows where
    it failed (DuckDB evaluates COALESCE arguments lazily).
    """
    return (f"coalesce(TRY_CAST({column} AS INTEGER), "
            f"TRY_CAST(ltrim(trim({column}), {_lit(strip)}) AS INTEGER))")


def _value(column: str) -> tuple[str, str, str]:
    """SQL for (value DOUBLE, qualifier, error) of a FAOSTAT value cell (diagnostic form)."""
    v = f"trim({column})"
    value = (f"CASE WHEN {v} = '' OR {column} IS NULL THEN NULL "
             f"WHEN left({v}, 1) IN ('<', '>') THEN TRY_CAST(trim(substr({v}, 2)) AS DOUBLE) "
             f"ELSE TRY_CAST({v} AS DOUBLE) END")
    qualifier = f"CASE WHEN left({v}, 1) IN ('<', '>') THEN left({v}, 1) END"
    error = (f"CASE WHEN {v} <> '' AND ({value}) IS NULL THEN "
             f"'Value: ' || {v} || ' is not a number' END")
    return value, qualifier, error


def _fast_value(raw: str, cast: str) -> tuple[str, str, str]:
    """(value, qualifier, is-bad) from a raw cell and its plain ``TRY_CAST(... AS DOUBLE)``.

    Same results as :func:`_value`; the string work runs only where the plain cast failed.
    """
    v = f"trim({raw})"
    value = (f"CASE WHEN {cast} IS NOT NULL THEN {cast} "
             f"WHEN left({v}, 1) IN ('<', '>') THEN TRY_CAST(trim(substr({v}, 2)) AS DOUBLE) END")
    qualifier = f"CASE WHEN {cast} IS NULL AND left({v}, 1) IN ('<', '>') THEN left({v}, 1) END"
    bad = f"(value IS NULL AND coalesce({v}, '') <> '')"
    return value, qualifier, bad


#: The message of the guard that stops the single validating pass at the first bad row.
_BAD_ROW = "iofs-faostat-bad-row"


@dataclass
class _Plan:
    """The SQL of one file.

    ``select`` (common table expressions to follow ``WITH src AS (…),``) reads ``src``
    once: an inner query casts each column once, the outer one maps
    area codes with in-memory lookups and stops the query at the first invalid row (then
    :func:`_line_errors` re-reads the file with ``raw_error`` for line-numbered reasons).
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


def _enum(values: Iterable[str]) -> str:
    """An inline DuckDB ENUM type: Parquet writes an ENUM column as its dictionary, without
    hashing every string (a VARCHAR column of the same values costs ~50 ns a row)."""
    return f"ENUM({', '.join(_lit(v) for v in dict.fromkeys(values))})"


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
        text = ", ".join("NULL" if v is None else _lit(v) if isinstance(v, str) else str(v)
                         for v in values)
        return f"CAST([{text}] AS {type_}[])"

    return _Lookups(
        lists={"iso3": sql(iso3, iso3_type), "m49": sql(m49, "INTEGER"),
               "kind": sql(kind, kind_type)},
        types={"iso3": iso3_type, "m49": "INTEGER", "kind": kind_type}, top=top,
        sparse=sparse, fao_of_m49=sql(m49_list, "INTEGER"), m49_top=m49_top)


def _lookup(name: str, code: str) -> str:
    """``name`` (iso3, m49, kind) of FAO area ``code`` from the constant lists."""
    ref = _lookups()
    type_ = ref.types[name]
    branches = [f"WHEN {code} BETWEEN 0 AND {ref.top} THEN {ref.lists[name]}[{code} + 1]"]
    for fao_code, area in ref.sparse.items():
        value = getattr(area, name)
        if value is not None:
            branches.append(f"WHEN {code} = {fao_code} THEN "
                            + (f"{_lit(value)}::{type_}" if isinstance(value, str)
                               else f"{value}"))
    if name == "kind":
        branches.append(f"WHEN {code} >= {FIRST_AGGREGATE_CODE} THEN 'aggregate'::{type_} "
                        f"ELSE 'unmapped'::{type_}")
    return f"CASE {' '.join(branches)} END"


def _plan(header: list[str], domain: str, source: str, label: str,
          sample: list[dict[str, str]] | None = None) -> _Plan:
    """Build the SELECT of the store's columns from ``src`` for this header.

    With a ``sample`` of the file's first rows, the code columns (and, in the normalized
    layout, Year and Value) whose sampled cells are all plain numbers are read by
    ``read_csv`` as INTEGER/DOUBLE directly. Such a plan is optimistic: when a later cell
    does not fit, the read fails and :func:`_ingest_csv` runs the all-VARCHAR plan
    (``sample=None``) instead. Text cells (names, unit, flag) are kept as published; they
    are trimmed when the sample shows padding (FAOSTAT's bulk files do not pad; checking
    every row would cost ~10 % of the ingest). Codes and values are parsed whatever their
    padding.
    """
    wide_years = [(int(m.group(1)), h) for h in header if (m := _YEAR_COLUMN.match(h))]
    layout = "wide" if wide_years and "Year" not in header and "Value" not in header \
        else "normalized"
    area_col = _pick(header, "Area Code", "Reporter Country Code", "Country Code")
    m49_col = _pick(header, "Area Code (M49)", "Reporter Country Code (M49)",
                    "Country Code (M49)")
    partner_col = _pick(header, "Partner Country Code")
    item_col = _pick(header, "Item Code", "Item Code (FBS)", "Item Code (FAO)")
    element_col = _pick(header, "Element Code")
    missing = [name for name, col in (("Area Code", area_col or m49_col),
                                       ("Item Code", item_col),
                                       ("Element Code", element_col)) if col is None]
    if layout == "normalized":
        missing += [name for name in ("Year", "Value") if name not in header]
    if missing:
        raise IngestError(f"{label} line 1: missing column(s) {', '.join(missing)}; "
                          f"not a FAOSTAT bulk file in normalized or wide layout")
    assert item_col is not None and element_col is not None

    types: dict[str, str] = {}
    trim = True
    if sample:
        code_columns = [c for c in (area_col, m49_col, partner_col, item_col, element_col) if c]
        for col in code_columns:
            if all(_PLAIN_INT.match(row.get(col) or "") for row in sample):
                types[col] = "INTEGER"
        if layout == "normalized":
            if all(_PLAIN_YEAR.match(row.get("Year") or "") for row in sample):
                types["Year"] = "INTEGER"
            if all(_PLAIN_NUMBER.match(row.get("Value") or "") for row in sample):
                types["Value"] = "DOUBLE"
        trim = any(v != v.strip() for row in sample for k, v in row.items()
                   if k not in types and isinstance(v, str))

    def text(*names: str) -> str:
        col = _pick(header, *names)
        if col is None:
            return "NULL::VARCHAR"
        return f"trim({_q(col)})" if trim else _q(col)

    def code(col: str | None, strip: str = "'") -> str:
        if col is None:
            return "NULL::INTEGER"
        return _q(col) if col in types else _int(_q(col), strip)

    area_code, m49, partner = code(area_col), code(m49_col), code(partner_col)
    item_code, element_code = code(item_col, "S'"), code(element_col)
    # Diagnostic messages, per raw row of the all-VARCHAR read.
    area_code_v = _int(_q(area_col)) if area_col else "NULL::INTEGER"
    m49_v = _int(_q(m49_col)) if m49_col else "NULL::INTEGER"
    partner_v = _int(_q(partner_col)) if partner_col else "NULL::INTEGER"
    item_code_v, element_code_v = _int(_q(item_col), "S'"), _int(_q(element_col))
    base_errors = []
    if area_col:
        base_errors.append(f"CASE WHEN {area_code_v} IS NULL THEN '{area_col}: ' || "
                           f"coalesce({_q(area_col)}, '(empty)') || ' is not an integer' END")
    else:
        base_errors.append(f"CASE WHEN {m49_v} IS NULL THEN '{m49_col}: ' || "
                           f"coalesce({_q(m49_col or '')}, '(empty)') || ' is not a code' END")
    if partner_col:
        base_errors.append(f"CASE WHEN {partner_v} IS NULL THEN 'Partner Country Code: ' || "
                           f"coalesce({_q(partner_col)}, '(empty)') || ' is not an integer' END")
    base_errors.append(f"CASE WHEN {item_code_v} IS NULL THEN '{item_col}: ' || "
                       f"coalesce({_q(item_col)}, '(empty)') || ' is not an item code' END")
    base_errors.append(f"CASE WHEN {element_code_v} IS NULL THEN 'Element Code: ' || "
                       f"coalesce({_q(element_col)}, '(empty)') || ' is not an integer' END")
    # The same checks as booleans for the single validating pass.
    base_bad = [f"{'m49' if area_col is None else 'area_code'} IS NULL", "item_code IS NULL",
                "element_code IS NULL"]
    if partner_col:
        base_bad.append("partner_code IS NULL")
    codes = (f"{area_code} AS area_code, {m49} AS m49, {partner} AS partner_code, "
             f"{item_code} AS item_code, {element_code} AS element_code, "
             f"{text('Area', 'Reporter Countries', 'Country')} AS area, "
             f"{text('Partner Countries')} AS partner, {text('Item Code (CPC)')} AS item_cpc, "
             f"{text('Item')} AS item, {text('Element')} AS element, {text('Unit')} AS unit")
    if area_col:
        fao = "area_code"
        m49_out = f"coalesce(m49, {_lookup('m49', 'area_code')})"
    else:
        ref = _lookups()
        fao = f"CASE WHEN m49 BETWEEN 0 AND {ref.m49_top} THEN {ref.fao_of_m49}[m49 + 1] END"
        m49_out = "m49"
    mapped = (f"SELECT *, {_lookup('iso3', 'area_code')} AS iso3, "
              f"{_lookup('kind', 'area_code')} AS area_kind, "
              + (f"{_lookup('iso3', 'partner_code')} AS partner_iso3, "
                 f"{_lookup('kind', 'partner_code')} AS partner_kind "
                 if partner_col else "NULL::VARCHAR AS partner_iso3, "
                                     "NULL::VARCHAR AS partner_kind ")
              + "FROM v")
    out = (f"SELECT {_lit(domain)}::{_enum([domain])} AS domain, area_code, m49, iso3, "
           f"area_kind, area, "
           f"partner_code, partner_iso3, partner_kind, partner, item_code, item_cpc, item, "
           f"element_code, element, unit, year, year_end, value, qualifier, flag, note, "
           f"{_lit(source)}::{_enum([source])} AS source FROM m")
    if layout == "normalized":
        year_text = f"trim({_q('Year')})"
        year = f"TRY_CAST(left({year_text}, 4) AS INTEGER)"
        year_end = f"TRY_CAST(right({year_text}, 4) AS INTEGER)"
        _, _, value_error = _value(_q("Value"))
        year_error = (f"CASE WHEN {year} IS NULL OR {year_end} IS NULL OR "
                      f"length({year_text}) NOT IN (4, 9) THEN 'Year: ' || "
                      f"coalesce({_q('Year')}, '(empty)') || ' is not a year or year range' END")
        errors = [*base_errors, year_error, value_error]
        raw_error = f"NULLIF(concat_ws('; ', {', '.join(errors)}), '')"
        value, qualifier, value_bad = _fast_value("_v", "_vd")
        year_raw, value_raw = _q("Year"), _q("Value")
        years = (f"{year_raw}::VARCHAR AS _y, {year_raw} AS _yi" if "Year" in types else
                 f"{year_raw} AS _y, TRY_CAST({year_raw} AS INTEGER) AS _yi")
        values = (f"{value_raw}::VARCHAR AS _v, {value_raw} AS _vd" if "Value" in types else
                  f"{value_raw} AS _v, TRY_CAST({value_raw} AS DOUBLE) AS _vd")
        cast = (f"SELECT {codes}, {years}, {values}, "
                f"{text('Flag')} AS flag, {text('Note')} AS note FROM src")
        # A plain year (2015) is cast once; a range (2014-2016) keeps both ends.
        parsed = (f"SELECT c.*, CASE WHEN _yi BETWEEN 1000 AND 9999 THEN _yi "
                  f"ELSE TRY_CAST(left(trim(_y), 4) AS INTEGER) END AS year, "
                  f"CASE WHEN _yi BETWEEN 1000 AND 9999 THEN _yi "
                  f"WHEN length(trim(_y)) IN (4, 9) THEN TRY_CAST(right(trim(_y), 4) AS INTEGER) "
                  f"END AS year_end, {value} AS value, {qualifier} AS qualifier FROM c")
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
        cast = (f"SELECT * EXCLUDE (cell), cell.y AS year, cell.y AS year_end, cell.v AS _v, "
                f"TRY_CAST(cell.v AS DOUBLE) AS _vd, trim(cell.f) AS flag, "
                f"trim(cell.n) AS note "
                f"FROM (SELECT {codes}, unnest([{', '.join(cells)}]) AS cell FROM src) "
                f"WHERE trim(coalesce(cell.v, '')) <> '' OR trim(coalesce(cell.f, '')) <> ''")
        parsed = f"SELECT c.*, {value} AS value, {qualifier} AS qualifier FROM c"
        bad = " OR ".join([*base_bad, value_bad])
    checked = (f"SELECT * FROM p WHERE CASE WHEN {bad} THEN error({_lit(_BAD_ROW)}) "
               f"ELSE true END")
    select = (f"c AS ({cast}), p AS ({parsed}), v AS ({checked}), "
              f"f AS (SELECT * REPLACE ({fao} AS area_code, {m49_out} AS m49) FROM v), "
              f"m AS ({mapped.replace('FROM v', 'FROM f')}) {out}")
    return _Plan(select, raw_error, layout, types)


def _read_csv_sql(path: Path, header: list[str], encoding: str,
                  types: dict[str, str] | None = None) -> str:
    types = types or {}
    columns = ", ".join(f"{_lit(h or f'column{i}')}: {_lit(types.get(h, 'VARCHAR'))}"
                        for i, h in enumerate(header))
    return (f"read_csv({_lit(str(path))}, header = true, auto_detect = false, delim = ',', "
            f"quote = '\"', escape = '\"', encoding = {_lit(encoding)}, "
            f"columns = {{{columns}}})")


def _connect(staging: Path) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection whose memory stays bounded whatever the file size."""
    con = duckdb.connect()
    con.execute(f"SET memory_limit = {_lit(MEMORY_LIMIT)}")
    con.execute(f"SET temp_directory = {_lit(str(staging))}")
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")
    # TRY_CAST must stay a TRY_CAST: DuckDB may push a lone cast into the CSV reader, where a
    # bad cell stops the read instead of becoming NULL (older DuckDBs lack this optimizer).
    with contextlib.suppress(duckdb.Error):
        con.execute("SET disabled_optimizers = 'type_pushdown'")
    return con


def _run_with_progress(con: duckdb.DuckDBPyConnection, sql: str,
                       progress: Callable[[float], None] | None) -> None:
    if progress is None:
        con.execute(sql)
        return
    failure: list[BaseException] = []

    def work() -> None:
        try:
            con.execute(sql)
        except BaseException as error:
            failure.append(error)

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(0.2)
        try:
            done = con.query_progress()
        except duckdb.Error:
            done = -1
        if done is not None and done >= 0:
            progress(min(float(done) / 100.0, 1.0))
    progress(1.0)
    if failure:
        raise failure[0]


def _line_errors(con: duckdb.DuckDBPyConnection, read_sql: str, plan: _Plan,
                 label: str) -> tuple[int, list[str]]:
    """Bad-row count and the first line-numbered errors (header is line 1).

    Only run when the validating pass stopped: it re-reads the file in file order.
    """
    con.execute("SET preserve_insertion_order = true")
    rows = con.execute(
        f"WITH src AS (SELECT * FROM {read_sql}) "
        f"SELECT line, err, count(*) OVER () FROM (SELECT row_number() OVER () + 1 AS line, "
        f"{plan.raw_error} AS err FROM src) WHERE err IS NOT NULL ORDER BY line "
        f"LIMIT {MAX_REPORTED_ERRORS}").fetchall()
    con.execute("SET preserve_insertion_order = false")
    total = int(rows[0][2]) if rows else 0
    return total, [f"{label} line {line}: {err}" for line, err, _ in rows]


def _ingest_failure(con: duckdb.DuckDBPyConnection, read_sql: str, plan: _Plan, label: str,
                    error: duckdb.Error) -> IngestError:
    """The error to report once the validating pass failed: bad rows by line, else why."""
    message = str(error)
    if _BAD_ROW in message or isinstance(error, duckdb.ConversionException):
        try:
            total, errors = _line_errors(con, read_sql, plan, label)
        except duckdb.Error as again:
            return IngestError(f"{label}: {_first_lines(str(again))}")
        if errors:
            more = total - len(errors)
            tail = f"\n… and {more} more bad row(s)" if more > 0 else ""
            return IngestError(f"{total} bad row(s); nothing was imported:\n"
                               + "\n".join(errors) + tail)
    if isinstance(error, duckdb.InvalidInputException):
        return IngestError(f"{label}: not a well-formed CSV: {_first_lines(message)}")
    return IngestError(f"{label}: {_first_lines(message)}")


def _write(con: duckdb.DuckDBPyConnection, csv_path: Path, header: list[str], encoding: str,
           plans: list[_Plan], tmp: Path, label: str,
           progress: Callable[[float], None] | None) -> str:
    """Read, cast, validate, map and write ``tmp`` in one pass; return the encoding used.

    The plans are tried in order (the optimistic typed one first); the last one's failure
    is reported, with the bad rows by line number when there are some. A UTF-8 read that
    meets a byte that is not UTF-8 is retried as Latin-1.
    """
    encodings = list(dict.fromkeys((encoding, "latin-1")))
    index = 0
    while True:
        plan = plans[index]
        read_sql = _read_csv_sql(csv_path, header, encodings[0], plan.types)
        sql = (f"COPY (WITH src AS (SELECT * FROM {read_sql}), {plan.select}) "
               f"TO {_lit(str(tmp))} (FORMAT parquet, COMPRESSION zstd, "
               f"ROW_GROUP_SIZE {ROW_GROUP_SIZE})")
        try:
            _run_with_progress(con, sql, progress)
            return encodings[0]
        except duckdb.Error as error:
            lowered = str(error).lower()
            if len(encodings) > 1 and isinstance(error, duckdb.InvalidInputException) \
                    and ("unicode" in lowered or "utf-8" in lowered):
                encodings.pop(0)
                continue
            if index + 1 < len(plans):
                index += 1
                continue
            raise _ingest_failure(con, read_sql, plan, label, error) from None


#: What identifies an observation across files: domain (the slice folder) + area + item +
#: element + year (both ends of a range); for the trade matrix also the partner.
OBSERVATION_KEY = ("area_code", "m49", "partner_code", "item_code", "element_code", "year",
                   "year_end")


@dataclass
class _Supersede:
    """An older slice holding observations of the new file: its rewrite without them."""

    path: Path
    kept: Path | None  # None: every row was superseded, the slice goes
    removed: int
    remaining: int


def _superseded(con: duckdb.DuckDBPyConnection, new: Path, domain_dir: Path, source: str,
                staging: Path) -> list[_Supersede]:
    """Rewrite (into ``staging``) each other slice of the domain without the observations
    that the new slice holds, so the same data ingested under another file name is never
    stored twice; the file ingested last wins."""
    others = [p for p in sorted(domain_dir.glob("*.parquet")) if p.stem != source]
    out: list[_Supersede] = []
    if not others:
        return out
    on = " AND ".join(f"o.{k} IS NOT DISTINCT FROM n.{k}" for k in OBSERVATION_KEY)
    keys = f"(SELECT {', '.join(OBSERVATION_KEY)} FROM read_parquet({_lit(str(new))}))"
    for old in others:
        old_sql = f"read_parquet({_lit(str(old))})"
        row = con.execute(f"SELECT (SELECT count(*) FROM {old_sql}), count(*) FROM {old_sql} o "
                          f"SEMI JOIN {keys} n ON {on}").fetchone()
        assert row is not None
        total, removed = int(row[0]), int(row[1])
        if not removed:
            continue
        kept = None
        if removed < total:
            kept = staging / f"kept-{old.name}"
            con.execute(f"COPY (SELECT o.* FROM {old_sql} o ANTI JOIN {keys} n ON {on}) "
                        f"TO {_lit(str(kept))} (FORMAT parquet, COMPRESSION zstd, "
                        f"ROW_GROUP_SIZE {ROW_GROUP_SIZE})")
        out.append(_Supersede(old, kept, removed, total - removed))
    return out


def _apply_superseded(changes: list[_Supersede], suite_dir: Path) -> None:
    for change in changes:
        manifest = change.path.with_suffix(".json")
        (suite_dir / change.path.name).unlink(missing_ok=True)  # rebuilt on first use
        if change.kept is None:
            change.path.unlink(missing_ok=True)
            manifest.unlink(missing_ok=True)
            continue
        os.replace(change.kept, change.path)
        if manifest.exists():
            data = json.loads(manifest.read_text(encoding="utf-8"))
            data["rows"] = change.remaining
            manifest.write_text(json.dumps(data, indent=2), encoding="utf-8")


def _slug(name: str) -> str:
    stem = re.sub(r"\.(csv|zip)$", "", name, flags=re.I)
    return re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("_") or "faostat"


def _ingest_csv(csv_path: Path, store: Path, label: str, domain: str | None,
                progress: Callable[[float], None] | None) -> IngestReport:
    started = time.perf_counter()
    encoding = detect_encoding(csv_path)
    header = read_header(csv_path, encoding)
    chosen = (domain or recognise_domain(csv_path, header, encoding, label)).upper()
    if chosen not in DOMAINS:
        raise IngestError(f"{label}: unknown domain {chosen!r}; one of {', '.join(DOMAINS)}")
    source = _slug(label)
    plan = _plan(header, chosen, source, label)
    fast = _plan(header, chosen, source, label,
                 _sample_rows(csv_path, encoding, SAMPLE_ROWS))
    target_dir = store / chosen
    target_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".ingest-", dir=store))
    con = _connect(staging)
    try:
        tmp = staging / f"{source}.parquet"
        plans = [plan] if (fast.select, fast.types) == (plan.select, plan.types) else [fast, plan]
        encoding = _write(con, csv_path, header, encoding, plans, tmp, label, progress)
        # Per area (a few hundred groups on integer keys; count(DISTINCT) … FILTER over the
        # whole file would cost ~1 s per 36 M rows).
        per_area = con.execute(
            f"SELECT area_code, any_value(area_kind), count(*), min(year), max(year_end), "
            f"count(qualifier), count(*) - count(value) "
            f"FROM read_parquet({_lit(str(tmp))}) GROUP BY area_code").fetchall()
        kinds = [str(kind) for _, kind, *_ in per_area]
        years = [row[3] for row in per_area if row[3] is not None]
        year_ends = [row[4] for row in per_area if row[4] is not None]
        stats = (sum(row[2] for row in per_area), kinds.count("country"),
                 kinds.count("aggregate"), min(years, default=None),
                 max(year_ends, default=None), sum(row[5] for row in per_area),
                 sum(row[6] for row in per_area))
        unmapped = sorted(int(code) for code, kind, *_ in per_area
                          if kind == "unmapped" and code is not None)
        # The few rows the indicator suite reads, so that it never scans the whole store.
        from iofs.monitor.faostat.indicators import suite_input_dir, write_suite_input

        suite_tmp = staging / "suite-input.parquet"
        write_suite_input(tmp, chosen, suite_tmp, con)
        changes = _superseded(con, tmp, target_dir, source, staging)
        target = target_dir / f"{source}.parquet"
        replaced = target.exists()
        report = IngestReport(
            source=source, domain=chosen, layout=plan.layout, encoding=encoding,
            rows=int(stats[0]), countries=int(stats[1]), aggregates=int(stats[2]),
            unmapped_areas=unmapped, year_min=stats[3], year_max=stats[4],
            qualified_values=int(stats[5]), missing_values=int(stats[6]),
            path=str(target), replaced=replaced,
            superseded={c.path.stem: c.removed for c in changes})
        os.replace(tmp, target)
        suite_target = suite_input_dir(store.parent.parent) / chosen / f"{source}.parquet"
        suite_target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(suite_tmp, suite_target)
        _apply_superseded(changes, suite_target.parent)
        report.seconds = round(time.perf_counter() - started, 3)
        manifest = target.with_suffix(".json")
        manifest_tmp = staging / "manifest.json"
        manifest_tmp.write_text(json.dumps(report.as_dict(), indent=2), encoding="utf-8")
        os.replace(manifest_tmp, manifest)
        return report
    finally:
        con.close()
        shutil.rmtree(staging, ignore_errors=True)


def _first_lines(message: str, count: int = 4) -> str:
    return " ".join(message.strip().splitlines()[:count])


def _zip_members(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if n.lower().endswith(".csv")
                 and not SUPPORTING_FILES.search(n)]
    normalized = [n for n in names if "normalized" in n.lower()]
    return normalized or names


def ingest(paths: Iterable[Path], analytics_dir: Path, domain: str | None = None,
           progress: Callable[[str, float], None] | None = None) -> list[IngestReport]:
    """Ingest FAOSTAT files (zip or CSV) into the Parquet store; return one report per file.

    Each file is all-or-nothing: a bad row raises :class:`IngestError` (naming line, field
    and reason) and leaves the store exactly as it was. ``progress(label, fraction)`` is
    called while a file is read. Afterwards the indicator cache is dropped.
    """
    store = store_dir(analytics_dir)
    store.mkdir(parents=True, exist_ok=True)
    reports: list[IngestReport] = []
    for path in paths:
        if not path.is_file():
            raise IngestError(f"{path}: no such file")

        def tick(fraction: float, label: str = path.name) -> None:
            if progress is not None:
                progress(label, fraction)

        if zipfile.is_zipfile(path):
            members = _zip_members(path)
            if not members:
                raise IngestError(f"{path.name}: the zip holds no FAOSTAT data CSV")
            for member in members:
                staging = Path(tempfile.mkdtemp(prefix=".unzip-", dir=store))
                try:
                    extracted = staging / Path(member).name
                    with zipfile.ZipFile(path) as archive, archive.open(member) as src, \
                            extracted.open("wb") as out:
                        shutil.copyfileobj(src, out, 1 << 20)
                    def member_tick(fraction: float, name: str = member) -> None:
                        tick(fraction, name)

                    reports.append(_ingest_csv(extracted, store, Path(member).name, domain,
                                               member_tick))
                finally:
                    shutil.rmtree(staging, ignore_errors=True)
        else:
            reports.append(_ingest_csv(path, store, path.name, domain, tick))
    cache = analytics_dir / "faostat" / "indicators.parquet"
    cache.unlink(missing_ok=True)
    return reports


def slices(analytics_dir: Path) -> list[dict[str, object]]:
    """The manifests of every ingested slice (domain, source, rows, years …)."""
    out: list[dict[str, object]] = []
    for manifest in sorted(store_dir(analytics_dir).glob("*/*.json")):
        out.append(json.loads(manifest.read_text(encoding="utf-8")))
    return out
