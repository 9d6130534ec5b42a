"""Running one claimed job: the kind's ``run`` with a context, a heartbeat beside it, and
its outcome recorded (succeeded with a result, failed with a sentence, cancelled, or put
back in the queue by a worker shutting down)."""

from __future__ import annotations

import inspect
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from iofs.analytics_store.sync import push_quietly
from iofs.errors import InputError
from iofs.i18n import gettext as _
from iofs.jobs import queue
from iofs.jobs.context import RunContext
from iofs.jobs.errors import JobRejected, JobStopped
from iofs.jobs.files import cancel_requested
from iofs.jobs.kinds import JobKind
from iofs.jobs.models import CANCELLED, FAILED, QUEUED, SUCCEEDED, Job
from iofs.jobs.translate import in_language
from iofs.modules import resolve

if TYPE_CHECKING:
    from iofs.config import Settings

log = logging.getLogger("iofs.jobs")

#: How long a heartbeat write waits for SQLite's write lock before skipping a beat (ms).
BEAT_BUSY_TIMEOUT_MS = 1000


def parameter_names(kind: JobKind) -> list[str]:
    """The parameters ``kind``'s ``run`` takes (after the context)."""
    return list(inspect.signature(resolve(kind.run)).parameters)[1:]


def check_params(kind: JobKind, params: Mapping[str, Any]) -> None:
    """Raise :class:`InputError` (a sentence) unless ``kind``'s ``run`` takes ``params``."""
    run = resolve(kind.run)
    signature = inspect.signature(run)
    try:
        signature.bind(None, **params)
    except TypeError:
        names = list(signature.parameters)[1:]
        raise InputError(
            _("The job kind %(kind)s takes the parameters %(names)s; it was given %(given)s.")
            % {
                "kind": kind.name,
                "names": ", ".join(names) or "-",
                "given": ", ".join(sorted(params)) or "-",
            },
            "params",
        ) from None


def beat_session_factory(settings: Settings) -> sessionmaker[Session]:
    """Sessions for heartbeats: on SQLite with a short busy timeout, so that a beat waiting
    for a long import's write lock is skipped rather than holding the heartbeat thread."""
    from iofs.db import make_engine, make_session_factory

    engine = make_engine(settings.resolved_database_url)
    if engine.dialect.name == "sqlite":

        def short_wait(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout={BEAT_BUSY_TIMEOUT_MS}")
            cursor.close()

        event.listen(engine, "connect", short_wait)
    return make_session_factory(engine)


class Heartbeat(threading.Thread):
    """Writes a running job's heartbeat and reported progress (when it changed, at most once
    per ``flush_seconds``; at least every ``beat_seconds``) and stops the job when its
    cancellation is asked for."""

    def __init__(
        self,
        context: RunContext,
        factory: sessionmaker[Session],
        worker: str,
        beat_seconds: float,
    ) -> None:
        super().__init__(name=f"iofs-job-{context.job_id}-heartbeat", daemon=True)
        self.context = context
        self.factory = factory
        self.worker = worker
        self.beat_seconds = beat_seconds
        self.flush_seconds = min(1.0, beat_seconds)
        self.finished = threading.Event()

    def run(self) -> None:
        written = -1
        last_beat = time.monotonic()
        while not self.finished.wait(self.flush_seconds):
            if self._cancel_file():
                self.context.stop(requeue=False)
            snapshot = self.context.snapshot()
            due = time.monotonic() - last_beat >= self.beat_seconds
            if snapshot.version == written and not due:
                continue
            try:
                with self.factory() as session:
                    asked = queue.beat(
                        session,
                        self.context.job_id or 0,
                        self.worker,
                        done=snapshot.done,
                        total=snapshot.total,
                        message=snapshot.message,
                        log=snapshot.log,
                    )
            except SQLAlchemyError as error:  # busy, or the database away: try next time
                log.debug("heartbeat of job %s skipped: %s", self.context.job_id, error)
                continue
            written, last_beat = snapshot.version, time.monotonic()
            if asked:
                self.context.stop(requeue=False)

    def _cancel_file(self) -> bool:
        job_id = self.context.job_id
        return job_id is not None and cancel_requested(self.context.settings, job_id)

    def stop(self) -> None:
        """End the thread (it writes nothing more)."""
        self.finished.set()
        self.join(timeout=10)


@dataclass(frozen=True)
class Outcome:
    """How a run ended: its state, error sentence and result; ``bad_input`` when the job
    refused its input (the CLI's exit status 2)."""

    state: str
    error: str | None = None
    result: dict[str, Any] | None = None
    bad_input: bool = False


def execute(
    job_id: int,
    worker: str,
    settings: Settings,
    factory: sessionmaker[Session],
    kinds: Mapping[str, JobKind],
    *,
    beat_factory: sessionmaker[Session] | None = None,
    on_progress: Callable[[float, float | None, str], None] | None = None,
    on_start: Callable[[RunContext], None] | None = None,
) -> Outcome:
    """Run the job ``job_id`` that ``worker`` claimed, and record its outcome; returns how it
    ended (state ``queued`` when a stopping worker put it back)."""
    with factory() as session:
        job = session.get(Job, job_id)
        if job is None:
            return Outcome(FAILED)
        kind_name, params, owner_id, language = (
            job.kind,
            dict(job.params),
            job.owner_id,
            job.language,
        )
    context = RunContext(job_id, owner_id, settings, factory, on_progress)
    if on_start is not None:
        on_start(context)
    heartbeat = Heartbeat(context, beat_factory or factory, worker, settings.jobs_heartbeat_seconds)
    heartbeat.start()
    result: dict[str, Any] | None = None
    error: str | None = None
    bad_input = False
    with in_language(language):
        try:
            kind = kinds.get(kind_name)
            if kind is None:
                raise InputError(
                    _("There is no job kind %(kind)s in this installation.") % {"kind": kind_name}
                )
            check_params(kind, params)
            result = resolve(kind.run)(context, **params)
            state = SUCCEEDED
        except JobStopped as stopped:
            heartbeat.stop()
            if stopped.requeue:
                context.log(_("The worker stopped; the job waits in the queue again."))
                with factory() as session:
                    queue.requeue(session, job_id, worker, context.snapshot().log)
                return Outcome(QUEUED)
            state, error = CANCELLED, _("Cancelled before it finished; nothing was saved.")
        except JobRejected as rejected:
            state, error, result, bad_input = FAILED, str(rejected), rejected.details, True
        except InputError as problem:
            state, error, bad_input = FAILED, str(problem), True
        except Exception as unexpected:
            log.exception("job %s (%s) failed", job_id, kind_name)
            state = FAILED
            error = _(
                "The job stopped on an unexpected error (%(error)s). Run it again, or tell "
                "the administrator if it happens again."
            ) % {"error": type(unexpected).__name__}
        finally:
            heartbeat.stop()
    # What the job wrote to the analytics store goes to the shared one (IOFS_ANALYTICS_URL);
    # a failed ingest left the store as it was, so this is safe whatever the state.
    push_quietly(settings)
    snapshot = context.snapshot()
    total = snapshot.total
    done = (total or snapshot.done) if state == SUCCEEDED else snapshot.done
    with factory() as session:
        queue.record_outcome(
            session,
            job_id,
            worker,
            state=state,
            result=result,
            error=error,
            done=done,
            total=total,
            message=snapshot.message,
            log=snapshot.log,
        )
    return Outcome(state, error, result, bad_input)
