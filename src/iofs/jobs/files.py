"""Where a job's files live: ``<data dir>/jobs/<id>/`` (an upload's workbook, the cancel
request of a running job on SQLite)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from iofs.config import Settings

#: The file whose presence asks a running job to stop (see :func:`request_cancel`).
CANCEL_FILE = "cancel-requested"


def job_dir(settings: Settings, job_id: int) -> Path:
    """The folder of a job's files."""
    return settings.data_dir / "jobs" / str(job_id)


def request_cancel(settings: Settings, job_id: int) -> None:
    """Ask the running job ``job_id`` to stop through a file beside it.

    On SQLite a running import holds the only write lock until it ends, so a cancellation
    written to its row would wait for the very job it means to stop; SQLite means one
    machine, so the worker sees the file in the shared data directory instead.
    """
    folder = job_dir(settings, job_id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / CANCEL_FILE).touch()


def cancel_requested(settings: Settings, job_id: int) -> bool:
    """Whether :func:`request_cancel` was called for ``job_id``."""
    return (job_dir(settings, job_id) / CANCEL_FILE).exists()
