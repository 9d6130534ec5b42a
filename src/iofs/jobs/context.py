"""The :class:`~iofs.jobs.kinds.JobContext` a running job reports to.

Progress and log lines are kept in memory and written to the job's record by the worker's
heartbeat thread at most once per flush interval (:class:`iofs.jobs.runner.Heartbeat`): a
job reporting every row costs no database write per row, and on SQLite, where a long
import holds the only write lock, the job never waits on its own progress.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from iofs.jobs.errors import JobStopped
from iofs.jobs.queue import LOG_LIMIT_BYTES, bounded_log

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from iofs.config import Settings


@dataclass(frozen=True)
class Snapshot:
    """What a job reported so far: progress, message, log; ``version`` counts reports."""

    done: float
    total: float | None
    message: str
    log: str
    version: int


@dataclass
class RunContext:
    """A running job's context (worker and foreground alike); thread-safe."""

    job_id: int | None
    owner_id: int | None
    settings: Settings
    session_factory: sessionmaker[Session]
    #: Called on each progress report in the job's thread (the CLI's progress bar).
    on_progress: Callable[[float, float | None, str], None] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _done: float = 0.0
    _total: float | None = None
    _message: str = ""
    _log: str = ""
    _version: int = 0
    #: Set by the worker: the job is to stop at its next report (cancel, or requeue).
    _stop: JobStopped | None = None

    def progress(self, done: float, total: float | None = None, message: str = "") -> None:
        """Report ``done`` of ``total`` units; raises :class:`JobStopped` when the job was
        cancelled or its worker is shutting down."""
        with self._lock:
            self._done = float(done)
            if total is not None:
                self._total = float(total)
            if message:
                self._message = message
            self._version += 1
            stop = self._stop
        if self.on_progress is not None:
            self.on_progress(self._done, self._total, self._message)
        if stop is not None:
            raise stop

    def log(self, message: str) -> None:
        """Append a line (time-stamped, UTC) to the job's log."""
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
        with self._lock:
            self._log = bounded_log(self._log + f"{stamp} {message.rstrip()}\n", LOG_LIMIT_BYTES)
            self._version += 1

    def stop(self, requeue: bool) -> None:
        """Ask the job to stop at its next progress report."""
        with self._lock:
            if self._stop is None:
                self._stop = JobStopped(requeue)

    @property
    def stopping(self) -> JobStopped | None:
        """The stop asked for, if any."""
        with self._lock:
            return self._stop

    def snapshot(self) -> Snapshot:
        """What was reported so far."""
        with self._lock:
            return Snapshot(self._done, self._total, self._message, self._log, self._version)
