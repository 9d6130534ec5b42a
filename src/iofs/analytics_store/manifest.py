"""Manifests (path → size, SHA-256, modification time) and the local side of the mirror.

A path is relative to the analytics directory, with ``/`` separators. The local store is
listed like readers list it: every regular file under the directory whose path passes
through no hidden or temporary name (:func:`iofs.ingest_files.is_in_flight`), so an ingest's
staged files are never pushed. A Zarr store (a folder) is its files.

Local state, hidden in the analytics directory (readers and backups skip hidden names):

- ``.remote-generation``: the generation last pulled (or pushed while in step);
- ``.remote-manifest.json``: the *base*, what the local files were when last in step with the
  shared store. A local file that differs from the base is a local change not yet pushed: a
  pull leaves it alone and the next push sends it; a base file missing locally was removed
  here, and the next push removes it from the shared store;
- ``.remote-hashes.json``: SHA-256 of local files by (size, mtime in ns), so that a push or
  pull hashes only the files that changed since;
- ``.remote-lock``: held (``flock``) while a push or pull of this directory runs.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iofs.ingest_files import atomic_write, is_in_flight

GENERATION_FILE = ".remote-generation"
BASE_FILE = ".remote-manifest.json"
HASHES_FILE = ".remote-hashes.json"
LOCK_FILE = ".remote-lock"
CHUNK = 1 << 20


@dataclass(frozen=True)
class Entry:
    """One file: ``size`` (bytes), ``sha256`` (hex), ``mtime`` (seconds since the epoch)."""

    size: int
    sha256: str
    mtime: float

    def same_bytes(self, other: Entry | None) -> bool:
        """Whether ``other`` holds the same bytes (the time does not count)."""
        return other is not None and (self.size, self.sha256) == (other.size, other.sha256)

    def as_json(self) -> dict[str, Any]:
        """The entry as stored in a manifest."""
        return {"size": self.size, "sha256": self.sha256, "mtime": self.mtime}


@dataclass(frozen=True)
class Manifest:
    """What the shared store holds at one ``generation`` (0: nothing was ever pushed)."""

    generation: int
    files: dict[str, Entry]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        """A manifest from its JSON form."""
        files = {
            str(path): Entry(int(item["size"]), str(item["sha256"]), float(item["mtime"]))
            for path, item in dict(data.get("files", {})).items()
        }
        return cls(int(data.get("generation", 0)), files)

    def to_json(self, **extra: Any) -> bytes:
        """The manifest as JSON bytes (``extra``: who pushed it, when)."""
        body = {
            "generation": self.generation,
            **extra,
            "files": {path: self.files[path].as_json() for path in sorted(self.files)},
        }
        return json.dumps(body, indent=1).encode("utf-8")


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's bytes (hex)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _visible(root: Path) -> Iterator[tuple[str, Path]]:
    for folder, folders, files in os.walk(root):
        folders[:] = sorted(name for name in folders if not is_in_flight(name))
        for name in sorted(files):
            if is_in_flight(name):
                continue
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                yield path.relative_to(root).as_posix(), path


def scan(root: Path) -> dict[str, Entry]:
    """Every visible file of the local store, hashed (from the hash cache when its size and
    modification time are unchanged)."""
    cache = _read_json(root / HASHES_FILE)
    fresh: dict[str, list[Any]] = {}
    found: dict[str, Entry] = {}
    for name, path in _visible(root):
        try:
            stat = path.stat()
        except FileNotFoundError:  # removed while listed
            continue
        known = cache.get(name)
        if known and known[0] == stat.st_size and known[1] == stat.st_mtime_ns:
            digest = str(known[2])
        else:
            digest = sha256_of(path)
        fresh[name] = [stat.st_size, stat.st_mtime_ns, digest]
        found[name] = Entry(stat.st_size, digest, stat.st_mtime_ns / 1e9)
    if fresh != cache and root.is_dir():
        _write_json(root / HASHES_FILE, fresh)
    return found


def local_path(root: Path, name: str) -> Path:
    """The local file of manifest path ``name``; ValueError when ``name`` could leave
    ``root`` or names a hidden file (a manifest is outside data)."""
    parts = name.split("/")
    if (
        not name
        or name.startswith("/")
        or "\\" in name
        or "\x00" in name
        or any(part in {"", ".", ".."} or is_in_flight(part) for part in parts)
    ):
        raise ValueError(f"unsafe path in the shared manifest: {name[:200]!r}")
    return root.joinpath(*parts)


def read_generation(root: Path) -> int:
    """The generation last pulled into ``root`` (0: never)."""
    try:
        return int((root / GENERATION_FILE).read_text(encoding="utf-8").strip() or 0)
    except (FileNotFoundError, ValueError):
        return 0


def read_base(root: Path) -> Manifest:
    """What ``root`` was when last in step with the shared store."""
    data = _read_json(root / BASE_FILE)
    return Manifest.from_json(data) if data else Manifest(0, {})


def write_state(root: Path, base: Manifest, generation: int) -> None:
    """Record the base and the generation in step with (each file replaced atomically)."""
    _write_bytes(root / BASE_FILE, base.to_json())
    _write_bytes(root / GENERATION_FILE, f"{generation}\n".encode())


@contextmanager
def locked(root: Path) -> Iterator[None]:
    """Hold ``root``'s sync lock (one push or pull at a time, across processes)."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / LOCK_FILE).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_json(path: Path, data: dict[str, Any]) -> None:
    _write_bytes(path, json.dumps(data, separators=(",", ":")).encode("utf-8"))


def _write_bytes(path: Path, data: bytes) -> None:
    with atomic_write(path) as temporary:
        temporary.write_bytes(data)
