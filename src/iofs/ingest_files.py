"""Files of the analytics store as ingests write them and readers see them, and CSV sniffing.

A base layer (imports no iofs module but :mod:`iofs.errors`), shared by the price, FAOSTAT,
IPC and drought ingests.

**In-flight files.** An ingest writes every file first to a hidden temporary beside its
target (:func:`temporary_path`: ``.<name>.tmp-<pid>.<host>-<random>``) or into a hidden
staging folder (:func:`staging_dir`: ``.<kind>-<pid>.<host>-<random>``), then renames it
over the target with :func:`os.replace`: a reader sees the old file or the new one, never half
of one. Readers list the store with :func:`visible_files`, which skips every hidden name, so
a file of a running or killed ingest is never read. A run killed before its rename leaves
its temporary behind; :func:`remove_stale` (called at the start of every ingest) deletes
those whose process no longer runs on this machine, or that are older than
:data:`STALE_AFTER_SECONDS` (a process id reused, or another machine's run). Names written by
older versions (``<name>.tmp-<pid>``, ``.ingest-<random>``) are recognised too.

**Fault injection.** :func:`kill_point` marks a named point of an ingest; when the
environment variable ``IOFS_TEST_KILL_AT`` equals that name the process kills itself with
SIGKILL there (the crash-safety tests use it; unset, it costs one dictionary look-up).

**CSV sniffing.** :func:`sniff_csv` tells a text file's encoding (UTF-8 with or without BOM,
UTF-16 with BOM, else Windows-1252), separator (``,`` ``;`` tab ``|``) and line ends;
:func:`read_csv_header` reads its header and an optional HXL hashtag row;
:func:`find_bad_line` names the first line a CSV reader cannot split like the header.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import shutil
import signal
import socket
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from iofs.errors import InputError

__all__ = [
    "KILL_ENV",
    "STALE_AFTER_SECONDS",
    "CsvHeader",
    "CsvShape",
    "FileShapeError",
    "atomic_write",
    "find_bad_line",
    "is_in_flight",
    "kill_point",
    "read_csv_header",
    "remove_stale",
    "sniff_csv",
    "staging_dir",
    "temporary_path",
    "visible_files",
]

#: The environment variable naming the :func:`kill_point` at which to die (tests only).
KILL_ENV = "IOFS_TEST_KILL_AT"
#: A temporary older than this is stale whatever its process id says (seconds).
STALE_AFTER_SECONDS = 6 * 3600
#: Separators :func:`sniff_csv` chooses from, in order of preference on a tie.
SEPARATORS = (",", ";", "\t", "|")
#: Bytes :func:`sniff_csv` reads.
SNIFF_BYTES = 1 << 16
#: Widest header :func:`read_csv_header` accepts: the widest layout iofs knows (the IPC wide
#: export, FAOSTAT web downloads) has well under a hundred columns; a file of thousands is
#: not a data file of any kind iofs reads, and is refused before any reader allocates for it.
MAX_CSV_COLUMNS = 1024

# ``.<name>.tmp-<pid>[.<host>]-<random>``, ``.<kind>-<pid>[.<host>]-<random>`` (staging),
# and the legacy ``<name>.tmp-<pid>`` / ``.<name>.tmp-<random>`` / ``.ingest-<random>``.
_PID = re.compile(r"(?:\.tmp|^\.[a-z]+)-(\d+)(?:\.([A-Za-z0-9]+))?(?:-|$)")
_LEGACY_TMP = re.compile(r"\.tmp-\d+$")
#: Every name an ingest's temporary may have (only these are ever deleted).
_TEMPORARY = re.compile(r"\.tmp-[0-9A-Za-z.]+(?:-[0-9a-f]+)?$|^\.(?:ingest|unzip)-")


class FileShapeError(InputError):
    """A file cannot be read as CSV; the message names the file, line and reason."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "file")


def kill_point(stage: str) -> None:
    """Die here with SIGKILL when ``IOFS_TEST_KILL_AT`` names ``stage`` (fault injection)."""
    if os.environ.get(KILL_ENV) == stage:  # pragma: no cover - the process ends here
        os.kill(os.getpid(), signal.SIGKILL)


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9]", "", socket.gethostname())[:16] or "host"


def _owner() -> str:
    return f"{os.getpid()}.{_host()}"


def temporary_path(target: Path) -> Path:
    """A hidden name beside ``target`` for writing it (``.<name>.tmp-<pid>.<host>-<random>``)."""
    return target.with_name(f".{target.name}.tmp-{_owner()}-{uuid.uuid4().hex[:8]}")


def staging_dir(parent: Path, kind: str = "ingest") -> Path:
    """A new hidden folder in ``parent`` for a run's intermediate files (``kind``: ``ingest``
    or ``unzip``, the names :func:`remove_stale` knows)."""
    parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{kind}-{_owner()}-", dir=parent))


@contextmanager
def atomic_write(target: Path) -> Iterator[Path]:
    """A hidden temporary path beside ``target`` to write; it replaces ``target`` when the
    block ends without error, and is removed when it fails."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_path(target)
    try:
        yield temporary
        os.replace(temporary, target)
    finally:
        if temporary.is_dir():
            shutil.rmtree(temporary, ignore_errors=True)
        else:
            temporary.unlink(missing_ok=True)


def is_in_flight(name: str) -> bool:
    """Whether a file name is a temporary of an ingest (hidden, or a legacy ``.tmp-<pid>``)."""
    return name.startswith(".") or bool(_LEGACY_TMP.search(name))


def visible_files(folder: Path, pattern: str) -> list[Path]:
    """``folder.glob(pattern)``, sorted, without any path that passes through an in-flight
    (hidden or temporary) name: what readers of the store may read."""
    if not folder.is_dir():
        return []
    return sorted(
        path
        for path in folder.glob(pattern)
        if not any(is_in_flight(part) for part in path.relative_to(folder).parts)
    )


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stale(path: Path, now: float) -> bool:
    try:
        old = now - path.lstat().st_mtime > STALE_AFTER_SECONDS
    except FileNotFoundError:
        return False  # its own process just renamed it
    if old:
        return True
    match = _PID.search(path.name)
    if match is None:
        return False
    pid, host = int(match.group(1)), match.group(2)
    if host is not None and host != _host():
        return False
    return pid != os.getpid() and not _running(pid)


def remove_stale(folder: Path, depth: int = 2, prefix: str = "") -> list[Path]:
    """Delete the temporaries of killed runs under ``folder`` (to ``depth`` levels; only
    names starting with ``prefix``); return what was deleted. Only names of the shapes
    ingests write are considered; files and folders of running ingests are left alone."""
    if not folder.is_dir():
        return []
    removed: list[Path] = []
    now = time.time()
    pending = [(folder, 0)]
    while pending:
        current, level = pending.pop()
        try:
            entries = list(current.iterdir())
        except OSError:
            continue
        for entry in entries:
            if is_in_flight(entry.name):
                if (
                    entry.name.startswith(prefix)
                    and _TEMPORARY.search(entry.name)
                    and _stale(entry, now)
                ):
                    if entry.is_dir() and not entry.is_symlink():
                        shutil.rmtree(entry, ignore_errors=True)
                    else:
                        entry.unlink(missing_ok=True)
                    removed.append(entry)
            elif level < depth and entry.is_dir() and not entry.is_symlink():
                pending.append((entry, level + 1))
    return sorted(removed)


# --------------------------------------------------------------------------- CSV sniffing


@dataclass(frozen=True)
class CsvShape:
    """How a CSV file is written: ``encoding`` (a Python codec; ``utf-8-sig`` when it starts
    with a BOM), ``delimiter`` and ``newline`` (``\\n``, ``\\r\\n`` or ``\\r``)."""

    encoding: str
    delimiter: str
    newline: str


@dataclass(frozen=True)
class CsvHeader:
    """A CSV's column names (stripped, BOM removed), its HXL hashtag row if it has one, and
    the number of lines before the data (1, or 2 with the HXL row)."""

    names: list[str]
    hxl: list[str] | None
    skip: int


def _encoding(head: bytes, path: Path) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise FileShapeError(f"{path.name}: holds NUL bytes; not a text (CSV) file")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def sniff_csv(path: Path) -> CsvShape:
    """The encoding, separator and line end of a CSV file, from its first bytes.

    The separator is the candidate (:data:`SEPARATORS`) that splits the header line into the
    most fields (quotes respected); the first on a tie.
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError as error:
        raise FileShapeError(f"{path.name}: cannot be read ({error.strerror})") from None
    if not head.strip():
        raise FileShapeError(f"{path.name}: the file is empty")
    encoding = _encoding(head, path)
    text = head.decode(encoding, errors="replace")
    newline = "\r\n" if "\r\n" in text else ("\r" if "\r" in text and "\n" not in text else "\n")
    first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    best, fields = ",", 0
    for candidate in SEPARATORS:
        try:
            count = len(next(csv.reader(io.StringIO(first), delimiter=candidate), []))
        except csv.Error:
            continue
        if count > fields:
            best, fields = candidate, count
    return CsvShape(encoding, best, newline)


def read_csv_header(path: Path, shape: CsvShape | None = None) -> CsvHeader:
    """The header of a CSV and its HXL row (a second row whose non-empty cells all start
    with ``#``), names stripped and BOM removed."""
    shape = shape or sniff_csv(path)
    try:
        with path.open(encoding=shape.encoding, errors="replace", newline="") as handle:
            reader = csv.reader(handle, delimiter=shape.delimiter)
            header = next(reader, None)
            second = next(reader, None)
    except csv.Error as error:
        raise FileShapeError(
            f"{path.name} line 1: the header cannot be read as CSV ({error})"
        ) from None
    if not header or not any(cell.strip() for cell in header):
        raise FileShapeError(f"{path.name}: the file is empty (no header line)")
    if len(header) > MAX_CSV_COLUMNS:
        raise FileShapeError(
            f"{path.name} line 1: the header has {len(header):,} columns; the data files iofs "
            f"reads have at most {MAX_CSV_COLUMNS:,} (is this the right file?)"
        )
    names = [cell.strip().lstrip("\ufeff").strip() for cell in header]
    cells = [cell.strip() for cell in second or [] if cell.strip()]
    hxl = (
        [cell.strip() for cell in second or []]
        if cells and all(cell.startswith("#") for cell in cells)
        else None
    )
    return CsvHeader(names, hxl, 2 if hxl is not None else 1)


def find_bad_line(path: Path, shape: CsvShape, fields: int) -> str | None:
    """The first line a CSV reader cannot split into ``fields`` fields, as a sentence naming
    the file, line and reason; None when every line splits well."""
    try:
        with path.open(encoding=shape.encoding, errors="strict", newline="") as handle:
            reader = csv.reader(handle, delimiter=shape.delimiter, strict=True)
            for row in reader:
                line = reader.line_num
                if line == 1 or not row:
                    continue
                if len(row) != fields:
                    hint = (
                        " (the whole line is wrapped in quotes)"
                        if len(row) == 1 and shape.delimiter in row[0]
                        else ""
                    )
                    return (
                        f"{path.name} line {line}: {len(row)} field(s) where the header "
                        f"has {fields}{hint}"
                    )
    except csv.Error as error:
        return f"{path.name} line {reader.line_num}: not well-formed CSV ({error})"
    except UnicodeDecodeError as error:
        return (
            f"{path.name}: byte {error.start} is not {shape.encoding} text; save the file as UTF-8"
        )
    return None
