"""Passport import (MCPD V.2.1, :mod:`iofs.genebank.mcpd`): validated rows written
all-or-nothing, new accessions in bulk, changed ones updated, identical ones left alone; a
passport edited on its page is validated and written the same way.

Every write checks ``genebank.passport.write`` and writes the audit log in the same
transaction.
"""

from __future__ import annotations

import csv
import gc
import io
import json
import operator
import os
import pickle
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from iofs.audit import service as audit
from iofs.db import bulk_insert
from iofs.genebank import mcpd, search
from iofs.genebank.accessions import FIELD_OF, get_accession, mcpd_values
from iofs.genebank.errors import GenebankError
from iofs.genebank.models import Accession
from iofs.i18n import gettext as _
from iofs.ingest_files import kill_point
from iofs.permissions import Principal, authorize

#: Rows validated, and written, per chunk.
CHUNK = 5000


@dataclass
class ImportResult:
    """What an import did: counts, and the rows left out (with ``--reject-file``)."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[mcpd.PassportRow] = field(default_factory=list)
    warnings: int = 0


class ImportRejected(GenebankError):
    """The file has errors and the import is all-or-nothing: nothing was written."""

    def __init__(self, report: mcpd.ValidationReport | mcpd.PassportStream) -> None:
        super().__init__(
            _("%(rows)d rows have errors; nothing was imported.") % {"rows": len(report.invalid)},
            "file",
        )
        self.report = report


# Bulk writes. A passport import of a million rows cannot afford an ORM object and two
# ``json.dumps`` per row, so new accessions are written with the driver's fastest path
# (``executemany`` on SQLite, ``COPY`` on PostgreSQL) and their audit entries are built from
# string templates: the snapshot JSON :func:`iofs.audit.service.snapshot_json` would write,
# queued with :func:`iofs.audit.service.created_many` (the chain takes them at the commit); a
# test holds the two together, and ``iofs audit verify`` checks every imported row against its
# entry.

#: Accession columns in insert order, and in the sorted order of snapshot JSON.
INSERT_COLUMNS = [*FIELD_OF.values(), "taxon", "lat", "lon", "available", "id"]
_SNAPSHOT_KEYS = sorted(INSERT_COLUMNS)
assert set(_SNAPSHOT_KEYS) == {c.key for c in Accession.__table__.columns}
_SPECIAL = ("available", "id", "lat", "lon", "taxon")  # keys not taken from MCPD values
_TEXT_KEYS = [k for k in _SNAPSHOT_KEYS if k not in _SPECIAL]
#: The MCPD values in the sorted order of their snapshot keys.
_TEXT_SOURCES = operator.itemgetter(*[mcpd.MCPD_COLUMNS.index(k.upper()) for k in _TEXT_KEYS])
_WITHOUT_ID = [k for k in _SNAPSHOT_KEYS if k != "id"]
#: Where the other values go, in increasing order (each insert shifts the later ones).
_INSERTED = sorted((_WITHOUT_ID.index(k), k) for k in _SPECIAL if k != "id")
_ID_AT = _SNAPSHOT_KEYS.index("id")
#: The snapshot JSON before and after the id's value.
_HEAD_TEMPLATE = "{" + "".join(f"{json.dumps(k)}: %s, " for k in _SNAPSHOT_KEYS[:_ID_AT]) + '"id": '
_TAIL_TEMPLATE = "".join(f", {json.dumps(k)}: %s" for k in _SNAPSHOT_KEYS[_ID_AT + 1 :]) + "}"
_encode = json.encoder.encode_basestring  # what json.dumps(..., ensure_ascii=False) uses


def _json_number(value: float | None) -> str:
    return "null" if value is None else float.__repr__(value)


def accession_after_parts(
    values: list[str], taxon: str, available: bool, lat: float | None, lon: float | None
) -> tuple[str, str]:
    """The snapshot JSON of a new accession (``json.dumps(snapshot, sort_keys=True,
    ensure_ascii=False)``) without its id: the text before and after it. ``values`` are the
    MCPD values in standard order."""
    parts = list(map(_encode, _TEXT_SOURCES(values)))
    special = {
        "available": "true" if available else "false",
        "lat": _json_number(lat),
        "lon": _json_number(lon),
        "taxon": _encode(taxon),
    }
    for at, key in _INSERTED:
        parts.insert(at, special[key])
    return _HEAD_TEMPLATE % tuple(parts[:_ID_AT]), _TAIL_TEMPLATE % tuple(parts[_ID_AT:])


def accession_after_json(
    values: list[str],
    taxon: str,
    accession_id: int,
    available: bool,
    lat: float | None,
    lon: float | None,
) -> str:
    """The snapshot JSON of a new accession, built without the snapshot."""
    head, tail = accession_after_parts(values, taxon, available, lat, lon)
    return head + str(accession_id) + tail


def _reserve_accession_ids(session: Session, count: int) -> list[int]:
    if session.get_bind().dialect.name == "postgresql":
        return sorted(
            session.execute(
                text(
                    "SELECT nextval(pg_get_serial_sequence('genebank_accession', 'id')) "
                    "FROM generate_series(1, :n)"
                ),
                {"n": count},
            ).scalars()
        )
    last = session.execute(select(func.max(Accession.id))).scalar_one_or_none() or 0
    return list(range(last + 1, last + 1 + count))


#: A validated row ready to write: (line, MCPD values in order, available, lat, lon, taxon,
#: snapshot JSON before and after the id, the insert row less its id (the last column),
#: the facet combination it counts in).
Prepared = tuple[
    int,
    list[str],
    bool,
    float | None,
    float | None,
    str,
    str,
    str,
    tuple[Any, ...],
    tuple[Any, ...],
]
_INSTCODE_AT = mcpd.MCPD_COLUMNS.index("INSTCODE")
_ACCENUMB_AT = mcpd.MCPD_COLUMNS.index("ACCENUMB")


class _Preparer:
    """Turns valid rows into :data:`Prepared` rows (taxon names memoised)."""

    def __init__(self) -> None:
        self.taxa: dict[tuple[str, str, str], str] = {}

    def __call__(self, row: mcpd.PassportRow) -> Prepared:
        mv = row.values
        values = row.ordered or [mv[c] for c in mcpd.MCPD_COLUMNS]
        parts = (mv["GENUS"], mv["SPECIES"], mv["SUBTAXA"])
        taxon = self.taxa.get(parts)
        if taxon is None:
            taxon = self.taxa[parts] = mcpd.taxon_name(mv)
        available, lat, lon = row.available, row.lat, row.lon
        head, tail = accession_after_parts(values, taxon, available, lat, lon)
        return (
            row.line,
            values,
            available,
            lat,
            lon,
            taxon,
            head,
            tail,
            (*values, taxon, lat, lon, available),
            (
                available,
                parts[0],
                taxon,
                mv["CROPNAME"],
                mv["ORIGCTY"],
                mv["SAMPSTAT"],
                lat is not None,
            ),
        )


def _prepared_values(item: Prepared) -> dict[str, Any]:
    """The accession's column values (name -> value) of a prepared row."""
    values: dict[str, Any] = dict(zip(FIELD_OF.values(), item[1], strict=True))
    values.update(taxon=item[5], lat=item[3], lon=item[4], available=item[2])
    return values


class _PassportWriter:
    """Writes prepared rows in chunks: inserts new accessions (bulk, audited), updates
    changed ones (one audited update each), leaves identical ones alone."""

    def __init__(
        self,
        session: Session,
        principal: Principal,
        result: ImportResult,
        progress: Callable[[int], None] | None,
    ) -> None:
        self.session = session
        self.principal = principal
        self.result = result
        self.progress = progress
        self.pending: list[Prepared] = []
        self.known_instcodes: dict[str, bool] = {}  # had accessions before this import?
        self.counts: Counter[tuple[Any, ...]] = Counter()
        self.compare = [getattr(Accession, name) for name in INSERT_COLUMNS]

    def add(self, items: list[Prepared]) -> None:
        self.counts.update([item[9] for item in items])  # existing rows are taken back
        self.pending.extend(items)
        if len(self.pending) >= CHUNK:
            self.flush()

    def finish(self) -> None:
        self.flush()
        search.adjust_counts(self.session, self.counts)
        self.counts.clear()

    def _existing(self, items: list[Prepared]) -> dict[tuple[str, str], Any]:
        by_instcode: dict[str, list[str]] = {}
        for item in items:
            by_instcode.setdefault(item[1][_INSTCODE_AT], []).append(item[1][_ACCENUMB_AT])
        found: dict[tuple[str, str], Any] = {}
        for instcode, numbers in by_instcode.items():
            if instcode not in self.known_instcodes:
                self.known_instcodes[instcode] = (
                    self.session.execute(
                        select(Accession.id).where(Accession.instcode == instcode).limit(1)
                    ).first()
                    is not None
                )
            if not self.known_instcodes[instcode]:
                continue  # nothing of this institute predates the import: all rows are new
            for start in range(0, len(numbers), 500):
                for record in self.session.execute(
                    select(*self.compare).where(
                        Accession.instcode == instcode,
                        Accession.accenumb.in_(numbers[start : start + 500]),
                    )
                ):
                    found[(record.instcode, record.accenumb)] = record
        return found

    def flush(self) -> None:
        items, self.pending = self.pending, []
        if not items:
            return
        existing = self._existing(items)
        new: list[Prepared] = []
        for item in items:
            known = existing.get((item[1][_INSTCODE_AT], item[1][_ACCENUMB_AT]))
            if known is None:
                new.append(item)
                continue
            self.counts[item[9]] -= 1
            values = _prepared_values(item)
            if all(getattr(known, name) == value for name, value in values.items()):
                self.result.unchanged += 1
                continue
            accession = self.session.get_one(Accession, known.id)
            before = audit.snapshot(accession)
            self.counts[search.count_key(before)] -= 1
            for name, value in values.items():
                setattr(accession, name, value)
            audit.updated(self.session, self.principal, accession, before)
            self.counts[item[9]] += 1
            self.result.updated += 1
        self._insert(new)
        if self.progress:
            self.progress(len(items))

    def _insert(self, items: list[Prepared]) -> None:
        if not items:
            return
        session = self.session
        ids = _reserve_accession_ids(session, len(items))
        inserts: list[tuple[Any, ...]] = []
        snapshots: list[tuple[str, str]] = []
        for accession_id, item in zip(ids, items, strict=True):
            inserts.append((*item[8], accession_id))
            key = str(accession_id)
            snapshots.append((key, item[6] + key + item[7]))
        bulk_insert(session, Accession.__table__, INSERT_COLUMNS, inserts)
        audit.created_many(session, self.principal, Accession.__tablename__, snapshots)
        self.result.inserted += len(items)


#: Files at least this large are read and validated in a second process while this one
#: writes (on a machine with more than one core).
PARALLEL_BYTES = 8_000_000


def _chunks_here(stream: mcpd.PassportStream) -> Iterator[tuple[list[Prepared], int]]:
    """(prepared valid rows, rows with errors) chunk by chunk, validated in this process."""
    prepare = _Preparer()
    chunk: list[Prepared] = []
    invalid = 0
    for row in stream:
        if row.issues and not row.ok:
            invalid += 1
        else:
            chunk.append(prepare(row))
        if len(chunk) >= CHUNK:
            yield chunk, invalid
            chunk, invalid = [], 0
    yield chunk, invalid


def read_for_parent(source: mcpd.PassportSource, out: BinaryIO) -> None:
    """Child side of a parallel import (``python -m iofs.genebank.reader``): validate and
    prepare the file, writing pickled chunks, then the stream's final state (or the error
    that stopped it), to ``out``."""

    def send(message: tuple[str, Any]) -> None:
        pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()

    gc.disable()  # see _no_cycle_collection; this process ends with the file
    try:
        stream = mcpd.open_passport(source.path, source.mapping, sheet=source.sheet)
        for chunk in _chunks_here(stream):
            send(("rows", chunk))
        send(("done", stream.state()))
    except BrokenPipeError:
        pass  # the parent stopped reading (it failed, and says why)
    except Exception as error:  # handed to the parent to raise
        with suppress(BrokenPipeError):
            send(("error", error))


def _chunks_in_worker(
    stream: mcpd.PassportStream, source: mcpd.PassportSource
) -> Iterator[tuple[list[Prepared], int]]:
    """Like :func:`_chunks_here`, with reading and validation in a child process; the
    stream ends in the same state as if it had been read here."""
    stream.discard()
    child = subprocess.Popen(  # noqa: S603 - this interpreter, this package, a local file
        [sys.executable, "-m", "iofs.genebank.reader", source.as_json()],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
    )
    assert child.stdout is not None
    try:
        while True:
            try:
                kind, payload = pickle.load(child.stdout)  # noqa: S301 - our own child
            except EOFError:
                raise mcpd.PassportFileError("the file reader stopped unexpectedly") from None
            if kind == "rows":
                yield payload
            elif kind == "done":
                stream.adopt(payload)
                return
            else:
                raise payload
    finally:
        child.stdout.close()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


#: After writing this many accessions, refresh the planner's statistics of the table.
ANALYZE_AFTER = 10_000


def _analyze(session: Session) -> None:
    """Planner statistics of the accessions (a bulk import changes them completely; until
    autovacuum catches up PostgreSQL would plan for an empty table)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("ANALYZE genebank_accession")
        connection.exec_driver_sql("ANALYZE genebank_accession_count")
    else:
        limit = connection.exec_driver_sql("PRAGMA analysis_limit").scalar() or 0
        connection.exec_driver_sql("PRAGMA analysis_limit = 1000")  # sampled: fast
        connection.exec_driver_sql("ANALYZE genebank_accession")
        connection.exec_driver_sql(f"PRAGMA analysis_limit = {int(limit)}")


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector: a large import allocates millions of small containers
    that live on (keys seen, chunks), and every collection would walk them all again (it
    took half the validation time). Reference counting still frees everything acyclic."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def _large_cache(session: Session, kib: int = 262_144) -> Iterator[None]:
    """On SQLite, a page cache of ``kib`` for the duration (its 2 MiB default makes every
    index of a large import spill to disk page by page); nothing elsewhere."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar_one()
    connection.exec_driver_sql(f"PRAGMA cache_size = {-int(kib)}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")


def import_passport(
    session: Session,
    principal: Principal,
    report: mcpd.ValidationReport | mcpd.PassportStream,
    *,
    partial: bool = False,
    progress: Callable[[int], None] | None = None,
    parallel: bool | None = None,
) -> ImportResult:
    """Write validated passport rows: new accessions inserted, changed ones updated,
    identical ones left alone (so re-importing a file changes nothing).

    Without ``partial`` any row with an error rejects the whole file (nothing is written:
    with a :class:`~iofs.genebank.mcpd.PassportStream`, validated while it is written, the
    error raises :class:`ImportRejected` at the end, for the caller's transaction to roll
    back); with it, the valid rows are imported and the others returned in ``rejected``.
    A stream of a large file is read in a second process (``parallel`` forces or forbids).
    """
    authorize(principal, "genebank.passport.write")
    chunks: Iterable[tuple[list[Prepared], int]]
    if isinstance(report, mcpd.ValidationReport):
        if report.error_count and not partial:
            raise ImportRejected(report)
        prepare = _Preparer()
        rows = [prepare(r) for r in report.rows if r.ok]
        chunks = [(rows[i : i + CHUNK], 0) for i in range(0, len(rows), CHUNK)]
    else:
        source = report.source
        if parallel is None:
            parallel = (
                source is not None
                and (os.cpu_count() or 1) > 1
                and source.path.stat().st_size >= PARALLEL_BYTES
            )
        chunks = (
            _chunks_in_worker(report, source)
            if parallel and source is not None
            else _chunks_here(report)
        )
    result = ImportResult()
    writer = _PassportWriter(session, principal, result, progress)
    failed = False
    with _large_cache(session), _no_cycle_collection():
        for items, invalid in chunks:
            failed = failed or (invalid > 0 and not partial)
            if not failed:
                writer.add(items)
                kill_point("genebank:chunk-written")
        if failed:
            raise ImportRejected(report)
        writer.finish()
    kill_point("genebank:before-commit")  # the caller's transaction commits next
    if result.inserted + result.updated >= ANALYZE_AFTER:
        _analyze(session)
    result.rejected = report.invalid
    result.warnings = report.warning_count
    return result


def validate_csv_text(text: str, name: str = "upload.csv") -> mcpd.ValidationReport:
    """Validate MCPD CSV given as text (an upload, demonstration data) with the reader a file
    has (:func:`iofs.genebank.mcpd.validate_text`: same BOM, delimiter and error handling):
    every row with its line; blank rows are skipped. A file that cannot be read raises
    :class:`GenebankError` on ``csv`` with the sentence naming the line."""
    try:
        return mcpd.validate_text(text, name)
    except mcpd.PassportFileError as error:
        raise GenebankError(str(error), "csv") from None


def write_rejects(
    rows: Iterable[mcpd.PassportRow], header: list[str], out: io.TextIOBase | io.StringIO
) -> int:
    """Write rejected rows with their original values plus ``LINE`` and ``ERRORS``."""
    writer = csv.writer(out, lineterminator="\n")
    columns = [*mcpd.MCPD_COLUMNS, mcpd.AVAILABLE]
    writer.writerow(["LINE", *columns, "ERRORS"])
    count = 0
    for row in rows:
        reasons = "; ".join(f"{i.column}: {i.reason}" for i in row.issues if i.severity == "error")
        writer.writerow([row.line, *(row.raw.get(c, "") for c in columns), reasons])
        count += 1
    return count


#: Descriptors that identify an accession: never edited (a new number is a new accession).
PASSPORT_KEY = ("INSTCODE", "ACCENUMB")


def edit_passport(
    session: Session, principal: Principal, accession_id: int, changes: dict[str, str]
) -> list[str]:
    """Change an accession's passport descriptors (MCPD codes → text), validated exactly as
    an imported row is; returns the warnings. The key (INSTCODE, ACCENUMB) cannot change and
    availability keeps its current value. Audited like an import that changes the row."""
    authorize(principal, "genebank.passport.write")
    accession = get_accession(session, principal, accession_id)
    unknown = sorted(set(changes) - set(mcpd.MCPD_COLUMNS))
    if unknown:
        raise GenebankError(
            _("Not an MCPD descriptor: %(names)s.") % {"names": ", ".join(unknown)}, unknown[0]
        )
    for code in PASSPORT_KEY:
        if code in changes and changes[code].strip() != mcpd_values(accession)[code]:
            raise GenebankError(
                _(
                    "The institute code and accession number identify the "
                    "accession and cannot be changed."
                ),
                code,
            )
    raw = {
        **mcpd_values(accession),
        **{code: value.strip() for code, value in changes.items()},
        mcpd.AVAILABLE: "yes" if accession.available else "no",
    }
    row = mcpd.validate_row(1, raw)
    errors = [issue for issue in row.issues if issue.severity == "error"]
    if errors:
        raise GenebankError(f"{errors[0].column}: {errors[0].reason}", errors[0].column)
    import_passport(
        session,
        principal,
        mcpd.ValidationReport(rows=[row], header_issues=[], header=list(mcpd.MCPD_COLUMNS)),
        parallel=False,
    )
    return [f"{issue.column}: {issue.reason}" for issue in row.issues]
