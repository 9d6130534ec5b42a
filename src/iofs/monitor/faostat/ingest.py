"""Ingest FAOSTAT bulk downloads, as FAOSTAT publishes them, into the Parquet store.

Accepted inputs: the bulk zip (``<Domain>_E_All_Data_(Normalized).zip`` …) or a CSV inside it,
in the *normalized* layout (``Area Code, [Area Code (M49),] Area, Item Code, [Item Code (CPC),]
Item, Element Code, Element, [Year Code,] Year, Unit, Value, Flag[, Note]``; the detailed trade
matrix has ``Reporter Country Code … Partner Country Code …`` instead of ``Area Code``) or the
*wide* layout (``… Unit, Y2014, Y2014F, Y2014N, Y2015, …``); Latin-1 or UTF-8 (BOM allowed).

Values are kept as FAOSTAT states them: ``<2.5`` becomes value 2.5 with qualifier ``<``; an
empty value is missing (null); flags and notes are kept. Three-year averages (Year
``2000-2002``) keep both ends (``year`` 2000, ``year_end`` 2002).

The file is streamed by DuckDB straight into a temporary Parquet file (bounded memory:
DuckDB's ``memory_limit`` and spilling), checked, and only then atomically renamed to
``<analytics_dir>/faostat/observations/<DOMAIN>/<source>.parquet``. A file with a bad row
writes nothing and the error names the line and field. Re-ingesting the same source replaces
its slice (same path), so it never duplicates.
"""
# ruff: noqa: S608 - SQL is assembled from quoted identifiers and quoted literals; no user text

from __future__ import annotations

import codecs
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
from pathlib import Path

import duckdb

from iofs.monitor.faostat.areas import FIRST_AGGREGATE_CODE, M49_ALIASES, areas

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
SAMPLE_BYTES = 1 << 20
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

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def store_dir(analytics_dir: Path) -> Path:
    """Directory of the FAOSTAT observations (one sub-folder per domain)."""
    return analytics_dir / "faostat" / "observations"


# --------------------------------------------------------------------------- reading the file


def detect_encoding(path: Path) -> str:
    """``utf-8`` or ``latin-1`` from the first megabyte (FAOSTAT uses both).

    Bytes that are not valid UTF-8 mean Latin-1. An ASCII-only sample is read as UTF-8; if a
    later byte is not UTF-8, :func:`ingest_file` retries as Latin-1.
    """
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "latin-1"
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
    return f"TRY_CAST(ltrim(trim({column}), {_lit(strip)}) AS INTEGER)"


def _value(column: str) -> tuple[str, str, str]:
    """SQL for (value DOUBLE, qualifier, error) of a FAOSTAT value cell."""
    v = f"trim({column})"
    value = (f"CASE WHEN {v} = '' OR {column} IS NULL THEN NULL "
             f"WHEN left({v}, 1) IN ('<', '>') THEN TRY_CAST(trim(substr({v}, 2)) AS DOUBLE) "
             f"ELSE TRY_CAST({v} AS DOUBLE) END")
    qualifier = f"CASE WHEN left({v}, 1) IN ('<', '>') THEN left({v}, 1) END"
    error = (f"CASE WHEN {v} <> '' AND ({value}) IS NULL THEN "
             f"'Value: ' || {v} || ' is not a number' END")
    return value, qualifier, error


@dataclass
class _Plan:
    """The SQL of one file: SELECT list producing the store's columns, and a raw error check."""

    select: str
    raw_error: str
    layout: str
    needs_m49_join: bool
    has_partner: bool


def _pick(header: list[str], *names: str) -> str | None:
    for name in names:
        if name in header:
            return name
    return None


def _plan(header: list[str], domain: str, source: str, label: str) -> _Plan:
    """Build the SELECT of the store's columns from ``src`` for this header."""
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

    def text(*names: str) -> str:
        col = _pick(header, *names)
        return f"trim({_q(col)})" if col else "NULL::VARCHAR"

    area_code = _int(_q(area_col)) if area_col else "NULL::INTEGER"
    m49 = _int(_q(m49_col)) if m49_col else "NULL::INTEGER"
    item_code = _int(_q(item_col), "S'")
    element_code = _int(_q(element_col))
    partner = _int(_q(partner_col)) if partner_col else "NULL::INTEGER"
    base_errors = []
    if area_col:
        base_errors.append(f"CASE WHEN {area_code} IS NULL THEN '{area_col}: ' || "
                           f"coalesce({_q(area_col)}, '(empty)') || ' is not an integer' END")
    else:
        base_errors.append(f"CASE WHEN {m49} IS NULL THEN '{m49_col}: ' || "
                           f"coalesce({_q(m49_col or '')}, '(empty)') || ' is not a code' END")
    if partner_col:
        base_errors.append(f"CASE WHEN {partner} IS NULL THEN 'Partner Country Code: ' || "
                           f"coalesce({_q(partner_col)}, '(empty)') || ' is not an integer' END")
    base_errors.append(f"CASE WHEN {item_code} IS NULL THEN '{item_col}: ' || "
                       f"coalesce({_q(item_col)}, '(empty)') || ' is not an item code' END")
    base_errors.append(f"CASE WHEN {element_code} IS NULL THEN 'Element Code: ' || "
                       f"coalesce({_q(element_col)}, '(empty)') || ' is not an integer' END")
    common = (f"{_lit(domain)} AS domain, {area_code} AS area_code, {m49} AS m49, "
              f"{text('Area', 'Reporter Countries', 'Country')} AS area, "
              f"{partner} AS partner_code, {text('Partner Countries')} AS partner, "
              f"{item_code} AS item_code, {text('Item Code (CPC)')} AS item_cpc, "
              f"{text('Item')} AS item, {element_code} AS element_code, "
              f"{text('Element')} AS element, {text('Unit')} AS unit")
    if layout == "normalized":
        year_text = f"trim({_q('Year')})"
        year = f"TRY_CAST(left({year_text}, 4) AS INTEGER)"
        year_end = f"TRY_CAST(right({year_text}, 4) AS INTEGER)"
        value, qualifier, value_error = _value(_q("Value"))
        year_error = (f"CASE WHEN {year} IS NULL OR {year_end} IS NULL OR "
                      f"length({year_text}) NOT IN (4, 9) THEN 'Year: ' || "
                      f"coalesce({_q('Year')}, '(empty)') || ' is not a year or year range' END")
        errors = [*base_errors, year_error, value_error]
        error_sql = f"NULLIF(concat_ws('; ', {', '.join(errors)}), '')"
        select = (f"SELECT {common}, {year} AS year, {year_end} AS year_end, "
                  f"{value} AS value, {qualifier} AS qualifier, {text('Flag')} AS flag, "
                  f"{text('Note')} AS note, {_lit(source)} AS source, {error_sql} AS _error "
                  f"FROM src")
        return _Plan(select, error_sql, layout, area_col is None, partner_col is not None)
    cells = []
    value_errors = []
    for year_number, column in wide_years:
        flag = f"{_q(column + 'F')}" if column + "F" in header else "NULL::VARCHAR"
        note = f"{_q(column + 'N')}" if column + "N" in header else "NULL::VARCHAR"
        cells.append(f"{{'y': {year_number}, 'v': {_q(column)}, 'f': {flag}, 'n': {note}}}")
        value_errors.append(_value(_q(column))[2].replace("'Value: '", f"'{column}: '"))
    value, qualifier, value_error = _value("cell.v")
    errors = [*base_errors, value_error.replace("'Value: '", "'Y' || cell.y || ': '")]
    error_sql = f"NULLIF(concat_ws('; ', {', '.join(errors)}), '')"
    raw_error = f"NULLIF(concat_ws('; ', {', '.join([*base_errors, *value_errors])}), '')"
    select = (f"SELECT {common}, cell.y AS year, cell.y AS year_end, {value} AS value, "
              f"{qualifier} AS qualifier, trim(cell.f) AS flag, trim(cell.n) AS note, "
              f"{_lit(source)} AS source, {error_sql} AS _error "
              f"FROM (SELECT *, unnest([{', '.join(cells)}]) AS cell FROM src) "
              f"WHERE trim(coalesce(cell.v, '')) <> '' OR trim(coalesce(cell.f, '')) <> ''")
    return _Plan(select, raw_error, layout, area_col is None, partner_col is not None)


def _read_csv_sql(path: Path, header: list[str], encoding: str) -> str:
    columns = ", ".join(f"{_lit(h or f'column{i}')}: 'VARCHAR'" for i, h in enumerate(header))
    return (f"read_csv({_lit(str(path))}, header = true, auto_detect = false, delim = ',', "
            f"quote = '\"', escape = '\"', encoding = {_lit(encoding)}, "
            f"columns = {{{columns}}})")


def _connect(staging: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET memory_limit = '1GB'")
    con.execute(f"SET temp_directory = {_lit(str(staging))}")
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")
    ref = [(a.fao_code, a.m49, a.iso3, a.kind) for a in areas()]
    con.execute("CREATE TEMP TABLE ref (fao_code INTEGER, m49 INTEGER, iso3 VARCHAR, "
                "kind VARCHAR)")
    con.executemany("INSERT INTO ref VALUES (?, ?, ?, ?)", ref)
    con.execute("CREATE TEMP TABLE m49map AS SELECT m49, arg_min(fao_code, CASE kind WHEN "
                "'country' THEN 0 WHEN 'former' THEN 1 ELSE 2 END) AS fao_code FROM ref "
                "WHERE m49 IS NOT NULL GROUP BY m49")
    for m49, fao_code in M49_ALIASES.items():
        con.execute("DELETE FROM m49map WHERE m49 = ?", [m49])
        con.execute("INSERT INTO m49map VALUES (?, ?)", [m49, fao_code])
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
                 label: str) -> list[str]:
    """Line-numbered errors (header is line 1), found by re-reading in file order."""
    con.execute("SET preserve_insertion_order = true")
    rows = con.execute(
        f"WITH src AS (SELECT * FROM {read_sql}) "
        f"SELECT line, err FROM (SELECT row_number() OVER () + 1 AS line, "
        f"{plan.raw_error} AS err FROM src) WHERE err IS NOT NULL ORDER BY line "
        f"LIMIT {MAX_REPORTED_ERRORS}").fetchall()
    return [f"{label} line {line}: {err}" for line, err in rows]


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
    target_dir = store / chosen
    target_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".ingest-", dir=store))
    try:
        con = _connect(staging)
        tmp = staging / f"{source}.parquet"
        for attempt in (encoding, "latin-1"):
            read_sql = _read_csv_sql(csv_path, header, attempt)
            m49_join = ("LEFT JOIN m49map mm ON mm.m49 = p.m49" if plan.needs_m49_join
                        else "LEFT JOIN (SELECT NULL::INTEGER AS fao_code) mm ON false")
            partner = ("LEFT JOIN ref pr ON pr.fao_code = p.partner_code" if plan.has_partner
                       else "LEFT JOIN (SELECT NULL::VARCHAR AS iso3, NULL::VARCHAR AS kind) pr "
                            "ON false")
            sql = (
                f"COPY (WITH src AS (SELECT * FROM {read_sql}), p AS ({plan.select}) "
                f"SELECT p.domain, coalesce(p.area_code, mm.fao_code) AS area_code, "
                f"coalesce(p.m49, r.m49) AS m49, r.iso3, "
                f"coalesce(r.kind, CASE WHEN coalesce(p.area_code, mm.fao_code) >= "
                f"{FIRST_AGGREGATE_CODE} THEN 'aggregate' ELSE 'unmapped' END) AS area_kind, "
                f"p.area, p.partner_code, pr.iso3 AS partner_iso3, pr.kind AS partner_kind, "
                f"p.partner, p.item_code, p.item_cpc, p.item, p.element_code, p.element, "
                f"p.unit, p.year, p.year_end, p.value, p.qualifier, p.flag, p.note, p.source, "
                f"p._error FROM p {m49_join} "
                f"LEFT JOIN ref r ON r.fao_code = coalesce(p.area_code, mm.fao_code) {partner}"
                f") TO {_lit(str(tmp))} (FORMAT parquet, COMPRESSION zstd, "
                f"ROW_GROUP_SIZE 500000)")
            try:
                _run_with_progress(con, sql, progress)
                encoding = attempt
                break
            except duckdb.InvalidInputException as error:
                message = str(error)
                if attempt == "utf-8" and ("unicode" in message.lower()
                                           or "utf-8" in message.lower()):
                    continue
                raise IngestError(f"{label}: not a well-formed CSV: "
                                  f"{_first_lines(message)}") from None
            except duckdb.Error as error:
                raise IngestError(f"{label}: {_first_lines(str(error))}") from None
        stats = con.execute(
            f"SELECT count(*), count(*) FILTER (WHERE _error IS NOT NULL), "
            f"count(DISTINCT area_code) FILTER (WHERE area_kind = 'country'), "
            f"count(DISTINCT area_code) FILTER (WHERE area_kind = 'aggregate'), "
            f"min(year), max(year_end), count(qualifier), count(*) - count(value) "
            f"FROM read_parquet({_lit(str(tmp))})").fetchone()
        assert stats is not None
        if stats[1]:
            errors = _line_errors(con, read_sql, plan, label)
            more = stats[1] - len(errors)
            tail = f"\n… and {more} more bad row(s)" if more > 0 else ""
            raise IngestError(f"{stats[1]} bad row(s); nothing was imported:\n"
                              + "\n".join(errors) + tail)
        unmapped = [row[0] for row in con.execute(
            f"SELECT DISTINCT area_code FROM read_parquet({_lit(str(tmp))}) "
            f"WHERE area_kind = 'unmapped' AND area_code IS NOT NULL ORDER BY 1").fetchall()]
        con.close()
        target = target_dir / f"{source}.parquet"
        replaced = target.exists()
        report = IngestReport(
            source=source, domain=chosen, layout=plan.layout, encoding=encoding,
            rows=int(stats[0]), countries=int(stats[2]), aggregates=int(stats[3]),
            unmapped_areas=unmapped, year_min=stats[4], year_max=stats[5],
            qualified_values=int(stats[6]), missing_values=int(stats[7]),
            path=str(target), replaced=replaced)
        os.replace(tmp, target)
        report.seconds = round(time.perf_counter() - started, 3)
        manifest = target.with_suffix(".json")
        manifest_tmp = staging / "manifest.json"
        manifest_tmp.write_text(json.dumps(report.as_dict(), indent=2), encoding="utf-8")
        os.replace(manifest_tmp, manifest)
        return report
    finally:
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
