"""Country brief, bulletin and PDF brief beside assembling the same content from each
module's own page, one request after another.

Store: a fresh data directory with every module's demo and the shared real files (WFP prices
of Afghanistan, FAOSTAT food balances and food security, IPC national analyses). Times are
wall-clock milliseconds of in-process requests (FastAPI TestClient), so both sides pay the
same app overhead. The brief is measured cold (each state's first request after one warm-up
request of another state; module-level caches filled once) over the 57 states.

    .venv/bin/python benchmarks/briefs.py [--shared /work/shared/data] [--repeat 3] [--fixtures]

``--fixtures`` also loads the browser test's hand-made records: an appeal covering
Afghanistan (contributions, deliveries, people reached, FTS flows) and a small FAOSTAT trade
matrix of Afghan imports, so that the aid and trade-matrix parts of the brief are exercised.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def timed_get(client: Any, url: str) -> float:
    """Milliseconds of one GET of ``url`` (as a browser asks for a page)."""
    start = time.perf_counter()
    client.get(url, headers={"accept": "text/html"})
    return (time.perf_counter() - start) * 1000


def p95(values: list[float]) -> float:
    """95th percentile (nearest rank) of ``values`` (ms)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]


def module_pages(iso3: str) -> list[str]:
    """The pages a user opens to see what the brief shows, one per module."""
    return [
        f"/members/{iso3}",
        f"/risk/{iso3}",
        f"/prices/{iso3}",
        f"/drought/{iso3}",
        f"/faostat/{iso3}",
        f"/programmes/countries/{iso3}",
        "/reserves",
        f"/genebank?country={iso3}",
        f"/strategy/states/{iso3}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--repeat", type=int, default=3, help="runs of bulletin and PDF")
    parser.add_argument(
        "--fixtures", action="store_true", help="also the Afghan appeal and trade matrix"
    )
    args = parser.parse_args()

    from fastapi.testclient import TestClient
    from tests.briefs.conftest import load_demo, load_real_files

    from iofs.config import Settings
    from iofs.db import make_engine, make_session_factory, transaction, upgrade
    from iofs.members import service as members
    from iofs.web.app import create_app

    data_dir = Path(tempfile.mkdtemp(prefix="iofs-bench-briefs-"))
    settings = Settings(
        env="test",
        data_dir=data_dir,
        database_url=f"sqlite:///{data_dir / 'iofs.sqlite3'}",
        secret_key="benchmark-secret-key-0123456789abcdef0123",
    )
    started = time.perf_counter()
    upgrade(settings.resolved_database_url)
    factory = make_session_factory(make_engine(settings.resolved_database_url))
    with transaction(factory) as session:
        members.load_reference(session)
    load_real_files(settings.analytics_dir, args.shared)
    load_demo(factory)
    if args.fixtures:
        from tests.monitor.faostat.test_trade import _bulk
        from tests.programmes.test_country_aid import CHECKER, MAKER, add_afghan_appeal

        from iofs.monitor.faostat.ingest import ingest

        with transaction(factory) as session:
            add_afghan_appeal(session, MAKER, CHECKER)
        ingest(
            [_bulk(data_dir / "Trade_DetailedTradeMatrix_E_All_Data_(Normalized).csv")],
            settings.analytics_dir,
        )
    print(f"store loaded in {time.perf_counter() - started:.1f} s ({data_dir})")
    client = TestClient(create_app(settings))
    codes = [row["iso3"] for row in members.reference_member_states()]

    # warm-up: imports, price signals, FAOSTAT table, IPC tables (once for the whole store)
    warm = timed_get(client, "/countries/AFG")
    print(f"first brief (imports and store-wide reads): {warm:,.0f} ms")
    briefs: list[float] = []
    assembled: list[float] = []
    for code in codes:
        briefs.append(timed_get(client, f"/countries/{code}"))
        assembled.append(sum(timed_get(client, url) for url in module_pages(code)))
    month = client.get("/bulletin", follow_redirects=False).headers["location"].rsplit("/", 1)[1]
    bulletin = [timed_get(client, f"/bulletin/{month}") for _ in range(args.repeat)]
    aid_vs_need = [timed_get(client, "/aid-vs-need") for _ in range(args.repeat)]
    bulletin_pages = ["/risk", "/prices", "/drought", "/programmes", "/faostat"]
    bulletin_base = [
        sum(timed_get(client, url) for url in bulletin_pages) for _ in range(args.repeat)
    ]
    pdf = [timed_get(client, "/countries/AFG/brief.pdf?lang=ar") for _ in range(args.repeat)]
    pdf_base = [
        sum(timed_get(client, url) for url in module_pages("AFG")) for _ in range(args.repeat)
    ]

    rows: list[tuple[str, float, float, int | None]] = [
        ("country brief p95 over the 57 (ms)", p95(briefs), p95(assembled), 250),
        (
            "country brief median (ms)",
            statistics.median(briefs),
            statistics.median(assembled),
            None,
        ),
        (
            f"bulletin {month} median (ms)",
            statistics.median(bulletin),
            statistics.median(bulletin_base),
            1000,
        ),
        ("aid against need median (ms)", statistics.median(aid_vs_need), float("nan"), None),
        (
            "PDF brief AFG, Arabic, median (ms)",
            statistics.median(pdf),
            statistics.median(pdf_base),
            3000,
        ),
    ]
    print(f"{'':40} {'briefs':>10} {'module pages':>13} {'ratio':>7} {'target':>8}")
    for label, ours, theirs, target in rows:
        ratio = theirs / ours if ours else float("nan")
        print(
            f"{label:40} {ours:10,.0f} {theirs:13,.0f} {ratio:7.2f} "
            f"{'' if target is None else f'≤ {target:,}':>8}"
        )
    print(
        "module pages: the sum of each module's page for the same state, one after another "
        f"({', '.join(p.split('/')[1] for p in module_pages('XXX'))}); bulletin baseline: "
        f"{', '.join(bulletin_pages)}"
    )
    print("load average (1, 5, 15 min): " + ", ".join(f"{v:.2f}" for v in os.getloadavg()))


if __name__ == "__main__":
    main()
