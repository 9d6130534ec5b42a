"""The FAOSTAT part of the analytics store: where each file lives, and how it is read and written.

Under ``<analytics_dir>/faostat/``:

``observations/<DOMAIN>/<source>.parquet`` (+ ``.json`` manifest)
    one *slice* per ingested file, written by :mod:`iofs.monitor.faostat.ingest`.
``suite-input/v<N>/<DOMAIN>/<source>.parquet``
    per slice, the few rows the indicator suite reads (:data:`SUITE_ROWS`, the 57 states
    only), written at ingest beside the slice so that the suite never scans the whole
    store; a missing or stale one (a store written by an older version) is rebuilt on first
    use (:func:`suite_inputs`).
``indicators.parquet``
    the computed indicator table (:mod:`iofs.monitor.faostat.indicators`), dropped by every
    ingest and rebuilt on first use.

The ingest and the indicator suite both import this module; neither imports the other.
"""
# ruff: noqa: S608 - SQL is assembled from quoted identifiers and quoted literals; no user text

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd

from iofs.analytics_store.duckdb_cursor import duckdb_cursor
from iofs.ingest_files import atomic_write, visible_files
from iofs.monitor.faostat.areas import areas, oic_states
from iofs.monitor.faostat.definitions import FS_ITEMS
from iofs.monitor.faostat.sql import literal, parquet_list

# --------------------------------------------------------------------------- observations


def faostat_dir(analytics_dir: Path) -> Path:
    """The FAOSTAT folder of the analytics store."""
    return analytics_dir / "faostat"


def store_dir(analytics_dir: Path) -> Path:
    """Directory of the FAOSTAT observations (one sub-folder per domain)."""
    return faostat_dir(analytics_dir) / "observations"


def slice_path(analytics_dir: Path, domain: str, source: str) -> Path:
    """The Parquet slice of one ingested file (its manifest: ``.json`` beside it)."""
    return store_dir(analytics_dir) / domain / f"{source}.parquet"


def slice_files(analytics_dir: Path, domain: str | None = None) -> list[Path]:
    """Every slice (of one domain, or of all), sorted by path; never a file of a running or
    killed ingest (hidden names, see :mod:`iofs.ingest_files`)."""
    pattern = f"{domain}/*.parquet" if domain is not None else "*/*.parquet"
    return visible_files(store_dir(analytics_dir), pattern)


def observations_sql(analytics_dir: Path) -> str | None:
    """A ``read_parquet`` of every slice as one table, or None when nothing is ingested."""
    files = slice_files(analytics_dir)
    return parquet_list(files) if files else None


def slices(analytics_dir: Path) -> list[dict[str, object]]:
    """The manifests of every ingested slice (domain, source, rows, years …)."""
    out: list[dict[str, object]] = []
    for manifest in visible_files(store_dir(analytics_dir), "*/*.json"):
        out.append(json.loads(manifest.read_text(encoding="utf-8")))
    return out


def read_series(
    analytics_dir: Path, iso3: str, domain: str, element_code: int, item_codes: tuple[int, ...]
) -> pd.DataFrame:
    """Single-year observations of one area in one domain: year, item, value, unit, flag.

    Where slices overlap, the slice whose source sorts last wins.
    """
    files = slice_files(analytics_dir, domain)
    if not files:
        return pd.DataFrame(columns=["year", "item", "value", "unit", "flag"])
    items = ", ".join(str(i) for i in item_codes)
    with duckdb_cursor() as con:
        frame = con.execute(
            f"SELECT year, any_value(item) AS item, arg_max(value, source) AS value, "
            f"any_value(unit) AS unit, arg_max(flag, source) AS flag "
            f"FROM {parquet_list(files)} WHERE iso3 = ? "
            f"AND element_code = ? AND item_code IN ({items}) AND year = year_end "
            f"GROUP BY year, item_code ORDER BY year",
            [iso3, element_code],
        ).df()
    return frame


def read_series_of_areas(
    analytics_dir: Path,
    iso3s: tuple[str, ...],
    domain: str,
    element_codes: tuple[int, ...],
    item_codes: tuple[int, ...],
) -> pd.DataFrame:
    """Single-year observations of several areas and elements in one query: iso3, element,
    year, item, value, unit, flag (overlapping slices resolved as :func:`read_series` does)."""
    columns = ["iso3", "element", "year", "item", "value", "unit", "flag"]
    files = slice_files(analytics_dir, domain)
    if not files or not iso3s or not element_codes or not item_codes:
        return pd.DataFrame(columns=columns)
    items = ", ".join(str(int(i)) for i in item_codes)
    elements = ", ".join(str(int(e)) for e in element_codes)
    places = ", ".join("?" for _ in iso3s)
    with duckdb_cursor() as con:
        frame = con.execute(
            f"SELECT iso3, element_code AS element, year, any_value(item) AS item, "
            f"arg_max(value, source) AS value, any_value(unit) AS unit, "
            f"arg_max(flag, source) AS flag "
            f"FROM {parquet_list(files)} WHERE iso3 IN ({places}) "
            f"AND element_code IN ({elements}) AND item_code IN ({items}) AND year = year_end "
            f"GROUP BY iso3, element_code, year, item_code ORDER BY iso3, element_code, year",
            list(iso3s),
        ).df()
    return frame


#: A hidden temporary path beside a target, renamed over it once written (readers never
#: see it; a killed run's is removed by the next ingest).
replaced_atomically = atomic_write


# --------------------------------------------------------------------------- suite inputs

#: FBS elements the suite reads, by the column name they get in the FBS suite input.
FBS_ELEMENTS = {
    "prod": 5511,
    "imp": 5611,
    "exp": 5911,
    "stock": 5072,
    "dom": 5301,
    "kcal": 664,
    "prot": 674,
    "fat": 684,
}

#: Per domain, the rows the suite reads (SQL over the store's columns); other domains: none.
SUITE_ROWS: dict[str, str] = {
    "FBS": (
        f"element_code IN ({', '.join(str(c) for c in FBS_ELEMENTS.values())}, 511) "
        f"AND year = year_end"
    ),
    "OA": "element_code = 511 AND item_code IN (2501, 3010) AND year = year_end",
    "QCL": "element_code = 5510 AND year = year_end",
    "QV": "element_code = 57 AND year = year_end",
    "TCL": "element_code IN (5922, 5622) AND year = year_end",
    "TM": "element_code = 5922 AND value > 0 AND partner_kind = 'country'",
    "FS": f"item_code IN ({', '.join(map(str, FS_ITEMS))})",
}

#: Columns of a long suite input (every domain but FBS) and of the suite's ``obs`` table.
SUITE_COLUMNS = (
    "domain, iso3, item_code, item, element_code, year, year_end, value, unit, "
    "flag, source, partner_iso3, partner_kind"
)

#: The FBS suite input is one row per state, item and year with a column per element. Within
#: one slice (one source) a plain max() is enough, far cheaper than arg_max over the source.
_FBS_SLICE_PIVOT = ", ".join(
    [
        f"max(CASE WHEN element_code = {code} THEN value END) AS {name}"
        for name, code in FBS_ELEMENTS.items()
    ]
    + ["max(CASE WHEN element_code = 511 AND item_code IN (2501, 3010) THEN value END) AS pop"]
)
#: The same over several slices: the slice whose source sorts last wins.
FBS_PIVOT = ", ".join(
    [
        f"arg_max(value, source) FILTER (WHERE element_code = {code}) AS {name}"
        for name, code in FBS_ELEMENTS.items()
    ]
    + [
        "arg_max(value, source) FILTER (WHERE element_code = 511 "
        "AND item_code IN (2501, 3010)) AS pop"
    ]
)


#: Bumped whenever the suite inputs change shape: older ones are then rebuilt, not misread.
SUITE_INPUT_VERSION = 3


def suite_input_dir(analytics_dir: Path) -> Path:
    """Where the per-slice suite inputs are kept (one sub-folder per domain)."""
    return faostat_dir(analytics_dir) / "suite-input" / f"v{SUITE_INPUT_VERSION}"


def suite_input_path(analytics_dir: Path, domain: str, source: str) -> Path:
    """The suite input of one slice."""
    return suite_input_dir(analytics_dir) / domain / f"{source}.parquet"


def suite_rows_sql(source: str, domain: str, where: str) -> str:
    """The suite's rows of ``domain`` (long form; FBS is pivoted by :func:`_fbs_slice_sql`)."""
    rows = SUITE_ROWS.get(domain, "false")  # a domain no indicator reads: no suite rows
    return f"SELECT {SUITE_COLUMNS} FROM {source} WHERE {where} AND ({rows})"


def oic_codes() -> dict[int, str]:
    """FAO area code → ISO3 of the 57 states, as the ingest maps them (kind ``country``)."""
    members = {s.iso3 for s in oic_states()}
    return {a.fao_code: a.iso3 for a in areas() if a.iso3 in members and a.kind == "country"}


def _oic_rows() -> str:
    """Rows of the 57 states (``area_kind = 'country' AND iso3 IN (…)``, on integer codes)."""
    return f"area_code IN ({', '.join(map(str, sorted(oic_codes())))})"


def _fbs_slice_sql(source: str, slice_source: str) -> str:
    """The FBS suite input of one slice: one row per state, item and year, a column per
    element. Grouped on integer codes only (text keys or any_value() on text cost ~3x);
    ISO3 and item names are joined on afterwards from two small tables."""
    codes = oic_codes()
    states = ", ".join(f"({code}, '{iso3}')" for code, iso3 in sorted(codes.items()))
    rows = f"{_oic_rows()} AND ({SUITE_ROWS['FBS']})"
    return (
        f"WITH p AS (SELECT area_code, item_code, year, {_FBS_SLICE_PIVOT} FROM {source} "
        f"WHERE {rows} GROUP BY area_code, item_code, year), "
        f"n AS (SELECT item_code, min(item) AS item FROM {source} WHERE {rows} "
        f"GROUP BY item_code), "
        f"s(area_code, iso3) AS (VALUES {states}) "
        f"SELECT s.iso3, p.item_code, n.item, p.year, {literal(slice_source)} AS source, "
        f"p.* EXCLUDE (area_code, item_code, year) "
        f"FROM p JOIN s USING (area_code) LEFT JOIN n USING (item_code)"
    )


def write_suite_input(
    slice_file: Path, domain: str, target: Path, con: duckdb.DuckDBPyConnection | None = None
) -> None:
    """Write the rows of one slice that the suite needs (OIC states only) to ``target``."""
    own = con is None
    if con is None:
        con = duckdb.connect()
        con.execute("SET memory_limit = '400MB'")
        con.execute("SET preserve_insertion_order = false")
    try:
        source = f"read_parquet({literal(slice_file)})"
        if domain == "FBS":
            sql = _fbs_slice_sql(source, slice_file.stem)
        else:
            sql = suite_rows_sql(source, domain, f"{_oic_rows()} AND area_kind = 'country'")
        con.execute(f"COPY ({sql}) TO {literal(target)} (FORMAT parquet, COMPRESSION zstd)")
    finally:
        if own:
            con.close()


def suite_inputs(analytics_dir: Path) -> list[Path]:
    """The suite input of every slice, (re)built where missing or older than its slice."""
    inputs = []
    for slice_file in slice_files(analytics_dir):
        domain = slice_file.parent.name
        target = suite_input_path(analytics_dir, domain, slice_file.stem)
        if not target.exists() or target.stat().st_mtime < slice_file.stat().st_mtime:
            with replaced_atomically(target) as tmp:
                write_suite_input(slice_file, domain, tmp)
        inputs.append(target)
    return inputs


# --------------------------------------------------------------------------- indicator cache


def cache_path(analytics_dir: Path) -> Path:
    """Where the computed indicator table is kept (rebuilt after every ingest)."""
    return faostat_dir(analytics_dir) / "indicators.parquet"


def drop_cache(analytics_dir: Path) -> None:
    """Remove the indicator table (the next read rebuilds it)."""
    cache_path(analytics_dir).unlink(missing_ok=True)
