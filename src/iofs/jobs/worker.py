"""Job workers: the ``iofs jobs worker`` process, the thread ``iofs serve`` embeds, and
:func:`run_pending`, which runs the queue in the calling thread (tests, one-off scripts).

A worker loops: housekeeping (recover jobs whose worker vanished, queue the due schedules,
repair the dispatch) every few seconds, then claim one job and run it. Stopping (SIGTERM, the
server shutting down) lets the current job finish; after ``grace`` seconds the job is asked
to stop at its next progress report, rolls back and waits in the queue again.
"""

from __future__ import annotations

import atexit
import itertools
import logging
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from iofs.db import is_busy, make_engine, make_session_factory
from iofs.jobs import queue, schedules
from iofs.jobs.backends import backend_for
from iofs.jobs.context import RunContext
from iofs.jobs.kinds import JobKind
from iofs.jobs.runner import beat_session_factory, execute
from iofs.modules import job_kinds

if TYPE_CHECKING:
    from iofs.config import Settings

log = logging.getLogger("iofs.jobs")

#: Seconds between two housekeeping rounds of one worker.
HOUSEKEEPING_SECONDS = 5.0
_thread_numbers = itertools.count(1)


class Worker:
    """One worker: claims and runs jobs one at a time.

    ``kinds`` defaults to every kind the modules declare; ``name`` to ``host:pid`` (a
    ``#n`` suffix for every further worker in the same process).
    """

    def __init__(
        self,
        settings: Settings,
        kinds: Mapping[str, JobKind] | None = None,
        *,
        name: str | None = None,
        factory: sessionmaker[Session] | None = None,
    ) -> None:
        self.settings = settings
        self.kinds = dict(kinds) if kinds is not None else dict(job_kinds())
        number = next(_thread_numbers)
        self.name = name or queue.worker_name("" if number == 1 else f"#{number}")
        self._own_engine = factory is None
        self.factory = factory or make_session_factory(make_engine(settings.resolved_database_url))
        self.beat_factory = beat_session_factory(settings)
        self.backend = backend_for(settings)
        self.stopping = threading.Event()
        self.current: RunContext | None = None
        self._last_housekeeping = float("-inf")

    def housekeeping(self, force: bool = False) -> None:
        """Recover stale jobs, queue due schedules and repair the dispatch (every
        :data:`HOUSEKEEPING_SECONDS`, or now with ``force``)."""
        if not force and time.monotonic() - self._last_housekeeping < HOUSEKEEPING_SECONDS:
            return
        self._last_housekeeping = time.monotonic()
        try:
            with self.factory() as session:
                for job_id in queue.recover_stale(session, self.settings.jobs_stale_seconds):
                    log.warning("job %s: its worker stopped while running it", job_id)
            for job_id in schedules.enqueue_due(self.factory, self.kinds):
                self.backend.dispatch(job_id)
            self.backend.sweep(self.factory)
        except SQLAlchemyError as error:
            if not is_busy(error):
                raise
            log.info("housekeeping waited for the database too long; trying again later")

    def run_one(self, timeout: float) -> int | None:
        """Claim one job (waiting up to ``timeout`` s) and run it; its id, or None."""
        try:
            job_id = self.backend.next_job(self.factory, self.name, timeout)
        except SQLAlchemyError as error:
            if not is_busy(error):
                raise
            return None
        if job_id is None:
            return None
        outcome = execute(
            job_id,
            self.name,
            self.settings,
            self.factory,
            self.kinds,
            beat_factory=self.beat_factory,
            on_start=self._started,
        )
        self.current = None
        log.info("job %s ended %s", job_id, outcome.state)
        return job_id

    def _started(self, context: RunContext) -> None:
        self.current = context
        if self.stopping.is_set():
            context.stop(requeue=True)

    def run(self) -> None:
        """Work until :meth:`stop` is called."""
        poll = self.settings.jobs_poll_seconds
        while not self.stopping.is_set():
            try:
                self.housekeeping()
                ran = self.run_one(poll if self.backend.blocking else 0)
            except Exception:  # the database or Redis away: wait, then try again
                log.exception("job worker %s: waiting before trying again", self.name)
                ran = None
                self.stopping.wait(min(30.0, 5 * poll))
                continue
            if ran is None and not self.backend.blocking:
                self.stopping.wait(poll)

    def stop(self, grace: float | None = None) -> None:
        """Stop after the current job; with ``grace`` (s), a job still running then is put
        back in the queue (``0``: at once)."""
        self.stopping.set()
        if grace is None:
            return
        current = self.current
        if current is None:
            return
        if grace <= 0:
            current.stop(requeue=True)
            return
        timer = threading.Timer(grace, current.stop, kwargs={"requeue": True})
        timer.daemon = True
        timer.start()

    def close(self) -> None:
        """Release the worker's database connections."""
        self.beat_factory.kw["bind"].dispose()
        if self._own_engine:
            self.factory.kw["bind"].dispose()


def run_pending(
    settings: Settings, kinds: Mapping[str, JobKind] | None = None, *, schedules_too: bool = False
) -> list[int]:
    """Run every queued job in this thread until none is left; returns their ids in the
    order run. With ``schedules_too``, due schedules are queued first."""
    worker = Worker(settings, kinds)
    try:
        if schedules_too:
            worker.housekeeping(force=True)
        ran: list[int] = []
        while (job_id := worker.run_one(0)) is not None:
            ran.append(job_id)
        return ran
    finally:
        worker.close()


def start_embedded(settings: Settings) -> Worker | None:
    """Start the worker thread of ``iofs serve`` (None when ``IOFS_JOBS_EMBEDDED`` is off);
    at exit it stops, putting a job it could not finish within 10 s back in the queue."""
    if not settings.jobs_embedded:
        return None
    try:
        worker = Worker(settings)
    except Exception:  # a module's broken job kind must not keep the pages from serving
        log.exception("the embedded job worker could not start; jobs wait in the queue")
        return None
    thread = threading.Thread(target=worker.run, name="iofs-jobs-embedded", daemon=True)
    thread.start()

    def shut_down() -> None:
        worker.stop(grace=10)
        thread.join(timeout=15)

    atexit.register(shut_down)
    return worker
