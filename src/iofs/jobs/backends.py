"""How workers learn which job to run next: the database itself, or Redis.

Both backends keep the job records in the database; they differ in the dispatch:

- ``database`` (the embedded default): an idle worker claims the oldest queued job with one
  UPDATE (:func:`iofs.jobs.queue.claim_next`) every ``IOFS_JOBS_POLL_SECONDS``.
- ``redis://host:port/db`` (several machines): submitting pushes the job's id on a Redis list
  (``RPUSH``); workers wait on it with ``BLPOP`` and then claim that id in the database. A
  popped id whose job is no longer queued (cancelled, already taken) is skipped, and queued
  jobs missing from the list (a worker died between pop and claim, Redis restarted) are pushed
  again by :meth:`RedisQueue.sweep`: a duplicate id costs a skipped pop, never a second run.
  The list's name is ``iofs:jobs`` or the URL's ``?queue=`` (installations sharing one Redis
  database need distinct names).
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import parse_qs, urlsplit, urlunsplit

from sqlalchemy.orm import Session, sessionmaker

from iofs.jobs import queue

if TYPE_CHECKING:
    import redis

    from iofs.config import Settings

DEFAULT_QUEUE = "iofs:jobs"


class Backend(Protocol):
    """The dispatch of one queue."""

    #: Whether :meth:`next_job` itself waits for work (else the worker sleeps between polls).
    blocking: bool

    def dispatch(self, job_id: int) -> None:
        """Tell the workers that ``job_id`` (committed, queued) waits."""

    def next_job(self, factory: sessionmaker[Session], worker: str, timeout: float) -> int | None:
        """Claim a job for ``worker``, waiting up to ``timeout`` seconds (0: do not wait);
        the claimed job's id, or None."""

    def sweep(self, factory: sessionmaker[Session]) -> None:
        """Repair the dispatch of queued jobs (a no-op where the database is the queue)."""


class DatabaseQueue:
    """The jobs table is the queue: claims are atomic UPDATEs (no server needed)."""

    blocking = False

    def dispatch(self, job_id: int) -> None:
        """Nothing to send: idle workers look at the table."""

    def next_job(self, factory: sessionmaker[Session], worker: str, timeout: float) -> int | None:
        # The caller sleeps between polls; one claim is one statement.
        with factory() as session:
            return queue.claim_next(session, worker)

    def sweep(self, factory: sessionmaker[Session]) -> None:
        """Nothing to repair."""


class RedisQueue:
    """Redis carries the dispatch (a list), the database the records and the claims."""

    #: A queued job older than this (s) and not on the list is pushed again by :meth:`sweep`.
    SWEEP_AFTER_SECONDS = 30.0
    blocking = True

    def __init__(self, url: str) -> None:
        import redis

        parts = urlsplit(url)
        self.key = parse_qs(parts.query).get("queue", [DEFAULT_QUEUE])[0]
        plain = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        self.client: redis.Redis = redis.Redis.from_url(
            plain, socket_timeout=30, socket_connect_timeout=5, health_check_interval=30
        )

    def dispatch(self, job_id: int) -> None:
        self.client.rpush(self.key, str(job_id))

    def next_job(self, factory: sessionmaker[Session], worker: str, timeout: float) -> int | None:
        wait = timeout
        while True:
            raw: Any
            if wait > 0:
                popped: Any = self.client.blpop([self.key], timeout=max(1, round(wait)))
                raw = popped[1] if popped else None
            else:
                raw = self.client.lpop(self.key)
            if raw is None:
                return None
            job_id = int(raw)
            with factory() as session:
                if queue.claim(session, job_id, worker):
                    return job_id
            wait = 0  # a stale id (cancelled, taken): look at the next one without waiting

    def sweep(self, factory: sessionmaker[Session]) -> None:
        older = queue.now() - timedelta(seconds=self.SWEEP_AFTER_SECONDS)
        with factory() as session:
            waiting = queue.queued_ids(session, older_than=older)
        if not waiting:
            return
        listed = {int(raw) for raw in self.client.lrange(self.key, 0, -1)}
        for job_id in waiting:
            if job_id not in listed:
                self.dispatch(job_id)

    def close(self) -> None:
        """Close the connections to Redis."""
        self.client.close()


@lru_cache(maxsize=8)
def _redis_queue(url: str) -> RedisQueue:
    return RedisQueue(url)


def backend_for(settings: Settings) -> DatabaseQueue | RedisQueue:
    """The backend named by ``IOFS_JOBS_URL`` (one Redis connection pool per URL and
    process)."""
    if settings.jobs_url == "database":
        return DatabaseQueue()
    return _redis_queue(settings.jobs_url)
