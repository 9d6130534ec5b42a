"""Ingest WFP market-price CSVs (HDX layout, with or without the HXL tag row) into Parquet.

The files are read by DuckDB as text, every row is validated in SQL, and only a file with no
bad row is written: to a temporary file, then renamed over the file's previous slice
(``prices/observations/<file name>.parquet``). Re-ingesting a file therefore replaces its own
rows and never duplicates them; a failed ingest leaves the store as it was.
"""
# ruff: noqa: S608 - SQL is assembled from quoted identifiers and quoted literals

from __future__ import annotations

import csv
import os
import re
import shutil
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import duckdb

from iofs.errors import InputError
from iofs.ingest_files import (
    CsvShape,
    FileShapeError,
    atomic_write,
    find_bad_line,
    kill_point,
    read_csv_header,
    remove_stale,
    sniff_csv,
    staging_dir,
    visible_files,
)

REQUIRED = ("date", "market", "commodity", "unit", "pricetype", "currency", "price")
OPTIONAL = (
    "countryiso3",
    "admin1",
    "admin2",
    "market_id",
    "latitude",
    "longitude",
    "category",
    "commodity_id",
    "priceflag",
    "usdprice",
)
COUNTRY_IN_NAME = re.compile(r"wfp_food_prices_([a-z]{3})(?:\.|_)", re.IGNORECASE)
MAX_REPORTED_ERRORS = 50


class PriceFileError(InputError):
    """A price file cannot be ingested; ``problems`` lists each bad row."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message, "file")
        self.problems = problems or []


@dataclass
class IngestReport:
    """What an ingest wrote: rows, series and the Parquet slice; ``non_oic_rows`` of
    ``non_oic_countries`` are stored but stay out of every OIC view."""

    source: str
    rows: int
    series: int
    countries: list[str] = field(default_factory=list)
    path: Path | None = None
    non_oic_rows: int = 0
    non_oic_countries: list[str] = field(default_factory=list)
    layout: str = "hdx"
    delimiter: str = ","
    newline: str = "\n"
    encoding: str = "utf-8"
    #: observations (series and date) that older slices held too, removed from them
    duplicates_folded: int = 0
    #: implausible rows (stored, kept out of the signals until confirmed) and the first ones
    warning_count: int = 0
    warnings: list[str] = field(default_factory=list)


@lru_cache(maxsize=1)
def oic_states() -> frozenset[str]:
    """ISO3 codes of the 57 OIC states (the members module's packaged reference)."""
    from iofs.members.service import oic_iso3

    return oic_iso3()


def store_dir(analytics_dir: Path) -> Path:
    """Folder of the price observations (one Parquet file per ingested source file)."""
    return analytics_dir / "prices" / "observations"


def slice_files(analytics_dir: Path) -> list[Path]:
    """The stored price slices, never a temporary file of a running or killed ingest."""
    return visible_files(store_dir(analytics_dir), "*.parquet")


def _sql_quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


#: A derived column in a mapping file: ``date(year column, month column[, day column])``.
_DERIVED_DATE = re.compile(
    r"^date\(\s*([^,()]+?)\s*,\s*([^,()]+?)\s*(?:,\s*([^,()]+?)\s*)?\)$", re.IGNORECASE
)


def read_mapping(path: Path) -> dict[str, str]:
    """A mapping file: CSV rows ``source,target`` (target = a WFP column name).

    ``source`` is a column of the file (renamed to ``target``), ``=TEXT`` (the constant TEXT
    in every row, e.g. ``=AFG,countryiso3``) or ``date(YEAR, MONTH[, DAY])`` (the date built
    from those columns; day 15 when none is given, as WFP dates monthly prices).
    """
    mapping: dict[str, str] = {}
    known = set(REQUIRED) | set(OPTIONAL)
    try:
        shape = sniff_csv(path)
        with path.open(encoding=shape.encoding, newline="") as handle:
            rows = list(csv.reader(handle, delimiter=shape.delimiter))
    except (FileShapeError, csv.Error, UnicodeDecodeError, OSError) as error:
        raise PriceFileError(f"{path.name}: not a readable mapping CSV ({error})") from None
    for line, row in enumerate(rows, 1):
        if not row or (line == 1 and [c.strip().lower() for c in row] == ["source", "target"]):
            continue
        if len(row) != 2:
            raise PriceFileError(f"{path.name} line {line}: expected 'source,target'.")
        raw, target = row[0].strip(), row[1].strip().lower()
        if target not in known:
            raise PriceFileError(
                f"{path.name} line {line}: {target!r} is not a WFP price "
                f"column ({', '.join(sorted(known))})."
            )
        source = raw if raw.startswith("=") else raw.lower()
        if not source.startswith("=") and "(" in source and not _DERIVED_DATE.match(source):
            raise PriceFileError(
                f"{path.name} line {line}: {raw!r} is neither a column, "
                "=CONSTANT nor date(year, month[, day])."
            )
        mapping[source] = target
    return mapping


#: The old WFP VAM layout (``adm0_id, adm0_name, … mp_month, mp_year, mp_price …``).
VAM_COLUMNS = (
    "adm0_name",
    "mkt_name",
    "cm_name",
    "cur_name",
    "pt_name",
    "um_name",
    "mp_month",
    "mp_year",
    "mp_price",
)
VAM_MAPPING = {
    "adm1_name": "admin1",
    "mkt_name": "market",
    "cm_name": "commodity",
    "cur_name": "currency",
    "pt_name": "pricetype",
    "um_name": "unit",
    "date(mp_year, mp_month)": "date",
    "mp_price": "price",
}
#: The HDX HAPI food-price layout (``location_code, … market_name, commodity_name, …``).
HAPI_COLUMNS = (
    "location_code",
    "market_name",
    "commodity_name",
    "currency_code",
    "unit",
    "price_type",
    "price",
    "reference_period_start",
)
HAPI_MAPPING = {
    "location_code": "countryiso3",
    "admin1_name": "admin1",
    "admin2_name": "admin2",
    "market_name": "market",
    "market_code": "market_id",
    "lat": "latitude",
    "lon": "longitude",
    "commodity_category": "category",
    "commodity_name": "commodity",
    "commodity_code": "commodity_id",
    "unit": "unit",
    "price_flag": "priceflag",
    "price_type": "pricetype",
    "currency_code": "currency",
    "price": "price",
    "reference_period_start": "date",
}


def _layout(header: list[str], mapping: dict[str, str] | None) -> tuple[str, dict[str, str]]:
    """The file's layout and its mapping (source spec → WFP column; empty: the HDX layout)."""
    if mapping:
        return "mapping", mapping
    if set(VAM_COLUMNS) <= set(header):
        return "vam", VAM_MAPPING
    if set(HAPI_COLUMNS) <= set(header):
        return "hapi", HAPI_MAPPING
    return "hdx", {}


def _expressions(header: list[str], mapping: dict[str, str]) -> dict[str, str]:
    """SQL (over the raw text columns) of every WFP column the file provides."""
    out: dict[str, str] = {}
    present = set(header)
    for name in header:
        target = mapping.get(name, name) if mapping else name
        if target in set(REQUIRED) | set(OPTIONAL) and target not in out:
            out[target] = _identifier(name)
    for source, target in mapping.items():
        if source.startswith("="):
            out[target] = _sql_quote(source[1:])
            continue
        match = _DERIVED_DATE.match(source)
        if match is None:
            continue
        parts = [part for part in match.groups() if part]
        absent = [part for part in parts if part not in present]
        if absent:
            raise PriceFileError(
                f"date({', '.join(parts)}): no column(s) {', '.join(absent)} in the file."
            )
        year, month = (_identifier(part) for part in parts[:2])
        day = _identifier(parts[2]) if len(parts) > 2 else "'15'"
        out[target] = (
            f"CASE WHEN try_cast(trim({year}) AS INTEGER) BETWEEN 1 AND 9999 "
            f"AND try_cast(trim({month}) AS INTEGER) BETWEEN 1 AND 12 "
            f"AND try_cast(trim({day}) AS INTEGER) BETWEEN 1 AND 31 "
            f"THEN printf('%04d-%02d-%02d', try_cast(trim({year}) AS INTEGER), "
            f"try_cast(trim({month}) AS INTEGER), try_cast(trim({day}) AS INTEGER)) "
            f"ELSE coalesce(trim({year}), '') || '-' || coalesce(trim({month}), '') "
            f"END"
        )
    return out


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for index, name in enumerate(names):
        name = name or f"column{index + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        else:
            seen[name] = 0
        out.append(name)
    return out


REFERENCE_FILES = {
    "markets": ("market_id", "market", "countryiso3", "latitude", "longitude"),
    "commodities": ("commodity_id", "category", "commodity"),
    "currencies": ("code", "name"),
}


def reference_kind(header: list[str]) -> str | None:
    """Which WFP reference table a header belongs to (markets, commodities, currencies)."""
    for kind, columns in REFERENCE_FILES.items():
        if set(columns) <= set(header) and "price" not in header:
            return kind
    return None


def ingest_reference(path: Path, analytics_dir: Path, kind: str) -> IngestReport:
    """Store a WFP markets/commodities/currencies file (validated: ids and codes present)."""
    con = duckdb.connect()
    try:
        frame = con.execute(
            f"SELECT * FROM read_csv({_sql_quote(str(path))}, all_varchar=true, header=true)"
        ).df()
    except duckdb.Error as error:
        first = " ".join(str(error).strip().splitlines()[:2])
        raise PriceFileError(
            f"{path.name}: not a well-formed CSV ({first}); nothing was written."
        ) from None
    finally:
        con.close()
    frame.columns = [c.strip().lower() for c in frame.columns]
    frame = frame[~frame.iloc[:, 0].astype(str).str.startswith("#")]
    problems = []
    for number, row in enumerate(frame.to_dict("records"), 2):
        for column in REFERENCE_FILES[kind]:
            if column in {"latitude", "longitude"}:
                continue
            if not str(row.get(column) or "").strip():
                problems.append(f"line {number}: {column} is empty")
    if problems:
        raise PriceFileError(
            f"{path.name}: {len(problems)} bad row(s); nothing was written.",
            problems[:MAX_REPORTED_ERRORS],
        )
    target_dir = analytics_dir / "prices" / "reference"
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"{kind}-{path.stem}.parquet"
    with atomic_write(target) as temporary:
        frame.to_parquet(temporary, index=False)
    countries = sorted(set(frame["countryiso3"])) if "countryiso3" in frame else []
    return IngestReport(path.name, len(frame), 0, countries, target)


#: A date this many years beyond the span of its file (5th–95th percentile) is implausible.
SPAN_MARGIN_YEARS = 5
#: A price this many times above (or below 1/this of) its series' median is implausible.
PRICE_RATIO = 10.0
#: DuckDB's buffer memory during an ingest (it spills to the staging folder beyond that).
MEMORY_LIMIT = "300MB"


def _connect(staging: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"SET memory_limit = {_sql_quote(MEMORY_LIMIT)}")
    con.execute(f"SET temp_directory = {_sql_quote(str(staging))}")
    con.execute("SET threads = 2")
    return con


def _countries_sql(con: duckdb.DuckDBPyConnection, column: str, raw: str) -> str:
    """SQL turning a column of country names (VAM ``adm0_name``) into ISO3 codes."""
    from iofs import countries

    names = [
        str(row[0])
        for row in con.execute(
            f"SELECT DISTINCT trim({column}) FROM {raw} WHERE {column} IS NOT NULL LIMIT 1000"
        ).fetchall()
    ]
    branches = " ".join(
        f"WHEN {_sql_quote(name)} THEN {_sql_quote(code)}"
        for name in names
        if (code := countries.lookup(name))
    )
    return f"CASE trim({column}) {branches} END" if branches else "NULL::VARCHAR"


def _csv_failure(path: Path, shape: CsvShape, fields: int, error: duckdb.Error) -> PriceFileError:
    sentence = find_bad_line(path, shape, fields)
    if sentence is None:
        first = " ".join(str(error).strip().splitlines()[:2])
        sentence = f"{path.name}: not a well-formed CSV ({first})"
    return PriceFileError(f"{sentence}; nothing was written.")


def ingest_file(
    path: Path,
    analytics_dir: Path,
    country: str | None = None,
    mapping: dict[str, str] | None = None,
) -> IngestReport:
    """Validate and store one price file (or a WFP reference file, recognised by its
    header); raise :class:`PriceFileError` naming bad rows.

    Layouts: HDX (WFP's ``countryiso3, date, … price, usdprice``, with or without the HXL
    row), the old VAM layout (``adm0_name, mkt_name, cm_name, … mp_month, mp_year,
    mp_price``) and the HDX HAPI food-price layout natively; any other CSV through
    ``mapping`` (see :func:`read_mapping`). The separator (``,`` ``;`` tab ``|``), line ends
    and encoding are detected. Implausible rows (see :data:`SPAN_MARGIN_YEARS`,
    :data:`PRICE_RATIO`) are stored with a ``warning`` and kept out of the signals until
    confirmed (:func:`confirm_warnings`). An observation (series and date) that another
    slice already holds is removed from that slice: the file ingested last wins, and the
    report counts the duplicates folded.
    """
    if not path.is_file():
        raise PriceFileError(f"{path} does not exist or is not a file.")
    remove_stale(analytics_dir / "prices", depth=2)
    try:
        shape = sniff_csv(path)
        parsed_header = read_csv_header(path, shape)
    except FileShapeError as error:
        raise PriceFileError(str(error)) from None
    raw_names = _unique([name.lower() for name in parsed_header.names])
    skip = parsed_header.skip
    layout, rules = _layout(raw_names, mapping)
    renamed = [rules.get(name, name) for name in raw_names]
    kind = reference_kind(renamed)
    if kind is not None and not mapping:
        return ingest_reference(path, analytics_dir, kind)
    exprs = _expressions(raw_names, rules)
    missing = [name for name in REQUIRED if name not in exprs]
    if missing:
        raise PriceFileError(
            f"{path.name}: missing column(s) {', '.join(missing)}; a WFP price "
            f"file has {', '.join(REQUIRED)} (or use the VAM or HAPI layout, "
            "or --mapping)."
        )
    staging = staging_dir(analytics_dir / "prices", "ingest")
    con = _connect(staging)
    try:
        return _ingest(
            con, path, analytics_dir, staging, shape, raw_names, skip, layout, exprs, country
        )
    except duckdb.Error as error:
        raise _csv_failure(path, shape, len(raw_names), error) from None
    finally:
        con.close()
        shutil.rmtree(staging, ignore_errors=True)


def _ingest(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    analytics_dir: Path,
    staging: Path,
    shape: CsvShape,
    raw_names: list[str],
    skip: int,
    layout: str,
    exprs: dict[str, str],
    country: str | None,
) -> IngestReport:
    encoding = {"utf-8-sig": "utf-8", "cp1252": "latin-1"}.get(shape.encoding, shape.encoding)
    columns = ", ".join(f"{_sql_quote(name)}: 'VARCHAR'" for name in raw_names)
    raw = (
        f"read_csv({_sql_quote(str(path))}, header=false, skip={skip}, "
        f"columns={{{columns}}}, delim={_sql_quote(shape.delimiter)}, quote='\"', "
        f"escape='\"', encoding={_sql_quote(encoding)}, parallel=false, "
        f"max_line_size=1048576)"
    )
    if country is not None:
        country_expr = _sql_quote(country.upper())
    elif "countryiso3" in exprs:
        country_expr = f"upper(trim({exprs['countryiso3']}))"
    elif layout == "vam":
        country_expr = _countries_sql(con, _identifier("adm0_name"), raw)
    else:
        match = COUNTRY_IN_NAME.search(path.name)
        if match is None:
            raise PriceFileError(
                f"{path.name}: no countryiso3 column and no country in the file "
                "name; give --country ISO3."
            )
        country_expr = _sql_quote(match.group(1).upper())
    opt = {name: exprs.get(name, "NULL") for name in OPTIONAL}
    req = {name: exprs[name] for name in REQUIRED}
    parsed = f"""SELECT
            {country_expr} AS country,
            try_strptime(left(trim({req["date"]}), 10), '%Y-%m-%d')::DATE AS date,
            nullif(trim({opt["admin1"]}), '') AS admin1,
            nullif(trim({opt["admin2"]}), '') AS admin2,
            nullif(trim({req["market"]}), '') AS market,
            nullif(trim({req["commodity"]}), '') AS commodity,
            nullif(trim({opt["category"]}), '') AS category,
            nullif(trim({req["unit"]}), '') AS unit,
            lower(nullif(trim({req["pricetype"]}), '')) AS price_type,
            upper(nullif(trim({req["currency"]}), '')) AS currency,
            try_cast(trim({req["price"]}) AS DOUBLE) AS price,
            try_cast(trim({opt["usdprice"]}) AS DOUBLE) AS usd_price,
            lower(coalesce(nullif(trim({opt["priceflag"]}), ''), 'actual')) AS price_flag,
            trim({req["date"]}) AS raw_date, trim({req["price"]}) AS raw_price
        FROM {raw}"""
    reason = """CASE
            WHEN country IS NULL OR NOT regexp_full_match(country, '[A-Z]{3}')
                THEN 'countryiso3 must be an ISO 3166-1 alpha-3 code'
            WHEN date IS NULL THEN 'date ' || coalesce('''' || raw_date || '''', 'missing')
                || ' is not YYYY-MM-DD'
            WHEN market IS NULL THEN 'market is empty'
            WHEN commodity IS NULL THEN 'commodity is empty'
            WHEN unit IS NULL THEN 'unit is empty'
            WHEN price_type IS NULL THEN 'pricetype is empty'
            WHEN currency IS NULL OR NOT regexp_full_match(currency, '[A-Z]{3}')
                THEN 'currency must be an ISO 4217 code'
            WHEN price IS NULL THEN 'price ' || coalesce('''' || raw_price || '''', 'missing')
                || ' is not a number'
            WHEN price < 0 OR isinf(price) OR isnan(price) THEN 'price must be a positive number'
            END"""
    # One streaming pass to validate (no line numbers: a window over every row would hold
    # the whole file in memory); only a bad file is read again for them.
    bad = con.execute(f"SELECT count(*) FROM ({parsed}) WHERE ({reason}) IS NOT NULL").fetchone()
    if bad and bad[0]:
        problems = [
            f"line {line}: {why}"
            for line, why in con.execute(f"""
            SELECT line, why FROM (SELECT row_number() OVER () + {skip} AS line, {reason} AS why
                                   FROM ({parsed}))
            WHERE why IS NOT NULL ORDER BY line LIMIT {MAX_REPORTED_ERRORS}
        """).fetchall()
        ]
        more = " (first 50 shown)" if bad[0] > MAX_REPORTED_ERRORS else ""
        raise PriceFileError(
            f"{path.name}: {bad[0]} bad row(s){more}; nothing was written.", problems
        )
    target_dir = store_dir(analytics_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"{path.stem}.parquet"
    source = _sql_quote(path.name)
    first = staging / "rows.parquet"
    con.execute(f"""
        COPY (SELECT country, admin1, admin2, market, commodity, category, unit, price_type,
                     currency, date, price, usd_price, price_flag, {source} AS source
              FROM ({parsed}))
        TO {_sql_quote(str(first))} (FORMAT parquet, COMPRESSION zstd)
    """)
    kill_point("prices:staged")
    rows_sql = f"read_parquet({_sql_quote(str(first))})"
    key = ", ".join(SERIES_KEY)
    # The file's span: from its 5th to its 95th percentile date, widened to the dates that
    # lie within the margin of it (a few stray dates cannot stretch it).
    span = con.execute(f"""
        WITH q AS (SELECT quantile_disc(date, 0.05) AS low, quantile_disc(date, 0.95) AS high
                   FROM {rows_sql})
        SELECT min(date), max(date) FROM {rows_sql}, q
        WHERE date BETWEEN low - INTERVAL {SPAN_MARGIN_YEARS} YEAR
                       AND high + INTERVAL {SPAN_MARGIN_YEARS} YEAR""").fetchone()
    low, high = span or (None, None)
    low_text = _sql_quote(str(low)) if low is not None else "NULL"
    high_text = _sql_quote(str(high)) if high is not None else "NULL"
    future = _sql_quote(str(date.today() + timedelta(days=31)))
    warning = f"""CASE
        WHEN r.date > {future}::DATE THEN 'dated ' || strftime(r.date, '%Y-%m-%d')
            || ', in the future'
        WHEN r.date < {low_text}::DATE - INTERVAL {SPAN_MARGIN_YEARS} YEAR
          OR r.date > {high_text}::DATE + INTERVAL {SPAN_MARGIN_YEARS} YEAR
            THEN 'dated ' || strftime(r.date, '%Y-%m-%d') || ', far outside the file''s span '
            || year({low_text}::DATE) || '–' || year({high_text}::DATE)
        WHEN m.median > 0 AND r.price >= {PRICE_RATIO} * m.median
            THEN 'price ' || r.price || ' is at least {PRICE_RATIO:g}× its series'' median '
            || m.median
        WHEN m.median > 0 AND r.price <= m.median / {PRICE_RATIO}
            THEN 'price ' || r.price || ' is at most 1/{PRICE_RATIO:g} of its series'' median '
            || m.median
        END"""
    keyed = " AND ".join(f"r.{k} IS NOT DISTINCT FROM m.{k}" for k in SERIES_KEY)
    staged = staging / "slice.parquet"
    con.execute(f"""
        COPY (WITH m AS (SELECT {key}, median(price) AS median FROM {rows_sql} GROUP BY ALL)
              SELECT r.*, {warning} AS warning, false AS confirmed
              FROM {rows_sql} r LEFT JOIN m ON {keyed}
              ORDER BY r.country, r.market, r.commodity, r.unit, r.price_type, r.currency,
                       r.date)
        TO {_sql_quote(str(staged))} (FORMAT parquet, COMPRESSION zstd)
    """)
    staged_sql = f"read_parquet({_sql_quote(str(staged))})"
    rows, series = con.execute(f"""
        SELECT count(*), count(DISTINCT ({key})) FROM {staged_sql}
    """).fetchone() or (0, 0)
    counted = con.execute(
        f"SELECT country, count(*) FROM {staged_sql} GROUP BY country ORDER BY 1"
    ).fetchall()
    warned = con.execute(f"""
        SELECT country, market, commodity, strftime(date, '%Y-%m-%d'), price, warning
        FROM {staged_sql} WHERE warning IS NOT NULL ORDER BY country, market, commodity, date
        LIMIT {MAX_REPORTED_ERRORS + 1}
    """).fetchall()
    warnings_total = con.execute(
        f"SELECT count(*) FROM {staged_sql} WHERE warning IS NOT NULL"
    ).fetchone()
    folds = _fold(con, staged_sql, target_dir, target, staging)
    kill_point("prices:before-commit")
    os.replace(staged, target)
    kill_point("prices:commit")
    for old, kept, _removed in folds:
        if kept is None:
            old.unlink(missing_ok=True)
        else:
            os.replace(kept, old)
    countries = [str(code) for code, _rows in counted]
    outside = [(str(code), int(n)) for code, n in counted if code not in oic_states()]
    return IngestReport(
        path.name,
        int(rows),
        int(series),
        countries,
        target,
        non_oic_rows=sum(n for _code, n in outside),
        non_oic_countries=[code for code, _n in outside],
        layout=layout,
        delimiter=shape.delimiter,
        newline=shape.newline,
        encoding=shape.encoding,
        duplicates_folded=sum(removed for _old, _kept, removed in folds),
        warning_count=int(warnings_total[0]) if warnings_total else 0,
        warnings=[
            f"{c} {m} {k} {d} price {p:g}: {w}" for c, m, k, d, p, w in warned[:MAX_REPORTED_ERRORS]
        ],
    )


#: What identifies a price series (with the date, an observation).
SERIES_KEY = (
    "country",
    "admin1",
    "admin2",
    "market",
    "commodity",
    "unit",
    "price_type",
    "currency",
)


def _fold(
    con: duckdb.DuckDBPyConnection, new_sql: str, folder: Path, target: Path, staging: Path
) -> list[tuple[Path, Path | None, int]]:
    """Rewrite (into ``staging``) every other slice without the observations (series and
    date) the new slice holds: (slice, its rewrite or None when left empty, rows removed)."""
    keys = ", ".join((*SERIES_KEY, "date"))
    on = " AND ".join(f"o.{k} IS NOT DISTINCT FROM n.{k}" for k in (*SERIES_KEY, "date"))
    out: list[tuple[Path, Path | None, int]] = []
    for old in visible_files(folder, "*.parquet"):
        if old == target:
            continue
        old_sql = f"read_parquet({_sql_quote(str(old))}, union_by_name = true)"
        row = con.execute(
            f"SELECT (SELECT count(*) FROM {old_sql}), count(*) FROM {old_sql} o "
            f"SEMI JOIN (SELECT DISTINCT {keys} FROM {new_sql}) n ON {on}"
        ).fetchone()
        total, removed = (int(row[0]), int(row[1])) if row else (0, 0)
        if not removed:
            continue
        kept: Path | None = None
        if removed < total:
            kept = staging / f"kept-{old.name}"
            con.execute(
                f"COPY (SELECT o.* FROM {old_sql} o ANTI JOIN "
                f"(SELECT DISTINCT {keys} FROM {new_sql}) n ON {on}) "
                f"TO {_sql_quote(str(kept))} (FORMAT parquet, COMPRESSION zstd)"
            )
        out.append((old, kept, removed))
    return out


def confirm_warnings(analytics_dir: Path, source: str) -> int:
    """Confirm the implausible rows of one ingested file (by file name or slice name): they
    enter the signals from now on. Returns how many rows were confirmed."""
    stem = Path(source).stem
    target = store_dir(analytics_dir) / f"{stem}.parquet"
    if not target.is_file():
        raise PriceFileError(f"{source}: no such price slice (see `iofs data list`).")
    con = duckdb.connect()
    try:
        sql = f"read_parquet({_sql_quote(str(target))}, union_by_name = true)"
        names = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {sql}").fetchall()]
        if "warning" not in names:
            return 0
        count = con.execute(
            f"SELECT count(*) FROM {sql} WHERE warning IS NOT NULL AND NOT confirmed"
        ).fetchone()
        if not count or not count[0]:
            return 0
        with atomic_write(target) as temporary:
            con.execute(
                f"COPY (SELECT * REPLACE (confirmed OR warning IS NOT NULL AS confirmed) "
                f"FROM {sql}) TO {_sql_quote(str(temporary))} "
                "(FORMAT parquet, COMPRESSION zstd)"
            )
        return int(count[0])
    finally:
        con.close()
