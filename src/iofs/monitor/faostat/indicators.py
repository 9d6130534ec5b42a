"""FAO food-security indicators computed from the ingested FAOSTAT domains.

Every indicator is one long table with the columns ``area`` (ISO3 of a state, or ``OIC``,
``OIC-ARAB``, ``OIC-AFR``, ``OIC-ASIA``), ``indicator``, ``item`` (FAO item name or null),
``item_code``, ``year``, ``value``, ``unit``, ``source`` (``computed`` or ``faostat``) and
``flag``. Definitions (FAO, *Food Balance Sheets: A Handbook*, Rome 2001, ch. 4 and the
FAOSTAT Food Security indicators metadata, domain FS):

``self_sufficiency_ratio``  (percent)
    SSR = production × 100 / (production + imports − exports), per FBS item and item group.
``import_dependency_ratio``  (percent)
    IDR = imports × 100 / (production + imports − exports), per FBS item and item group.
``cereal_import_dependency_ratio``  (percent, 3-year average)
    (cereal imports − cereal exports) × 100 / (cereal production + cereal imports − cereal
    exports), cereals = FBS group 2905 "Cereals - Excluding Beer". FAO publishes it as a
    3-year average; here the quantities are averaged over years t−1, t, t+1 (all three
    required) and the ratio is labelled with the central year t (FAO's "2010-2012" → 2011).
``dietary_energy_supply``  (kcal/capita/day)
    FBS element 664 on "Grand Total" (2901, ``faostat``); computed = vegetal (2903) + animal
    products (2941).
``protein_supply``, ``fat_supply``  (g/capita/day)
    FBS elements 674 and 684, same sources as the energy supply.
``animal_protein_supply`` (g/capita/day)
    element 674 on "Animal Products" (2941).
``dietary_energy_share_cereals_roots``  (percent)
    kcal from cereals (2905) and starchy roots (2907) × 100 / total kcal.
``production_quantity`` (tonnes, QCL element 5510), ``production_value`` (QV element 57,
1000 US$), ``export_value`` / ``import_value`` (TCL elements 5922 / 5622, 1000 US$)
``export_destinations`` (count)
    number of partner *countries* (aggregates excluded) with a positive export value
    (TM element 5922) in the detailed trade matrix, all items.

Speed: the suite never scans the full observations. At ingest, each slice gets a small
*suite input* beside the store (``faostat/suite-input/v3/<DOMAIN>/<source>.parquet``): only the
57 states' rows of the elements and items used here (:data:`SUITE_ROWS`). The suite loads
those into one in-memory table and computes every indicator from it; a missing or stale
suite input (a store written by an older version) is rebuilt on first use.

OIC aggregates: additive quantities are summed over the states that report them, ratios
are then computed from the sums (so the OIC SSR counts intra-OIC trade as trade), and
per-capita supplies are population-weighted (FBS element 511, 1000 persons) over the states
with both values. When two ingested slices hold the same observation, the slice whose source
name sorts last wins.
"""
# ruff: noqa: S608 - SQL is assembled from quoted identifiers and quoted literals; no user text

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import duckdb
import pandas as pd

from iofs.monitor.faostat.areas import OIC_GROUPS, OIC_TOTAL, areas, oic_states
from iofs.monitor.faostat.ingest import store_dir

#: indicator → (unit, English description)
INDICATORS: dict[str, tuple[str, str]] = {
    "self_sufficiency_ratio": ("%", "production × 100 / (production + imports − exports)"),
    "import_dependency_ratio": ("%", "imports × 100 / (production + imports − exports)"),
    "cereal_import_dependency_ratio": (
        "%", "(cereal imports − exports) × 100 / (production + imports − exports), "
             "3-year average"),
    "dietary_energy_supply": ("kcal/capita/day", "food supply in kilocalories"),
    "protein_supply": ("g/capita/day", "protein supply quantity"),
    "fat_supply": ("g/capita/day", "fat supply quantity"),
    "animal_protein_supply": ("g/capita/day", "protein supply from animal products"),
    "dietary_energy_share_cereals_roots": (
        "%", "share of dietary energy supply from cereals, roots and tubers"),
    "production_quantity": ("t", "production quantity"),
    "production_value": ("1000 USD", "gross production value, current US$"),
    "export_value": ("1000 USD", "export value"),
    "import_value": ("1000 USD", "import value"),
    "export_destinations": ("countries", "partner countries with exports"),
    "dietary_energy_supply_adequacy": ("%", "FAO, 3-year average"),
    "prevalence_of_undernourishment": ("%", "FAO, 3-year average"),
    "food_imports_share_of_merchandise_exports": ("%", "FAO, 3-year average"),
}

#: FAOSTAT Food Security (FS) items published beside the computed indicators.
FS_ITEMS: dict[int, str] = {
    21035: "cereal_import_dependency_ratio",
    21013: "protein_supply",
    21014: "animal_protein_supply",
    21012: "dietary_energy_share_cereals_roots",
    21010: "dietary_energy_supply_adequacy",
    210041: "prevalence_of_undernourishment",
    21033: "food_imports_share_of_merchandise_exports",
}

COLUMNS = ["area", "indicator", "item_code", "item", "year", "value", "unit", "source",
           "flag"]

_FBS_ELEMENTS = {
    "prod": 5511, "imp": 5611, "exp": 5911, "stock": 5072, "dom": 5301, "kcal": 664,
    "prot": 674, "fat": 684,
}


#: Per domain, the rows the suite reads (SQL over the store's columns); other domains: none.
SUITE_ROWS: dict[str, str] = {
    "FBS": (f"element_code IN ({', '.join(str(c) for c in _FBS_ELEMENTS.values())}, 511) "
            f"AND year = year_end"),
    "OA": "element_code = 511 AND item_code IN (2501, 3010) AND year = year_end",
    "QCL": "element_code = 5510 AND year = year_end",
    "QV": "element_code = 57 AND year = year_end",
    "TCL": "element_code IN (5922, 5622) AND year = year_end",
    "TM": "element_code = 5922 AND value > 0 AND partner_kind = 'country'",
    "FS": f"item_code IN ({', '.join(map(str, FS_ITEMS))})",
}

#: Columns of a long suite input (every domain but FBS) and of the ``obs`` table.
_SUITE_COLUMNS = ("domain, iso3, item_code, item, element_code, year, year_end, value, unit, "
                  "flag, source, partner_iso3, partner_kind")

#: The FBS suite input is one row per state, item and year with a column per element. Within
#: one slice (one source) a plain max() is enough, far cheaper than arg_max over the source.
_FBS_SLICE_PIVOT = ", ".join(
    [f"max(CASE WHEN element_code = {code} THEN value END) AS {name}"
     for name, code in _FBS_ELEMENTS.items()]
    + ["max(CASE WHEN element_code = 511 AND item_code IN (2501, 3010) THEN value END) "
       "AS pop"])
#: The same over several slices: the slice whose source sorts last wins.
_FBS_PIVOT = ", ".join(
    [f"arg_max(value, source) FILTER (WHERE element_code = {code}) AS {name}"
     for name, code in _FBS_ELEMENTS.items()]
    + ["arg_max(value, source) FILTER (WHERE element_code = 511 "
       "AND item_code IN (2501, 3010)) AS pop"])


#: Bumped whenever the suite inputs change shape: older ones are then rebuilt, not misread.
SUITE_INPUT_VERSION = 3


def suite_input_dir(analytics_dir: Path) -> Path:
    """Where the per-slice suite inputs are kept (one sub-folder per domain)."""
    return analytics_dir / "faostat" / "suite-input" / f"v{SUITE_INPUT_VERSION}"


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _suite_rows_sql(source: str, domain: str, where: str) -> str:
    """The suite's rows of ``domain`` (long form; FBS is pivoted by :func:`_fbs_slice_sql`)."""
    return f"SELECT {_SUITE_COLUMNS} FROM {source} WHERE {where} AND ({SUITE_ROWS[domain]})"


def _oic_codes() -> dict[int, str]:
    """FAO area code → ISO3 of the 57 states, as the ingest maps them (kind ``country``)."""
    members = {s.iso3 for s in oic_states()}
    return {a.fao_code: a.iso3 for a in areas()
            if a.iso3 in members and a.kind == "country"}


def _oic_rows() -> str:
    """Rows of the 57 states (``area_kind = 'country' AND iso3 IN (…)``, on integer codes)."""
    return f"area_code IN ({', '.join(map(str, sorted(_oic_codes())))})"


def _fbs_slice_sql(source: str, slice_source: str) -> str:
    """The FBS suite input of one slice: one row per state, item and year, a column per
    element. Grouped on integer codes only (text keys or any_value() on text cost ~3x);
    ISO3 and item names are joined on afterwards from two small tables."""
    codes = _oic_codes()
    states = ", ".join(f"({code}, '{iso3}')" for code, iso3 in sorted(codes.items()))
    rows = f"{_oic_rows()} AND ({SUITE_ROWS['FBS']})"
    name = "'" + slice_source.replace("'", "''") + "'"
    return (f"WITH p AS (SELECT area_code, item_code, year, {_FBS_SLICE_PIVOT} FROM {source} "
            f"WHERE {rows} GROUP BY area_code, item_code, year), "
            f"n AS (SELECT item_code, min(item) AS item FROM {source} WHERE {rows} "
            f"GROUP BY item_code), "
            f"s(area_code, iso3) AS (VALUES {states}) "
            f"SELECT s.iso3, p.item_code, n.item, p.year, {name} AS source, "
            f"p.* EXCLUDE (area_code, item_code, year) "
            f"FROM p JOIN s USING (area_code) LEFT JOIN n USING (item_code)")


def write_suite_input(slice_path: Path, domain: str, target: Path,
                      con: duckdb.DuckDBPyConnection | None = None) -> None:
    """Write the rows of one slice that the suite needs (OIC states only) to ``target``."""
    own = con is None
    if con is None:
        con = duckdb.connect()
        con.execute("SET memory_limit = '400MB'")
        con.execute("SET preserve_insertion_order = false")
    try:
        source = f"read_parquet({_quoted(slice_path)})"
        if domain == "FBS":
            sql = _fbs_slice_sql(source, slice_path.stem)
        else:
            sql = _suite_rows_sql(source, domain, f"{_oic_rows()} AND area_kind = 'country'")
        con.execute(f"COPY ({sql}) TO {_quoted(target)} (FORMAT parquet, COMPRESSION zstd)")
    finally:
        if own:
            con.close()


def _suite_inputs(analytics_dir: Path) -> list[Path]:
    """The suite input of every slice, (re)built where missing or older than its slice."""
    inputs = []
    for slice_path in sorted(store_dir(analytics_dir).glob("*/*.parquet")):
        domain = slice_path.parent.name
        target = suite_input_dir(analytics_dir) / domain / slice_path.name
        if not target.exists() or target.stat().st_mtime < slice_path.stat().st_mtime:
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(suffix=".parquet", dir=target.parent)
            os.close(handle)
            write_suite_input(slice_path, domain, Path(name))
            os.replace(name, target)
        inputs.append(target)
    return inputs


def _listed(paths: list[Path]) -> str:
    return f"read_parquet([{', '.join(_quoted(p) for p in paths)}], union_by_name = true)"


def cache_path(analytics_dir: Path) -> Path:
    """Where the computed indicator table is kept (rebuilt after every ingest)."""
    return analytics_dir / "faostat" / "indicators.parquet"


def _observations(analytics_dir: Path) -> str | None:
    files = sorted(store_dir(analytics_dir).glob("*/*.parquet"))
    if not files:
        return None
    listed = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
    return f"read_parquet([{listed}], union_by_name = true)"


def _members_table(con: duckdb.DuckDBPyConnection) -> None:
    rows = [(s.iso3, s.iso3) for s in oic_states()]
    rows += [(s.iso3, OIC_TOTAL) for s in oic_states()]
    rows += [(s.iso3, OIC_GROUPS[s.group]) for s in oic_states() if s.group in OIC_GROUPS]
    con.execute("CREATE TEMP TABLE members (iso3 VARCHAR, area VARCHAR)")
    con.executemany("INSERT INTO members VALUES (?, ?)", rows)


def _suite_query(con: duckdb.DuckDBPyConnection, analytics_dir: Path,
                 all_countries: bool) -> str | None:
    """Load the suite's inputs into temp tables of ``con``; return the query of all
    indicators (:data:`COLUMNS`, sorted), or None when nothing is ingested."""
    con.execute("SET memory_limit = '1GB'")
    _members_table(con)
    if all_countries:
        files = sorted(store_dir(analytics_dir).glob("*/*.parquet"))
        if not files:
            return None
        con.execute(f"INSERT INTO members SELECT DISTINCT iso3, iso3 FROM {_listed(files)} "
                    f"WHERE area_kind = 'country' AND iso3 NOT IN (SELECT iso3 FROM members)")
        where = ("area_kind = 'country' AND iso3 IN (SELECT DISTINCT iso3 FROM members)")
        by_domain = {d: [f for f in files if f.parent.name == d] for d in SUITE_ROWS}
        fbs_inputs: list[Path] = []
        # Pivoted straight from the store (no per-slice step): one row per state, item, year.
        fbs_sql = (f"SELECT iso3, item_code, any_value(item) AS item, year, {_FBS_PIVOT}, "
                   f"max(source) FILTER (WHERE element_code = 511 AND item_code IN "
                   f"(2501, 3010)) AS pop_source FROM {_listed(by_domain['FBS'])} "
                   f"WHERE {where} AND ({SUITE_ROWS['FBS']}) GROUP BY iso3, item_code, year"
                   if by_domain["FBS"] else None)
        long = [_suite_rows_sql(_listed(paths), d, where) for d, paths in by_domain.items()
                if paths and d != "FBS"]
    else:
        inputs = _suite_inputs(analytics_dir)
        if not inputs:
            return None
        fbs_inputs = [p for p in inputs if p.parent.name == "FBS"]
        fbs_sql = None
        others = [p for p in inputs if p.parent.name != "FBS"]
        long = [f"SELECT {_SUITE_COLUMNS} FROM {_listed(others)}"] if others else []
    empty_long = ("SELECT NULL::VARCHAR AS domain, NULL::VARCHAR AS iso3, "
                  "NULL::INTEGER AS item_code, NULL::VARCHAR AS item, "
                  "NULL::INTEGER AS element_code, NULL::INTEGER AS year, "
                  "NULL::INTEGER AS year_end, NULL::DOUBLE AS value, NULL::VARCHAR AS unit, "
                  "NULL::VARCHAR AS flag, NULL::VARCHAR AS source, "
                  "NULL::VARCHAR AS partner_iso3, NULL::VARCHAR AS partner_kind WHERE false")
    con.execute("CREATE TEMP TABLE obs AS " + " UNION ALL ".join(long or [empty_long]))
    if fbs_sql is None and len(fbs_inputs) == 1 \
            and len(set(_oic_codes().values())) == len(_oic_codes()):
        # A single slice's input already has one row per state, item and year.
        fbs_sql = (f"SELECT * EXCLUDE (source), CASE WHEN pop IS NOT NULL THEN source END "
                   f"AS pop_source FROM read_parquet({_quoted(fbs_inputs[0])})")
    if fbs_sql is None:
        # One row per state, item and year; where slices overlap, the one sorting last wins.
        # Inputs ranked by source name (integer ranks: arg_max on text is ~3x slower).
        fbs_inputs.sort(key=lambda p: p.stem)
        ranked = " UNION ALL ".join(f"SELECT *, {rank} AS rank FROM read_parquet({_quoted(p)})"
                                    for rank, p in enumerate(fbs_inputs))
        merged = ", ".join([f"arg_max({n}, rank) FILTER (WHERE {n} IS NOT NULL) AS {n}"
                            for n in [*_FBS_ELEMENTS, "pop"]]
                           + ["arg_max(source, rank) FILTER (WHERE pop IS NOT NULL) "
                              "AS pop_source"])
        fbs_sql = (f"SELECT iso3, item_code, arg_max(item, rank) AS item, year, {merged} "
                   f"FROM ({ranked}) GROUP BY iso3, item_code, year"
                   if fbs_inputs else
                   "SELECT NULL::VARCHAR AS iso3, NULL::INTEGER AS item_code, "
                   "NULL::VARCHAR AS item, NULL::INTEGER AS year, "
                   + ", ".join(f"NULL::DOUBLE AS {n}" for n in [*_FBS_ELEMENTS, "pop"])
                   + ", NULL::VARCHAR AS pop_source WHERE false")
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
    parts = [
        # SSR and IDR per item (FAO FBS Handbook 2001).
        """SELECT area, 'self_sufficiency_ratio' AS indicator, item_code, item, year,
                  100 * coalesce(prod, 0) / (coalesce(prod, 0) + coalesce(imp, 0)
                                             - coalesce(exp, 0)) AS value,
                  '%' AS unit, 'computed' AS source,
                  CASE WHEN area LIKE 'OIC%' THEN states || ' states' END AS flag
           FROM fbs_area WHERE (prod IS NOT NULL OR imp IS NOT NULL)
           AND coalesce(prod, 0) + coalesce(imp, 0) - coalesce(exp, 0) > 0""",
        """SELECT area, 'import_dependency_ratio', item_code, item, year,
                  100 * coalesce(imp, 0) / (coalesce(prod, 0) + coalesce(imp, 0)
                                            - coalesce(exp, 0)),
                  '%', 'computed',
                  CASE WHEN area LIKE 'OIC%' THEN states || ' states' END
           FROM fbs_area WHERE (prod IS NOT NULL OR imp IS NOT NULL)
           AND coalesce(prod, 0) + coalesce(imp, 0) - coalesce(exp, 0) > 0""",
        # Cereal import dependency ratio, 3-year average centred on year.
        """SELECT area, 'cereal_import_dependency_ratio', item_code, item, year,
                  100 * (i3 - e3) / (p3 + i3 - e3), '%', 'computed',
                  CASE WHEN area LIKE 'OIC%' THEN states || ' states' END
           FROM (SELECT area, item_code, item, year, states,
                   sum(coalesce(prod, 0)) OVER w AS p3, sum(coalesce(imp, 0)) OVER w AS i3,
                   sum(coalesce(exp, 0)) OVER w AS e3, count(*) OVER w AS n
                 FROM fbs_area WHERE item_code = 2905
                 WINDOW w AS (PARTITION BY area ORDER BY year
                              RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING))
           WHERE n = 3 AND p3 + i3 - e3 > 0""",
    ]
    for indicator, column, unit in (("dietary_energy_supply", "kcal", "kcal/capita/day"),
                                    ("protein_supply", "prot", "g/capita/day"),
                                    ("fat_supply", "fat", "g/capita/day")):
        parts.append(f"""
           SELECT area, '{indicator}', 2901, 'Grand Total', year, {column}, '{unit}',
                  'faostat', CASE WHEN area LIKE 'OIC%' THEN wstates || ' states' END
                  FROM fbs_area WHERE item_code = 2901
                  AND {column} IS NOT NULL""")
        parts.append(f"""
           SELECT v.area, '{indicator}', NULL, NULL, v.year, v.{column} + a.{column},
                  '{unit}', 'computed',
                  CASE WHEN v.area LIKE 'OIC%' THEN v.wstates || ' states' END
           FROM fbs_area v JOIN fbs_area a ON a.area = v.area AND a.year = v.year
           AND a.item_code = 2941 WHERE v.item_code = 2903
           AND v.{column} IS NOT NULL AND a.{column} IS NOT NULL""")
    parts.append("""
        SELECT area, 'animal_protein_supply', item_code, item, year, prot, 'g/capita/day',
               'faostat', CASE WHEN area LIKE 'OIC%' THEN wstates || ' states' END
        FROM fbs_area WHERE item_code = 2941 AND prot IS NOT NULL""")
    parts.append("""
        SELECT c.area, 'dietary_energy_share_cereals_roots', NULL, NULL, c.year,
               100 * (c.kcal + coalesce(r.kcal, 0)) / coalesce(t.kcal, v.kcal + a.kcal),
               '%', 'computed', NULL
        FROM fbs_area c
        LEFT JOIN fbs_area r ON r.area = c.area AND r.year = c.year AND r.item_code = 2907
        LEFT JOIN fbs_area t ON t.area = c.area AND t.year = c.year AND t.item_code = 2901
        LEFT JOIN fbs_area v ON v.area = c.area AND v.year = c.year AND v.item_code = 2903
        LEFT JOIN fbs_area a ON a.area = c.area AND a.year = c.year AND a.item_code = 2941
        WHERE c.item_code = 2905 AND c.kcal IS NOT NULL
        AND coalesce(t.kcal, v.kcal + a.kcal) > 0""")
    # Additive series from QCL, QV, TCL, summed for aggregates.
    for indicator, domain, element, unit in (
            ("production_quantity", "QCL", 5510, "t"),
            ("production_value", "QV", 57, "1000 USD"),
            ("export_value", "TCL", 5922, "1000 USD"),
            ("import_value", "TCL", 5622, "1000 USD")):
        parts.append(f"""
            SELECT m.area, '{indicator}', o.item_code, any_value(o.item), o.year,
                   sum(o.value), '{unit}', 'faostat',
                   CASE WHEN m.area LIKE 'OIC%' THEN count(*) || ' states'
                        ELSE any_value(o.flag) END
            FROM (SELECT iso3, item_code, any_value(item) AS item, year,
                         arg_max(value, source) AS value, arg_max(flag, source) AS flag
                  FROM obs WHERE domain = '{domain}' AND element_code = {element}
                  AND year = year_end AND value IS NOT NULL
                  GROUP BY iso3, item_code, year) o
            JOIN members m USING (iso3) GROUP BY m.area, o.item_code, o.year""")
    parts.append("""
        SELECT iso3, 'export_destinations', NULL, NULL, year,
               count(DISTINCT partner_iso3), 'countries', 'computed', NULL
        FROM obs WHERE domain = 'TM' AND element_code = 5922 AND value > 0
        AND partner_kind = 'country' GROUP BY iso3, year""")
    fs_case = " ".join(f"WHEN {code} THEN '{name}'" for code, name in FS_ITEMS.items())
    parts.append(f"""
        SELECT iso3, CASE item_code {fs_case} END, item_code, item,
               (year + year_end) // 2, value, unit, 'faostat', flag
        FROM obs WHERE domain = 'FS' AND item_code IN ({', '.join(map(str, FS_ITEMS))})
        AND value IS NOT NULL""")
    query = " UNION ALL ".join(f"({p})" for p in parts)
    # Areas, indicators and sources as ENUMs declared in sorted order: the sort is then on
    # integers and Parquet writes them as dictionaries without hashing every value.
    areas = sorted(str(row[0]) for row in con.execute(
        "SELECT DISTINCT area FROM members").fetchall())
    enums = {"area": _enum(areas), "indicator": _enum(sorted(INDICATORS)),
             "source": _enum(["computed", "faostat"])}
    names = ", ".join(f"#{i}::{enums[name]} AS {name}" if name in enums else f"#{i} AS {name}"
                      for i, name in enumerate(COLUMNS, 1))
    return f"SELECT {names} FROM ({query}) ORDER BY 1, 2, 3, 5"


def _enum(values: list[str]) -> str:
    return "ENUM(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


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
        text = ", ".join(f"{c}::VARCHAR AS {c}" if c in ("area", "indicator", "source") else c
                         for c in COLUMNS)
        return _frame(con.execute(f"SELECT {text} FROM ({query})").df())
    finally:
        con.close()


def build_cache(analytics_dir: Path) -> Path:
    """Compute the suite (57 states and OIC aggregates) straight into :func:`cache_path`
    (written by DuckDB, atomically replaced); return its path."""
    target = cache_path(analytics_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(suffix=".parquet", dir=target.parent)
    os.close(handle)
    con = duckdb.connect()
    try:
        query = _suite_query(con, analytics_dir, all_countries=False)
        if query is None:
            pd.DataFrame(columns=COLUMNS).astype({"item_code": "Int64", "year": "int64"}) \
                .to_parquet(name, index=False)
        else:
            con.execute(f"COPY ({query}) TO {_quoted(Path(name))} (FORMAT parquet, "
                        f"COMPRESSION zstd)")
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    finally:
        con.close()
    os.replace(name, target)
    return target


def read_cache(analytics_dir: Path) -> pd.DataFrame:
    """The cached indicator table (built first when missing)."""
    path = cache_path(analytics_dir)
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
    source = _observations(analytics_dir)
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
