"""Gene bank import and search speed (not run by the tests).

Also (issue 19): PDCI of every accession and the plausibility checks (target ≤ 60 s for 1 M
accessions), a BrAPI ``/germplasm`` page of 1,000 (p95 target ≤ 150 ms over 1 M
accessions) and trait search (p95 target ≤ 100 ms over 10 M observations,
``--observations``). The coordinate check uses the drought service's country shapes when it
offers them, else one box per country (the cost is the same order: a point-in-polygon test
per located accession).

Generates N valid MCPD rows plus 1 % invalid ones, imports them with full validation and the
audit log (valid rows kept, invalid rejected, as ``iofs genebank import --reject-file``:
the file is validated while it is written, by a second process for large files), then runs
1,000 mixed searches (with facets, as the search page and API do). Baselines: a plain
``csv.reader`` + ``executemany`` insert without validation or audit, and the same searches
without facet counts. Prints import time, peak RSS (this process, and the reading process)
and search p50/p95 on SQLite and, when ``IOFS_BENCH_POSTGRES_URL`` is set, PostgreSQL.

    .venv/bin/python benchmarks/genebank.py --rows 1000000
    IOFS_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python benchmarks/genebank.py --rows 100000
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from iofs.accounts.service import cli_principal
from iofs.db import make_engine, make_session_factory, transaction, upgrade
from iofs.genebank import mcpd, service
from iofs.genebank.models import Accession

TAXA = [
    ("Triticum", "aestivum", "wheat"),
    ("Hordeum", "vulgare", "barley"),
    ("Cicer", "arietinum", "chickpea"),
    ("Zea", "mays", "maize"),
    ("Sorghum", "bicolor", "sorghum"),
    ("Oryza", "sativa", "rice"),
    ("Lens", "culinaris", "lentil"),
    ("Vigna", "unguiculata", "cowpea"),
]
COUNTRIES = [
    "KAZ",
    "UZB",
    "TUR",
    "IRN",
    "PAK",
    "EGY",
    "MAR",
    "SEN",
    "NGA",
    "IDN",
    "BGD",
    "AFG",
    "SYR",
    "ETH",
    "IND",
]
SAMPSTAT = ["100", "110", "200", "300", "410", "500", "999"]


def generate(path: Path, rows: int, seed: int = 7) -> int:
    """Write ``rows`` valid rows plus 1 % invalid (bad MLSSTAT, dates or coordinates)."""
    rng = random.Random(seed)
    invalid = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        columns = [*mcpd.MCPD_COLUMNS, mcpd.AVAILABLE]
        writer.writerow(columns)
        total = rows + rows // 100
        for i in range(total):
            genus, species, crop = rng.choice(TAXA)
            lat, lon = rng.uniform(-10, 50), rng.uniform(-20, 100)
            record = {
                "INSTCODE": "KAZ015",
                "ACCENUMB": f"KZ-{i:07d}",
                "GENUS": genus,
                "SPECIES": species,
                "CROPNAME": crop,
                "ORIGCTY": rng.choice(COUNTRIES),
                "SAMPSTAT": rng.choice(SAMPSTAT),
                "ACQDATE": f"{rng.randint(1960, 2024)}----",
                "DECLATITUDE": f"{lat:.4f}",
                "DECLONGITUDE": f"{lon:.4f}",
                "COLLSRC": "26",
                "STORAGE": rng.choice(["13", "12;13", "12"]),
                "MLSSTAT": rng.choice(["0", "1"]),
                "REMARKS": "",
                "AVAILABLE": rng.choice(["yes", "no"]),
            }
            if i % 101 == 100:
                invalid += 1
                broken = rng.choice(["MLSSTAT", "ACQDATE", "DECLATITUDE"])
                record[broken] = {"MLSSTAT": "Y", "ACQDATE": "19991340", "DECLATITUDE": "123.5"}[
                    broken
                ]
            writer.writerow([record.get(c, "") for c in columns])
    return invalid


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def baseline_import(url: str, path: Path) -> float:
    """Plain load: csv.reader + executemany, no validation, no audit."""
    engine = make_engine(url)
    factory = make_session_factory(engine)
    start = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        names = [h.lower() for h in header]
        batch: list[dict[str, object]] = []
        with transaction(factory) as session:
            for cells in reader:
                values: dict[str, object] = dict(zip(names, cells, strict=True))
                values.pop("available")
                values["instcode"] = "BAS001"
                batch.append(values)
                if len(batch) == 5000:
                    session.execute(insert(Accession), batch)
                    batch.clear()
            if batch:
                session.execute(insert(Accession), batch)
    elapsed = time.perf_counter() - start
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM genebank_accession WHERE instcode = 'BAS001'"))
    engine.dispose()
    return elapsed


def run(url: str, path: Path, label: str, queries: int) -> None:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    start = time.perf_counter()
    with transaction(factory) as session:
        result = service.import_passport(
            session, cli_principal(), mcpd.open_passport(path), partial=True
        )
    imported = time.perf_counter() - start
    print(
        f"[{label}] import: {result.inserted:,} inserted, {len(result.rejected):,} rejected "
        f"in {imported:.1f} s (validation, write, audit and commit); peak RSS "
        f"{peak_rss_mb():,.0f} MB, reading process {peak_rss_mb(resource.RUSAGE_CHILDREN):,.0f}"
        " MB"
    )
    del result
    baseline = baseline_import(url, path)
    print(
        f"[{label}] baseline (csv + executemany, no validation/audit): {baseline:.1f} s; "
        f"iofs/baseline = {imported / baseline:.1f}×"
    )

    rng = random.Random(11)
    mixes = []
    for _ in range(queries):
        kind = rng.randrange(5)
        genus, _species, crop = rng.choice(TAXA)
        mixes.append(
            service.SearchQuery(
                text=genus if kind == 0 else (f"KZ-{rng.randrange(1000):07d}" if kind == 4 else ""),
                crop=crop if kind == 1 else "",
                country=rng.choice(COUNTRIES) if kind == 2 else "",
                sampstat=rng.choice(SAMPSTAT) if kind == 3 else "",
                offset=rng.choice([0, 0, 50, 500]),
            )
        )
    public = cli_principal().__class__()  # anonymous: available accessions only
    for facets in (True, False):
        timings = []
        with factory() as session:
            for query in mixes:
                begin = time.perf_counter()
                service.search(session, public, query, facets=facets)
                timings.append((time.perf_counter() - begin) * 1000)
        timings.sort()
        p50 = statistics.median(timings)
        p95 = timings[int(len(timings) * 0.95) - 1]
        print(
            f"[{label}] search {'with' if facets else 'without'} facets: p50 {p50:.1f} ms, "
            f"p95 {p95:.1f} ms over {len(timings)} queries"
        )
    treaty_and_quality(factory, label, queries, OBSERVATIONS[0])
    engine.dispose()


OBSERVATIONS = [10_000_000]


def _p95(timings: list[float]) -> tuple[float, float]:
    timings.sort()
    return statistics.median(timings), timings[max(int(len(timings) * 0.95) - 1, 0)]


def settle(factory: Any) -> None:
    """Statistics and, on PostgreSQL, the visibility map (VACUUM ANALYZE, as autovacuum
    does after bulk inserts), so index-only scans read no table pages: the steady state of
    a database, not the minute after a bulk load."""
    engine = factory.kw["bind"]
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("VACUUM ANALYZE genebank_accession"))
            connection.execute(text("VACUUM ANALYZE genebank_observation"))
        else:
            connection.execute(text("ANALYZE"))


def load_accessions(factory: Any, rows: int, seed: int = 7) -> None:
    """``rows`` accessions written straight to the table (binary COPY on PostgreSQL), as the
    validated import would store them, for the treaty/quality timings alone."""
    from iofs.db import bulk_insert

    rng = random.Random(seed)
    columns = (
        "instcode",
        "accenumb",
        "genus",
        "species",
        "taxon",
        "cropname",
        "origcty",
        "sampstat",
        "acqdate",
        "declatitude",
        "declongitude",
        "lat",
        "lon",
        "collsrc",
        "storage",
        "mlsstat",
        "accename",
        "available",
    )
    table = Accession.__table__
    defaults = [c.name for c in table.columns if c.name not in columns and c.name != "id"]
    begin = time.perf_counter()
    for start in range(0, rows, 100_000):
        batch = []
        for i in range(start, min(start + 100_000, rows)):
            genus, species, crop = rng.choice(TAXA)
            lat, lon = round(rng.uniform(-10, 50), 4), round(rng.uniform(-20, 100), 4)
            batch.append(
                (
                    "KAZ015",
                    f"KZ-{i:07d}",
                    genus,
                    species,
                    f"{genus} {species}",
                    crop,
                    rng.choice(COUNTRIES),
                    rng.choice(SAMPSTAT),
                    f"{rng.randint(1960, 2024)}----",
                    f"{lat:.4f}",
                    f"{lon:.4f}",
                    lat,
                    lon,
                    "26",
                    rng.choice(["13", "12;13", "12"]),
                    rng.choice(["0", "1"]),
                    f"Local {rng.randrange(50_000)}" if i % 10 == 0 else "",
                    rng.random() < 0.5,
                    *[""] * len(defaults),
                )
            )
        with transaction(factory) as session:
            bulk_insert(session, table, [*columns, *defaults], batch)
    with transaction(factory) as session:
        service.rebuild_counts(session, cli_principal())
    settle(factory)
    print(
        f"{rows:,} accessions loaded in {time.perf_counter() - begin:.0f} s (bulk, for the "
        "quality, BrAPI and trait timings)"
    )


def load_observations(factory: Any, observations: int, codes: list[str]) -> None:
    from iofs.db import bulk_insert
    from iofs.genebank import trait_index
    from iofs.genebank.models import Observation, Trait

    rng = random.Random(5)
    with transaction(factory) as session:
        ids = [row[0] for row in session.execute(text("SELECT id FROM genebank_accession"))]
        for code in codes:
            session.add(Trait(code=code, name=code, scale="numeric", unit="", categories=""))
        session.flush()
        trait_ids = [t.id for t in session.query(Trait).order_by(Trait.code).all()]
    begin = time.perf_counter()
    columns = (
        "trait_id",
        "accession_id",
        "value_number",
        "value_code",
        "site",
        "environment",
        "observer",
    )
    for start in range(0, observations, 500_000):
        rows = [
            (
                trait_ids[i % len(trait_ids)],
                ids[(i // len(trait_ids)) % len(ids)],
                float(rng.randrange(1, 250)),
                "",
                "",
                "",
                "",
            )
            for i in range(start, min(start + 500_000, observations))
        ]
        with transaction(factory) as session:
            bulk_insert(session, Observation.__table__, columns, rows)
    with transaction(factory) as session:  # written behind the trait service's back
        trait_index.observations_changed(session)
    settle(factory)
    print(
        f"{observations:,} observations loaded in {time.perf_counter() - begin:.0f} s "
        "(bulk insert, not audited: benchmark data)"
    )


def treaty_and_quality(factory: Any, label: str, queries: int, observations: int) -> None:
    """PDCI + plausibility, BrAPI germplasm pages and trait search timings."""
    import numpy as np

    from iofs.genebank import brapi, quality
    from iofs.permissions import Principal

    shapes = quality.country_shapes() or {
        c: [np.array([[-180, -90], [180, -90], [180, 90], [-180, 90], [-180, -90]], float)]
        for c in COUNTRIES
    }
    with factory() as session:
        begin = time.perf_counter()
        collections = service.collection_quality(session, cli_principal())
        findings = service.plausibility(session, cli_principal(), shapes=shapes)
        took = time.perf_counter() - begin
    counted = sum(c.accessions for c in collections)
    checks = service.finding_counts(findings)
    print(
        f"[{label}] PDCI + plausibility of {counted:,} accessions: {took:.1f} s "
        f"({len(findings):,} findings {checks}; real country shapes: "
        f"{bool(quality.country_shapes())}; target ≤ 60 s for 1 M)"
    )
    from iofs.genebank import trait_index

    rng = random.Random(5)
    with factory() as session:
        begin = time.perf_counter()
        trait_index.CACHE.available(session)
        print(
            f"[{label}] accession ids and availability read for key pages: "
            f"{time.perf_counter() - begin:.1f} s, once per process after accessions change"
        )
        total = session.execute(
            text("SELECT count(*) FROM genebank_accession WHERE available")
        ).scalar_one()
        pages = max(total // 1000, 1)
        timings = []
        for _ in range(min(queries, 200)):
            begin = time.perf_counter()
            brapi.germplasm(
                page=rng.randrange(pages), page_size=1000, principal=Principal(), session=session
            )
            timings.append((time.perf_counter() - begin) * 1000)
    p50, p95 = _p95(timings)
    print(
        f"[{label}] BrAPI germplasm page of 1,000 (public, {total:,} available, random "
        f"pages, JSON included): p50 {p50:.0f} ms, p95 {p95:.0f} ms (target p95 ≤ 150 ms)"
    )
    trait_timings(factory, label, queries, observations)


def plain_trait_search(session: Any, criteria: list[Any], limit: int = 100) -> int:
    """The query trait search ran before the in-memory index (the baseline): per criterion
    the accession ids of one range scan of the (trait, value, accession) index, intersected
    in the database, joined to the public's accessions; total, then the page."""
    from sqlalchemy import func, intersect, select

    from iofs.genebank.models import Observation, Trait

    parts = []
    for criterion in criteria:
        trait_id = session.execute(
            select(Trait.id).where(Trait.code == criterion.code)
        ).scalar_one()
        column = Observation.value_number
        number = float(criterion.value)
        condition = column >= number if criterion.operator == ">=" else column <= number
        parts.append(
            select(Observation.accession_id).where(Observation.trait_id == trait_id, condition)
        )
    ids = intersect(*parts).subquery()
    matches = (
        select(Accession.id)
        .join(ids, ids.c.accession_id == Accession.id)
        .where(Accession.available.is_(True))
    )
    total = session.execute(select(func.count()).select_from(matches.subquery())).scalar_one()
    page = matches.order_by(Accession.id).limit(limit)
    session.execute(select(Accession).where(Accession.id.in_(page))).all()
    return int(total)


def trait_timings(factory: Any, label: str, queries: int, observations: int) -> None:
    """Trait search over ``observations`` observations: the index build (once per process
    after observations change), then two-criteria public searches, against the plain query."""
    from iofs.genebank import trait_index, traits
    from iofs.permissions import Principal

    codes = ["DRT", "DTH", "PLH", "TKW", "YLD"]
    load_observations(factory, observations, codes)
    rng = random.Random(5)
    mixes = [
        [
            service.parse_criterion(f"{rng.choice(codes)}>={rng.randrange(200, 249)}"),
            service.parse_criterion(f"{rng.choice(codes)}<={rng.randrange(1, 20)}"),
        ]
        for _ in range(min(queries, 200))
    ]
    trait_index.CACHE.clear()
    with factory() as session:
        begin = time.perf_counter()
        trait_ids = [row[0] for row in session.execute(text("SELECT id FROM genebank_trait"))]
        trait_index.CACHE.traits(session, trait_ids)
        trait_index.CACHE.available(session)
        built = time.perf_counter() - begin
    print(
        f"[{label}] trait index build ({len(trait_ids)} traits, {observations:,} observations, "
        f"availability): {built:.1f} s, once per process after observations change"
    )
    for name, search in (
        ("in-memory index", None),
        ("plain query (before)", plain_trait_search),
    ):
        timings, totals = [], []
        with factory() as session:
            for criteria in mixes if search is None else mixes[:60]:
                begin = time.perf_counter()
                if search is None:
                    found = traits.trait_search_result(session, Principal(), criteria, limit=100)
                    totals.append(found.total)
                else:
                    totals.append(search(session, criteria))
                timings.append((time.perf_counter() - begin) * 1000)
        p50, p95 = _p95(timings)
        print(
            f"[{label}] trait search, {name} (two criteria, public, first page of 100 + exact "
            f"total): p50 {p50:.0f} ms, p95 {p95:.0f} ms over {len(timings)} queries, mean total "
            f"{statistics.mean(totals):,.0f} (target p95 ≤ 100 ms); load {os.getloadavg()}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--observations", type=int, default=10_000_000)
    parser.add_argument(
        "--treaty-only",
        action="store_true",
        help="Skip the import and search timings: load accessions in bulk "
        "and time PDCI/plausibility, BrAPI and trait search only.",
    )
    parser.add_argument(
        "--traits-only",
        action="store_true",
        help="With --treaty-only: load accessions and observations and time trait search only.",
    )
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    OBSERVATIONS[0] = args.observations
    if args.treaty_only:
        treaty_only(args)
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "passport.csv"
        invalid = generate(path, args.rows)
        print(
            f"generated {args.rows:,} valid + {invalid:,} invalid rows "
            f"({path.stat().st_size / 1e6:,.0f} MB)"
        )
        sqlite_url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        upgrade(sqlite_url)
        run(sqlite_url, path, "SQLite", args.queries)
        postgres = os.environ.get("IOFS_BENCH_POSTGRES_URL")
        if postgres:
            schema = f"bench_{uuid.uuid4().hex[:8]}"
            admin = make_engine(postgres)
            with admin.begin() as connection:
                connection.execute(text(f'CREATE SCHEMA "{schema}"'))
            url = f"{postgres}?options=-csearch_path%3D{schema}"
            try:
                upgrade(url)
                run(url, path, "PostgreSQL", args.queries)
            finally:
                with admin.begin() as connection:
                    connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()
        else:
            print("PostgreSQL skipped: set IOFS_BENCH_POSTGRES_URL")


def treaty_only(args: argparse.Namespace) -> None:
    print(f"load average {os.getloadavg()}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as folder:
        targets: list[tuple[str, str, tuple[str, str] | None]] = (
            []
            if args.skip_sqlite
            else [("SQLite", f"sqlite:///{Path(folder) / 'bench.sqlite3'}", None)]
        )
        postgres = os.environ.get("IOFS_BENCH_POSTGRES_URL")
        if postgres:
            schema = f"bench_{uuid.uuid4().hex[:8]}"
            targets.append(
                ("PostgreSQL", f"{postgres}?options=-csearch_path%3D{schema}", (postgres, schema))
            )
        for label, url, pg in targets:
            admin = make_engine(pg[0]) if pg else None
            if admin is not None and pg:
                with admin.begin() as connection:
                    connection.execute(text(f'CREATE SCHEMA "{pg[1]}"'))
            try:
                upgrade(url)
                engine = make_engine(url)
                factory = make_session_factory(engine)
                load_accessions(factory, args.rows)
                if args.traits_only:
                    trait_timings(factory, label, args.queries, args.observations)
                else:
                    treaty_and_quality(factory, label, args.queries, args.observations)
                engine.dispose()
            finally:
                if admin is not None and pg:
                    with admin.begin() as connection:
                        connection.execute(text(f'DROP SCHEMA "{pg[1]}" CASCADE'))
                    admin.dispose()
            print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
