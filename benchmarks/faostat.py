"""FAOSTAT ingest and indicator benchmark (not run by tests).

Generates a FAOSTAT normalized bulk CSV (FBS elements, real FAO area codes and names,
encoded in Latin-1 as FAOSTAT does: "Côte d'Ivoire", "Réunion"; 2 % of values ``<0.5``) of
AREAS × ITEMS × ELEMENTS × YEARS rows, then measures, each in its own process so peak RSS is
separate (module imports are done before the clock starts):

- DuckDB's raw ``read_csv`` → Parquet with no checks (the practical limit);
- iofs ingest (validation, area mapping, Parquet, the suite input) — rows/s and peak RSS;
- a straightforward pandas ingest doing the same validation and mapping (chunked
  ``read_csv`` → checks → ``to_parquet``);
- the full indicator suite after ingest, as ``iofs ingest faostat`` runs it: every indicator,
  every year, for the 57 states and the OIC aggregates, written to the indicator cache;
- with ``--all-countries``, for information, the same suite for every country of the file
  (computed from the whole store: iofs keeps suite inputs for the 57 states only).

    .venv/bin/python benchmarks/faostat.py --years 60        # ≈ 36 M rows (full size)
    .venv/bin/python benchmarks/faostat.py --years 8         # ≈ 4.8 M rows (quick)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ELEMENTS = [
    511,
    5511,
    5611,
    5911,
    5072,
    5301,
    5521,
    5527,
    5123,
    5131,
    5154,
    5171,
    5170,
    5142,
    645,
    664,
    674,
    684,
    661,
    671,
]


def generate(path: Path, areas: int, items: int, years: int) -> int:
    import duckdb

    from iofs.monitor.faostat.areas import areas as all_areas

    chosen = list(all_areas())[:areas]
    codes = [a.fao_code for a in chosen]
    item_codes = [2901, 2903, 2941, 2905, 2907, *range(2511, 2511 + items - 5)]
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE a AS SELECT unnest(?) AS area, unnest(?) AS name",
        [codes, [a.name for a in chosen]],
    )
    con.execute("CREATE TABLE i AS SELECT unnest(?) AS item", [item_codes])
    con.execute("CREATE TABLE e AS SELECT unnest(?) AS element", [ELEMENTS])
    con.execute(f"CREATE TABLE y AS SELECT range AS year FROM range({2023 - years}, 2023)")
    utf8 = path.with_suffix(".utf8.csv")
    con.execute(f"""
        COPY (SELECT area::VARCHAR AS "Area Code", name AS "Area",
                     item::VARCHAR AS "Item Code", 'Item ' || item AS "Item",
                     element::VARCHAR AS "Element Code", 'Element ' || element AS "Element",
                     year::VARCHAR AS "Year Code", year::VARCHAR AS "Year",
                     '1000 t' AS "Unit",
                     CASE WHEN hash(area, item, element, year) % 50 = 0 THEN '<0.5'
                          ELSE round(((hash(area, item, element, year) % 100000) / 10.0), 2)
                               ::VARCHAR END AS "Value",
                     'E' AS "Flag"
              FROM a, i, e, y)
        TO '{utf8}' (HEADER, QUOTE '"', FORCE_QUOTE *)""")
    con.close()
    # DuckDB writes UTF-8 only; FAOSTAT's bulk files are Latin-1.
    with path.open("wb") as out:
        subprocess.run(["iconv", "-f", "UTF-8", "-t", "LATIN1", str(utf8)], stdout=out, check=True)
    utf8.unlink()
    return len(codes) * len(item_codes) * len(ELEMENTS) * years


def run_child(mode: str, csv_path: Path, work: Path) -> dict[str, float]:
    import importlib

    import duckdb

    if mode.startswith(("iofs", "suite")):
        # Imports before the clock starts (the ingest imports the suite and the OIC states).
        for module in ("iofs.members.service", "iofs.monitor.faostat.indicators"):
            importlib.import_module(module)
    if mode == "iofs":
        from iofs.monitor.faostat.ingest import ingest

        started = time.perf_counter()
        [report] = ingest([csv_path], work, domain="FBS")
        rows = report.rows
    elif mode == "suite":
        from iofs.monitor.faostat.indicators import build_cache

        started = time.perf_counter()
        cache = build_cache(work)
        rows = duckdb.connect().execute(f"SELECT count(*) FROM '{cache}'").fetchall()[0][0]
    elif mode == "suite-all":
        from iofs.monitor.faostat.indicators import compute_suite

        started = time.perf_counter()
        rows = len(compute_suite(work, all_countries=True))
    elif mode == "duckdb":
        started = time.perf_counter()
        con = duckdb.connect()
        con.execute("SET preserve_insertion_order = false")
        con.execute(
            f"COPY (SELECT * FROM read_csv('{csv_path}', all_varchar = true, "
            f"encoding = 'latin-1')) TO '{work / 'raw.parquet'}' (FORMAT parquet)"
        )
        rows = con.execute(f"SELECT count(*) FROM '{work / 'raw.parquet'}'").fetchone()[0]
    else:
        import pandas  # noqa: F401
        import pyarrow.parquet  # noqa: F401

        started = time.perf_counter()
        rows = pandas_ingest(csv_path, work / "pandas.parquet")
    seconds = time.perf_counter() - started
    # VmHWM, not ru_maxrss: ru_maxrss survives exec and would report the parent's peak.
    status = Path("/proc/self/status").read_text()
    peak = (
        next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM"))
        / 1024
    )
    return {"rows": rows, "seconds": seconds, "peak_rss_mb": peak}


def pandas_ingest(csv_path: Path, out: Path) -> int:
    """The same checks and mapping as iofs, written plainly with pandas (chunked)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    from iofs.monitor.faostat.areas import areas

    ref = pd.DataFrame(
        [(a.fao_code, a.m49, a.iso3, a.kind) for a in areas()],
        columns=["area_code", "m49", "iso3", "area_kind"],
    )
    writer = None
    total = 0
    for chunk in pd.read_csv(
        csv_path, dtype=str, encoding="latin-1", keep_default_na=False, chunksize=1_000_000
    ):
        frame = pd.DataFrame(
            {
                "area_code": pd.to_numeric(chunk["Area Code"], errors="coerce"),
                "item_code": pd.to_numeric(chunk["Item Code"].str.lstrip("S'"), errors="coerce"),
                "element_code": pd.to_numeric(chunk["Element Code"], errors="coerce"),
                "year": pd.to_numeric(chunk["Year"].str[:4], errors="coerce"),
                "year_end": pd.to_numeric(chunk["Year"].str[-4:], errors="coerce"),
            }
        )
        raw = chunk["Value"].str.strip()
        qualified = raw.str[:1].isin(["<", ">"])
        frame["value"] = pd.to_numeric(raw.where(~qualified, raw.str[1:]), errors="coerce")
        frame["qualifier"] = raw.str[:1].where(qualified)
        bad = frame[["area_code", "item_code", "element_code", "year"]].isna().any(axis=1) | (
            (raw != "") & frame["value"].isna()
        )
        if bad.any():
            raise ValueError(f"bad rows at lines {list(bad[bad].index[:5] + 2)}")
        for column in ("Area", "Item", "Element", "Unit", "Flag"):
            frame[column.lower()] = chunk[column]
        frame = frame.merge(ref, on="area_code", how="left")
        frame["area_kind"] = frame["area_kind"].fillna("unmapped")
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if writer is None:
            writer = pq.ParquetWriter(out, table.schema, compression="zstd")
        writer.write_table(table.cast(writer.schema))
        total += len(frame)
    if writer is not None:
        writer.close()
    return total


def child(mode: str, csv_path: Path, work: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(csv_path), str(work)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--areas", type=int, default=250)
    parser.add_argument("--items", type=int, default=120)
    parser.add_argument("--years", type=int, default=60)
    parser.add_argument(
        "--all-countries",
        action="store_true",
        help="also time the suite for every country of the file",
    )
    parser.add_argument("--child", nargs=3)
    args = parser.parse_args()
    if args.child:
        mode, csv_path, work = args.child
        print(json.dumps(run_child(mode, Path(csv_path), Path(work))))
        return
    with tempfile.TemporaryDirectory(prefix="faostat-bench-") as tmp:
        work = Path(tmp)
        csv_path = work / "FoodBalanceSheets_E_All_Data_(Normalized).csv"
        started = time.perf_counter()
        rows = generate(csv_path, args.areas, args.items, args.years)
        size_mb = csv_path.stat().st_size / 1e6
        print(
            f"generated {rows:,} rows, {size_mb:,.0f} MB in "
            f"{time.perf_counter() - started:.1f} s; {os.cpu_count()} cores, load average "
            f"{os.getloadavg()[0]:.1f} (the machine is shared: other work slows every line)"
        )
        modes = ["duckdb", "iofs", "pandas", "suite"]
        results = {
            mode: child(mode, csv_path, work)
            for mode in modes + (["suite-all"] if args.all_countries else [])
        }
        for mode, label in (
            ("duckdb", "DuckDB raw read_csv -> Parquet (no checks)"),
            ("iofs", "iofs ingest (validation + mapping)"),
            ("pandas", "pandas ingest (same validation + mapping)"),
        ):
            r = results[mode]
            print(
                f"{label:45s} {r['rows'] / r['seconds']:>12,.0f} rows/s "
                f"{size_mb / r['seconds']:>7.0f} MB/s  {r['seconds']:7.2f} s  "
                f"peak RSS {r['peak_rss_mb']:,.0f} MB"
            )
        speed = {m: results[m]["rows"] / results[m]["seconds"] for m in results}
        suite = results["suite"]
        print(
            f"indicator suite after ingest (57 states + OIC aggregates, all years, cached): "
            f"{suite['seconds']:.2f} s, {suite['rows']:,.0f} values, "
            f"peak RSS {suite['peak_rss_mb']:,.0f} MB"
        )
        if "suite-all" in results:
            every = results["suite-all"]
            print(
                f"  for information, every country of the file (from the whole store): "
                f"{every['seconds']:.2f} s, {every['rows']:,.0f} values, "
                f"peak RSS {every['peak_rss_mb']:,.0f} MB"
            )
        checks = (
            (
                "iofs ingest >= 1 M rows/s",
                speed["iofs"] >= 1e6,
                f"{speed['iofs'] / 1e6:.2f} M rows/s",
            ),
            (
                "raw DuckDB speed / iofs speed <= 2",
                speed["duckdb"] / speed["iofs"] <= 2,
                f"{speed['duckdb'] / speed['iofs']:.2f}",
            ),
            (
                "iofs / pandas speed >= 3",
                speed["iofs"] / speed["pandas"] >= 3,
                f"{speed['iofs'] / speed['pandas']:.2f}x",
            ),
            ("indicator suite < 1 s", suite["seconds"] < 1, f"{suite['seconds']:.2f} s"),
        )
        for name, met, value in checks:
            print(f"target {name:38s} {value:>14s}  {'met' if met else 'MISSED'}")
        print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
