"""Job kinds the queue tests run: real run functions, declared here instead of in a module's
manifest (the worker takes a ``kinds`` mapping)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from iofs.db import transaction
from iofs.errors import InputError
from iofs.jobs.errors import JobRejected
from iofs.jobs.kinds import JobContext, JobKind
from iofs.jobs.models import JobSchedule
from iofs.jobs.queue import now

#: (job id, worker thread) of every run of ``tests.count`` in this process.
RUNS: list[tuple[int | None, str]] = []
_RUNS_LOCK = threading.Lock()


def count(context: JobContext, n: int = 3, pause: float = 0.0) -> dict[str, Any]:
    """Count to ``n``, reporting each step; records the run in :data:`RUNS`."""
    with _RUNS_LOCK:
        RUNS.append((context.job_id, threading.current_thread().name))
    for step in range(1, n + 1):
        if pause:
            time.sleep(pause)
        context.progress(step, n, f"step {step}")
    context.log(f"counted to {n}")
    return {"counted": n, "url": "/jobs"}


def reject(context: JobContext, rows: int = 2) -> dict[str, Any]:
    """Refuse the input with one detail per bad row."""
    raise JobRejected(
        f"Nothing was saved; problems found: {rows}.",
        {"errors": [{"row": row, "reason": "bad"} for row in range(1, rows + 1)]},
    )


def refuse(context: JobContext) -> dict[str, Any]:
    """Refuse with a plain sentence."""
    raise InputError("The file is not a workbook.")


def crash(context: JobContext) -> dict[str, Any]:
    """Fail unexpectedly."""
    raise RuntimeError("boom")


def write_and_wait(
    context: JobContext, marker: str, rows: int = 5, seconds: float = 60.0
) -> dict[str, Any]:
    """Write ``rows`` schedules in one transaction, touch ``marker`` once they are written
    (uncommitted), then keep reporting progress for up to ``seconds`` before committing: a
    job to kill, cancel or stop half-way."""
    with transaction(context.session_factory) as session:
        for row in range(rows):
            session.add(
                JobSchedule(
                    kind="tests.count",
                    params={"row": row},
                    cadence="daily",
                    hour=1,
                    minute=0,
                    enabled=False,
                    next_run_at=now(),
                    created_at=now(),
                )
            )
        session.flush()
        Path(marker).write_text("written", encoding="utf-8")
        deadline = time.monotonic() + seconds
        step = 0
        while time.monotonic() < deadline:
            step += 1
            context.progress(step, None, "waiting")
            time.sleep(0.05)
    return {"rows": rows}


KINDS = {
    kind.name: kind
    for kind in (
        JobKind("tests.count", "tests.jobs.kinds_for_tests:count", "Count"),
        JobKind("tests.reject", "tests.jobs.kinds_for_tests:reject", "Reject"),
        JobKind("tests.refuse", "tests.jobs.kinds_for_tests:refuse", "Refuse"),
        JobKind("tests.crash", "tests.jobs.kinds_for_tests:crash", "Crash"),
        JobKind("tests.write_and_wait", "tests.jobs.kinds_for_tests:write_and_wait", "Write"),
    )
}
