"""Gene bank services: passport import/export, lots, duplicates, germination tests,
viability predictions, the regeneration queue, distributions under the SMTA and search.

Every write checks a ``genebank.*`` permission and writes the audit log in the same
transaction. Standards: MCPD V.2.1 (:mod:`iofs.genebank.mcpd`), FAO Genebank Standards (2014)
and Ellis & Roberts (1980) (:mod:`iofs.genebank.viability`), the ITPGRFA Standard Material
Transfer Agreement (SMTA, 2006) for distribution records.
"""

from __future__ import annotations

import csv
import gc
import io
import json
import math
import operator
import os
import pickle
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import String, case, delete, func, literal, or_, select, text, union_all
from sqlalchemy.orm import Session

from iofs.audit import service as audit
from iofs.audit.models import AuditEntry
from iofs.errors import InputError, NotFoundError
from iofs.genebank import mcpd, viability
from iofs.genebank.models import (
    Accession,
    AccessionCount,
    Distribution,
    GerminationTest,
    Lot,
    SafetyDuplicate,
    SpeciesConstants,
)
from iofs.i18n import N_
from iofs.i18n import gettext as _
from iofs.permissions import ANY, Principal, allows, authorize, declare
from iofs.roles import Role

PERMISSIONS = declare("genebank", {
    "read_internal": ("See lots, tests, distributions, the regeneration queue and "
                      "accessions not available to the public", {
                          Role.GENEBANK_CURATOR: ANY, Role.SECRETARIAT: ANY,
                          Role.VIEWER: ANY}),
    "passport.write": ("Import and edit passport data (MCPD) and availability",
                       {Role.GENEBANK_CURATOR: ANY}),
    "collection.write": ("Record seed lots, safety duplicates and germination tests",
                         {Role.GENEBANK_CURATOR: ANY}),
    "distribute": ("Record distributions of samples under the SMTA",
                   {Role.GENEBANK_CURATOR: ANY}),
})
for _model in (Accession, Lot, SafetyDuplicate, GerminationTest, Distribution):
    audit.audited(_model)

FIELD_OF = {code: code.lower() for code in mcpd.MCPD_COLUMNS}
COLLECTIONS = ("base", "active")
ORIGINS = ("acquisition", "harvest", "regeneration")
PURPOSES = ("research", "breeding", "training", "conservation")
MTA_TYPES = ("smta", "own")
#: FAO Genebank Standards 4.1: the reference sample kept of each accession (seeds).
REFERENCE_SAMPLE_SEEDS = 50
#: Default viable seeds per distributed sample (FAO Genebank Standards 4.9: 30–50).
DEFAULT_VIABLE_SEEDS = 50
CHUNK = 5000


class GenebankError(InputError):
    """Invalid gene bank input; names the field."""


class UnknownRecord(GenebankError, NotFoundError):
    """No such accession, lot or test."""


# --- passport import -----------------------------------------------------------------------

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
        super().__init__(_("%(rows)d rows have errors; nothing was imported.") % {
            "rows": len(report.invalid)}, "file")
        self.report = report


# Bulk writes. A passport import of a million rows cannot afford an ORM object and two
# ``json.dumps`` per row, so new accessions are written with the driver's fastest path
# (``executemany`` on SQLite, ``COPY`` on PostgreSQL) and their audit entries are built from
# string templates. The entries are exactly those :func:`iofs.audit.service.created_many`
# makes (same snapshot JSON, canonical form, hash chain and lock); a test holds the two
# together, and ``iofs audit verify`` checks every imported row against its entry.

#: Accession columns in insert order, and in the sorted order of snapshot JSON.
INSERT_COLUMNS = [*FIELD_OF.values(), "taxon", "lat", "lon", "available", "id"]
_SNAPSHOT_KEYS = sorted(INSERT_COLUMNS)
assert set(_SNAPSHOT_KEYS) == {c.key for c in Accession.__table__.columns}
_SPECIAL = ("available", "id", "lat", "lon", "taxon")  # keys not taken from MCPD values
_TEXT_KEYS = [k for k in _SNAPSHOT_KEYS if k not in _SPECIAL]
#: The MCPD values in the sorted order of their snapshot keys.
_TEXT_SOURCES = operator.itemgetter(*[mcpd.MCPD_COLUMNS.index(k.upper())
                                      for k in _TEXT_KEYS])
_WITHOUT_ID = [k for k in _SNAPSHOT_KEYS if k != "id"]
#: Where the other values go, in increasing order (each insert shifts the later ones).
_INSERTED = sorted((_WITHOUT_ID.index(k), k) for k in _SPECIAL if k != "id")
_ID_AT = _SNAPSHOT_KEYS.index("id")
#: The snapshot JSON before and after the id's value.
_HEAD_TEMPLATE = "{" + "".join(f"{json.dumps(k)}: %s, " for k in _SNAPSHOT_KEYS[:_ID_AT]) \
    + '"id": '
_TAIL_TEMPLATE = "".join(f", {json.dumps(k)}: %s" for k in _SNAPSHOT_KEYS[_ID_AT + 1:]) + "}"
_encode = json.encoder.encode_basestring  # what json.dumps(..., ensure_ascii=False) uses


def _json_number(value: float | None) -> str:
    return "null" if value is None else float.__repr__(value)


def accession_after_parts(values: list[str], taxon: str, available: bool, lat: float | None,
                          lon: float | None) -> tuple[str, str]:
    """The snapshot JSON of a new accession (``json.dumps(snapshot, sort_keys=True,
    ensure_ascii=False)``) without its id: the text before and after it. ``values`` are the
    MCPD values in standard order."""
    parts = list(map(_encode, _TEXT_SOURCES(values)))
    special = {"available": "true" if available else "false", "lat": _json_number(lat),
               "lon": _json_number(lon), "taxon": _encode(taxon)}
    for at, key in _INSERTED:
        parts.insert(at, special[key])
    return _HEAD_TEMPLATE % tuple(parts[:_ID_AT]), _TAIL_TEMPLATE % tuple(parts[_ID_AT:])


def accession_after_json(values: list[str], taxon: str, accession_id: int,
                         available: bool, lat: float | None, lon: float | None) -> str:
    """The snapshot JSON of a new accession, built without the snapshot."""
    head, tail = accession_after_parts(values, taxon, available, lat, lon)
    return head + str(accession_id) + tail


#: PostgreSQL types of the column types bulk-inserted (binary COPY needs them).
_PG_TYPES = {"Integer": "int4", "String": "varchar", "Text": "text", "Float": "float8",
             "Boolean": "bool", "DateTime": "timestamptz", "Date": "date"}


def _bulk_insert(session: Session, table: Any, columns: Sequence[str],
                 rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert plain rows with the driver's fastest path, in the session's transaction.
    Values go to the driver as they are (see :func:`_stored`)."""
    if not rows:
        return
    connection = session.connection()
    names = ", ".join(columns)
    if connection.dialect.name == "postgresql":
        raw: Any = connection.connection.driver_connection
        types = [_PG_TYPES[type(table.c[name].type).__name__] for name in columns]
        with raw.cursor() as cursor, cursor.copy(
                f"COPY {table.name} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(types)
            for row in rows:
                copy.write_row(row)
        return
    # Table and column names come from the models, never from input.
    connection.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES "  # noqa: S608
                               f"({', '.join('?' * len(columns))})", rows)


def _stored(session: Session, column: Any, value: Any) -> Any:
    """``value`` as SQLAlchemy would hand it to the driver for ``column`` (e.g. SQLite keeps
    datetimes as text)."""
    dialect = session.get_bind().dialect
    process = column.type._cached_bind_processor(dialect)
    return value if process is None or value is None else process(value)


def _reserve_accession_ids(session: Session, count: int) -> list[int]:
    if session.get_bind().dialect.name == "postgresql":
        return sorted(session.execute(text(
            "SELECT nextval(pg_get_serial_sequence('genebank_accession', 'id')) "
            "FROM generate_series(1, :n)"), {"n": count}).scalars())
    last = session.execute(select(func.max(Accession.id))).scalar_one_or_none() or 0
    return list(range(last + 1, last + 1 + count))


def _count_key(values: dict[str, Any]) -> tuple[Any, ...]:
    return (bool(values["available"]), values["genus"], values["taxon"], values["cropname"],
            values["origcty"], values["sampstat"], values["lat"] is not None)


COUNT_KEYS = ("available", "genus", "taxon", "cropname", "origcty", "sampstat",
              "has_coordinates")


def _adjust_counts(session: Session, changes: Counter[tuple[Any, ...]]) -> None:
    """Add ``changes`` (facet combination -> accessions added, negative when removed) to the
    search counts."""
    rows = [dict(zip(COUNT_KEYS, key, strict=True), accessions=n)
            for key, n in changes.items() if n]
    if not rows:
        return
    from sqlalchemy.dialects import postgresql, sqlite

    statement: Any = (postgresql.insert if session.get_bind().dialect.name == "postgresql"
                      else sqlite.insert)(AccessionCount)
    session.execute(statement.on_conflict_do_update(
        index_elements=list(COUNT_KEYS),
        set_={"accessions": AccessionCount.accessions + statement.excluded.accessions}), rows)
    if any(row["accessions"] < 0 for row in rows):
        session.execute(delete(AccessionCount).where(AccessionCount.accessions <= 0))


def rebuild_counts(session: Session, principal: Principal) -> int:
    """Recompute the search counts from the accessions (after writes behind the service's
    back); returns the number of facet combinations."""
    authorize(principal, "genebank.passport.write")
    session.execute(delete(AccessionCount))
    has_coordinates = Accession.lat.is_not(None)
    rows = session.execute(select(
        Accession.available, Accession.genus, Accession.taxon, Accession.cropname,
        Accession.origcty, Accession.sampstat, has_coordinates, func.count()).group_by(
            Accession.available, Accession.genus, Accession.taxon, Accession.cropname,
            Accession.origcty, Accession.sampstat, has_coordinates)).all()
    _adjust_counts(session, Counter({tuple(r[:-1]): r[-1] for r in rows}))
    return len(rows)


#: A validated row ready to write: (line, MCPD values in order, available, lat, lon, taxon,
#: snapshot JSON before and after the id, the insert row less its id (the last column),
#: the facet combination it counts in).
Prepared = tuple[int, list[str], bool, float | None, float | None, str, str, str,
                 tuple[Any, ...], tuple[Any, ...]]
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
        return (row.line, values, available, lat, lon, taxon, head, tail,
                (*values, taxon, lat, lon, available),
                (available, parts[0], taxon, mv["CROPNAME"], mv["ORIGCTY"], mv["SAMPSTAT"],
                 lat is not None))


def _prepared_values(item: Prepared) -> dict[str, Any]:
    """The accession's column values (name -> value) of a prepared row."""
    values: dict[str, Any] = dict(zip(FIELD_OF.values(), item[1], strict=True))
    values.update(taxon=item[5], lat=item[3], lon=item[4], available=item[2])
    return values


class _PassportWriter:
    """Writes prepared rows in chunks: inserts new accessions (bulk, audited), updates
    changed ones (one audited update each), leaves identical ones alone."""

    def __init__(self, session: Session, principal: Principal, result: ImportResult,
                 progress: Callable[[int], None] | None) -> None:
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
        _adjust_counts(self.session, self.counts)
        self.counts.clear()

    def _existing(self, items: list[Prepared]) -> dict[tuple[str, str], Any]:
        by_instcode: dict[str, list[str]] = {}
        for item in items:
            by_instcode.setdefault(item[1][_INSTCODE_AT], []).append(item[1][_ACCENUMB_AT])
        found: dict[tuple[str, str], Any] = {}
        for instcode, numbers in by_instcode.items():
            if instcode not in self.known_instcodes:
                self.known_instcodes[instcode] = self.session.execute(
                    select(Accession.id).where(Accession.instcode == instcode).limit(1)
                ).first() is not None
            if not self.known_instcodes[instcode]:
                continue  # nothing of this institute predates the import: all rows are new
            for start in range(0, len(numbers), 500):
                for record in self.session.execute(select(*self.compare).where(
                        Accession.instcode == instcode,
                        Accession.accenumb.in_(numbers[start:start + 500]))):
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
            self.counts[_count_key(before)] -= 1
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
        next_id, previous = audit.chain_end(session)  # the lock first, then the ids
        ids = _reserve_accession_ids(session, len(items))
        inserts: list[tuple[Any, ...]] = []
        snapshots: list[tuple[str, str]] = []
        for accession_id, item in zip(ids, items, strict=True):
            inserts.append((*item[8], accession_id))
            key = str(accession_id)
            snapshots.append((key, item[6] + key + item[7]))
        _bulk_insert(session, Accession.__table__, INSERT_COLUMNS, inserts)
        moment = datetime.now(UTC)
        entries, _last = audit.created_rows(
            self.principal, Accession.__tablename__, snapshots, next_id, previous, moment,
            _stored(session, AuditEntry.__table__.c.at, moment))
        _bulk_insert(session, AuditEntry.__table__, audit.CSV_COLUMNS, entries)
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


def read_for_parent(path: Path, mapping: dict[str, str] | None, out: BinaryIO) -> None:
    """Child side of a parallel import (``python -m iofs.genebank.reader``): validate and
    prepare the file, writing pickled chunks, then the stream's final state (or the error
    that stopped it), to ``out``."""
    def send(message: tuple[str, Any]) -> None:
        pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()

    gc.disable()  # see _no_cycle_collection; this process ends with the file
    try:
        stream = mcpd.open_passport(path, mapping)
        for chunk in _chunks_here(stream):
            send(("rows", chunk))
        send(("done", stream.state()))
    except BrokenPipeError:
        pass  # the parent stopped reading (it failed, and says why)
    except Exception as error:  # handed to the parent to raise
        with suppress(BrokenPipeError):
            send(("error", error))


def _chunks_in_worker(stream: mcpd.PassportStream, source: tuple[Path, dict[str, str] | None]
                      ) -> Iterator[tuple[list[Prepared], int]]:
    """Like :func:`_chunks_here`, with reading and validation in a child process; the
    stream ends in the same state as if it had been read here."""
    stream.discard()
    child = subprocess.Popen(  # noqa: S603 - this interpreter, this package, a local file
        [sys.executable, "-m", "iofs.genebank.reader", str(source[0]),
         json.dumps(source[1] or {})], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
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


def import_passport(session: Session, principal: Principal,
                    report: mcpd.ValidationReport | mcpd.PassportStream,
                    *, partial: bool = False,
                    progress: Callable[[int], None] | None = None,
                    parallel: bool | None = None) -> ImportResult:
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
        chunks = [(rows[i:i + CHUNK], 0) for i in range(0, len(rows), CHUNK)]
    else:
        source = report.source
        if parallel is None:
            parallel = (source is not None and (os.cpu_count() or 1) > 1
                        and source[0].stat().st_size >= PARALLEL_BYTES)
        chunks = (_chunks_in_worker(report, source) if parallel and source is not None
                  else _chunks_here(report))
    result = ImportResult()
    writer = _PassportWriter(session, principal, result, progress)
    failed = False
    with _large_cache(session), _no_cycle_collection():
        for items, invalid in chunks:
            failed = failed or (invalid > 0 and not partial)
            if not failed:
                writer.add(items)
        if failed:
            raise ImportRejected(report)
        writer.finish()
    if result.inserted + result.updated >= ANALYZE_AFTER:
        _analyze(session)
    result.rejected = report.invalid
    result.warnings = report.warning_count
    return result


def write_rejects(rows: Iterable[mcpd.PassportRow], header: list[str],
                  out: io.TextIOBase | io.StringIO) -> int:
    """Write rejected rows with their original values plus ``LINE`` and ``ERRORS``."""
    writer = csv.writer(out, lineterminator="\n")
    columns = [*mcpd.MCPD_COLUMNS, mcpd.AVAILABLE]
    writer.writerow(["LINE", *columns, "ERRORS"])
    count = 0
    for row in rows:
        reasons = "; ".join(f"{i.column}: {i.reason}" for i in row.issues
                            if i.severity == "error")
        writer.writerow([row.line, *(row.raw.get(c, "") for c in columns), reasons])
        count += 1
    return count


# --- export -------------------------------------------------------------------------------

def _accessions(session: Session, principal: Principal) -> Iterator[Accession]:
    query = select(Accession).order_by(Accession.id)
    if not allows(principal, "genebank.read_internal"):
        query = query.where(Accession.available.is_(True))
    yield from session.execute(query.execution_options(yield_per=5000)).scalars()


def mcpd_values(accession: Accession) -> dict[str, str]:
    """The accession's MCPD descriptors (code -> text)."""
    return {code: getattr(accession, name) for code, name in FIELD_OF.items()}


def export_mcpd(session: Session, principal: Principal, out: io.TextIOBase | io.StringIO
                ) -> int:
    """Write MCPD CSV of the accessions the principal may see, in import order."""
    return mcpd.write_mcpd((mcpd_values(a) for a in _accessions(session, principal)), out)


def _split(value: str) -> list[str]:
    return [v for v in value.split(";") if v]


def genesys_record(accession: Accession) -> dict[str, Any]:
    """One accession in the Genesys accession JSON layout (camel-case MCPD names)."""
    def number(text: str) -> float | None:
        return float(text) if text else None

    return {
        "doi": accession.puid or None,
        "instituteCode": accession.instcode,
        "accessionNumber": accession.accenumb,
        "taxonomy": {"genus": accession.genus, "species": accession.species or None,
                     "spAuthor": accession.spauthor or None,
                     "subtaxa": accession.subtaxa or None,
                     "subtAuthor": accession.subtauthor or None},
        "cropName": accession.cropname or None,
        "accessionName": accession.accename or None,
        "acquisitionDate": accession.acqdate or None,
        "origCty": accession.origcty or None,
        "sampStat": int(accession.sampstat) if accession.sampstat else None,
        "ancest": accession.ancest or None,
        "mlsStatus": {"1": True, "0": False}.get(accession.mlsstat),
        "available": accession.available,
        "storage": [int(s) for s in _split(accession.storage)],
        "duplSite": _split(accession.duplsite),
        "coll": {"collNumb": accession.collnumb or None,
                 "collCode": _split(accession.collcode), "collName": _split(
                     accession.collname),
                 "collMissId": accession.collmissid or None,
                 "collSite": accession.collsite or None,
                 "collDate": accession.colldate or None,
                 "collSrc": int(accession.collsrc) if accession.collsrc else None},
        "geo": {"latitude": accession.lat, "longitude": accession.lon,
                "elevation": number(accession.elevation),
                "coordinateUncertainty": number(accession.coorduncert),
                "coordinateDatum": accession.coorddatum or None,
                "georeferenceMethod": accession.georefmeth or None},
        "breeding": {"breederCode": _split(accession.bredcode),
                     "breederName": _split(accession.bredname)},
        "donorCode": accession.donorcode or None,
        "donorName": accession.donorname or None,
        "donorNumb": accession.donornumb or None,
        "otherNumb": _split(accession.othernumb),
        "remarks": _split(accession.remarks),
        "acceUrl": accession.acceurl or None,
    }


def export_genesys_json(session: Session, principal: Principal,
                        out: io.TextIOBase | io.StringIO) -> int:
    """Write a JSON array of Genesys accession records."""
    out.write("[")
    count = 0
    for accession in _accessions(session, principal):
        out.write(("," if count else "") + "\n" + json.dumps(genesys_record(accession),
                                                             ensure_ascii=False))
        count += 1
    out.write("\n]\n")
    return count


STORAGE_LABELS = {"10": "Seed collection", "11": "Short term", "12": "Medium term",
                  "13": "Long term", "20": "Field collection", "30": "In vitro collection",
                  "40": "Cryopreserved collection", "50": "DNA collection", "99": "Other"}


def wiews_counts(session: Session, principal: Principal) -> list[dict[str, Any]]:
    """SDG indicator 2.5.1.a / FAO WIEWS reporting: accessions, genera and species per holding
    institute and MCPD storage type (an accession in two storage types counts in both;
    ``none`` when STORAGE is empty). Medium- and long-term seed storage (12, 13) is what
    SDG 2.5.1.a counts as secured."""
    accessions: Counter[tuple[str, str]] = Counter()
    genera: dict[tuple[str, str], set[str]] = {}
    taxa: dict[tuple[str, str], set[str]] = {}
    query = select(Accession.instcode, Accession.storage, Accession.genus, Accession.species)
    if not allows(principal, "genebank.read_internal"):
        query = query.where(Accession.available.is_(True))
    for instcode, storage, genus, species in session.execute(query):
        for code in _split(storage) or ["none"]:
            key = (instcode, code)
            accessions[key] += 1
            genera.setdefault(key, set()).add(genus)
            taxa.setdefault(key, set()).add(f"{genus} {species}".strip())
    return [{"instcode": k[0], "storage": k[1], "storage_label": STORAGE_LABELS.get(k[1], ""),
             "accessions": n, "genera": len(genera[k]), "species": len(taxa[k])}
            for k, n in sorted(accessions.items())]


# --- accessions ---------------------------------------------------------------------------

def get_accession(session: Session, principal: Principal, accession_id: int) -> Accession:
    """An accession; the public sees only available ones (others are 'not found')."""
    accession = session.get(Accession, accession_id)
    if accession is None or (not accession.available
                             and not allows(principal, "genebank.read_internal")):
        raise UnknownRecord(_("No such accession."), "accession_id")
    return accession


def set_available(session: Session, principal: Principal, accession_id: int,
                  available: bool) -> Accession:
    """Mark an accession available for distribution (and visible to the public) or not."""
    authorize(principal, "genebank.passport.write")
    accession = get_accession(session, principal, accession_id)
    before = audit.snapshot(accession)
    accession.available = available
    if audit.updated(session, principal, accession, before) is not None:
        _adjust_counts(session, Counter({_count_key(before): -1,
                                         _count_key(audit.snapshot(accession)): 1}))
    return accession


#: Descriptors that identify an accession: never edited (a new number is a new accession).
PASSPORT_KEY = ("INSTCODE", "ACCENUMB")


def edit_passport(session: Session, principal: Principal, accession_id: int,
                  changes: dict[str, str]) -> list[str]:
    """Change an accession's passport descriptors (MCPD codes → text), validated exactly as
    an imported row is; returns the warnings. The key (INSTCODE, ACCENUMB) cannot change and
    availability keeps its current value. Audited like an import that changes the row."""
    authorize(principal, "genebank.passport.write")
    accession = get_accession(session, principal, accession_id)
    unknown = sorted(set(changes) - set(mcpd.MCPD_COLUMNS))
    if unknown:
        raise GenebankError(_("Not an MCPD descriptor: %(names)s.") % {
            "names": ", ".join(unknown)}, unknown[0])
    for code in PASSPORT_KEY:
        if code in changes and changes[code].strip() != mcpd_values(accession)[code]:
            raise GenebankError(_("The institute code and accession number identify the "
                                  "accession and cannot be changed."), code)
    raw = {**mcpd_values(accession), **{code: value.strip() for code, value in changes.items()},
           mcpd.AVAILABLE: "yes" if accession.available else "no"}
    row = mcpd.validate_row(1, raw)
    errors = [issue for issue in row.issues if issue.severity == "error"]
    if errors:
        raise GenebankError(f"{errors[0].column}: {errors[0].reason}", errors[0].column)
    import_passport(session, principal, mcpd.ValidationReport(
        rows=[row], header_issues=[], header=list(mcpd.MCPD_COLUMNS)), parallel=False)
    return [f"{issue.column}: {issue.reason}" for issue in row.issues]


@dataclass(frozen=True)
class SearchQuery:
    """Search filters; empty means 'any'. ``after_id`` pages by key (the page starts after
    that id; totals and facets still count every match), cheaper than a large ``offset``."""

    text: str = ""
    genus: str = ""
    crop: str = ""
    country: str = ""
    sampstat: str = ""
    available: bool | None = None
    with_coordinates: bool = False
    limit: int = 50
    offset: int = 0
    after_id: int | None = None


@dataclass
class SearchResult:
    """A page of accessions, the total and facet counts (value -> accessions)."""

    total: int
    accessions: list[Accession]
    facets: dict[str, list[tuple[str, int]]]


FACETS = {"genus": Accession.genus, "crop": Accession.cropname,
          "country": Accession.origcty, "sampstat": Accession.sampstat,
          "available": Accession.available}
#: Rows a scan in id order may read before an index on the filters is the better plan.
SCAN_BUDGET = 20_000
#: Above this many matching taxa or crop names, text search filters rows by the pattern.
IN_LIST_LIMIT = 500


def _like_prefix(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def _equalities(principal: Principal, query: SearchQuery) -> dict[str, Any]:
    """The filters that are facet values: field -> value."""
    where: dict[str, Any] = {}
    if not allows(principal, "genebank.read_internal"):
        where["available"] = True
    elif query.available is not None:
        where["available"] = query.available
    for name, value in (("genus", query.genus), ("cropname", query.crop),
                        ("origcty", query.country.upper()), ("sampstat", query.sampstat)):
        if value:
            where[name] = value
    if query.with_coordinates:
        where["has_coordinates"] = True
    return where


def _count_conditions(where: dict[str, Any], pattern: str | None) -> list[Any]:
    conditions: list[Any] = []
    for name, value in where.items():
        column = getattr(AccessionCount, name)
        conditions.append(column.is_(value) if isinstance(value, bool) else column == value)
    if pattern is not None:
        conditions.append(func.lower(AccessionCount.taxon).like(pattern, escape="\\")
                          | func.lower(AccessionCount.cropname).like(pattern, escape="\\"))
    return conditions


def _row_conditions(where: dict[str, Any], plain: bool = True) -> list[Any]:
    """Conditions on accessions; ``plain=False`` hides them from indexes (SQLite then reads
    the table in id order, which is fastest when matches are dense)."""
    def column(expression: Any) -> Any:
        return expression if plain else func.coalesce(expression, expression)

    conditions: list[Any] = []
    for name, value in where.items():
        if name == "has_coordinates":
            conditions.append(column(Accession.lat).is_not(None))
        elif isinstance(value, bool):
            conditions.append(column(getattr(Accession, name)).is_(value))
        else:
            conditions.append(column(getattr(Accession, name)) == value)
    return conditions


@dataclass
class _Matches:
    """What a query matches: counts from the summary table, the row conditions to page with."""

    total: int
    counts: list[tuple[str, str, int]]  # (facet, value, accessions)
    where: dict[str, Any]
    text: str
    taxa: list[str] | None = None
    crops: list[str] | None = None
    pattern: str | None = None
    genus_taxa: list[str] | None = None

    def text_condition(self, plain: bool) -> Any:
        def column(expression: Any) -> Any:
            return expression if plain else func.coalesce(expression, expression)

        if self.taxa is None or self.crops is None:
            assert self.pattern is not None
            terms = [func.lower(Accession.taxon).like(self.pattern, escape="\\"),
                     func.lower(Accession.cropname).like(self.pattern, escape="\\")]
        else:
            terms = []
            if self.taxa:
                terms.append(column(Accession.taxon).in_(self.taxa))
            if self.crops:
                terms.append(column(Accession.cropname).in_(self.crops))
        return or_(Accession.accenumb == self.text, *terms)


def _facet_value(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _match(session: Session, principal: Principal, query: SearchQuery,
           facets: bool) -> _Matches:
    """Total and facet counts of ``query`` in one grouped query over the summary table, plus
    the few accessions whose number equals the text without their taxon or crop matching."""
    where = _equalities(principal, query)
    text_value = query.text.strip()
    pattern = _like_prefix(text_value) if text_value else None
    conditions = _count_conditions(where, pattern)
    total_n = func.coalesce(func.sum(AccessionCount.accessions), 0)
    parts = [select(literal("", String).label("facet"), literal("", String).label("value"),
                    total_n.label("n")).where(*conditions)]
    if facets:
        for name, column in (("genus", AccessionCount.genus),
                             ("crop", AccessionCount.cropname),
                             ("country", AccessionCount.origcty),
                             ("sampstat", AccessionCount.sampstat)):
            parts.append(select(literal(name, String), column, func.sum(
                AccessionCount.accessions)).where(*conditions).group_by(column))
        flag = case((AccessionCount.available.is_(True), "true"), else_="false")
        parts.append(select(literal("available", String), flag, func.sum(
            AccessionCount.accessions)).where(*conditions).group_by(flag))
    rows = [(f, v, int(n)) for f, v, n in session.execute(union_all(*parts))]
    total = sum(n for f, _v, n in rows if not f)
    counts = [r for r in rows if r[0]]
    matches = _Matches(total, counts, where, text_value)
    if "genus" in where and total:
        # Genus is not indexed: its taxa are (a taxon starts with its genus).
        taxa = list(session.execute(select(AccessionCount.taxon).where(
            *_count_conditions(where, None)).distinct()).scalars())
        if len(taxa) <= IN_LIST_LIMIT:
            matches.genus_taxa = taxa
    if pattern is None:
        return matches
    matches.pattern = pattern
    # The exact taxa and crop names that match, so rows are found by plain equality.
    plain_conditions = _count_conditions(where, None)
    names = session.execute(union_all(
        select(literal("taxon", String), AccessionCount.taxon).where(
            *plain_conditions, func.lower(AccessionCount.taxon).like(pattern, escape="\\")
        ).distinct(),
        select(literal("crop", String), AccessionCount.cropname).where(
            *plain_conditions, func.lower(AccessionCount.cropname).like(pattern, escape="\\")
        ).distinct())).all()
    if len(names) <= IN_LIST_LIMIT:
        matches.taxa = sorted({value for kind, value in names if kind == "taxon"})
        matches.crops = sorted({value for kind, value in names if kind == "crop"})
    extra = session.execute(select(
        Accession.available, Accession.genus, Accession.cropname, Accession.origcty,
        Accession.sampstat).where(Accession.accenumb == text_value, *_row_conditions(where),
                                  ~(func.lower(Accession.taxon).like(pattern, escape="\\")
                                    | func.lower(Accession.cropname).like(pattern,
                                                                           escape="\\")))).all()
    for available, genus, crop, country, sampstat in extra:
        matches.total += 1
        for facet, value in (("genus", genus), ("crop", crop), ("country", country),
                             ("sampstat", sampstat), ("available", _facet_value(available))):
            matches.counts.append((facet, value, 1))
    return matches


def _page(session: Session, matches: _Matches, query: SearchQuery, limit: int,
          columns: Sequence[Any] | None = None) -> list[Any]:
    """One page in id order, planned from the match count: when matches are dense, SQLite
    reads the table in id order and stops at the page; when sparse, the indexes serve."""
    if matches.total == 0:
        return []
    plain = True
    if session.get_bind().dialect.name == "sqlite":
        low, high = session.execute(select(
            select(func.min(Accession.id)).scalar_subquery(),
            select(func.max(Accession.id)).scalar_subquery())).one()
        span = (high or 0) - (low or 0) + 1
        plain = (query.offset + limit) * span / matches.total > SCAN_BUDGET
    conditions = _row_conditions(matches.where, plain)
    if plain and matches.genus_taxa is not None:
        conditions.append(Accession.taxon.in_(matches.genus_taxa))
    if matches.text:
        conditions.append(matches.text_condition(plain))
    if query.after_id is not None:
        conditions.append(Accession.id > query.after_id)
    statement = (select(*columns) if columns else select(Accession)).where(*conditions)
    statement = statement.order_by(Accession.id).limit(limit).offset(query.offset)
    if columns:
        return list(session.execute(statement))
    return list(session.execute(statement).scalars())


def search(session: Session, principal: Principal, query: SearchQuery,
           facets: bool = True, facet_size: int = 12) -> SearchResult:
    """Accessions matching ``query`` (id order) with the total and the top facet values.

    Text matches an accession number exactly, or the start of a taxon or crop name (any
    case). Totals and facets come from :class:`AccessionCount`."""
    matches = _match(session, principal, query, facets)
    counts: dict[str, list[tuple[str, int]]] = {}
    if facets:
        merged: dict[str, Counter[str]] = {name: Counter() for name in FACETS}
        for facet, value, n in matches.counts:
            merged[facet][value] += n
        for name, values in merged.items():
            top = sorted(values.items(), key=lambda item: (-item[1], item[0]))[:facet_size]
            counts[name] = [(value, n) for value, n in top if value != "" and n > 0]
    return SearchResult(matches.total, _page(session, matches, query, query.limit), counts)


def collecting_points(session: Session, principal: Principal, query: SearchQuery,
                      limit: int = 2000) -> list[dict[str, Any]]:
    """Collecting sites (decimal degrees) of matching accessions, for the map."""
    located = SearchQuery(**{**query.__dict__, "with_coordinates": True, "offset": 0})
    matches = _match(session, principal, located, facets=False)
    rows = _page(session, matches, located, limit, (
        Accession.id, Accession.accenumb, Accession.taxon, Accession.lat, Accession.lon))
    return [{"id": r.id, "accenumb": r.accenumb, "taxon": r.taxon, "lat": r.lat,
             "lon": r.lon, "label": f"{r.accenumb} — {r.taxon}"} for r in rows]


# --- lots, duplicates, tests ----------------------------------------------------------------

@dataclass(frozen=True)
class LotInput:
    lot_number: str
    collection: str
    storage_temperature_c: float
    moisture_content_pct: float
    seed_count: int
    origin: str
    stored_on: date
    seed_weight_g: float | None = None
    room: str = ""
    freezer: str = ""
    shelf: str = ""
    box: str = ""
    reference_sample_seeds: int = 0
    seeds_per_sowing: int = 100


def _lot_warnings(data: LotInput) -> list[str]:
    warnings = []
    if data.collection == "base" and data.storage_temperature_c > -18 + 1e-9:
        warnings.append(_("Base collections are kept at −18 °C or colder."))
    if data.collection == "active" and not 0 <= data.storage_temperature_c <= 10:
        warnings.append(_("Active collections are kept at 0–10 °C."))
    if not 3 <= data.moisture_content_pct <= 7:
        warnings.append(_("Seeds are dried to 3–7 % moisture before storage."))
    if data.reference_sample_seeds < REFERENCE_SAMPLE_SEEDS:
        warnings.append(_("The reference sample should hold at least 50 seeds."))
    return warnings


def create_lot(session: Session, principal: Principal, accession_id: int,
               data: LotInput) -> tuple[Lot, list[str]]:
    """Add a seed lot to an accession; returns it with FAO-standard warnings."""
    authorize(principal, "genebank.collection.write")
    accession = get_accession(session, principal, accession_id)
    if data.collection not in COLLECTIONS:
        raise GenebankError(_("The collection is base or active."), "collection")
    if data.origin not in ORIGINS:
        raise GenebankError(_("The origin is acquisition, harvest or regeneration."), "origin")
    if not data.lot_number.strip():
        raise GenebankError(_("Give a lot number."), "lot_number")
    if not 0 < data.moisture_content_pct < 100:
        raise GenebankError(_("The moisture content is a percentage above 0."),
                            "moisture_content_pct")
    if data.reference_sample_seeds > data.seed_count:
        raise GenebankError(_("The reference sample cannot exceed the seeds in the lot."),
                            "reference_sample_seeds")
    if session.execute(select(Lot.id).where(Lot.accession_id == accession.id,
                                            Lot.lot_number == data.lot_number.strip())).first():
        raise GenebankError(_("This accession already has a lot with this number."),
                            "lot_number")
    lot = Lot(accession_id=accession.id, lot_number=data.lot_number.strip(),
              collection=data.collection, storage_temperature_c=data.storage_temperature_c,
              moisture_content_pct=data.moisture_content_pct, room=data.room, freezer=data.freezer,
              shelf=data.shelf, box=data.box, seed_count=data.seed_count,
              seed_weight_g=data.seed_weight_g, origin=data.origin, stored_on=data.stored_on,
              reference_sample_seeds=data.reference_sample_seeds,
              seeds_per_sowing=data.seeds_per_sowing)
    session.add(lot)
    audit.created(session, principal, lot)
    return lot, _lot_warnings(data)


def get_lot(session: Session, lot_id: int) -> Lot:
    lot = session.get(Lot, lot_id)
    if lot is None:
        raise UnknownRecord(_("No such lot."), "lot_id")
    return lot


def lots_of(session: Session, accession_id: int) -> list[Lot]:
    return list(session.execute(select(Lot).where(Lot.accession_id == accession_id)
                                .order_by(Lot.id)).scalars())


def add_safety_duplicate(session: Session, principal: Principal, accession_id: int,
                         site_code: str, site_name: str, box: str, deposited_on: date,
                         seed_count: int) -> SafetyDuplicate:
    """Record a safety duplicate deposit (site as a FAO WIEWS code, e.g. NOR051 Svalbard)."""
    authorize(principal, "genebank.collection.write")
    accession = get_accession(session, principal, accession_id)
    code = site_code.strip().upper()
    if not mcpd.WIEWS.match(code):
        raise GenebankError(_("The site is a FAO WIEWS institute code, e.g. NOR051."),
                            "site_code")
    if deposited_on > date.today():
        raise GenebankError(_("The date cannot be in the future."), "deposited_on")
    duplicate = SafetyDuplicate(accession_id=accession.id, site_code=code,
                                site_name=site_name.strip(), box=box.strip(),
                                deposited_on=deposited_on, seed_count=seed_count)
    session.add(duplicate)
    audit.created(session, principal, duplicate)
    return duplicate


def duplicates_of(session: Session, accession_id: int) -> list[SafetyDuplicate]:
    return list(session.execute(select(SafetyDuplicate).where(
        SafetyDuplicate.accession_id == accession_id).order_by(SafetyDuplicate.id)).scalars())


def _counts(text: str, name: str) -> list[int]:
    try:
        values = [int(v) for v in text.replace(",", ";").split(";") if v.strip()]
    except ValueError:
        raise GenebankError(_("Give whole numbers separated by ';'."), name) from None
    if not values or len(values) > 16:
        raise GenebankError(_("Give 1 to 16 replicates."), name)
    return values


def record_germination_test(session: Session, principal: Principal, lot_id: int,
                            tested_on: date, sown: str, germinated: str,
                            method: str = "") -> tuple[GerminationTest, list[str]]:
    """Record a germination test (replicate counts); returns it and warnings: replicates
    outside the ISTA tolerance, a first test below 85 % (FAO Genebank Standards 4.2)."""
    authorize(principal, "genebank.collection.write")
    lot = get_lot(session, lot_id)
    sown_counts, germinated_counts = _counts(sown, "sown"), _counts(germinated, "germinated")
    if len(sown_counts) != len(germinated_counts):
        raise GenebankError(_("Give as many germinated counts as replicates sown."),
                            "germinated")
    try:
        result = viability.evaluate_test(sown_counts, germinated_counts)
    except ValueError:
        raise GenebankError(_("Each replicate needs seeds sown and at most that many "
                              "germinated."), "germinated") from None
    if tested_on > date.today():
        raise GenebankError(_("The date cannot be in the future."), "tested_on")
    if tested_on < lot.stored_on:
        raise GenebankError(_("The test cannot precede the lot's storage date."), "tested_on")
    first = session.execute(select(func.count()).select_from(GerminationTest).where(
        GerminationTest.lot_id == lot.id)).scalar_one() == 0
    test = GerminationTest(lot_id=lot.id, tested_on=tested_on, method=method.strip()[:255],
                           sown=";".join(map(str, sown_counts)),
                           germinated=";".join(map(str, germinated_counts)),
                           germination_pct=round(result.germination_pct, 2),
                           within_tolerance=result.within_tolerance)
    session.add(test)
    audit.created(session, principal, test)
    warnings = []
    if not result.within_tolerance:
        warnings.append(_("The replicates differ by %(range).0f points, more than the %(max).0f "
                          "tolerated: repeat the test.") % {
                              "range": result.replicate_range, "max": result.tolerated_range})
    if first and result.germination_pct < viability.INITIAL_VIABILITY_STANDARD:
        warnings.append(_("Initial germination is below 85 %: regenerate or replace this lot."))
    return test, warnings


def tests_of(session: Session, lot_ids: Sequence[int]) -> list[GerminationTest]:
    if not lot_ids:
        return []
    return list(session.execute(select(GerminationTest).where(
        GerminationTest.lot_id.in_(lot_ids)).order_by(GerminationTest.tested_on,
                                                      GerminationTest.id)).scalars())


# --- viability constants --------------------------------------------------------------------

def import_constants(session: Session, principal: Principal,
                     constants: Iterable[viability.SpeciesConstants]) -> dict[str, int]:
    """Load species constants (reference data, idempotent): counts inserted/updated/same."""
    authorize(principal, "genebank.collection.write")
    counts = {"inserted": 0, "updated": 0, "unchanged": 0}
    existing = {c.species: c for c in session.execute(select(SpeciesConstants)).scalars()}
    for item in constants:
        row = existing.get(item.species)
        values = {"ke": item.ke, "cw": item.cw, "ch": item.ch, "cq": item.cq,
                  "single_temperature": item.single_temperature, "reference": item.reference}
        if row is None:
            session.add(SpeciesConstants(species=item.species, **values))
            counts["inserted"] += 1
        elif all(getattr(row, k) == v for k, v in values.items()):
            counts["unchanged"] += 1
        else:
            for key, value in values.items():
                setattr(row, key, value)
            counts["updated"] += 1
    session.flush()
    return counts


def constants_for(session: Session, genus: str, species: str
                  ) -> viability.SpeciesConstants | None:
    """Constants of ``Genus species``: imported ones first, else the built-in table."""
    name = f"{genus} {species}".strip()
    row = session.execute(select(SpeciesConstants).where(
        SpeciesConstants.species == name)).scalar_one_or_none()
    if row is not None:
        return viability.SpeciesConstants(row.species, row.ke, row.cw, row.ch, row.cq,
                                          row.single_temperature, row.reference)
    return viability.BUILT_IN_CONSTANTS.get(name)


def list_constants(session: Session) -> list[viability.SpeciesConstants]:
    imported = [viability.SpeciesConstants(r.species, r.ke, r.cw, r.ch, r.cq,
                                           r.single_temperature, r.reference)
                for r in session.execute(select(SpeciesConstants).order_by(
                    SpeciesConstants.species)).scalars()]
    names = {c.species for c in imported}
    return imported + [c for n, c in sorted(viability.BUILT_IN_CONSTANTS.items())
                       if n not in names]


# --- regeneration queue ---------------------------------------------------------------------

@dataclass
class LotStatus:
    """A lot with its prediction and the reasons it needs regeneration or testing."""

    lot: Lot
    accession: Accession
    latest_pct: float | None
    prediction: viability.Prediction | None
    reasons: list[str]
    urgency: int
    seeds_for_three_sowings: int

    @property
    def overdue_test(self) -> bool:
        return "test_overdue" in self.reasons


#: Reason codes and their weight in the urgency score (higher first).
REASON_WEIGHTS = {"below_85pct_of_initial": 8, "below_three_sowings": 4,
                  "past_predicted_date": 2, "test_overdue": 1, "never_tested": 1}


def lot_status(session: Session, lot: Lot, accession: Accession,
               tests: Sequence[GerminationTest], today: date | None = None) -> LotStatus:
    """Evaluate one lot against the FAO Genebank Standards (see module docstring)."""
    today = today or date.today()
    ordered = sorted(tests, key=lambda t: (t.tested_on, t.id))
    constants = constants_for(session, accession.genus, accession.species)
    prediction = viability.predict(lot.stored_on, lot.collection, lot.storage_temperature_c,
                                   lot.moisture_content_pct, constants,
                                   [(t.tested_on, t.germination_pct) for t in ordered], today)
    latest = ordered[-1].germination_pct if ordered else None
    reasons: list[str] = []
    if ordered and latest is not None and latest < viability.REGENERATION_FRACTION * \
            ordered[0].germination_pct:
        reasons.append("below_85pct_of_initial")
    viable_share = (latest or 100.0) / 100
    needed = 3 * math.ceil(lot.seeds_per_sowing / max(viable_share, 0.01))
    if lot.seed_count - lot.reference_sample_seeds < needed:
        reasons.append("below_three_sowings")
    if prediction is not None and prediction.regeneration_due < today:
        reasons.append("past_predicted_date")
    if prediction is not None and prediction.next_test_due < today:
        reasons.append("test_overdue")
    if not ordered:
        reasons.append("never_tested")
    urgency = sum(REASON_WEIGHTS[r] for r in reasons)
    return LotStatus(lot, accession, latest, prediction, reasons, urgency, needed)


def lot_statuses(session: Session, principal: Principal, accession_id: int | None = None,
                 today: date | None = None) -> list[LotStatus]:
    """Every lot (or an accession's lots) with its status."""
    authorize(principal, "genebank.read_internal")
    query = select(Lot, Accession).join(Accession, Lot.accession_id == Accession.id)
    if accession_id is not None:
        query = query.where(Lot.accession_id == accession_id)
    pairs = [(lot, accession) for lot, accession in session.execute(query.order_by(Lot.id))]
    tests: dict[int, list[GerminationTest]] = {}
    for test in tests_of(session, [lot.id for lot, _a in pairs]):
        tests.setdefault(test.lot_id, []).append(test)
    return [lot_status(session, lot, accession, tests.get(lot.id, []), today)
            for lot, accession in pairs]


def regeneration_queue(session: Session, principal: Principal,
                       today: date | None = None) -> list[LotStatus]:
    """Lots needing regeneration or a test, most urgent first (urgency = sum of reason
    weights: below 85 % of initial 8, below three sowings 4, past predicted date 2,
    test overdue or never tested 1; ties by earliest predicted regeneration date)."""
    statuses = [s for s in lot_statuses(session, principal, today=today) if s.reasons]
    statuses.sort(key=lambda s: (-s.urgency, s.prediction.regeneration_due if s.prediction
                                 else date.min, s.lot.id))
    return statuses


# --- distribution ---------------------------------------------------------------------------

@dataclass(frozen=True)
class RequestInput:
    """A request for a sample: who asks, from where, for what."""

    recipient_name: str
    recipient_country: str
    purpose: str
    requested_on: date
    seeds: int | None = None
    recipient_organisation: str = ""
    recipient_address: str = ""


@dataclass(frozen=True)
class OrderInput:
    """The curator's order for a request: the lot, the seeds and the agreement concluded."""

    lot_id: int
    mta_type: str
    mta_identifier: str
    mta_date: date
    ordered_on: date
    seeds: int | None = None


@dataclass(frozen=True)
class DistributionInput:
    """A sample requested, ordered and shipped at once (:func:`distribute`)."""

    recipient_name: str
    recipient_country: str
    purpose: str
    mta_type: str
    mta_identifier: str
    mta_date: date
    requested_on: date
    shipped_on: date
    seeds: int | None = None
    recipient_organisation: str = ""
    recipient_address: str = ""


#: Distribution states and their names (translated where shown).
DISTRIBUTION_STATES = {"requested": N_("requested"), "ordered": N_("ordered"),
                       "shipped": N_("shipped"), "cancelled": N_("cancelled")}


def _locked_lot(session: Session, lot_id: int) -> Lot:
    query = select(Lot).where(Lot.id == lot_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    lot = session.execute(query).scalar_one_or_none()
    if lot is None:
        raise UnknownRecord(_("No such lot."), "lot_id")
    return lot


def _available_accession(session: Session, accession_id: int, field_name: str) -> Accession:
    accession = session.get(Accession, accession_id)
    if accession is None:
        raise UnknownRecord(_("No such accession."), "accession_id")
    if not accession.available:
        raise GenebankError(_("This accession is not available for distribution."),
                            field_name)
    return accession


def _check_stock(lot: Lot, seeds: int) -> None:
    if seeds < 1:
        raise GenebankError(_("Send at least one seed."), "seeds")
    available = lot.seed_count - lot.reference_sample_seeds
    if seeds > available:
        raise GenebankError(_("Only %(n)d seeds can be sent from this lot (the reference "
                              "sample stays).") % {"n": max(available, 0)}, "seeds")


def get_distribution(session: Session, principal: Principal, distribution_id: int
                     ) -> Distribution:
    authorize(principal, "genebank.read_internal")
    distribution = session.get(Distribution, distribution_id)
    if distribution is None:
        raise UnknownRecord(_("No such distribution."), "distribution_id")
    return distribution


def _in_state(distribution: Distribution, *states: str) -> None:
    if distribution.status not in states:
        status = _(DISTRIBUTION_STATES[distribution.status])
        raise GenebankError(_("This distribution is %(status)s; that step is not possible "
                              "now.") % {"status": status}, "status")


def request_sample(session: Session, principal: Principal, accession_id: int,
                   data: RequestInput) -> Distribution:
    """Record a request for a sample of an available accession (nothing leaves stock yet)."""
    authorize(principal, "genebank.distribute")
    accession = _available_accession(session, accession_id, "accession_id")
    country = data.recipient_country.strip().upper()
    if country not in mcpd.COUNTRY_CODES:
        raise GenebankError(_("Give the recipient's country as an ISO 3166-1 alpha-3 code."),
                            "recipient_country")
    if data.purpose not in PURPOSES:
        raise GenebankError(_("The purpose is research, breeding, training or conservation."),
                            "purpose")
    if not data.recipient_name.strip():
        raise GenebankError(_("Name the recipient."), "recipient_name")
    if data.requested_on > date.today():
        raise GenebankError(_("The date cannot be in the future."), "requested_on")
    if data.seeds is not None and data.seeds < 1:
        raise GenebankError(_("Send at least one seed."), "seeds")
    request = Distribution(accession_id=accession.id, status="requested",
                           recipient_name=data.recipient_name.strip()[:255],
                           recipient_organisation=data.recipient_organisation.strip()[:255],
                           recipient_country=country,
                           recipient_address=data.recipient_address.strip(),
                           purpose=data.purpose, mta_type="", mta_identifier="",
                           seeds=data.seeds, requested_on=data.requested_on)
    session.add(request)
    audit.created(session, principal, request)
    return request


def order_sample(session: Session, principal: Principal, distribution_id: int,
                 data: OrderInput) -> Distribution:
    """Accept a request: choose the lot, conclude the SMTA (or own MTA) and fix the seeds.
    Without seeds (here or in the request) the sample holds 50 viable seeds at the lot's
    latest germination. Stock is checked, not yet taken."""
    authorize(principal, "genebank.distribute")
    distribution = get_distribution(session, principal, distribution_id)
    _in_state(distribution, "requested")
    lot = get_lot(session, data.lot_id)
    if lot.accession_id != distribution.accession_id:
        raise GenebankError(_("This lot belongs to another accession."), "lot_id")
    _available_accession(session, distribution.accession_id, "lot_id")
    if data.mta_type not in MTA_TYPES:
        raise GenebankError(_("The agreement is the SMTA or the provider's own MTA."),
                            "mta_type")
    if not data.mta_identifier.strip():
        raise GenebankError(_("Give the agreement's identifier."), "mta_identifier")
    if not distribution.requested_on <= data.ordered_on <= date.today():
        raise GenebankError(_("The order date is between the request and today."),
                            "ordered_on")
    seeds = data.seeds or distribution.seeds
    if seeds is None:
        latest = session.execute(select(GerminationTest.germination_pct).where(
            GerminationTest.lot_id == lot.id).order_by(GerminationTest.tested_on.desc(),
                                                       GerminationTest.id.desc())
            .limit(1)).scalar_one_or_none()
        seeds = math.ceil(DEFAULT_VIABLE_SEEDS / max((latest or 100.0) / 100, 0.01))
    _check_stock(lot, seeds)
    before = audit.snapshot(distribution)
    distribution.lot_id = lot.id
    distribution.mta_type = data.mta_type
    distribution.mta_identifier = data.mta_identifier.strip()[:64]
    distribution.mta_date = data.mta_date
    distribution.seeds = seeds
    distribution.ordered_on = data.ordered_on
    distribution.status = "ordered"
    audit.updated(session, principal, distribution, before)
    return distribution


def ship_sample(session: Session, principal: Principal, distribution_id: int,
                shipped_on: date) -> Distribution:
    """Ship an ordered sample: the lot's seed count (and weight) go down in this same
    transaction, the lot locked against concurrent shipments. The reference sample is never
    sent."""
    authorize(principal, "genebank.distribute")
    distribution = get_distribution(session, principal, distribution_id)
    _in_state(distribution, "ordered")
    if distribution.lot_id is None or distribution.seeds is None or \
            distribution.ordered_on is None:
        raise GenebankError(_("Order the sample first."), "status")
    if not distribution.ordered_on <= shipped_on <= date.today():
        raise GenebankError(_("The shipment date is between the order and today."),
                            "shipped_on")
    lot = _locked_lot(session, distribution.lot_id)
    _available_accession(session, distribution.accession_id, "lot_id")
    seeds = distribution.seeds
    _check_stock(lot, seeds)
    before = audit.snapshot(lot)
    if lot.seed_weight_g is not None and lot.seed_count:
        lot.seed_weight_g = round(lot.seed_weight_g * (lot.seed_count - seeds)
                                  / lot.seed_count, 3)
    lot.seed_count -= seeds
    audit.updated(session, principal, lot, before)
    before = audit.snapshot(distribution)
    distribution.status = "shipped"
    distribution.shipped_on = shipped_on
    audit.updated(session, principal, distribution, before)
    return distribution


def cancel_sample(session: Session, principal: Principal, distribution_id: int,
                  cancelled_on: date) -> Distribution:
    """Cancel a request or an order (a shipped sample stays shipped)."""
    authorize(principal, "genebank.distribute")
    distribution = get_distribution(session, principal, distribution_id)
    _in_state(distribution, "requested", "ordered")
    if not distribution.requested_on <= cancelled_on <= date.today():
        raise GenebankError(_("The date is between the request and today."), "cancelled_on")
    before = audit.snapshot(distribution)
    distribution.status = "cancelled"
    distribution.cancelled_on = cancelled_on
    audit.updated(session, principal, distribution, before)
    return distribution


def distribute(session: Session, principal: Principal, lot_id: int,
               data: DistributionInput) -> Distribution:
    """Request, order and ship a sample from a lot in one go (the three dated states, one
    transaction): see :func:`request_sample`, :func:`order_sample` and :func:`ship_sample`."""
    authorize(principal, "genebank.distribute")
    lot = _locked_lot(session, lot_id)
    _available_accession(session, lot.accession_id, "lot_id")
    if data.shipped_on < data.requested_on or data.shipped_on > date.today():
        raise GenebankError(_("The shipment date is between the request and today."),
                            "shipped_on")
    request = request_sample(session, principal, lot.accession_id, RequestInput(
        recipient_name=data.recipient_name, recipient_country=data.recipient_country,
        purpose=data.purpose, requested_on=data.requested_on, seeds=data.seeds,
        recipient_organisation=data.recipient_organisation,
        recipient_address=data.recipient_address))
    order_sample(session, principal, request.id, OrderInput(
        lot_id=lot.id, mta_type=data.mta_type, mta_identifier=data.mta_identifier,
        mta_date=data.mta_date, ordered_on=data.requested_on, seeds=data.seeds))
    return ship_sample(session, principal, request.id, data.shipped_on)


def distributions(session: Session, principal: Principal,
                  accession_id: int | None = None, status: str | None = None
                  ) -> list[Distribution]:
    authorize(principal, "genebank.read_internal")
    query = select(Distribution).order_by(Distribution.requested_on, Distribution.id)
    if accession_id is not None:
        query = query.where(Distribution.accession_id == accession_id)
    if status is not None:
        query = query.where(Distribution.status == status)
    return list(session.execute(query).scalars())


SMTA_COLUMNS = ["mta_identifier", "mta_type", "mta_date", "provider_instcode",
                "recipient_name", "recipient_organisation", "recipient_country",
                "recipient_address", "material_puid", "material_accenumb", "crop", "taxon",
                "mls_status", "seeds", "purpose", "requested_on", "ordered_on", "shipped_on"]


def smta_report(session: Session, principal: Principal) -> list[dict[str, Any]]:
    """Shipped samples in the shape the Treaty's SMTA reporting asks for (one row per sample:
    agreement, provider, recipient, material and dates), in shipment order."""
    rows = []
    shipped = sorted(distributions(session, principal, status="shipped"),
                     key=lambda d: (d.shipped_on or date.min, d.id))
    for shipment in shipped:
        accession = session.get_one(Accession, shipment.accession_id)
        rows.append({
            "mta_identifier": shipment.mta_identifier, "mta_type": shipment.mta_type,
            "mta_date": shipment.mta_date.isoformat() if shipment.mta_date else "",
            "provider_instcode": accession.instcode,
            "recipient_name": shipment.recipient_name,
            "recipient_organisation": shipment.recipient_organisation,
            "recipient_country": shipment.recipient_country,
            "recipient_address": shipment.recipient_address,
            "material_puid": accession.puid, "material_accenumb": accession.accenumb,
            "crop": accession.cropname, "taxon": accession.taxon,
            "mls_status": accession.mlsstat, "seeds": shipment.seeds,
            "purpose": shipment.purpose, "requested_on": shipment.requested_on.isoformat(),
            "ordered_on": shipment.ordered_on.isoformat() if shipment.ordered_on else "",
            "shipped_on": shipment.shipped_on.isoformat() if shipment.shipped_on else ""})
    return rows


def history(session: Session, principal: Principal, accession_id: int) -> list[AuditEntry]:
    """Audit entries of the accession itself, newest first."""
    authorize(principal, "genebank.read_internal")
    return audit.query(session, audit.AuditFilter(record_type=Accession.__tablename__,
                                                  record_id=str(accession_id)), limit=50)


@dataclass
class Dashboard:
    """The curator's overview."""

    accessions: int
    available: int
    lots: int
    queue: list[LotStatus]
    overdue_tests: list[LotStatus]
    stock_alerts: list[LotStatus]
    distributions: int


def dashboard(session: Session, principal: Principal, today: date | None = None) -> Dashboard:
    queue = regeneration_queue(session, principal, today)
    return Dashboard(
        accessions=int(session.execute(select(func.count()).select_from(Accession))
                       .scalar_one()),
        available=int(session.execute(select(func.count()).select_from(Accession).where(
            Accession.available.is_(True))).scalar_one()),
        lots=int(session.execute(select(func.count()).select_from(Lot)).scalar_one()),
        queue=queue,
        overdue_tests=[s for s in queue if "test_overdue" in s.reasons],
        stock_alerts=[s for s in queue if "below_three_sowings" in s.reasons],
        distributions=int(session.execute(select(func.count()).select_from(Distribution))
                          .scalar_one()))


def validate_predictor(constants: dict[str, viability.SpeciesConstants],
                       observations: Sequence[dict[str, Any]]
                       ) -> list[dict[str, Any]]:
    """Compare Ellis & Roberts predictions with a storage trial, per species.

    ``observations``: dicts with ``species``, ``moisture`` (%), ``temperature`` (°C),
    ``years`` and ``viability`` (%). ``Ki`` (the seed lot's initial quality, which the equation
    leaves to the lot) is estimated once per species as the least-squares intercept given the
    σ of every condition; everything else comes from the species constants. Returns, per
    species: n, RMSE, mean absolute error and bias (predicted − observed), percentage points.
    """
    report = []
    by_species: dict[str, list[dict[str, Any]]] = {}
    for obs in observations:
        by_species.setdefault(obs["species"], []).append(obs)
    for species, rows in sorted(by_species.items()):
        constants_row = constants.get(species)
        if constants_row is None:
            continue
        sigmas = [viability.sigma_days(constants_row, r["temperature"], r["moisture"])
                  for r in rows]
        days = [r["years"] * viability.DAYS_PER_YEAR for r in rows]
        ki = sum(viability.probit(r["viability"]) + d / s
                 for r, d, s in zip(rows, days, sigmas, strict=True)) / len(rows)
        errors = [viability.predicted_viability(ki, s, d) - r["viability"]
                  for r, d, s in zip(rows, days, sigmas, strict=True)]
        report.append({"species": species, "n": len(rows), "ki": ki,
                       "initial_pct": viability.percent(ki),
                       "rmse": math.sqrt(sum(e * e for e in errors) / len(errors)),
                       "mae": sum(abs(e) for e in errors) / len(errors),
                       "bias": sum(errors) / len(errors)})
    return report
