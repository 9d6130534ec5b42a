"""Crash-safe ingests (#20): each ingest killed with SIGKILL leaves a store readers can use.

Each ingest (FAOSTAT, prices, IPC, rainfall/SPI) runs in a subprocess over a store that
already holds one file, and is killed at named points (``IOFS_TEST_KILL_AT``, see
:func:`iofs.ingest_files.kill_point`) and after a short time. Killed before its commit, the
store's visible files must be byte for byte the ones before; killed at any point, readers
must see no in-flight file and a rerun must succeed, leave no temporary behind and give the
files a clean run gives.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from iofs.ingest_files import KILL_ENV, is_in_flight
from tests.monitor.faostat.helpers import write_fbs
from tests.monitor.ipc.conftest import long_block, write_long

ROOT = Path(__file__).resolve().parents[1]

SCRIPTS = {
    "faostat": "from iofs.monitor.faostat.ingest import ingest\n"
    "ingest([Path(sys.argv[1])], Path(sys.argv[2]))",
    "prices": "from iofs.monitor.prices.ingest import ingest_file\n"
    "ingest_file(Path(sys.argv[1]), Path(sys.argv[2]))",
    "ipc": "from iofs.monitor.ipc.service import ingest\n"
    "ingest([Path(sys.argv[1])], Path(sys.argv[2]))",
    "rainfall": "from iofs.monitor.drought import read, service\n"
    "data = read.open_precipitation(Path(sys.argv[1]))\n"
    "service.run_spi(data, Path(sys.argv[2]) / 'drought' / 'spi.nc', 1, None,"
    " scheduler='synchronous')",
}

#: Per ingest: the kill points before its commit, and those inside it.
POINTS = {
    "faostat": (["faostat:before-commit"], ["faostat:commit"]),
    "prices": (["prices:staged", "prices:before-commit"], ["prices:commit"]),
    "ipc": (["ipc:before-commit"], []),
    "rainfall": (["drought:before-commit"], []),
}


def _files(kind: str, folder: Path) -> tuple[Path, Path]:
    """(the file already in the store, the file whose ingest is killed)."""
    if kind == "faostat":
        first = write_fbs(folder / "FoodBalanceSheets_E_First.csv")
        second = folder / "FoodBalanceSheets_E_Second.csv"
        second.write_bytes(first.read_bytes().replace(b'"20000"', b'"20500"'))
        return first, second
    if kind == "prices":
        header = "date,market,commodity,unit,pricetype,currency,price\n"
        rows = [
            f"{y}-{m:02d}-15,Cairo,Rice,KG,Retail,EGP,{20 + m}\n"
            for y in range(2015, 2024)
            for m in range(1, 13)
        ]
        first = folder / "wfp_food_prices_egy.csv"
        first.write_text(header + "".join(rows[:60]))
        second = folder / "wfp_food_prices_egy_2.csv"
        second.write_text(
            header.replace("date", "countryiso3,date") + "".join(f"EGY,{row}" for row in rows[40:])
        )
        return first, second
    if kind == "ipc":
        first = write_long(
            folder / "ipc_sdn_long.csv",
            [
                long_block(
                    "SDN",
                    "Oct 2021",
                    "current",
                    ("2021-10-01", "2022-02-28"),
                    [500_000, 300_000, 150_000, 50_000, 0],
                )
            ],
        )
        second = write_long(
            folder / "ipc_sdn_long_2.csv",
            [
                long_block(
                    "SDN",
                    "Mar 2022",
                    "current",
                    ("2022-03-01", "2022-05-31"),
                    [400_000, 300_000, 200_000, 90_000, 10_000],
                )
            ],
        )
        return first, second
    lines = ["date,station_a,station_b"]
    for index in range(240):
        lines.append(
            f"{2000 + index // 12}-{index % 12 + 1:02d},{10 + index % 7 * 5},{30 + index % 5 * 4}"
        )
    first = folder / "rain_first.csv"
    first.write_text("\n".join(lines) + "\n")
    second = folder / "rain_second.csv"
    second.write_text("\n".join(lines[:1] + [line + "1" for line in lines[1:]]) + "\n")
    return first, second


def _run(
    kind: str, path: Path, store: Path, kill_at: str | None = None, after: float | None = None
) -> int:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop(KILL_ENV, None)
    if kill_at:
        env[KILL_ENV] = kill_at
    code = "import sys\nfrom pathlib import Path\n" + SCRIPTS[kind]
    process = subprocess.Popen(
        [sys.executable, "-c", code, str(path), str(store)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    if after is not None:
        try:
            process.wait(after)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
    _out, err = process.communicate(timeout=240)
    if kill_at is None and after is None:
        assert process.returncode == 0, err.decode(errors="replace")[-2000:]
    return process.returncode


def _visible(store: Path) -> dict[str, str]:
    """Every file of the store a reader may read (not in flight), with its SHA-256."""
    out = {}
    for path in sorted(store.rglob("*")):
        relative = path.relative_to(store)
        if path.is_file() and not any(is_in_flight(part) for part in relative.parts):
            out[str(relative)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def _in_flight(store: Path) -> list[str]:
    return [
        str(p.relative_to(store))
        for p in store.rglob("*")
        if any(is_in_flight(part) for part in p.relative_to(store).parts)
    ]


@pytest.mark.parametrize("kind", sorted(SCRIPTS))
def test_a_killed_ingest_leaves_the_store_usable_and_the_rerun_succeeds(
    kind: str, tmp_path: Path
) -> None:
    first, second = _files(kind, tmp_path)
    base = tmp_path / "base"
    _run(kind, first, base)
    clean = tmp_path / "clean"
    shutil.copytree(base, clean)
    _run(kind, second, clean)
    expected = set(_visible(clean))
    before = _visible(base)
    safe, inside = POINTS[kind]
    for point in [*safe, *inside, None]:
        store = tmp_path / f"store-{(point or 'timed').replace(':', '-')}"
        shutil.copytree(base, store)
        if point is None:
            started = time.monotonic()
            _run(kind, second, store, after=0.4)
            assert time.monotonic() - started < 240
        else:
            assert _run(kind, second, store, kill_at=point) == -signal.SIGKILL, point
        now = _visible(store)
        if point in safe:
            assert now == before, point
        elif point is None:
            assert now == before or set(now) == expected
        _run(kind, second, store)  # the rerun succeeds …
        assert set(_visible(store)) == expected, point  # … with a clean run's files
        assert _in_flight(store) == [], point  # and the killed run's leftovers are gone


# --- MCPD passport import (database store), on SQLite and PostgreSQL -------------------------

#: Kill points of a passport import, all before its transaction commits.
MCPD_POINTS = ["genebank:chunk-written", "genebank:before-commit"]


def _mcpd_file(path: Path, first: int, count: int) -> Path:
    from iofs.genebank.mcpd import AVAILABLE, MCPD_COLUMNS

    lines = [",".join([*MCPD_COLUMNS, AVAILABLE])]
    for n in range(first, first + count):
        values = {
            "INSTCODE": "KAZ015",
            "ACCENUMB": f"KZ-K{n:06d}",
            "GENUS": "Triticum",
            "SPECIES": "aestivum",
            "ORIGCTY": "KAZ",
            "SAMPSTAT": "300",
            "STORAGE": "13",
            "ACQDATE": f"{1990 + n % 30}----",
        }
        lines.append(",".join([*(values.get(c, "") for c in MCPD_COLUMNS), "yes"]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _mcpd_run(
    path: Path, url: str, data_dir: Path, kill_at: str | None = None, after: float | None = None
) -> int:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "IOFS_DATABASE_URL": url,
        "IOFS_DATA_DIR": str(data_dir),
        "IOFS_ENV": "test",
    }
    env.pop(KILL_ENV, None)
    if kill_at:
        env[KILL_ENV] = kill_at
    code = (
        "import sys\nfrom iofs.cli import app\n"
        "sys.argv = ['iofs', 'genebank', 'import', sys.argv[1]]\napp()"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code, str(path)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    if after is not None:
        try:
            process.wait(after)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
    _out, err = process.communicate(timeout=240)
    if kill_at is None and after is None:
        assert process.returncode == 0, err.decode(errors="replace")[-2000:]
    return process.returncode


def _mcpd_store(url: str) -> tuple[object, ...]:
    """The gene bank's rows and the audit chain: what a killed import must leave as it was."""
    from sqlalchemy import text

    from iofs.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            accessions = connection.execute(
                text("SELECT * FROM genebank_accession ORDER BY instcode, accenumb")
            ).all()
            counts = connection.execute(
                text("SELECT * FROM genebank_accession_count ORDER BY 1, 2, 3, 4, 5, 6, 7")
            ).all()
            audit = connection.execute(text("SELECT COUNT(*) FROM audit_entry")).scalar_one()
    finally:
        engine.dispose()
    return tuple(map(tuple, accessions)), tuple(map(tuple, counts)), audit


def test_a_killed_mcpd_import_leaves_the_database_unchanged_and_the_rerun_succeeds(
    database_url: str, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from iofs.cli import app

    data_dir = tmp_path / "var"
    _mcpd_run(_mcpd_file(tmp_path / "first.csv", 0, 50), database_url, data_dir)
    second = _mcpd_file(tmp_path / "second.csv", 40, 12_000)
    before = _mcpd_store(database_url)
    assert len(before[0]) == 50
    for point in MCPD_POINTS:
        assert _mcpd_run(second, database_url, data_dir, kill_at=point) == -signal.SIGKILL, point
        assert _mcpd_store(database_url) == before, point
    for delay in (1.5, 3.0):  # by time: wherever the import is then
        code = _mcpd_run(second, database_url, data_dir, after=delay)
        now = _mcpd_store(database_url)
        # as before, or the whole import: killed after its commit (while the CLI was still
        # printing) counts as done, exit status -9 or not; anything in between fails
        assert now == before or len(now[0]) == 12_040, (delay, code, len(now[0]))
    _mcpd_run(second, database_url, data_dir)  # the rerun succeeds …
    after = _mcpd_store(database_url)
    assert len(after[0]) == 12_040  # … with every accession once
    env = {"IOFS_DATABASE_URL": database_url, "IOFS_DATA_DIR": str(data_dir), "IOFS_ENV": "test"}
    result = CliRunner().invoke(app, ["audit", "verify"], env=env)
    assert result.exit_code == 0, result.output
