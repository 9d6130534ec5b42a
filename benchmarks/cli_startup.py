"""CLI start-up: how long ``iofs`` takes before it starts its own work.

Usage: python benchmarks/cli_startup.py [--runs 10]

Prints, in one run, the median wall time of ``--runs`` runs of ``iofs --version``,
``iofs --help``, ``iofs members list --format json`` (against a throwaway SQLite installation
it migrates and loads first) and ``python -c pass``; each with its ratio to the bare
interpreter. Beside them, the obvious way: the same ``--help`` with every module's command
group imported eagerly (what the CLI did before its groups became lazy).

Targets (issue #13): ``--version`` ≤ 0.3 s, ``--help`` ≤ 0.6 s. Not a test; ``make test``
never runs it. The machine is shared: the load average is printed with the times.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EAGER_HELP = (
    "import sys; from iofs.cli import app, _load_command; from iofs.modules import commands; "
    "[_load_command(c) for c in commands()]; sys.argv = ['iofs', '--help']; app()"
)


def median_seconds(command: list[str], runs: int, env: dict[str, str]) -> float:
    """Median wall time of ``runs`` runs of ``command`` (seconds); fails loudly on errors."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(
                f"{' '.join(command)} failed ({done.returncode}): {done.stderr.decode()[-500:]}"
            )
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    iofs = str(Path(sys.executable).with_name("iofs"))
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "IOFS_DATA_DIR": data_dir, "COLUMNS": "100"}
        env.pop("IOFS_DATABASE_URL", None)
        for step in (["db", "upgrade"], ["members", "load"]):
            subprocess.run([iofs, *step], env=env, capture_output=True, check=True)
        cases = [
            ("python -c pass", [sys.executable, "-c", "pass"], None),
            ("iofs --version", [iofs, "--version"], 0.3),
            ("iofs --help", [iofs, "--help"], 0.6),
            (
                "iofs members list --format json",
                [iofs, "members", "list", "--format", "json"],
                None,
            ),
            ("--help, every group imported eagerly", [sys.executable, "-c", EAGER_HELP], None),
        ]
        results = [
            (label, median_seconds(cmd, args.runs, env), target) for label, cmd, target in cases
        ]
    bare = results[0][1]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"median of {args.runs} runs; {os.cpu_count()} cores, load average {load}")
    for label, seconds, target in results:
        verdict = (
            ""
            if target is None
            else (f"  target ≤ {target} s: {'met' if seconds <= target else 'NOT met'}")
        )
        print(f"{label:<40} {seconds:6.3f} s  {seconds / bare:6.1f}× python{verdict}")
    eager, lazy = results[4][1], results[2][1]
    print(f"lazy groups: --help {eager / lazy:.1f}× faster than importing every group")


if __name__ == "__main__":
    main()
