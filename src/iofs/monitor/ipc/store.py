"""The IPC slice of the analytics store: one Parquet file per ingested source file.

``<analytics_dir>/ipc/phases/<source stem>.parquet`` holds every validated phase row of one
file, with the file's SHA-256 in the Parquet metadata: re-ingesting the same bytes writes
nothing. A file is written to a hidden temporary file in the same folder
(``.<name>.tmp-<pid>-<random>``) and renamed over the old one with :func:`os.replace`, so a
reader sees the old slice or the new one, never half of one. A run killed before the rename
leaves its temporary file behind; :func:`remove_stale_temporaries` deletes those of processes
that no longer run, at the start of every ingest, and readers only ever glob
``[!.]*.parquet``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from iofs.ingest_files import atomic_write, kill_point, remove_stale, visible_files
from iofs.monitor.ipc.validation import PhaseRow

SCHEMA_VERSION = "1"
_HASH_KEY = b"iofs.source_sha256"
_VERSION_KEY = b"iofs.schema_version"


def store_dir(analytics_dir: Path) -> Path:
    """Folder of the IPC phase slices (one Parquet file per ingested source file)."""
    return analytics_dir / "ipc" / "phases"


def slice_path(analytics_dir: Path, source: str) -> Path:
    """Where the rows of the source file named ``source`` are stored."""
    return store_dir(analytics_dir) / f"{Path(source).stem}.parquet"


def slices(analytics_dir: Path) -> list[Path]:
    """The stored slices (never a temporary file of a running or killed ingest)."""
    return visible_files(store_dir(analytics_dir), "*.parquet")


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of the file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def remove_stale_temporaries(analytics_dir: Path) -> list[Path]:
    """Delete temporary files left by killed ingests (their process is gone, or the file is
    older than :data:`~iofs.ingest_files.STALE_AFTER_SECONDS`); return what was deleted."""
    return remove_stale(store_dir(analytics_dir), depth=0)


def stored_sha256(path: Path) -> str | None:
    """The source hash a slice was written from (None if absent, unreadable or older)."""
    import pyarrow.parquet as pq

    try:
        metadata = pq.read_schema(path).metadata or {}
    except (OSError, ValueError):
        return None
    if metadata.get(_VERSION_KEY) != SCHEMA_VERSION.encode():
        return None
    value = metadata.get(_HASH_KEY)
    return value.decode() if value else None


def write_slice(
    analytics_dir: Path, source: str, layout: str, sha256: str, rows: Sequence[PhaseRow]
) -> Path:
    """Write ``rows`` of ``source`` as its slice, atomically; return the slice's path."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    target = slice_path(analytics_dir, source)
    target.parent.mkdir(parents=True, exist_ok=True)
    records = [asdict(row) for row in rows]
    for record in records:
        record["source"] = source
        record["layout"] = layout
    schema = pa.schema(
        [
            ("source", pa.string()),
            ("layout", pa.string()),
            ("line", pa.int64()),
            ("instance", pa.int32()),
            ("country", pa.string()),
            ("level", pa.string()),
            ("level1", pa.string()),
            ("area", pa.string()),
            ("analysis_date", pa.date32()),
            ("kind", pa.string()),
            ("period_from", pa.date32()),
            ("period_to", pa.date32()),
            ("country_population", pa.int64()),
            ("phase", pa.string()),
            ("people", pa.int64()),
            ("share", pa.float64()),
        ],
        metadata={_HASH_KEY: sha256.encode(), _VERSION_KEY: SCHEMA_VERSION.encode()},
    )
    table = pa.Table.from_pylist(records, schema=schema)
    with atomic_write(target) as temporary:
        pq.write_table(table, temporary, compression="zstd")
        kill_point("ipc:before-commit")
    return target
