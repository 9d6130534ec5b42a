"""Reserves benchmark: ledger balances of every lot at a date, and supply matching for one
request, each beside a plain SQL-per-lot loop in the same run (issue 16: 1 M movements over
2,000 lots; balances ≤ 200 ms, matching ≤ 300 ms).

    .venv/bin/python benchmarks/reserves.py [--database-url URL] [--movements N] [--lots N]

Builds a fresh database (SQLite in a temporary folder unless a URL is given; a PostgreSQL URL
gets its own schema, dropped afterwards), migrates it, writes the lots and movements in bulk
(no audit entries: this measures reads), rebuilds the monthly closing balances from them
(as ``iofs reserves rebuild-balances`` does), then prints the median of 5 timed runs of each
variant, their ratio and the load average.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url

from iofs.db import make_engine, make_session_factory, upgrade
from iofs.reserves import ledger, matching
from iofs.reserves.models import Lot, Movement, Warehouse

START = date(2020, 1, 1)


def _median_ms(run: Callable[[], object], repeat: int = 5) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times), result


def _database(url: str | None) -> tuple[str, Callable[[], None]]:
    if url is None:
        folder = Path(tempfile.mkdtemp(prefix="iofs-bench-"))
        return f"sqlite:///{folder / 'bench.sqlite3'}", lambda: None
    schema = f"iofs_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    parsed = make_url(url)
    scoped = parsed.set(
        query={**parsed.query, "options": f"-csearch_path={schema}"}
    ).render_as_string(hide_password=False)

    def drop() -> None:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return scoped, drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--movements", type=int, default=1_000_000)
    parser.add_argument("--lots", type=int, default=2_000)
    args = parser.parse_args()
    url, cleanup = _database(args.database_url)
    try:
        _run(url, args.movements, args.lots)
    finally:
        cleanup()


def _run(url: str, movements: int, lots: int) -> None:
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    rng = random.Random(16)
    states = [
        "AFG",
        "IRN",
        "TJK",
        "TUR",
        "KAZ",
        "AZE",
        "ALB",
        "UZB",
        "TKM",
        "KGZ",
        "EGY",
        "PAK",
        "BGD",
        "IDN",
        "MYS",
        "NGA",
        "SEN",
        "MAR",
        "SAU",
        "SDN",
    ]
    began = time.perf_counter()
    with factory() as session, session.begin():
        session.execute(
            insert(Warehouse),
            [
                {
                    "id": i + 1,
                    "code": f"W{i}",
                    "name": f"Store {i}",
                    "country": state,
                    "capacity_t": Decimal(10**6),
                    "place": "",
                    "sources": "",
                    "illustrative": True,
                }
                for i, state in enumerate(states)
            ],
        )
        session.execute(
            insert(Lot),
            [
                {
                    "id": i + 1,
                    "code": f"L{i}",
                    "warehouse_id": i % len(states) + 1,
                    "commodity": "wheat" if i % 4 else "rice",
                    "grade": "",
                    "received_on": START,
                    "sources": "",
                    "illustrative": True,
                }
                for i in range(lots)
            ],
        )
        batch: list[dict[str, object]] = []
        per_lot = movements // lots
        for lot in range(lots):
            # a receipt first, then small outs and ins that keep the lot positive
            batch.append(
                {
                    "lot_id": lot + 1,
                    "kind": "receipt",
                    "dated": START,
                    "quantity_t": Decimal(per_lot * 10),
                    "reason": "",
                    "document": "",
                    "recorded_by": "bench",
                }
            )
            for step in range(per_lot - 1):
                out = step % 2 == 0
                batch.append(
                    {
                        "lot_id": lot + 1,
                        "kind": "loss" if out else "receipt",
                        "dated": START + timedelta(days=rng.randrange(2000)),
                        "quantity_t": Decimal(rng.randrange(1, 5000)) / 1000 * (-1 if out else 1),
                        "reason": "",
                        "document": "",
                        "recorded_by": "bench",
                    }
                )
            if len(batch) >= 50_000:
                session.execute(insert(Movement), batch)
                batch = []
        if batch:
            session.execute(insert(Movement), batch)
    loaded = time.perf_counter() - began
    began = time.perf_counter()
    with factory() as session, session.begin():  # the movements bypassed ledger.append
        closings = ledger.rebuild_closings(session)
    rebuilt = time.perf_counter() - began
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    on = START + timedelta(days=1000)
    with factory() as session:
        count = session.execute(
            select(Movement.id).order_by(Movement.id.desc()).limit(1)
        ).scalar_one()
        grouped_ms, grouped = _median_ms(lambda: ledger.balances(session, on))

        def per_lot_loop() -> dict[int, Decimal]:
            found = {}
            for lot_id in range(1, lots + 1):
                found[lot_id] = ledger.tonnes_of(
                    session,
                    session.execute(
                        select(ledger.summed_tonnes(session, Movement.quantity_t)).where(
                            Movement.lot_id == lot_id, Movement.dated <= on
                        )
                    ).scalar_one(),
                )
            return found

        loop_ms, looped = _median_ms(per_lot_loop, repeat=1)
        assert grouped == looped, "the grouped balances differ from the per-lot loop"
        surplus = [
            matching.Surplus(state, Decimal("120"), Decimal(50000 + i), 2022)
            for i, state in enumerate(states)
        ]

        def match_once() -> list[matching.Match]:
            return matching.rank_sources(
                Decimal(5000),
                "AFG",
                matching.reserve_lots(session, "wheat", on),
                surplus,
                Decimal("350"),
            )

        def match_loop() -> list[matching.Match]:
            rows = session.execute(
                select(Lot.id, Lot.code, Warehouse.country, Warehouse.name)
                .join(Warehouse, Warehouse.id == Lot.warehouse_id)
                .where(Lot.commodity == "wheat")
            ).all()
            held = [
                matching.SourceLot(code, iso3, name, ledger.balance(session, lot_id, on))
                for lot_id, code, iso3, name in rows
            ]
            return matching.rank_sources(
                Decimal(5000),
                "AFG",
                [lot for lot in held if lot.balance_t > 0],
                surplus,
                Decimal("350"),
            )

        match_ms, matched = _median_ms(match_once)
        match_loop_ms, matched_loop = _median_ms(match_loop, repeat=1)
        assert matched == matched_loop
    engine.dispose()
    load = os.getloadavg()
    print(
        f"database: {engine.dialect.name}; {count:,} movements over {lots:,} lots "
        f"(written in {loaded:.0f} s; {closings:,} monthly closings rebuilt in "
        f"{rebuilt:.1f} s); cores: {os.cpu_count()}; "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    print(
        f"balances of every lot on {on}: grouped query {grouped_ms:,.0f} ms (median of 5) | "
        f"SQL per lot {loop_ms:,.0f} ms | ratio {loop_ms / grouped_ms:.1f}× "
        f"(target ≤ 200 ms)"
    )
    assert isinstance(matched, list)
    print(
        f"supply matching, one request ({len(matched)} sources): {match_ms:,.0f} ms "
        f"(median of 5) | SQL per lot {match_loop_ms:,.0f} ms | ratio "
        f"{match_loop_ms / match_ms:.1f}× (target ≤ 300 ms)"
    )


if __name__ == "__main__":
    main()
