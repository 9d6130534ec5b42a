"""The FAOSTAT indicator suite: every indicator of :mod:`~iofs.monitor.faostat.definitions`
computed from the ingested FAOSTAT domains, for the 57 states and the OIC aggregates.

Every indicator is one long table with the columns ``area`` (ISO3 of a state, or ``OIC``,
``OIC-ARAB``, ``OIC-AFR``, ``OIC-ASIA``), ``indicator``, ``item`` (FAO item name or null),
``item_code``, ``year``, ``value``, ``unit``, ``source`` (``computed`` or ``faostat``) and
``flag``. What each indicator is and how it is computed is defined once, in
:data:`~iofs.monitor.faostat.definitions.INDICATORS`; this module prepares the tables those
computations read and runs them all in one query.

Speed: the suite never scans the full observations. It loads the per-slice *suite inputs*
(:mod:`iofs.monitor.faostat.store`: only the 57 states' rows of the elements and items used
here) into in-memory tables and computes every indicator from them.

OIC aggregates: additive quantities are summed over the states that report them, ratios
are then computed from the sums (so the OIC SSR counts intra-OIC trade as trade), and
per-capita supplies are population-weighted (FBS element 511, 1000 persons) over the states
with both values. When two ingested slices hold the same observation, the slice whose source
name sorts last wins.
"""
# ruff: noqa: S608 - SQL is assembled from quoted identifiers and quoted literals; no user text

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from iofs.monitor.faostat import store
from iofs.monitor.faostat.areas import OIC_GROUPS, OIC_TOTAL, oic_states
from iofs.monitor.faostat.definitions import FS_ITEMS, INDICATORS
from iofs.monitor.faostat.sql import enum_type, literal, parquet_list

COLUMNS = ["area", "indicator", "item_code", "item", "year", "value", "unit", "source", "flag"]


def _members_table(con: duckdb.DuckDBPyConnection) -> None:
    rows = [(s.iso3, s.iso3) for s in oic_states()]
    rows += [(s.iso3, OIC_TOTAL) for s in oic_states()]
    rows += [(s.iso3, OIC_GROUPS[s.group]) for s in oic_states() if s.group in OIC_GROUPS]
    con.execute("CREATE TEMP TABLE members (iso3 VARCHAR, area VARCHAR)")
    con.executemany("INSERT INTO members VALUES (?, ?)", rows)


def _suite_query(
    con: duckdb.DuckDBPyConnection, analytics_dir: Path, all_countries: bool
) -> str | None:
    """Load the suite's inputs into temp tables of ``con``; return the query of all
    indicators (:data:`COLUMNS`, sorted), or None when nothing is ingested."""
    con.execute("SET memory_limit = '1GB'")
    _members_table(con)
    if all_countries:
        files = store.slice_files(analytics_dir)
        if not files:
            return None
        con.execute(
            f"INSERT INTO members SELECT DISTINCT iso3, iso3 FROM {parquet_list(files)} "
            f"WHERE area_kind = 'country' AND iso3 NOT IN (SELECT iso3 FROM members)"
        )
        where = "area_kind = 'country' AND iso3 IN (SELECT DISTINCT iso3 FROM members)"
        by_domain = {d: [f for f in files if f.parent.name == d] for d in store.SUITE_ROWS}
        fbs_inputs: list[Path] = []
        # Pivoted straight from the store (no per-slice step): one row per state, item, year.
        fbs_sql = (
            f"SELECT iso3, item_code, any_value(item) AS item, year, {store.FBS_PIVOT}, "
            f"max(source) FILTER (WHERE element_code = 511 AND item_code IN "
            f"(2501, 3010)) AS pop_source FROM {parquet_list(by_domain['FBS'])} "
            f"WHERE {where} AND ({store.SUITE_ROWS['FBS']}) "
            f"GROUP BY iso3, item_code, year"
            if by_domain["FBS"]
            else None
        )
        long = [
            store.suite_rows_sql(parquet_list(paths), d, where)
            for d, paths in by_domain.items()
            if paths and d != "FBS"
        ]
    else:
        inputs = store.suite_inputs(analytics_dir)
        if not inputs:
            return None
        fbs_inputs = [p for p in inputs if p.parent.name == "FBS"]
        fbs_sql = None
        others = [p for p in inputs if p.parent.name != "FBS"]
        long = [f"SELECT {store.SUITE_COLUMNS} FROM {parquet_list(others)}"] if others else []
    empty_long = (
        "SELECT NULL::VARCHAR AS domain, NULL::VARCHAR AS iso3, "
        "NULL::INTEGER AS item_code, NULL::VARCHAR AS item, "
        "NULL::INTEGER AS element_code, NULL::INTEGER AS year, "
        "NULL::INTEGER AS year_end, NULL::DOUBLE AS value, NULL::VARCHAR AS unit, "
        "NULL::VARCHAR AS flag, NULL::VARCHAR AS source, "
        "NULL::VARCHAR AS partner_iso3, NULL::VARCHAR AS partner_kind WHERE false"
    )
    con.execute("CREATE TEMP TABLE obs AS " + " UNION ALL ".join(long or [empty_long]))
    if (
        fbs_sql is None
        and len(fbs_inputs) == 1
        and len(set(store.oic_codes().values())) == len(store.oic_codes())
    ):
        # A single slice's input already has one row per state, item and year.
        fbs_sql = (
            f"SELECT * EXCLUDE (source), CASE WHEN pop IS NOT NULL THEN source END "
            f"AS pop_source FROM read_parquet({literal(fbs_inputs[0])})"
        )
    if fbs_sql is None:
        # One row per state, item and year; where slices overlap, the one sorting last wins.
        # Inputs ranked by source name (integer ranks: arg_max on text is ~3x slower).
        fbs_inputs.sort(key=lambda p: p.stem)
        ranked = " UNION ALL ".join(
            f"SELECT *, {rank} AS rank FROM read_parquet({literal(p)})"
            for rank, p in enumerate(fbs_inputs)
        )
        merged = ", ".join(
            [
                f"arg_max({n}, rank) FILTER (WHERE {n} IS NOT NULL) AS {n}"
                for n in [*store.FBS_ELEMENTS, "pop"]
            ]
            + ["arg_max(source, rank) FILTER (WHERE pop IS NOT NULL) AS pop_source"]
        )
        fbs_sql = (
            f"SELECT iso3, item_code, arg_max(item, rank) AS item, year, {merged} "
            f"FROM ({ranked}) GROUP BY iso3, item_code, year"
            if fbs_inputs
            else "SELECT NULL::VARCHAR AS iso3, NULL::INTEGER AS item_code, "
            "NULL::VARCHAR AS item, NULL::INTEGER AS year, "
            + ", ".join(f"NULL::DOUBLE AS {n}" for n in [*store.FBS_ELEMENTS, "pop"])
            + ", NULL::VARCHAR AS pop_source WHERE false"
        )
    con.execute(f"CREATE TEMP TABLE fbs AS {fbs_sql}")
    con.execute("""
        CREATE TEMP TABLE pop AS
        SELECT iso3, year, arg_max(pop, source) AS pop FROM (
            SELECT iso3, year, pop, pop_source AS source FROM fbs WHERE pop IS NOT NULL
            UNION ALL
            SELECT iso3, year, value, source FROM obs
            WHERE domain = 'OA' AND element_code = 511 AND item_code IN (2501, 3010)
            AND year = year_end)
        GROUP BY iso3, year""")
    # Per area (state or aggregate): quantities summed, per-capita values weighted by
    # population over the states that have both.
    # A state's own row is its fbs row (one per item and year); only the four aggregates
    # are grouped (half the rows of grouping every membership).
    con.execute("""
        CREATE TEMP TABLE fbs_area AS
        WITH fp AS (SELECT f.*, p.pop AS wpop FROM fbs f LEFT JOIN pop p USING (iso3, year))
        SELECT iso3 AS area, item_code, item, year, prod, imp, exp, 1::BIGINT AS states,
               (wpop IS NOT NULL AND kcal IS NOT NULL)::BIGINT AS wstates, kcal, prot, fat
        FROM fp WHERE iso3 IN (SELECT area FROM members WHERE area = iso3)
        UNION ALL
        SELECT m.area, fp.item_code, any_value(fp.item) AS item, fp.year,
               sum(fp.prod) AS prod, sum(fp.imp) AS imp, sum(fp.exp) AS exp,
               count(*) AS states,
               count(fp.wpop) FILTER (WHERE fp.kcal IS NOT NULL) AS wstates,
               CASE WHEN count(*) = 1 THEN any_value(fp.kcal)
                    ELSE sum(fp.kcal * fp.wpop) / sum(fp.wpop) FILTER (WHERE fp.kcal IS NOT NULL)
                    END AS kcal,
               CASE WHEN count(*) = 1 THEN any_value(fp.prot)
                    ELSE sum(fp.prot * fp.wpop) / sum(fp.wpop) FILTER (WHERE fp.prot IS NOT NULL)
                    END AS prot,
               CASE WHEN count(*) = 1 THEN any_value(fp.fat)
                    ELSE sum(fp.fat * fp.wpop) / sum(fp.wpop) FILTER (WHERE fp.fat IS NOT NULL)
                    END AS fat
        FROM fp JOIN members m ON m.iso3 = fp.iso3 AND m.area <> m.iso3
        GROUP BY m.area, fp.item_code, fp.year""")
    parts = [part for ind in INDICATORS.values() for part in ind.sql()]
    # FAO's published values (domain FS) of the indicators that name an FS item.
    fs_case = " ".join(f"WHEN {code} THEN '{name}'" for code, name in FS_ITEMS.items())
    parts.append(f"""
        SELECT iso3, CASE item_code {fs_case} END, item_code, item,
               (year + year_end) // 2, value, unit, 'faostat', flag
        FROM obs WHERE domain = 'FS' AND item_code IN ({", ".join(map(str, FS_ITEMS))})
        AND value IS NOT NULL""")
    query = " UNION ALL ".join(f"({p})" for p in parts)
    # Areas, indicators and sources as ENUMs declared in sorted order: the sort is then on
    # integers and Parquet writes them as dictionaries without hashing every value.
    areas = sorted(
        str(row[0]) for row in con.execute("SELECT DISTINCT area FROM members").fetchall()
    )
    enums = {
        "area": enum_type(areas),
        "indicator": enum_type(sorted(INDICATORS)),
        "source": enum_type(["computed", "faostat"]),
    }
    names = ", ".join(
        f"#{i}::{enums[name]} AS {name}" if name in enums else f"#{i} AS {name}"
        for i, name in enumerate(COLUMNS, 1)
    )
    return f"SELECT {names} FROM ({query}) ORDER BY 1, 2, 3, 5"


def _frame(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.reindex(columns=COLUMNS)
    frame["item_code"] = frame["item_code"].astype("Int64")
    frame["year"] = frame["year"].astype("int64")
    return frame


def compute_suite(analytics_dir: Path, all_countries: bool = False) -> pd.DataFrame:
    """Every indicator for the 57 states (or all countries) and the OIC aggregates.

    Returns a DataFrame with :data:`COLUMNS`; empty when nothing is ingested.
    """
    con = duckdb.connect()
    try:
        query = _suite_query(con, analytics_dir, all_countries)
        if query is None:
            return pd.DataFrame(columns=COLUMNS)
        text = ", ".join(
            f"{c}::VARCHAR AS {c}" if c in ("area", "indicator", "source") else c for c in COLUMNS
        )
        return _frame(con.execute(f"SELECT {text} FROM ({query})").df())
    finally:
        con.close()


def build_cache(analytics_dir: Path) -> Path:
    """Compute the suite (57 states and OIC aggregates) straight into the indicator cache
    (written by DuckDB, atomically replaced); return its path."""
    target = store.cache_path(analytics_dir)
    con = duckdb.connect()
    try:
        with store.replaced_atomically(target) as tmp:
            query = _suite_query(con, analytics_dir, all_countries=False)
            if query is None:
                pd.DataFrame(columns=COLUMNS).astype(
                    {"item_code": "Int64", "year": "int64"}
                ).to_parquet(tmp, index=False)
            else:
                con.execute(f"COPY ({query}) TO {literal(tmp)} (FORMAT parquet, COMPRESSION zstd)")
    finally:
        con.close()
    return target


def read_cache(analytics_dir: Path) -> pd.DataFrame:
    """The cached indicator table (built first when missing)."""
    path = store.cache_path(analytics_dir)
    if not path.exists():
        build_cache(analytics_dir)
    return _frame(pd.read_parquet(path))


def food_balance_identity(analytics_dir: Path, tolerance: float = 1.0) -> pd.DataFrame:
    """Check production + imports − exports − stock variation = domestic supply per FBS row.

    FAO FBS (2010- methodology): domestic supply = production + imports − exports − stock
    variation, with stock variation positive when stocks are built up (the real files close
    with this sign, not with "+"). The check is run with both signs, and the sum of the
    utilisations (food, feed, seed, losses, processing, other uses, tourist consumption,
    residuals) is compared with domestic supply. Returns one row per check: (state, item,
    year) rows checked, rows closing within ``tolerance`` (1000 tonnes), share (percent).
    """
    source = store.observations_sql(analytics_dir)
    if source is None:
        return pd.DataFrame(columns=["convention", "rows", "closing", "share"])
    con = duckdb.connect()
    frame = con.execute(f"""
        WITH f AS (
          SELECT iso3, item_code, year,
            arg_max(value, source) FILTER (WHERE element_code = 5511) AS prod,
            arg_max(value, source) FILTER (WHERE element_code = 5611) AS imp,
            arg_max(value, source) FILTER (WHERE element_code = 5911) AS exp,
            arg_max(value, source) FILTER (WHERE element_code = 5072) AS stock,
            arg_max(value, source) FILTER (WHERE element_code = 5301) AS dom,
            sum(value) FILTER (WHERE element_code IN (5521, 5527, 5123, 5131, 5154, 5171,
                                                       5170, 5142)) AS uses
          FROM {source} WHERE domain = 'FBS' AND area_kind = 'country'
          GROUP BY iso3, item_code, year)
        SELECT 'P + I - E - S = domestic supply' AS convention, count(*) AS rows,
               count(*) FILTER (WHERE abs(coalesce(prod,0) + coalesce(imp,0) - coalesce(exp,0)
                                - coalesce(stock,0) - dom) <= {tolerance}) AS closing
        FROM f WHERE dom IS NOT NULL
        UNION ALL
        SELECT 'P + I - E + S = domestic supply', count(*),
               count(*) FILTER (WHERE abs(coalesce(prod,0) + coalesce(imp,0) - coalesce(exp,0)
                                + coalesce(stock,0) - dom) <= {tolerance})
        FROM f WHERE dom IS NOT NULL
        UNION ALL
        SELECT 'sum of utilisations = domestic supply', count(*),
               count(*) FILTER (WHERE abs(coalesce(uses, 0) - dom) <= {tolerance})
        FROM f WHERE dom IS NOT NULL""").df()
    con.close()
    frame["share"] = (100 * frame["closing"] / frame["rows"].where(frame["rows"] > 0)).round(2)
    return frame
