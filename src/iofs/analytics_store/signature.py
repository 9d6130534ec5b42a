"""The analytics store's signature: what changes whenever a file of the store is replaced.

An ingest writes a new file under a temporary name and renames it into place, so every
change of the store changes the modification time of the directory holding the file. The
signature is those times, which a reader compares with the one it read before: unchanged,
the store is as it was (a few ``stat`` calls, never a walk over the files' contents).
"""

from __future__ import annotations

import os
from pathlib import Path


def store_signature(analytics_dir: Path) -> tuple[int, ...]:
    """Modification times (ns) of the analytics store's directories, depth first: a file
    renamed into or out of any of them changes its directory's time."""
    times: list[int] = []
    pending = [analytics_dir]
    while pending:
        folder = pending.pop()
        try:
            times.append(folder.stat().st_mtime_ns)
            with os.scandir(folder) as entries:
                pending.extend(Path(e.path) for e in entries if e.is_dir(follow_symlinks=False))
        except FileNotFoundError:
            times.append(0)
    return tuple(times)
