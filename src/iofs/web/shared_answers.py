"""Kept public answers shared by the worker processes of one machine, as files.

Each worker keeps rendered public answers in memory (:mod:`iofs.web.public_cache`); with
``iofs serve --workers 2`` the same page would otherwise be rendered once per worker. This
store writes each kept answer to one file under the data directory's ``.answers`` folder (a
dot folder: backups leave it out) so the other workers serve it without rendering it again.

A file is ``<4-byte big-endian header length><JSON header><body>``: the header holds the data
version the answer was read at, the record types it reads, when it was stored (Unix time, s),
its status and headers and its route template (for metrics and the access log). No pickle: a
file is data, never code. Files are written to a temporary name and renamed, so a reader never
sees half an answer. Whether an answer may still be served is decided by the middleware, as
for its own memory (same version and age rules). Files older than the age limit are removed,
and the oldest beyond :attr:`SharedAnswers.max_bytes`, at most every :data:`TRIM_EVERY`
seconds per worker.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import struct
import time
from dataclasses import dataclass
from pathlib import Path

from starlette.types import Message

#: Least time between two trims of the folder by one worker (seconds).
TRIM_EVERY = 5.0
_LENGTH = struct.Struct(">I")


@dataclass(frozen=True)
class SharedAnswer:
    """One answer as another worker kept it."""

    version: tuple[int, tuple[int, ...]]
    #: Record types the answer reads (None: all).
    types: frozenset[str] | None
    #: When it was rendered (Unix time, seconds).
    stored_at: float
    start: Message
    body: bytes
    #: The matched route's template, e.g. ``/countries/{iso3}`` ("" when none matched).
    route: str
    #: The state a :func:`~iofs.data_dependencies.for_state` route answered for (else None;
    #: also for answers kept by versions that knew no states).
    state: str | None = None


class SharedAnswers:
    """Answers in files under ``directory``, for ``seconds`` at most, ``max_bytes`` in all."""

    def __init__(self, directory: Path, seconds: float, max_bytes: int) -> None:
        self.directory = directory
        self.seconds = seconds
        self.max_bytes = max_bytes
        self.trimmed_at = 0.0

    def _path(self, key: bytes) -> Path:
        return self.directory / hashlib.sha256(key).hexdigest()

    def get(self, key: bytes) -> SharedAnswer | None:
        """The answer kept under ``key`` by any worker, or None (absent, expired, unreadable)."""
        try:
            data = self._path(key).read_bytes()
            (length,) = _LENGTH.unpack_from(data)
            header = json.loads(data[_LENGTH.size : _LENGTH.size + length])
            body = data[_LENGTH.size + length :]
            stored_at = float(header["stored_at"])
            if time.time() - stored_at >= self.seconds:
                return None
            newest, signature = header["version"]
            types = header["types"]
            start: Message = {
                "type": "http.response.start",
                "status": int(header["status"]),
                "headers": [
                    (name.encode("latin-1"), value.encode("latin-1"))
                    for name, value in header["headers"]
                ],
            }
        except (OSError, ValueError, KeyError, TypeError, struct.error):
            return None  # absent, or being replaced: the caller renders
        return SharedAnswer(
            version=(int(newest), tuple(int(t) for t in signature)),
            types=None if types is None else frozenset(types),
            stored_at=stored_at,
            start=start,
            body=body,
            route=str(header.get("route", "")),
            state=str(header["state"]) if header.get("state") else None,
        )

    def put(self, key: bytes, answer: SharedAnswer) -> None:
        """Keep ``answer`` under ``key`` for every worker (a failed write only loses sharing)."""
        header = json.dumps(
            {
                "version": [answer.version[0], list(answer.version[1])],
                "types": None if answer.types is None else sorted(answer.types),
                "stored_at": answer.stored_at,
                "status": answer.start["status"],
                "headers": [
                    [k.decode("latin-1"), v.decode("latin-1")] for k, v in answer.start["headers"]
                ],
                "route": answer.route,
                "state": answer.state,
            },
            separators=(",", ":"),
        ).encode()
        path = self._path(key)
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            temporary.write_bytes(_LENGTH.pack(len(header)) + header + answer.body)
            os.replace(temporary, path)
        except OSError:
            temporary.unlink(missing_ok=True)
            return
        if time.monotonic() - self.trimmed_at >= TRIM_EVERY:
            self.trim()

    def trim(self) -> None:
        """Remove the files older than the age limit, then the oldest beyond the budget."""
        self.trimmed_at = time.monotonic()
        now = time.time()
        files: list[tuple[float, int, str]] = []
        try:
            with os.scandir(self.directory) as entries:
                for entry in entries:
                    try:
                        info = entry.stat(follow_symlinks=False)
                    except FileNotFoundError:
                        continue
                    files.append((info.st_mtime, info.st_size, entry.path))
        except FileNotFoundError:
            return
        total = 0
        for modified, size, path in sorted(files, reverse=True):  # newest first
            if now - modified >= self.seconds or total + size > self.max_bytes:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)
                continue
            total += size
