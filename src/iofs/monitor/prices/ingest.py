"""Ingest WFP market-price CSVs (HDX layout, with or without the HXL tag row) into Parquet.

The files are read by DuckDB as text, every row is validated in SQL, and only a file with no
bad row is written: to a temporary file, then renamed over the file's previous slice
(``prices/observations/<file name>.parquet``). Re-ingesting a file therefore replaces its own
rows and never duplicates them; a failed ingest leaves the store as it was.
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import duckdb

from iofs.errors import InputError

REQUIRED = ("date", "market", "commodity", "unit", "pricetype", "currency", "price")
OPTIONAL = ("countryiso3", "admin1", "admin2", "market_id", "latitude", "longitude",
            "category", "commodity_id", "priceflag", "usdprice")
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


@lru_cache(maxsize=1)
def oic_states() -> frozenset[str]:
    """ISO3 codes of the 57 OIC states (the members module's packaged reference)."""
    from iofs.members.service import reference_member_states

    return frozenset(row["iso3"] for row in reference_member_states())


def store_dir(analytics_dir: Path) -> Path:
    """Folder of the price observations (one Parquet file per ingested source file)."""
    return analytics_dir / "prices" / "observations"


def _header(path: Path) -> tuple[list[str], int]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        try:
            header = [name.strip().lower() for name in next(reader)]
        except StopIteration:
            raise PriceFileError(f"{path.name} is empty.") from None
        second = next(reader, [])
    skip = 2 if second and second[0].strip().startswith("#") else 1
    return header, skip


def _sql_quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def read_mapping(path: Path) -> dict[str, str]:
    """A column mapping file: CSV with ``source,target`` rows (target = a WFP column name)."""
    mapping: dict[str, str] = {}
    known = set(REQUIRED) | set(OPTIONAL)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for line, row in enumerate(csv.reader(handle), 1):
            if not row or (line == 1 and [c.strip().lower() for c in row] == ["source", "target"]):
                continue
            if len(row) != 2:
                raise PriceFileError(f"{path.name} line {line}: expected 'source,target'.")
            source, target = row[0].strip().lower(), row[1].strip().lower()
            if target not in known:
                raise PriceFileError(f"{path.name} line {line}: {target!r} is not a WFP price "
                                     f"column ({', '.join(sorted(known))}).")
            mapping[source] = target
    return mapping


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
    frame = con.execute(
        f"SELECT * FROM read_csv({_sql_quote(str(path))}, all_varchar=true, header=true)"  # noqa: S608
    ).df()
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
        raise PriceFileError(f"{path.name}: {len(problems)} bad row(s); nothing was written.",
                             problems[:MAX_REPORTED_ERRORS])
    target_dir = analytics_dir / "prices" / "reference"
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"{kind}-{path.stem}.parquet"
    temporary = target.with_suffix(f".tmp-{os.getpid()}")
    frame.to_parquet(temporary, index=False)
    os.replace(temporary, target)
    countries = sorted(set(frame["countryiso3"])) if "countryiso3" in frame else []
    return IngestReport(path.name, len(frame), 0, countries, target)


def ingest_file(path: Path, analytics_dir: Path, country: str | None = None,
                mapping: dict[str, str] | None = None) -> IngestReport:
    """Validate and store one WFP price file (or a WFP reference file, recognised by its
    header); raise :class:`PriceFileError` naming bad rows. ``mapping`` renames a generic
    CSV's columns to WFP names."""
    if not path.is_file():
        raise PriceFileError(f"{path} does not exist or is not a file.")
    header, skip = _header(path)
    if mapping:
        header = [mapping.get(name, name) for name in header]
    kind = reference_kind(header)
    if kind is not None and not mapping:
        return ingest_reference(path, analytics_dir, kind)
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise PriceFileError(f"{path.name}: missing column(s) {', '.join(missing)}; a WFP price "
                             f"file has {', '.join(REQUIRED)}.")
    if "countryiso3" not in header and country is None:
        match = COUNTRY_IN_NAME.search(path.name)
        if match is None:
            raise PriceFileError(f"{path.name}: no countryiso3 column and no country in the file "
                                 "name; give --country ISO3.")
        country = match.group(1).upper()
    con = duckdb.connect()
    columns = ", ".join(f"{_sql_quote(name)}: 'VARCHAR'" for name in header)
    con.execute(f"""
        CREATE TEMP VIEW raw AS
        SELECT row_number() OVER () + {skip} AS line, *
        FROM read_csv({_sql_quote(str(path))}, header=false, skip={skip},
                      columns={{{columns}}}, quote='"', escape='"', parallel=false)
    """)  # noqa: S608 - constant identifiers; paths and names enter as quoted literals
    country_expr = (_sql_quote(country.upper()) if country is not None
                    else "upper(trim(countryiso3))")
    opt = {name: (name if name in header else "NULL") for name in OPTIONAL}
    con.execute(f"""
        CREATE TEMP VIEW parsed AS SELECT line,
            {country_expr} AS country,
            try_strptime(trim(date), '%Y-%m-%d')::DATE AS date,
            nullif(trim({opt['admin1']}), '') AS admin1,
            nullif(trim({opt['admin2']}), '') AS admin2,
            nullif(trim(market), '') AS market,
            nullif(trim(commodity), '') AS commodity,
            nullif(trim({opt['category']}), '') AS category,
            nullif(trim(unit), '') AS unit,
            lower(nullif(trim(pricetype), '')) AS price_type,
            upper(nullif(trim(currency), '')) AS currency,
            try_cast(trim(price) AS DOUBLE) AS price,
            try_cast(trim({opt['usdprice']}) AS DOUBLE) AS usd_price,
            lower(coalesce(nullif(trim({opt['priceflag']}), ''), 'actual')) AS price_flag,
            trim(date) AS raw_date, trim(price) AS raw_price
        FROM raw
    """)  # noqa: S608 - constant identifiers; paths and names enter as quoted literals
    problems = [f"line {line}: {reason}" for line, reason in con.execute(f"""
        SELECT line, CASE
            WHEN country IS NULL OR NOT regexp_full_match(country, '[A-Z]{{3}}')
                THEN 'countryiso3 must be an ISO 3166-1 alpha-3 code'
            WHEN date IS NULL THEN 'date ' || coalesce('''' || raw_date || '''', 'missing')
                || ' is not YYYY-MM-DD'
            WHEN market IS NULL THEN 'market is empty'
            WHEN commodity IS NULL THEN 'commodity is empty'
            WHEN unit IS NULL THEN 'unit is empty'
            WHEN price_type IS NULL THEN 'pricetype is empty'
            WHEN currency IS NULL OR NOT regexp_full_match(currency, '[A-Z]{{3}}')
                THEN 'currency must be an ISO 4217 code'
            WHEN price IS NULL THEN 'price ' || coalesce('''' || raw_price || '''', 'missing')
                || ' is not a number'
            WHEN price < 0 OR isinf(price) OR isnan(price) THEN 'price must be a positive number'
            END AS reason
        FROM parsed WHERE reason IS NOT NULL ORDER BY line LIMIT {MAX_REPORTED_ERRORS + 1}
    """).fetchall()]  # noqa: S608 - constant identifiers; paths and names enter as quoted literals
    if problems:
        shown = problems[:MAX_REPORTED_ERRORS]
        more = " (first 50 shown)" if len(problems) > MAX_REPORTED_ERRORS else ""
        raise PriceFileError(f"{path.name}: {len(problems) if not more else 'over 50'} bad "
                             f"row(s){more}; nothing was written.", shown)
    target_dir = store_dir(analytics_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"{path.stem}.parquet"
    temporary = target.with_suffix(f".tmp-{os.getpid()}")
    source = _sql_quote(path.name)
    con.execute(f"""
        COPY (SELECT country, admin1, admin2, market, commodity, category, unit, price_type,
                     currency, date, price, usd_price, price_flag, {source} AS source
              FROM parsed ORDER BY country, market, commodity, unit, price_type, currency, date)
        TO {_sql_quote(str(temporary))} (FORMAT parquet, COMPRESSION zstd)
    """)  # noqa: S608 - constant identifiers; paths and names enter as quoted literals
    rows, series = con.execute(f"""
        SELECT count(*), count(DISTINCT (country, admin1, admin2, market, commodity, unit,
                                         price_type, currency))
        FROM read_parquet({_sql_quote(str(temporary))})
    """).fetchone() or (0, 0)  # noqa: S608 - constant identifiers; paths and names enter as quoted literals
    counted = con.execute(
        f"SELECT country, count(*) FROM read_parquet({_sql_quote(str(temporary))}) "  # noqa: S608
        "GROUP BY country ORDER BY 1").fetchall()
    con.close()
    os.replace(temporary, target)
    countries = [str(code) for code, _rows in counted]
    outside = [(str(code), int(n)) for code, n in counted if code not in oic_states()]
    return IngestReport(path.name, int(rows), int(series), countries, target,
                        non_oic_rows=sum(n for _code, n in outside),
                        non_oic_countries=[code for code, _n in outside])
