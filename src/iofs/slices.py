"""What was loaded into the analytics store: one :class:`SliceInfo` per ingested slice.

A base layer (imports only :mod:`iofs.errors` and :mod:`iofs.ingest_files`). Each dataset's
``service.py`` (FAOSTAT, prices, IPC, drought, risk) offers ``slices(analytics_dir) ->
list[SliceInfo]`` and ``remove_slice(analytics_dir, slice_id) -> SliceInfo``; the data module
(:mod:`iofs.monitor.data`) lists and removes them for ``iofs data`` and the ``/data`` page.

A slice id is ``<dataset>:<name>`` (``faostat:FBS/FoodBalanceSheets_E_All_Data``,
``prices:wfp_food_prices_egy``, ``risk:inform/INFORM_2025``); it names the slice in the store,
not the source file, so two files of the same name in different domains stay apart.

**Removing files crash-safely.** :func:`discard` first renames every file of a slice to a
hidden temporary name beside it (:func:`iofs.ingest_files.temporary_path`; readers of the
store never list hidden names), then deletes them. A process killed between the two leaves
only hidden temporaries, which the next ingest's :func:`iofs.ingest_files.remove_stale`
deletes; the slice itself is gone or still whole, never half.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from iofs.errors import NotFoundError
from iofs.ingest_files import kill_point, temporary_path

__all__ = ["SliceInfo", "UnknownSlice", "discard", "file_size", "modified_at", "split_id"]


@dataclass(frozen=True)
class SliceInfo:
    """One ingested slice of the analytics store.

    ``id`` is ``<dataset>:<name>``; ``source`` the file it was loaded from; ``kind`` the
    FAOSTAT domain or the kind of input (``hdx``, ``zonal``, ``inform`` …); ``rows`` and
    ``countries`` (distinct ISO3 codes) what it holds; ``first`` / ``last`` the span of its
    periods (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; None when it has no period);
    ``ingested_at`` when it was written (ISO 8601, UTC); ``size`` its bytes on disk.
    """

    id: str
    dataset: str
    source: str
    kind: str
    rows: int
    countries: int
    first: str | None
    last: str | None
    ingested_at: str | None
    size: int

    def as_dict(self) -> dict[str, object]:
        """The slice as a plain dict (JSON, CSV, audit snapshots)."""
        return asdict(self)


class UnknownSlice(NotFoundError):
    """No slice of that id is stored."""

    def __init__(self, slice_id: str) -> None:
        from iofs.i18n import gettext as _

        super().__init__(
            _("No slice %(id)s is stored; `iofs data list` shows the slices.")
            % {"id": slice_id[:200]},
            "slice",
        )
        self.slice_id = slice_id


def split_id(slice_id: str, dataset: str) -> str:
    """The name part of ``<dataset>:<name>``; :class:`UnknownSlice` when the id is of another
    dataset or its name could leave the dataset's folder."""
    prefix, sep, name = slice_id.partition(":")
    parts = name.split("/")
    if (
        not sep
        or prefix != dataset
        or not name
        or "\\" in name
        or "\x00" in name
        or any(part in {"", ".", ".."} or part.startswith(".") for part in parts)
    ):
        raise UnknownSlice(slice_id)
    return name


def modified_at(path: Path) -> str:
    """A file's modification time as ISO 8601 (UTC, seconds)."""
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat(timespec="seconds")


def file_size(path: Path) -> int:
    """Bytes of a file, or of every file under a folder (a Zarr store)."""
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size if path.exists() else 0


def discard(paths: Sequence[Path]) -> list[Path]:
    """Remove ``paths`` (files or folders) crash-safely: all renamed to hidden temporaries
    first, in the order given (put first what makes the slice visible), then deleted.
    Missing paths are skipped; returns the paths removed."""
    moved: list[tuple[Path, Path]] = []
    for path in paths:
        if not path.exists():
            continue
        hidden = temporary_path(path)
        os.replace(path, hidden)
        moved.append((path, hidden))
        kill_point("slices:renamed")
    for _path, hidden in moved:
        if hidden.is_dir() and not hidden.is_symlink():
            shutil.rmtree(hidden, ignore_errors=True)
        else:
            hidden.unlink(missing_ok=True)
    return [path for path, _hidden in moved]
