"""Write and restore a backup archive (``.tar.gz``).

Layout of the archive:

- ``manifest.json`` (the last member) — format, iofs version, time (UTC), database backend
  and schema revisions, per table its columns, row count and SHA-256 (see :mod:`iofs.backup.rows`),
  per file its path, size and SHA-256, and whether the secret key is included;
- ``tables/<table>.jsonl`` — each table's rows;
- ``files/<path>`` — the data directory's files: the analytics store and stored documents
  (not the SQLite database itself, its journal files, files being written, or backups);
- ``secret_key`` — only with ``include_secret_key``.

**Consistency.** The rows are read in one snapshot while the server keeps running: on
SQLite from a copy made with SQLite's online backup API (one step, under a read lock), on
PostgreSQL in one ``REPEATABLE READ, READ ONLY`` transaction — the same guarantee as
``pg_dump``, and the same dump then restores into either database. Files are copied after the
rows; iofs replaces analytics files by renaming, so each file is whole.

**Restore** needs an empty database (migrated or not) and a data directory without the
archive's files (a file already there with the same content is accepted, so a killed restore
can be run again). Rows are loaded in one transaction; files are unpacked to a hidden folder
and moved into place just before that transaction commits; then every table's count and
digest and every file's digest are checked against the manifest and the audit log is verified.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path, PurePosixPath
from typing import IO, Any

from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.engine import make_url

from iofs import __version__
from iofs.backup import rows
from iofs.config import SECRET_KEY_FILE, Settings
from iofs.db import alembic_config, current_revision, make_engine, upgrade
from iofs.ingest_files import atomic_write, is_in_flight

FORMAT = "iofs-backup/1"
MANIFEST = "manifest.json"
#: Names of the archives :func:`backup_to_folder` writes (and prunes).
ARCHIVE_NAME = re.compile(r"^iofs-backup-(\d{8}T\d{6}Z)\.tar\.gz$")
_CHUNK = 1 << 20

Step = Callable[[str], None]


class BackupError(Exception):
    """A backup or restore cannot be done; the message says why in one sentence."""


@dataclass
class Manifest:
    """What an archive holds (the ``manifest.json`` document)."""

    created: str
    backend: str
    revisions: list[str]
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: list[dict[str, Any]] = field(default_factory=list)
    secret_key: bool = False
    iofs: str = __version__
    format: str = FORMAT

    def document(self) -> bytes:
        return json.dumps(vars(self), indent=1, ensure_ascii=False).encode()

    @property
    def row_count(self) -> int:
        return sum(int(entry["rows"]) for entry in self.tables.values())


@dataclass
class RestoreReport:
    """What a restore loaded and what the checks after it found (``problems`` empty: all well)."""

    tables: int
    rows: int
    files: int
    audit_entries: int
    problems: list[str] = field(default_factory=list)


def _metadata_tables() -> list[Any]:
    from iofs.models import Base

    return list(Base.metadata.sorted_tables)


def _code_heads(url: str) -> list[str]:
    from alembic.script import ScriptDirectory

    return sorted(ScriptDirectory.from_config(alembic_config(url)).get_heads())


def _backend(url: str) -> str:
    return make_url(url).get_backend_name()


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return Path(parsed.database).resolve()


# --------------------------------------------------------------------------- backup


def _snapshot_connection(url: str, workdir: Path) -> tuple[Engine, Connection]:
    """An engine and a connection reading one consistent snapshot of the database."""
    path = _sqlite_path(url)
    if path is not None:
        copy = workdir / "snapshot.sqlite3"
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        target = sqlite3.connect(copy)
        try:
            source.backup(target)  # one step: the whole database under one read lock
        finally:
            target.close()
            source.close()
        engine = make_engine(f"sqlite:///{copy}")
        return engine, engine.connect()
    engine = make_engine(url)
    connection = engine.connect().execution_options(isolation_level="REPEATABLE READ")
    connection.execute(text("SET TRANSACTION READ ONLY"))
    return engine, connection


def _data_files(settings: Settings, exclude: set[Path]) -> Iterator[tuple[Path, str]]:
    """(path, archive-relative POSIX path) of every file of the data directory to back up."""
    root = settings.data_dir.resolve()
    if not root.is_dir():
        return
    for folder, dirs, names in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not is_in_flight(d) and not d.startswith("."))
        for name in sorted(names):
            path = here / name
            if (
                is_in_flight(name)
                or name.startswith(".")
                or name == SECRET_KEY_FILE
                or ARCHIVE_NAME.match(name)
                or path.resolve() in exclude
                or not path.is_file()
                or path.is_symlink()
            ):
                continue
            yield path, path.relative_to(root).as_posix()


class _Hashing(io.RawIOBase):
    """Reads ``handle`` and hashes what it gives (for ``tarfile.addfile``)."""

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        chunk = self._handle.read(size)
        self.digest.update(chunk)
        return chunk


def _add_file(archive: tarfile.TarFile, source: Path, name: str) -> tuple[int, str]:
    with source.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        info = tarfile.TarInfo(name)
        info.size, info.mode = size, 0o600
        info.mtime = int(os.fstat(handle.fileno()).st_mtime)
        hashing = _Hashing(handle)
        archive.addfile(info, hashing)
    return size, hashing.digest.hexdigest()


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, int(datetime.now(UTC).timestamp())
    archive.addfile(info, io.BytesIO(data))


def create_backup(
    settings: Settings, out: Path, *, include_secret_key: bool = False, step: Step | None = None
) -> Manifest:
    """Write a backup of ``settings``' installation to ``out`` (replaced only when complete)."""
    say = step or (lambda _message: None)
    url = settings.resolved_database_url
    revisions = sorted((current_revision(url) or "").split(",")) if current_revision(url) else []
    if not revisions:
        raise BackupError("the database has no tables yet; there is nothing to back up.")
    manifest = Manifest(
        created=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        backend=_backend(url),
        revisions=revisions,
        secret_key=include_secret_key,
    )
    exclude = {out.resolve()}
    database = _sqlite_path(url)
    if database is not None:
        exclude |= {database, *(database.with_name(database.name + s) for s in ("-wal", "-shm"))}
        exclude.add(database.with_name(database.name + "-journal"))
    with tempfile.TemporaryDirectory(prefix="iofs-backup-") as work:
        workdir = Path(work)
        engine, connection = _snapshot_connection(url, workdir)
        try:
            for table in _metadata_tables():
                with (workdir / f"{table.name}.jsonl").open("wb") as handle:
                    dumped = rows.dump_table(connection, table, handle)
                manifest.tables[table.name] = {
                    "columns": dumped.columns,
                    "rows": dumped.rows,
                    "sha256": dumped.sha256,
                }
                say(f"{table.name}: {dumped.rows:,} rows")
        finally:
            connection.close()
            engine.dispose()
        with atomic_write(out) as temporary, tarfile.open(temporary, "w:gz") as archive:
            for table_name in manifest.tables:
                archive.add(workdir / f"{table_name}.jsonl", f"tables/{table_name}.jsonl")
            for path, name in _data_files(settings, exclude):
                size, digest = _add_file(archive, path, f"files/{name}")
                manifest.files.append({"path": name, "bytes": size, "sha256": digest})
                say(f"file {name}: {size:,} bytes")
            if include_secret_key:
                _add_bytes(archive, SECRET_KEY_FILE, settings.resolved_secret_key().encode())
            _add_bytes(archive, MANIFEST, manifest.document())  # last: it lists what is above
    return manifest


def backup_to_folder(
    settings: Settings,
    folder: Path,
    keep: int,
    *,
    include_secret_key: bool = False,
    step: Step | None = None,
) -> tuple[Path, Manifest, list[Path]]:
    """A timestamped backup in ``folder``, then only the newest ``keep`` archives kept there.

    Returns (the new archive, its manifest, the archives removed). For scheduled backups
    (cron, a systemd timer): ``iofs backup --out-dir DIR --keep N``.
    """
    if keep < 1:
        raise BackupError("--keep must be at least 1.")
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = folder / f"iofs-backup-{stamp}.tar.gz"
    manifest = create_backup(settings, out, include_secret_key=include_secret_key, step=step)
    archives = sorted(p for p in folder.iterdir() if ARCHIVE_NAME.match(p.name))
    removed = archives[:-keep]
    for old in removed:
        old.unlink()
    return out, manifest, removed


# --------------------------------------------------------------------------- restore


def read_manifest(archive: tarfile.TarFile, name: str) -> Manifest:
    """The archive's manifest, checked for format."""
    try:
        handle = archive.extractfile(MANIFEST)
        document = json.loads(handle.read()) if handle else None
    except (KeyError, json.JSONDecodeError, UnicodeDecodeError):
        document = None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BackupError(f"{name} is not an iofs backup (no {MANIFEST} of format {FORMAT}).")
    try:
        return Manifest(**document)
    except TypeError:
        raise BackupError(f"{name}: its manifest is damaged.") from None


def _open(path: Path) -> tarfile.TarFile:
    if not path.is_file():
        raise BackupError(f"{path} is not a file.")
    try:
        return tarfile.open(path, "r:gz")
    except (tarfile.TarError, OSError, EOFError):
        raise BackupError(f"{path.name} is not a backup archive (.tar.gz).") from None


def _safe_name(name: str) -> str:
    """``name`` if it is a plain relative path inside the data directory."""
    pure = PurePosixPath(name)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        raise BackupError(f"the archive names a file outside the data directory: {name!r}.")
    return pure.as_posix()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@cache
def seeded_tables() -> frozenset[str]:
    """Tables the migrations themselves fill (state rows, code lists), found by migrating a
    scratch SQLite database once per process. A restore replaces their rows by the backup's;
    they do not make a database count as holding data."""
    with tempfile.TemporaryDirectory(prefix="iofs-scratch-") as scratch:
        url = f"sqlite:///{Path(scratch) / 'scratch.sqlite3'}"
        upgrade(url)
        engine = make_engine(url)
        try:
            with engine.connect() as connection:
                return frozenset(
                    table.name
                    for table in _metadata_tables()
                    if connection.execute(select(func.count()).select_from(table)).scalar()
                )
        finally:
            engine.dispose()


def _check_empty(connection: Connection, tables: list[Any]) -> None:
    seeded = seeded_tables()
    held = [
        (table.name, count)
        for table in tables
        if table.name not in seeded
        and (count := connection.execute(select(func.count()).select_from(table)).scalar())
    ]
    if held:
        listed = ", ".join(f"{name} ({count:,})" for name, count in held[:5])
        raise BackupError(
            f"the database already holds data ({listed}{' …' if len(held) > 5 else ''}); "
            "restore needs an empty database: point IOFS_DATABASE_URL at a new one."
        )
    for table in reversed(tables):
        if table.name in seeded:
            connection.execute(table.delete())


def _conflicts(settings: Settings, manifest: Manifest) -> list[tuple[dict[str, Any], Path]]:
    """The archive's files with their destinations; refuses one that exists with other bytes."""
    root = settings.data_dir.resolve()
    placed = []
    for entry in manifest.files:
        target = root / _safe_name(entry["path"])
        if target.exists() and (not target.is_file() or _sha256(target) != entry["sha256"]):
            raise BackupError(
                f"{target} already exists with other content; restore needs a data directory "
                "without the backup's files."
            )
        placed.append((entry, target))
    return placed


def _unpack_files(
    archive: tarfile.TarFile, placed: list[tuple[dict[str, Any], Path]], staging: Path
) -> list[tuple[Path, Path]]:
    moves = []
    for number, (entry, target) in enumerate(placed):
        member = archive.getmember(f"files/{entry['path']}")
        if not member.isfile():
            raise BackupError(f"the archive's {entry['path']} is not a regular file.")
        source = archive.extractfile(member)
        if source is None:
            raise BackupError(f"the archive's {entry['path']} cannot be read.")
        staged = staging / str(number)
        digest = hashlib.sha256()
        with staged.open("wb") as handle:
            while chunk := source.read(_CHUNK):
                digest.update(chunk)
                handle.write(chunk)
        if digest.hexdigest() != entry["sha256"]:
            raise BackupError(f"{entry['path']} in the archive does not match its manifest digest.")
        moves.append((staged, target))
    return moves


def _load_rows(
    archive: tarfile.TarFile, connection: Connection, manifest: Manifest, step: Step
) -> int:
    loaded = 0
    if connection.dialect.name == "sqlite":
        connection.execute(text("PRAGMA defer_foreign_keys = ON"))
    for table in _metadata_tables():
        entry = manifest.tables.get(table.name)
        if entry is None:
            raise BackupError(f"the backup has no rows for table {table.name}.")
        if entry["columns"] != [c.name for c in table.columns]:
            raise BackupError(f"table {table.name} has other columns in the backup than here.")
        handle = archive.extractfile(f"tables/{table.name}.jsonl")
        if handle is None:
            raise BackupError(f"the archive lacks tables/{table.name}.jsonl.")
        count = rows.load_table(connection, table, entry["columns"], handle)
        if count != entry["rows"]:
            raise BackupError(
                f"table {table.name}: {count:,} rows in the archive, {entry['rows']:,} in its "
                "manifest."
            )
        rows.reset_sequences(connection, table)
        loaded += count
        step(f"{table.name}: {count:,} rows")
    return loaded


def _verify(settings: Settings, manifest: Manifest, report: RestoreReport) -> None:
    from iofs.audit import service as audit
    from iofs.db import make_session_factory

    url = settings.resolved_database_url
    same_backend = _backend(url) == manifest.backend
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            for table in _metadata_tables():
                count, digest = rows.digest_table(connection, table)
                entry = manifest.tables[table.name]
                if count != entry["rows"]:
                    report.problems.append(
                        f"{table.name}: {count:,} rows restored, {entry['rows']:,} backed up."
                    )
                elif same_backend and digest != entry["sha256"]:
                    report.problems.append(
                        f"{table.name}: the restored rows differ from the backup."
                    )
        with make_session_factory(engine)() as session:
            verified = audit.verify(session)
        report.audit_entries = verified.entries
        report.problems += [f"audit log: {problem}" for problem in verified.problems]
    finally:
        engine.dispose()
    root = settings.data_dir.resolve()
    for entry in manifest.files:
        if _sha256(root / entry["path"]) != entry["sha256"]:
            report.problems.append(f"{entry['path']}: the restored file differs from the backup.")


def restore_backup(settings: Settings, path: Path, *, step: Step | None = None) -> RestoreReport:
    """Restore the archive at ``path`` into ``settings``' (empty) database and data directory."""
    say = step or (lambda _message: None)
    url = settings.resolved_database_url
    with _open(path) as archive:
        manifest = read_manifest(archive, path.name)
        heads = _code_heads(url)
        if sorted(manifest.revisions) != heads:
            raise BackupError(
                f"{path.name} was made by iofs {manifest.iofs} at schema revisions "
                f"{', '.join(manifest.revisions)}; this iofs ({__version__}) is at "
                f"{', '.join(heads)}: restore with the version that made it, then upgrade."
            )
        settings.ensure_data_dir()
        placed = _conflicts(settings, manifest)
        key = settings.data_dir / SECRET_KEY_FILE
        secret = ""
        if manifest.secret_key:
            held = archive.extractfile(SECRET_KEY_FILE)
            secret = held.read().decode().strip() if held else ""
            if key.exists() and key.read_text(encoding="utf-8").strip() != secret:
                raise BackupError(f"{key} already exists with another key; remove it first.")
        if current_revision(url) is None:
            upgrade(url)
        engine = make_engine(url)
        staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=settings.data_dir))
        try:
            with engine.begin() as connection:
                _check_empty(connection, _metadata_tables())
                moves = _unpack_files(archive, placed, staging)
                loaded = _load_rows(archive, connection, manifest, say)
                for staged, target in moves:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(staged, target)
                    say(f"file {target.relative_to(settings.data_dir.resolve())}")
                if manifest.secret_key and not key.exists():
                    key.touch(mode=0o600)
                    key.write_text(secret + "\n", encoding="utf-8")
        finally:
            engine.dispose()
            shutil.rmtree(staging, ignore_errors=True)
    report = RestoreReport(len(manifest.tables), loaded, len(manifest.files), 0)
    _verify(settings, manifest, report)
    return report
