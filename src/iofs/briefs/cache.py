"""Results of the analytics stores kept while the store's files do not change.

A brief reads whole tables once (every state's FAOSTAT indicators, every state's latest IPC
analysis) and serves the 57 states from them; the cache is keyed by the files' names, sizes
and modification times under the module's analytics folder, so a new ingest is seen on the
next request. Small on purpose: one entry per (function, arguments, store state), at most
:data:`MAX_ENTRIES` kept.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
MAX_ENTRIES = 64
_entries: OrderedDict[tuple[Any, ...], Any] = OrderedDict()


def stamp(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """(path, size in bytes, mtime in ns) of every file under ``folder``, sorted."""
    found: list[tuple[str, int, int]] = []
    for root, _dirs, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            try:
                info = os.stat(path)
            except FileNotFoundError:  # replaced while we looked: the next stamp differs
                continue
            found.append((path, info.st_size, info.st_mtime_ns))
    return tuple(sorted(found))


def cached(folder: Path, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """``compute()``, or its earlier result while the files under ``folder`` are unchanged."""
    full = (key, stamp(folder))
    if full in _entries:
        _entries.move_to_end(full)
        return _entries[full]  # type: ignore[no-any-return]
    value = compute()
    _entries[full] = value
    while len(_entries) > MAX_ENTRIES:
        _entries.popitem(last=False)
    return value


def clear() -> None:
    """Forget every cached result (tests)."""
    _entries.clear()
