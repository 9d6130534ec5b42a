"""Many users at once: readers and writers against ``iofs serve`` on 127.0.0.1 (issue 21).

Usage: python benchmarks/load.py [--database postgresql|sqlite] [--workers 2]
           [--readers 50] [--writers 5] [--duration 60] [--contributions 10000]
           [--accessions 1000000] [--upload-rows 9000] [--no-baseline] [--no-upload]
           [--data /tmp/iofs-bench-load]

The store: the member registry, every module's demonstration data, the shared real monitoring
files (``../shared/data``: prices, FAOSTAT, IPC, INFORM, when present), ``--contributions``
programme contributions (entered through the workbook upload, as a secretariat would) and
``--accessions`` gene bank accessions (bulk, as ``benchmarks/genebank.py`` loads them). It is
built once per set of options under ``--data`` and reused.

Each run starts ``iofs serve --workers N`` and, after ``--warmup`` seconds (30) of the same
load (every worker reads its files once and draws the charts of the 57 states' pages: 133
charts per language, at 14–56 ms of CPU each, which a server running for days has long done), a
bounded generator in another process:
``--readers`` coroutines each GET a common page or API read and wait for the answer before the
next (closed loop, no think time), ``--writers`` coroutines each POST a new programme
contribution with an API token; for ``--duration`` seconds. Printed per run: requests per
second, read and write p50/p95/p99, errors by status, the server's CPU milliseconds per
request (all its processes) and the generator's CPU, with the load average. Runs:

1. the server as configured (``--workers``, default 2);
2. the same while a ``--upload-rows`` programme workbook upload runs (sent 2 s into the
   measured run; printed: how many of its seconds the upload's job covered);
3. the baseline: the same load against ``--workers 1`` with the public cache off and every
   request rendered at once (``IOFS_PUBLIC_CACHE_SECONDS=0``, ``IOFS_CONCURRENT_RENDERS=0``:
   today's single process, no caches, no admission), and the ratio of 1 to 3.

During run 1, ``iofs backup --out`` takes an online snapshot half-way through (unless
``--no-backup``); after the runs it is restored (``iofs restore``: every table's row count and
every file's digest against the manifest, and the audit chain) into an empty data directory and
database, and ``iofs audit verify`` runs on the restored store.

Targets (issue 21, PostgreSQL, 2 workers, 50 readers + 5 writers, 60 s): >= 300 requests/s,
read p95 <= 300 ms, write p95 <= 500 ms, 0 errors; during the upload 0 errors and write p95
<= 1 s. The generator shares the machine's cores with the server: its CPU is printed beside.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import multiprocessing
import os
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # benchmarks.genebank (the accessions bulk loader)

IOFS = str(Path(sys.executable).with_name("iofs"))
SECRETARIAT = "bench-secretariat@load.example"
PASSWORD = "load-benchmark-password-1"
#: What readers ask for, with weights: the pages and API reads people use most. ``{iso3}``
#: is any of the 57 OIC states, ``{accession}`` any stored accession id, drawn per request, so
#: that reads spread over the store as visitors' do (not a handful of hot answers).
READS: tuple[tuple[str, int], ...] = (
    ("/", 6),
    ("/prices", 4),
    ("/prices/AFG", 2),
    ("/prices/PSE", 2),
    ("/risk", 4),
    ("/risk/{iso3}", 2),
    ("/countries/{iso3}", 4),
    ("/programmes", 3),
    ("/programmes/appeals/F4H-GAZA", 2),
    ("/reserves", 2),
    ("/strategy", 2),
    ("/faostat", 2),
    ("/genebank", 2),
    ("/genebank?q=Triticum", 1),
    ("/genebank/accessions/{accession}", 3),
    ("/aid-vs-need", 1),
    ("/api/v1/risk/index", 2),
    ("/api/v1/risk/watchlist", 1),
    ("/api/v1/programmes/contributions?appeal=F4H-GAZA", 2),
    ("/api/v1/genebank/accessions?limit=50", 2),
    ("/brapi/v2/germplasm?pageSize=100", 2),
    ("/api/v1/members", 2),
)


def load() -> str:
    """The load average (1, 5, 15 min), printed beside every timing: the machine is shared."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


# -- the store -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Store:
    """An installation to serve: its environment for ``iofs serve`` and a writer's token."""

    env: dict[str, str]
    token: str
    workbook: Path


def _database_url(kind: str, data_dir: Path, pg_base: str, name: str = "iofs_bench_load") -> str:
    if kind == "sqlite":
        return f"sqlite:///{data_dir / 'iofs.sqlite3'}"
    return pg_base.rsplit("/", 1)[0] + "/" + name


def _fresh_postgres(url: str) -> None:
    """Drop and create the database ``url`` names."""
    import psycopg

    base, name = url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)
    admin = base + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")


def contributions_workbook(rows: int, prefix: str) -> bytes:
    """A programmes workbook with ``rows`` pledges to the Gaza appeal (references
    ``<prefix>-<n>``), in the template's ``contributions`` sheet layout."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("contributions")
    sheet.append(["reference", "donor", "appeal", "status", "decided_on", "currency", "amount"])
    donors = ("TUR", "TKM", "KAZ")
    for n in range(rows):
        sheet.append(
            [
                f"{prefix}-{n}",
                donors[n % len(donors)],
                "F4H-GAZA",
                "pledge",
                f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}",
                "USD",
                1000 + n % 5000,
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


#: The shared real files each module's own command ingests (beside ``demo.load_files``'s
#: prices and FAOSTAT): IPC phases, the INFORM release, then the risk index from all inputs.
MONITORING: tuple[tuple[str, ...], ...] = (
    ("ingest", "ipc", "ipc/ipc_global_national_long.csv", "ipc/ipc_global_level1_long.csv"),
    ("risk", "import-inform", "inform/inform_gri_2020_v040.csv"),
    ("risk", "update"),
)


def cli(command: list[str], env: dict[str, str]) -> tuple[int, float, list[str]]:
    """Run ``iofs *command``: its exit status, seconds taken and the lines it printed."""
    begin = time.perf_counter()
    done = subprocess.run([IOFS, *command], env=env, capture_output=True, text=True, check=False)
    return done.returncode, time.perf_counter() - begin, (done.stdout + done.stderr).splitlines()


def monitoring(env: dict[str, str]) -> str:
    """Ingest the shared IPC and INFORM files and recompute the risk index through the CLI,
    as an analyst would; what each command said, in one line (skipped without ``../shared``)."""
    shared = ROOT.parent / "shared" / "data"
    if not shared.is_dir():
        return "no ../shared/data: IPC and INFORM not loaded"
    said = []
    for command in MONITORING:
        status, _seconds, lines = cli(
            [str(shared / part) if "/" in part else part for part in command], env
        )
        if status:
            raise SystemExit(f"store: iofs {' '.join(command)} failed:\n" + "\n".join(lines))
        said.append(f"{' '.join(command[:2])}: exit 0 {(lines or [''])[-1][:100]}")
    print("store: " + "; ".join(said))
    return "; ".join(said)


def prepare(args: argparse.Namespace) -> Store:
    """Build (or reuse) the store the options describe."""
    data_dir = Path(args.data) / args.database
    marker = data_dir / "store.json"
    wanted = {
        "database": args.database,
        "contributions": args.contributions,
        "accessions": args.accessions,
        "shared": (ROOT.parent / "shared" / "data").is_dir(),
        "version": 1,
    }
    url = _database_url(args.database, data_dir, args.pg_url)
    env = {
        **os.environ,
        "IOFS_DATA_DIR": str(data_dir),
        "IOFS_DATABASE_URL": url,
        "IOFS_SECRET_KEY": "load-benchmark-secret-key-0123456789abcdef",
        "IOFS_ENV": "development",
        "IOFS_LOG_LEVEL": "warning",
    }
    workbook = data_dir / "upload.xlsx"
    if marker.is_file() and json.loads(marker.read_text()).get("wanted") == wanted:
        saved = json.loads(marker.read_text())
        print(f"store: reusing {data_dir} ({saved['summary']})")
        if not saved.get("monitoring"):  # a store built before IPC and INFORM were loaded
            saved["monitoring"] = monitoring(env)
            marker.write_text(json.dumps(saved))
        return Store(env, saved["token"], workbook)

    import shutil

    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    if args.database == "postgresql":
        _fresh_postgres(url)
    os.environ.update({k: v for k, v in env.items() if k.startswith("IOFS_")})
    from iofs.accounts import service as accounts
    from iofs.config import Settings
    from iofs.db import make_engine, make_session_factory, transaction, upgrade
    from iofs.demo import load_all, load_files
    from iofs.members import service as members
    from iofs.programmes.exchange import workbook_upload
    from iofs.roles import Role

    begin = time.perf_counter()
    settings = Settings(data_dir=data_dir, database_url=url, secret_key=env["IOFS_SECRET_KEY"])
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        members.load_reference(session)
        user = accounts.create_user(
            session,
            accounts.cli_principal(),
            email=SECRETARIAT,
            display_name="load benchmark",
            password=PASSWORD,
            grants=[accounts.RoleGrant(Role.SECRETARIAT, ())],
        )
        user_id = user.id
        token, _row = accounts.create_token(session, accounts.cli_principal(), user_id, name="load")
    with transaction(factory) as session:
        load_all(session, accounts.cli_principal())
    print(f"store: demo data ({time.perf_counter() - begin:.0f} s)")
    shared = ROOT.parent / "shared" / "data"
    loaded = load_files(settings, shared if shared.is_dir() else None)
    print(f"store: shared real files ({time.perf_counter() - begin:.0f} s): {loaded}")
    with transaction(factory) as session:
        secretariat = accounts.principal_for(accounts.get_user(session, user_id))
        left = args.contributions
        batch = 0
        while left > 0:
            rows = min(left, 9_000)
            data = contributions_workbook(rows, f"LOAD-SEED-{batch}")
            workbook_upload.upload(session, secretariat, data, settings.analytics_dir)
            left -= rows
            batch += 1
    print(f"store: {args.contributions:,} contributions ({time.perf_counter() - begin:.0f} s)")
    if args.accessions:
        from benchmarks.genebank import load_accessions

        load_accessions(factory, args.accessions)
    engine.dispose()
    workbook.write_bytes(contributions_workbook(args.upload_rows, "LOAD-UPLOAD"))
    summary = (
        f"{args.contributions:,} contributions, {args.accessions:,} accessions, built in "
        f"{time.perf_counter() - begin:.0f} s"
    )
    said = monitoring(env)
    marker.write_text(
        json.dumps({"wanted": wanted, "token": token, "summary": summary, "monitoring": said})
    )
    print(f"store: {summary}")
    return Store(env, token, workbook)


# -- the server ------------------------------------------------------------------------------


class Server:
    """``iofs serve --workers N`` on a free port, ready when /readyz answers 200."""

    def __init__(self, store: Store, workers: int, port: int, *, caches: bool = True) -> None:
        self.url = f"http://127.0.0.1:{port}"
        plain = {"IOFS_PUBLIC_CACHE_SECONDS": "0", "IOFS_CONCURRENT_RENDERS": "0"}
        env = store.env if caches else {**store.env, **plain}
        self.process = subprocess.Popen(
            [IOFS, "serve", "--workers", str(workers), "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )

    def __enter__(self) -> Server:
        import httpx

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"iofs serve stopped: {self.process.stderr.read().decode()}")  # type: ignore[union-attr]
            try:
                if httpx.get(self.url + "/readyz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise SystemExit("iofs serve did not answer /readyz within 120 s")

    def cpu_seconds(self) -> float:
        """User + system CPU of the server and every process under it (its workers)."""
        import psutil  # type: ignore[import-untyped]

        try:
            root = psutil.Process(self.process.pid)
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return 0.0
        total = 0.0
        for process in tree:
            try:
                times = process.cpu_times()
                total += times.user + times.system
            except psutil.NoSuchProcess:
                pass
        return total

    def __exit__(self, *exc: object) -> None:
        import signal

        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)


# -- the generator ---------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one run measured: latencies in seconds, statuses by kind."""

    reads: list[float] = field(default_factory=list)
    writes: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    #: Read path template → (latencies in seconds, answers the public cache kept).
    by_path: dict[str, tuple[list[float], list[bool]]] = field(default_factory=dict)
    seconds: float = 0.0
    generator_cpu: float = 0.0


def expand(template: str, rng: random.Random, states: list[str], accessions: list[int]) -> str:
    """A read path from its template: a random OIC state, a random public accession."""
    path = template.replace("{iso3}", rng.choice(states))
    return path.replace("{accession}", str(rng.choice(accessions))) if accessions else path


async def _reader(
    client: Any,
    paths: list[str],
    stop: float,
    out: Outcome,
    seed: int,
    spread: tuple[list[str], list[int]],
) -> None:
    rng = random.Random(seed)
    states, accessions = spread
    while time.monotonic() < stop:
        template = rng.choice(paths)
        path = expand(template, rng, states, accessions)
        begin = time.perf_counter()
        kept = False
        try:
            async with client.get(path) as response:
                await response.read()
                status = response.status
                kept = response.headers.get("x-cache") == "hit"
        except Exception as error:  # a refused or dropped connection is an error, counted
            status = type(error).__name__
        seconds = time.perf_counter() - begin
        out.reads.append(seconds)
        times, hits = out.by_path.setdefault(template, ([], []))
        times.append(seconds)
        hits.append(kept)
        if status != 200:
            out.errors[f"GET {path.split('?')[0]} {status}"] += 1


async def _writer(client: Any, token: str, number: int, stop: float, out: Outcome) -> None:
    sequence = 0
    headers = {"Authorization": f"Bearer {token}"}
    while time.monotonic() < stop:
        sequence += 1
        body = {
            "reference": f"LOAD-W{number}-{os.getpid()}-{sequence}-{time.time_ns()}",
            "donor": "TUR",
            "appeal": "F4H-GAZA",
            "status": "pledge",
            "decided_on": "2025-06-01",
            "currency": "USD",
            "amount": "2500.00",
        }
        begin = time.perf_counter()
        try:
            async with client.post(
                "/api/v1/programmes/contributions", json=body, headers=headers
            ) as response:
                await response.read()
                status = response.status
        except Exception as error:
            status = type(error).__name__
        out.writes.append(time.perf_counter() - begin)
        if status != 201:
            out.errors[f"POST contribution {status}"] += 1


async def _generate(
    url: str,
    token: str,
    paths: list[str],
    readers: int,
    writers: int,
    seconds: float,
    accessions: list[int],
) -> Outcome:
    # aiohttp, not httpx: the generator shares the server's two cores, and httpx spent about
    # 6 ms of CPU per request (46 s of a 60 s run at 127 requests/s), aiohttp about a third.
    import aiohttp

    from iofs.members.service import oic_iso3

    spread = (sorted(oic_iso3()), accessions)
    out = Outcome()
    connector = aiohttp.TCPConnector(limit=readers + writers + 4)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(url, connector=connector, timeout=timeout) as client:
        begin = time.monotonic()
        stop = begin + seconds
        tasks = [_reader(client, paths, stop, out, seed, spread) for seed in range(readers)]
        tasks += [_writer(client, token, n, stop, out) for n in range(writers)]
        await asyncio.gather(*tasks)
        out.seconds = time.monotonic() - begin
    return out


def _generator_process(queue: Any, *job: Any) -> None:
    begin = time.process_time()
    outcome = asyncio.run(_generate(*job))
    outcome.generator_cpu = time.process_time() - begin
    queue.put(outcome)


def public_accessions(store: Store) -> list[int]:
    """Ids of the accessions anyone may see (the others answer 404 to a visitor)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(store.env["IOFS_DATABASE_URL"])
    with engine.connect() as connection:
        ids = connection.execute(
            text("SELECT id FROM genebank_accession WHERE available")
        ).scalars()
        found = [int(i) for i in ids]
    engine.dispose()
    return found


def generate(
    url: str, token: str, paths: list[str], args: argparse.Namespace, accessions: list[int]
) -> Outcome:
    """Run the generator in its own process (its CPU is not the server's)."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(
        target=_generator_process,
        args=(
            queue,
            url,
            token,
            paths,
            args.readers,
            args.writers,
            args.duration,
            accessions,
        ),
    )
    process.start()
    outcome: Outcome = queue.get()
    process.join()
    return outcome


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0–1) of ``values`` in milliseconds (nearest rank)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def report(label: str, outcome: Outcome, server_cpu: float) -> float:
    """Print one run's figures; returns its requests per second."""
    total = len(outcome.reads) + len(outcome.writes)
    rate = total / outcome.seconds if outcome.seconds else 0.0
    errors = sum(outcome.errors.values())
    print(
        f"[{label}] {rate:7.1f} requests/s ({total:,} in {outcome.seconds:.0f} s); "
        f"reads p50/p95/p99 {percentile(outcome.reads, 0.5):.0f}/"
        f"{percentile(outcome.reads, 0.95):.0f}/{percentile(outcome.reads, 0.99):.0f} ms; "
        f"writes p50/p95/p99 {percentile(outcome.writes, 0.5):.0f}/"
        f"{percentile(outcome.writes, 0.95):.0f}/{percentile(outcome.writes, 0.99):.0f} ms; "
        f"errors {errors}; server CPU {1000 * server_cpu / max(total, 1):.1f} ms/request; "
        f"generator CPU {outcome.generator_cpu:.0f} s; {load()}"
    )
    for what, count in outcome.errors.most_common(8):
        print(f"    {count:6,} × {what}")
    return rate


def report_paths(outcome: Outcome, shown: int = 10) -> None:
    """The read paths that took the most of the readers' waiting, with their cache hits."""
    spent = sum(sum(times) for times, _hits in outcome.by_path.values()) or 1.0
    ranked = sorted(outcome.by_path.items(), key=lambda item: -sum(item[1][0]))
    for template, (times, hits) in ranked[:shown]:
        print(
            f"    {100 * sum(times) / spent:5.1f} % of read time  {len(times):5,} reads  "
            f"p50 {percentile(times, 0.5):6.0f} ms  kept {100 * sum(hits) / len(hits):5.1f} %  "
            f"{template}"
        )


def _paths(url: str, accession: int) -> list[str]:
    """The weighted read list, without the paths this store does not serve (said so)."""
    import httpx

    paths: list[str] = []
    for path, weight in READS:
        sample = path.replace("{iso3}", "AFG").replace("{accession}", str(accession))
        status = httpx.get(url + sample, timeout=60).status_code
        if status == 200:
            paths += [path] * weight
        else:
            print(f"    (not read: {sample} answers {status})")
    return paths


def _upload(url: str, token: str, workbook: Path, out: dict[str, Any]) -> None:
    import httpx

    time.sleep(2)
    begin = time.perf_counter()
    response = httpx.post(
        url + "/api/v1/programmes/upload",
        headers={"Authorization": f"Bearer {token}"},
        files={
            "file": (
                workbook.name,
                workbook.read_bytes(),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        },
        timeout=600,
    )
    out["status"] = response.status_code
    out["seconds"] = time.perf_counter() - begin
    out["body"] = response.text[:200]


def _backup(store: Store, delay: float, archive: Path, out: dict[str, Any]) -> None:
    """``iofs backup --out archive`` after ``delay`` seconds, while the load runs."""
    time.sleep(delay)
    archive.unlink(missing_ok=True)
    out["status"], out["seconds"], lines = cli(["backup", "--out", str(archive)], store.env)
    out["said"] = lines[-3:]


def check_restore(store: Store, archive: Path, args: argparse.Namespace) -> None:
    """Restore ``archive`` into an empty data directory and database, then ``iofs audit
    verify`` there; print what both said."""
    import shutil

    target = Path(args.data) / f"{args.database}-restored"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    url = _database_url(args.database, target, args.pg_url, "iofs_bench_restored")
    if args.database == "postgresql":
        _fresh_postgres(url)
    env = {**store.env, "IOFS_DATA_DIR": str(target), "IOFS_DATABASE_URL": url}
    for command in (["restore", str(archive)], ["audit", "verify"]):
        status, seconds, lines = cli(command, env)
        print(
            f"    {' '.join(command)}: exit {status} in {seconds:.1f} s; {' / '.join(lines[-4:])}"
        )


def run(
    store: Store,
    workers: int,
    args: argparse.Namespace,
    label: str,
    upload: bool,
    *,
    caches: bool = True,
    backup: Path | None = None,
) -> float:
    """One run against a fresh server; returns its requests per second. With ``backup``, an
    online backup is written there half-way through the measured run."""
    port = 18600 + workers + (10 if upload else 0) + (20 if not caches else 0)
    with Server(store, workers, port, caches=caches) as server:
        accessions = public_accessions(store)
        paths = _paths(server.url, accessions[0] if accessions else 1)
        uploaded: dict[str, Any] = {}
        thread = None
        if upload:
            thread = threading.Thread(
                target=_upload, args=(server.url, store.token, store.workbook, uploaded)
            )
        if args.warmup:  # every worker fills its caches (files read, charts drawn) first
            warm = argparse.Namespace(**{**vars(args), "duration": args.warmup})
            generate(server.url, store.token, paths, warm, accessions)
        if thread is not None:
            thread.start()  # 2 s into the measured run, so that the job runs during it
        backed_up: dict[str, Any] = {}
        snapshot = None
        if backup is not None:
            snapshot = threading.Thread(
                target=_backup, args=(store, args.duration / 2, backup, backed_up)
            )
            snapshot.start()
        cpu = server.cpu_seconds()
        measured = datetime.now(UTC)
        outcome = generate(server.url, store.token, paths, args, accessions)
        window = (measured, datetime.now(UTC))
        cpu = server.cpu_seconds() - cpu
        rate = report(label, outcome, cpu)
        if args.paths:
            report_paths(outcome)
        if snapshot is not None:
            snapshot.join()
            print(
                f"    backup during the run: exit {backed_up.get('status')} in "
                f"{backed_up.get('seconds', 0):.1f} s; {' / '.join(backed_up.get('said', []))}"
            )
        if thread is not None:
            thread.join()
            print(
                f"    upload of {args.upload_rows:,} rows: {uploaded.get('status')} in "
                f"{uploaded.get('seconds', 0):.1f} s {uploaded.get('body', '')[:120]!r}"
            )
            print(f"    {upload_overlap(store, uploaded.get('body', ''), window)}")
    return rate


def upload_overlap(store: Store, body: str, window: tuple[datetime, datetime]) -> str:
    """When the upload's job ran (waiting up to 10 min for it to end), and how many of the
    measured seconds it covered: the run "during the upload" is only that while it ran."""
    from sqlalchemy import create_engine, text

    try:
        job = int(json.loads(body)["job"])
    except (ValueError, KeyError, TypeError):
        return "the upload started no job"
    engine = create_engine(store.env["IOFS_DATABASE_URL"])
    deadline = time.monotonic() + 600
    try:
        while True:
            with engine.connect() as connection:
                state, started, finished = connection.execute(
                    text("SELECT state, started_at, finished_at FROM jobs WHERE id = :id"),
                    {"id": job},
                ).one()
            if finished is not None or time.monotonic() > deadline:
                break
            time.sleep(1)
    finally:
        engine.dispose()
    if started is None:
        return f"the upload job {job} never started ({state})"
    started = started if started.tzinfo else started.replace(tzinfo=UTC)  # SQLite: naive UTC
    end = finished or datetime.now(UTC)
    end = end if end.tzinfo else end.replace(tzinfo=UTC)
    covered = (min(end, window[1]) - max(started, window[0])).total_seconds()
    measured = (window[1] - window[0]).total_seconds()
    return (
        f"the upload job ran {(end - started).total_seconds():.1f} s ({state}), "
        f"{max(covered, 0):.0f} of the {measured:.0f} measured seconds"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--writers", type=int, default=5)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument(
        "--warmup",
        type=float,
        default=30.0,
        help="seconds of the same load before measuring (long enough for each worker to draw "
        "the charts of the 57 states' pages once, as a server running for days has)",
    )
    parser.add_argument("--contributions", type=int, default=10_000)
    parser.add_argument("--accessions", type=int, default=1_000_000)
    parser.add_argument("--upload-rows", type=int, default=9_000)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--no-upload", action="store_true")
    parser.add_argument("--no-backup", action="store_true")
    parser.add_argument(
        "--paths", action="store_true", help="print the read paths that took the most time"
    )
    parser.add_argument("--data", default="/tmp/iofs-bench-load")
    args = parser.parse_args()

    store = prepare(args)
    print(
        f"{args.readers} readers + {args.writers} writers for {args.duration:.0f} s on "
        f"{args.database}; {os.cpu_count()} cores; {load()}"
    )
    archive = None if args.no_backup else Path(args.data) / f"{args.database}-during-load.tar.gz"
    label = f"{args.workers} workers"
    rate = run(store, args.workers, args, label, upload=False, backup=archive)
    if not args.no_upload:
        run(store, args.workers, args, f"{args.workers} workers + upload", upload=True)
    if not args.no_baseline:
        baseline = run(store, 1, args, "baseline: 1 worker, no cache", upload=False, caches=False)
        print(f"ratio {label} / baseline: {rate / baseline:.2f}x ({load()})")
    if archive is not None and archive.is_file():
        print(f"restore of the backup taken during [{label}] ({archive.stat().st_size:,} bytes):")
        check_restore(store, archive, args)


if __name__ == "__main__":
    main()
