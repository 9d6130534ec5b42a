"""What a background job is, as modules declare it: a kind with a run function.

A module lists its job kinds in its manifest (``Module.jobs``: references to :class:`JobKind`
objects). The queue (:mod:`iofs.jobs.queue`) stores each submitted job with its owner, state,
progress, log and result, and a worker calls the kind's ``run`` with a :class:`JobContext`;
the CLI calls the same ``run`` in the foreground with a progress bar. ``run`` reports progress
through the context, raises :class:`iofs.errors.InputError` (a sentence the owner can act on)
for bad input, and returns a JSON-serialisable summary: the job's result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from iofs.config import Settings


class JobContext(Protocol):
    """What a running job may use and report (worker and foreground alike)."""

    #: The stored job's id (None only in a foreground run that stores no job).
    job_id: int | None
    #: The user who submitted the job (None: the command line or the scheduler).
    owner_id: int | None
    settings: Settings
    session_factory: sessionmaker[Session]

    def progress(self, done: float, total: float | None = None, message: str = "") -> None:
        """Report ``done`` of ``total`` units (rows, files, bytes); ``message`` a short sentence."""

    def log(self, message: str) -> None:
        """Append one line to the job's log (kept with the job, shown on its page)."""


#: ``run(context, **params) -> result``; params and result are JSON-serialisable.
RunFunction = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class JobKind:
    """One kind of background job.

    ``name`` is dotted (``"prices.fetch"``); ``run`` a ``"package.module:function"`` reference,
    imported when a job of the kind runs; ``title`` an untranslated msgid for pages;
    ``permission`` the permission a user needs to submit (and see others' jobs of) this kind,
    None for kinds only the system submits (schedules, the CLI).
    """

    name: str
    run: str
    title: str
    permission: str | None = None
