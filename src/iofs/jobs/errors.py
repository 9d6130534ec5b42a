"""What a job may raise beyond :class:`iofs.errors.InputError`, and what a worker raises into
a running job to stop it."""

from __future__ import annotations

from typing import Any

from iofs.errors import InputError


class JobRejected(InputError):
    """Bad input, with the details a page shows (e.g. every bad row of an upload).

    The job fails with the message as its error sentence and ``details`` (JSON-serialisable)
    as its result, so that the job page can list each problem.
    """

    def __init__(self, message: str, details: dict[str, Any]) -> None:
        super().__init__(message)
        self.details = details


class JobStopped(BaseException):
    """Raised inside a running job (at its next progress report) to stop it.

    A ``BaseException`` so that a job's own ``except Exception`` does not swallow it; the
    job's transaction rolls back as for any exception. ``requeue`` tells the worker to put
    the job back in the queue (a worker shutting down) rather than record it cancelled.
    """

    def __init__(self, requeue: bool) -> None:
        super().__init__("requeued" if requeue else "cancelled")
        self.requeue = requeue
