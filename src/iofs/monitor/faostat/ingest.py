"""Ingest FAOSTAT bulk downloads, as FAOSTAT publishes them, into the Parquet store: the run.

Accepted inputs: the bulk zip (``<Domain>_E_All_Data_(Normalized).zip`` …) or a CSV inside it,
normalized or wide layout, Latin-1 or UTF-8 (BOM allowed). What the file is comes from
:mod:`~iofs.monitor.faostat.sniff` (encoding, header, domain); how its cells become the
store's columns from :mod:`~iofs.monitor.faostat.plan`; where the results go from
:mod:`~iofs.monitor.faostat.store`.

One DuckDB pass streams the file into a temporary Parquet file (bounded memory: DuckDB's
``memory_limit``, no insertion order, small row groups) with the plan's casts, validation
and mapping; the first invalid row stops the pass. Only then is the file read again to
report the bad rows by line number and reason (:func:`_line_errors`), and if a late cell
merely did not fit the sampled types, the general all-VARCHAR plan is run instead. The
result is atomically renamed to ``<analytics_dir>/faostat/observations/<DOMAIN>/<source>
.parquet``. A file with a bad row writes nothing.

Idempotent, never duplicating: re-ingesting the same file name replaces its slice (same
path). An observation is identified by domain + area + item + element + year (both ends of a
year range; for the trade matrix also the partner, see :data:`OBSERVATION_KEY`): when a file
under another name holds observations that an older slice of the same domain already has
(the same data downloaded twice, or a newer extract overlapping an older one), the file
ingested last wins and those rows are removed from the older slice (a slice left empty is
deleted); the report lists them under ``superseded``. The new slice is written first, then
the older ones are rewritten, so an interruption can leave a duplicate, never a loss.
"""
# ruff: noqa: S608 - SQL is assembled from quoted identifiers and quoted literals; no user text

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import shutil
import threading
import time
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from iofs.ingest_files import kill_point, remove_stale, staging_dir, visible_files
from iofs.monitor.faostat import store
from iofs.monitor.faostat.plan import (
    BAD_ROW,
    SAMPLE_ROWS,
    Plan,
    build_plan,
    needs_cpc_map,
    read_csv_sql,
)
from iofs.monitor.faostat.sniff import (
    DOMAIN_CODE,
    DOMAINS,
    IngestError,
    canonical_domain,
    detect_encoding,
    file_domain_code,
    read_header,
    recognise_domain,
    sample_rows,
    zip_members,
)
from iofs.monitor.faostat.sql import literal as _lit

__all__ = ["OBSERVATION_KEY", "IngestError", "IngestReport", "ingest"]

#: DuckDB's buffer memory during an ingest (it spills to the staging folder beyond that).
MEMORY_LIMIT = "400MB"
#: Parquet row group: small enough that the writer's buffers stay bounded.
ROW_GROUP_SIZE = 122_880
MAX_REPORTED_ERRORS = 20


@dataclass
class IngestReport:
    """What one ingest did."""

    source: str
    domain: str
    layout: str
    encoding: str
    rows: int
    countries: int
    aggregates: int
    unmapped_areas: list[int] = field(default_factory=list)
    year_min: int | None = None
    year_max: int | None = None
    qualified_values: int = 0
    missing_values: int = 0
    path: str = ""
    seconds: float = 0.0
    replaced: bool = False
    #: rows of other slices of the domain that this file superseded (source → rows removed)
    superseded: dict[str, int] = field(default_factory=dict)
    #: the file as the user gave it (a zip member's name) and when it was ingested (UTC)
    file: str = ""
    ingested_at: str = ""
    #: CPC item codes with no FAO item code (no correspondence known: kept by CPC code)
    cpc_only_items: list[str] = field(default_factory=list)
    #: the file's own Domain Code when it differs from the store's domain (old codes)
    domain_code: str = ""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _connect(staging: Path) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection whose memory stays bounded whatever the file size."""
    con = duckdb.connect()
    con.execute(f"SET memory_limit = {_lit(MEMORY_LIMIT)}")
    con.execute(f"SET temp_directory = {_lit(str(staging))}")
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")
    # TRY_CAST must stay a TRY_CAST: DuckDB may push a lone cast into the CSV reader, where a
    # bad cell stops the read instead of becoming NULL (older DuckDBs lack this optimizer).
    with contextlib.suppress(duckdb.Error):
        con.execute("SET disabled_optimizers = 'type_pushdown'")
    return con


def _run_with_progress(
    con: duckdb.DuckDBPyConnection, sql: str, progress: Callable[[float], None] | None
) -> None:
    if progress is None:
        con.execute(sql)
        return
    failure: list[BaseException] = []

    def work() -> None:
        try:
            con.execute(sql)
        except BaseException as error:
            failure.append(error)

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(0.2)
        try:
            done = con.query_progress()
        except duckdb.Error:
            done = -1
        if done is not None and done >= 0:
            progress(min(float(done) / 100.0, 1.0))
    progress(1.0)
    if failure:
        raise failure[0]


def _line_errors(
    con: duckdb.DuckDBPyConnection, read_sql: str, plan: Plan, label: str
) -> tuple[int, list[str]]:
    """Bad-row count and the first line-numbered errors (header is line 1).

    Only run when the validating pass stopped: it re-reads the file in file order.
    """
    con.execute("SET preserve_insertion_order = true")
    rows = con.execute(
        f"WITH src AS (SELECT * FROM {read_sql}) "
        f"SELECT line, err, count(*) OVER () FROM (SELECT row_number() OVER () + 1 AS line, "
        f"{plan.raw_error} AS err FROM src) WHERE err IS NOT NULL ORDER BY line "
        f"LIMIT {MAX_REPORTED_ERRORS}"
    ).fetchall()
    con.execute("SET preserve_insertion_order = false")
    total = int(rows[0][2]) if rows else 0
    return total, [f"{label} line {line}: {err}" for line, err, _ in rows]


def _ingest_failure(
    con: duckdb.DuckDBPyConnection, read_sql: str, plan: Plan, label: str, error: duckdb.Error
) -> IngestError:
    """The error to report once the validating pass failed: bad rows by line, else why."""
    message = str(error)
    if BAD_ROW in message or isinstance(error, duckdb.ConversionException):
        try:
            total, errors = _line_errors(con, read_sql, plan, label)
        except duckdb.Error as again:
            return IngestError(f"{label}: {_first_lines(str(again))}")
        if errors:
            more = total - len(errors)
            tail = f"\n… and {more} more bad row(s)" if more > 0 else ""
            return IngestError(
                f"{total} bad row(s); nothing was imported:\n" + "\n".join(errors) + tail
            )
    if isinstance(error, duckdb.InvalidInputException):
        return IngestError(f"{label}: not a well-formed CSV: {_first_lines(message)}")
    return IngestError(f"{label}: {_first_lines(message)}")


def _write(
    con: duckdb.DuckDBPyConnection,
    csv_path: Path,
    header: list[str],
    encoding: str,
    plans: list[Plan],
    tmp: Path,
    label: str,
    progress: Callable[[float], None] | None,
) -> str:
    """Read, cast, validate, map and write ``tmp`` in one pass; return the encoding used.

    The plans are tried in order (the optimistic typed one first); the last one's failure
    is reported, with the bad rows by line number when there are some. A UTF-8 read that
    meets a byte that is not UTF-8 is retried as Latin-1.
    """
    encodings = list(dict.fromkeys((encoding, "latin-1")))
    index = 0
    while True:
        plan = plans[index]
        read_sql = read_csv_sql(csv_path, header, encodings[0], plan.types)
        sql = (
            f"COPY (WITH src AS (SELECT * FROM {read_sql}), {plan.select}) "
            f"TO {_lit(str(tmp))} (FORMAT parquet, COMPRESSION zstd, "
            f"ROW_GROUP_SIZE {ROW_GROUP_SIZE})"
        )
        try:
            _run_with_progress(con, sql, progress)
            return encodings[0]
        except duckdb.Error as error:
            lowered = str(error).lower()
            if (
                len(encodings) > 1
                and isinstance(error, duckdb.InvalidInputException)
                and ("unicode" in lowered or "utf-8" in lowered)
            ):
                encodings.pop(0)
                continue
            if index + 1 < len(plans):
                index += 1
                continue
            raise _ingest_failure(con, read_sql, plan, label, error) from None


#: What identifies an observation across files: domain (the slice folder) + area + item +
#: element + year (both ends of a range); for the trade matrix also the partner.
OBSERVATION_KEY = (
    "area_code",
    "m49",
    "partner_code",
    "item_code",
    "element_code",
    "year",
    "year_end",
)


@dataclass
class _Supersede:
    """An older slice holding observations of the new file: its rewrite without them."""

    path: Path
    kept: Path | None  # None: every row was superseded, the slice goes
    removed: int
    remaining: int


def _superseded(
    con: duckdb.DuckDBPyConnection, new: Path, domain_dir: Path, source: str, staging: Path
) -> list[_Supersede]:
    """Rewrite (into ``staging``) each other slice of the domain without the observations
    that the new slice holds, so the same data ingested under another file name is never
    stored twice; the file ingested last wins."""
    others = [p for p in visible_files(domain_dir, "*.parquet") if p.stem != source]
    out: list[_Supersede] = []
    if not others:
        return out
    on = " AND ".join(f"o.{k} IS NOT DISTINCT FROM n.{k}" for k in OBSERVATION_KEY)
    # An item known by its CPC code only (a web download without FAO item codes).
    on += " AND (o.item_code IS NOT NULL OR o.item_cpc IS NOT DISTINCT FROM n.item_cpc)"
    keys = f"(SELECT {', '.join(OBSERVATION_KEY)}, item_cpc FROM read_parquet({_lit(str(new))}))"
    for old in others:
        old_sql = f"read_parquet({_lit(str(old))})"
        row = con.execute(
            f"SELECT (SELECT count(*) FROM {old_sql}), count(*) FROM {old_sql} o "
            f"SEMI JOIN {keys} n ON {on}"
        ).fetchone()
        assert row is not None
        total, removed = int(row[0]), int(row[1])
        if not removed:
            continue
        kept = None
        if removed < total:
            kept = staging / f"kept-{old.name}"
            con.execute(
                f"COPY (SELECT o.* FROM {old_sql} o ANTI JOIN {keys} n ON {on}) "
                f"TO {_lit(str(kept))} (FORMAT parquet, COMPRESSION zstd, "
                f"ROW_GROUP_SIZE {ROW_GROUP_SIZE})"
            )
        out.append(_Supersede(old, kept, removed, total - removed))
    return out


def _apply_superseded(changes: list[_Supersede], analytics_dir: Path) -> None:
    for change in changes:
        manifest = change.path.with_suffix(".json")
        # Its suite input is rebuilt on first use.
        store.suite_input_path(analytics_dir, change.path.parent.name, change.path.stem).unlink(
            missing_ok=True
        )
        if change.kept is None:
            change.path.unlink(missing_ok=True)
            manifest.unlink(missing_ok=True)
            continue
        os.replace(change.kept, change.path)
        if manifest.exists():
            data = json.loads(manifest.read_text(encoding="utf-8"))
            data["rows"] = change.remaining
            manifest.write_text(json.dumps(data, indent=2), encoding="utf-8")


def cpc_correspondence(analytics_dir: Path) -> dict[str, int]:
    """CPC → FAO item code, as FAO publishes the pair in its bulk files (``Item Code`` beside
    ``Item Code (CPC)``), from every slice already ingested that holds both; empty when none
    does (the items of a CPC-only file then keep their CPC code, and the report says so)."""
    files = store.slice_files(analytics_dir)
    if not files:
        return {}
    con = duckdb.connect()
    try:
        rows = con.execute(
            f"SELECT ltrim(trim(item_cpc), {_lit(chr(39))}) AS cpc, min(item_code) "
            f"FROM read_parquet({[str(f) for f in files]!r}, union_by_name = true) "
            f"WHERE item_cpc IS NOT NULL AND item_code IS NOT NULL GROUP BY 1"
        ).fetchall()
    except duckdb.Error:
        return {}
    finally:
        con.close()
    return {str(cpc): int(code) for cpc, code in rows if cpc}


def _slug(name: str) -> str:
    stem = re.sub(r"\.(csv|zip)$", "", name, flags=re.I)
    return re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("_") or "faostat"


def _ingest_csv(
    csv_path: Path,
    analytics_dir: Path,
    label: str,
    domain: str | None,
    progress: Callable[[float], None] | None,
) -> IngestReport:
    """One CSV, all-or-nothing; whatever the reader meets ends as an :class:`IngestError`."""
    try:
        return _ingest_one(csv_path, analytics_dir, label, domain, progress)
    except (duckdb.Error, UnicodeError, ValueError, csv.Error) as error:
        if isinstance(error, IngestError):
            raise
        raise IngestError(
            f"{label}: not a well-formed FAOSTAT CSV ({_first_lines(str(error), 2)})"
        ) from None


def _ingest_one(
    csv_path: Path,
    analytics_dir: Path,
    label: str,
    domain: str | None,
    progress: Callable[[float], None] | None,
) -> IngestReport:
    started = time.perf_counter()
    encoding = detect_encoding(csv_path)
    header = read_header(csv_path, encoding)
    stated = file_domain_code(csv_path, header, encoding)
    if (
        domain is not None
        and stated is not None
        and canonical_domain(domain) != canonical_domain(stated)
    ):
        raise IngestError(
            f"{label} line 2: --domain {domain.upper()} was given but the file's "
            f"Domain Code is {stated}; give --domain {stated} or leave it out"
        )
    chosen = canonical_domain(domain or recognise_domain(csv_path, header, encoding, label))
    if chosen not in DOMAINS and not DOMAIN_CODE.match(chosen):
        raise IngestError(
            f"{label}: unknown domain {chosen!r}; one of {', '.join(DOMAINS)} "
            "(or any FAOSTAT domain code, stored as plain observations)"
        )
    source = _slug(label)
    cpc = cpc_correspondence(analytics_dir) if needs_cpc_map(header) else None
    plan = build_plan(header, chosen, source, label, cpc_map=cpc)
    fast = build_plan(
        header, chosen, source, label, sample_rows(csv_path, encoding, SAMPLE_ROWS), cpc_map=cpc
    )
    target = store.slice_path(analytics_dir, chosen, source)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = staging_dir(store.store_dir(analytics_dir), "ingest")
    con = _connect(staging)
    try:
        tmp = staging / f"{source}.parquet"
        plans = [plan] if (fast.select, fast.types) == (plan.select, plan.types) else [fast, plan]
        encoding = _write(con, csv_path, header, encoding, plans, tmp, label, progress)
        # The few rows the indicator suite reads, so that it never scans the whole store.
        suite_tmp = staging / "suite-input.parquet"
        store.write_suite_input(tmp, chosen, suite_tmp, con)
        changes = _superseded(con, tmp, target.parent, source, staging)
        report = IngestReport(
            source=source,
            domain=chosen,
            layout=plan.layout,
            encoding=encoding,
            **_summary(con, tmp),
            path=str(target),
            replaced=target.exists(),
            superseded={c.path.stem: c.removed for c in changes},
        )
        if cpc is not None:
            report.cpc_only_items = [
                str(row[0])
                for row in con.execute(
                    f"SELECT DISTINCT item_cpc FROM read_parquet({_lit(str(tmp))}) "
                    f"WHERE item_code IS NULL ORDER BY 1 LIMIT 200"
                ).fetchall()
            ]
        if stated is not None and canonical_domain(stated) != stated:
            report.domain_code = stated
        report.seconds = round(time.perf_counter() - started, 3)
        report.ingested_at = datetime.now(UTC).isoformat(timespec="seconds")
        report.file = label
        manifest_tmp = staging / "manifest.json"
        manifest_tmp.write_text(json.dumps(report.as_dict(), indent=2), encoding="utf-8")
        kill_point("faostat:before-commit")
        # The commit: renames only (everything above is in the hidden staging folder); the
        # indicator table goes first, so that no kill can leave it older than the slices.
        store.drop_cache(analytics_dir)
        os.replace(tmp, target)
        kill_point("faostat:commit")
        suite_target = store.suite_input_path(analytics_dir, chosen, source)
        suite_target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(suite_tmp, suite_target)
        os.replace(manifest_tmp, target.with_suffix(".json"))
        _apply_superseded(changes, analytics_dir)
        return report
    finally:
        con.close()
        shutil.rmtree(staging, ignore_errors=True)


def _summary(con: duckdb.DuckDBPyConnection, written: Path) -> dict[str, Any]:
    """The report's counts of a written slice: rows, countries, aggregates, unmapped area
    codes, years, qualified and missing values."""
    # Per area (a few hundred groups on integer keys; count(DISTINCT) … FILTER over the
    # whole file would cost ~1 s per 36 M rows).
    per_area = con.execute(
        f"SELECT area_code, any_value(area_kind), count(*), min(year), max(year_end), "
        f"count(qualifier), count(*) - count(value) "
        f"FROM read_parquet({_lit(str(written))}) GROUP BY area_code"
    ).fetchall()
    kinds = [str(kind) for _, kind, *_ in per_area]
    years = [row[3] for row in per_area if row[3] is not None]
    year_ends = [row[4] for row in per_area if row[4] is not None]
    return {
        "rows": int(sum(row[2] for row in per_area)),
        "countries": kinds.count("country"),
        "aggregates": kinds.count("aggregate"),
        "unmapped_areas": sorted(
            int(code) for code, kind, *_ in per_area if kind == "unmapped" and code is not None
        ),
        "year_min": min(years, default=None),
        "year_max": max(year_ends, default=None),
        "qualified_values": int(sum(row[5] for row in per_area)),
        "missing_values": int(sum(row[6] for row in per_area)),
    }


def _first_lines(message: str, count: int = 4) -> str:
    return " ".join(message.strip().splitlines()[:count])


def ingest(
    paths: Iterable[Path],
    analytics_dir: Path,
    domain: str | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> list[IngestReport]:
    """Ingest FAOSTAT files (zip or CSV) into the Parquet store; return one report per file.

    Each file is all-or-nothing: a bad row raises :class:`IngestError` (naming line, field
    and reason) and leaves the store exactly as it was. ``progress(label, fraction)`` is
    called while a file is read. Afterwards the indicator cache is dropped.
    """
    observations = store.store_dir(analytics_dir)
    observations.mkdir(parents=True, exist_ok=True)
    # What killed runs left (staging folders, temporaries) goes before anything is read.
    remove_stale(store.faostat_dir(analytics_dir), depth=4)
    reports: list[IngestReport] = []
    for path in paths:
        if not path.is_file():
            raise IngestError(f"{path}: no such file")

        def tick(fraction: float, label: str = path.name) -> None:
            if progress is not None:
                progress(label, fraction)

        if zipfile.is_zipfile(path):
            members = zip_members(path)
            if not members:
                raise IngestError(f"{path.name}: the zip holds no FAOSTAT data CSV")
            for member in members:
                staging = staging_dir(observations, "unzip")
                try:
                    extracted = staging / Path(member).name
                    with (
                        zipfile.ZipFile(path) as archive,
                        archive.open(member) as src,
                        extracted.open("wb") as out,
                    ):
                        shutil.copyfileobj(src, out, 1 << 20)

                    def member_tick(fraction: float, name: str = member) -> None:
                        tick(fraction, name)

                    reports.append(
                        _ingest_csv(
                            extracted, analytics_dir, Path(member).name, domain, member_tick
                        )
                    )
                finally:
                    shutil.rmtree(staging, ignore_errors=True)
        else:
            reports.append(_ingest_csv(path, analytics_dir, path.name, domain, tick))
    store.drop_cache(analytics_dir)
    return reports
