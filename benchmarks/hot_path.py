"""CPU per request of the common reads, rendered every time and served from the public cache.

Usage: python benchmarks/hot_path.py [--data /tmp/iofs-bench-load/sqlite] [--repeat 20]

Reads the store ``benchmarks/load.py`` builds (run that first, or point ``--data`` at any data
directory holding ``iofs.sqlite3``). For each read of ``benchmarks.load.READS`` (``{iso3}`` →
AFG, ``{accession}`` → the first public accession) it prints the CPU milliseconds of one
answer through the whole app in this process — with ``IOFS_PUBLIC_CACHE_SECONDS=0`` (the
obvious way: render every time) and with the cache on (a hit) — and their ratio. In-process
(Starlette's test client), so the figures include the client's own cost; the machine may be
shared: the load average is printed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def cpu_ms(client: object, path: str, repeat: int) -> float:
    """CPU milliseconds per GET of ``path`` (after two warm-up requests)."""
    for _ in range(2):
        client.get(path)  # type: ignore[attr-defined]
    begin = time.process_time()
    for _ in range(repeat):
        client.get(path)  # type: ignore[attr-defined]
    return 1000 * (time.process_time() - begin) / repeat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="/tmp/iofs-bench-load/sqlite")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    data = Path(args.data)
    if not (data / "iofs.sqlite3").is_file():
        raise SystemExit(
            f"{data / 'iofs.sqlite3'} not found: build a store first, e.g. "
            "python benchmarks/load.py --database sqlite --no-baseline --no-upload"
        )
    from benchmarks.load import READS
    from fastapi.testclient import TestClient
    from sqlalchemy import create_engine, text

    from iofs.config import Settings
    from iofs.web.app import create_app

    url = f"sqlite:///{data / 'iofs.sqlite3'}"
    with create_engine(url).connect() as connection:
        accession = connection.execute(
            text("SELECT min(id) FROM genebank_accession WHERE available")
        ).scalar()
    base = Settings(
        env="development",
        data_dir=data,
        database_url=url,
        secret_key="load-benchmark-secret-key-0123456789abcdef",
    )
    clients = {
        seconds: TestClient(
            create_app(base.model_copy(update={"public_cache_seconds": seconds})),
            base_url="http://127.0.0.1",
        )
        for seconds in (0.0, 3600.0)
    }
    print(f"{'rendered':>10} {'kept':>8} {'ratio':>7}  read  (CPU ms per answer; {load()})")
    for template, _weight in READS:
        path = template.replace("{iso3}", "AFG").replace("{accession}", str(accession or 1))
        rendered = cpu_ms(clients[0.0], path, args.repeat)
        kept = cpu_ms(clients[3600.0], path, args.repeat)
        print(f"{rendered:10.1f} {kept:8.1f} {rendered / kept:6.1f}x  {path}")
    print(f"({load()})")


def load() -> str:
    """The load average (1, 5, 15 min)."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


if __name__ == "__main__":
    main()
