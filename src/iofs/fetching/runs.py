"""Fetch one source (download, then the module's ingest) and record the run; read the runs.

:func:`fetch_source` is what every ``iofs fetch …`` command and fetch job calls per file: it
asks the server for the file only if changed since the last good run of the same source and
URL (the validators kept in ``fetch_runs``), treats a file whose SHA-256 equals the last good
run's as unchanged too (for servers without validators), runs the ingest only on new bytes,
and writes one :class:`~iofs.fetching.models.FetchRun` row, whatever happened.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from iofs.db import transaction
from iofs.errors import InputError
from iofs.fetching.download import FetchError, Kind, Progress, Validators, check_url, download
from iofs.fetching.models import FAILED, FETCHED, NOT_MODIFIED, FetchRun
from iofs.i18n import N_
from iofs.i18n import gettext as _

if TYPE_CHECKING:
    from iofs.config import Settings

#: ``ingest(path) -> rows added`` (the store's rows after minus before).
Ingest = Callable[[Path], int]


@dataclass(frozen=True)
class Source:
    """One file to fetch: ``name`` the source (``prices:AFG``), ``label`` its name for
    people, ``url`` where it is, ``destination`` where the download is kept, ``kind`` what
    it must be (csv, zip), ``sha256`` its expected digest when known."""

    name: str
    label: str
    url: str
    destination: Path
    kind: Kind = "any"
    sha256: str | None = None


@dataclass(frozen=True)
class Options:
    """How downloads behave: ``timeout`` (seconds without data), ``retries`` after a network
    failure, ``backoff`` (seconds before the first retry, doubled after), ``force`` (ask for
    the whole file and ingest it even when unchanged)."""

    timeout: float = 60.0
    retries: int = 3
    backoff: float = 2.0
    force: bool = False


@dataclass(frozen=True)
class RunResult:
    """What one run of one source did (also the row it recorded: ``run_id``)."""

    source: str
    label: str
    url: str
    status: str
    bytes: int | None
    sha256: str | None
    rows_added: int
    error: str | None
    run_id: int | None
    resumed_from: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The result as a JSON-serialisable dict (a job's result)."""
        return asdict(self)


#: How each status is named for people (msgids).
STATUS_LABELS: dict[str, str] = {
    FETCHED: N_("fetched"),
    NOT_MODIFIED: N_("not modified"),
    FAILED: N_("failed"),
}


def outcome_line(result: RunResult) -> str:
    """``<label>: <status or error sentence>``, for a job's log (current language)."""
    outcome = result.error or _(STATUS_LABELS.get(result.status, result.status))
    return f"{result.label}: {outcome}"


def now() -> datetime:
    """The current moment, in UTC."""
    return datetime.now(UTC)


def last_good_run(session: Session, source: str) -> FetchRun | None:
    """The newest run of ``source`` that fetched or found the file unchanged."""
    return session.scalar(
        select(FetchRun)
        .where(FetchRun.source == source, FetchRun.status.in_((FETCHED, NOT_MODIFIED)))
        .order_by(FetchRun.id.desc())
        .limit(1)
    )


def last_run(session: Session, source: str) -> FetchRun | None:
    """The newest run of ``source``, whatever its status (None: never run)."""
    return session.scalar(
        select(FetchRun).where(FetchRun.source == source).order_by(FetchRun.id.desc()).limit(1)
    )


def last_runs(session: Session, prefix: str | None = None) -> list[FetchRun]:
    """The newest run of every source (of sources named ``<prefix>:…`` when given), by
    source name."""
    newest = select(func.max(FetchRun.id)).group_by(FetchRun.source)
    if prefix:
        newest = newest.where(FetchRun.source.startswith(f"{prefix}:", autoescape=True))
    return list(
        session.scalars(select(FetchRun).where(FetchRun.id.in_(newest)).order_by(FetchRun.source))
    )


def runs_of(session: Session, source: str, limit: int = 20) -> list[FetchRun]:
    """The newest ``limit`` runs of one source, newest first."""
    return list(
        session.scalars(
            select(FetchRun)
            .where(FetchRun.source == source)
            .order_by(FetchRun.id.desc())
            .limit(limit)
        )
    )


def _record(
    factory: sessionmaker[Session],
    source: Source,
    started: datetime,
    status: str,
    job_id: int | None,
    *,
    size: int | None = None,
    sha256: str | None = None,
    validators: Validators | None = None,
    rows_added: int = 0,
    error: str | None = None,
    resumed_from: int = 0,
) -> RunResult:
    row = FetchRun(
        source=source.name,
        url=source.url,
        started_at=started,
        finished_at=now(),
        status=status,
        bytes=size,
        sha256=sha256,
        etag=validators.etag if validators else None,
        last_modified=validators.last_modified if validators else None,
        rows_added=rows_added,
        error=error,
        job_id=job_id,
    )
    with transaction(factory) as session:
        session.add(row)
        session.flush()
        run_id = row.id
    return RunResult(
        source.name,
        source.label,
        source.url,
        status,
        size,
        sha256,
        rows_added,
        error,
        run_id,
        resumed_from,
    )


def record_failure(
    factory: sessionmaker[Session], source: Source, error: str, job_id: int | None = None
) -> RunResult:
    """Record a run of ``source`` that failed before its download (e.g. the dataset's
    description could not be read); ``error`` is the sentence."""
    return _record(factory, source, now(), FAILED, job_id, error=error)


def fetch_source(
    factory: sessionmaker[Session],
    source: Source,
    ingest: Ingest,
    *,
    options: Options | None = None,
    job_id: int | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """Fetch ``source``, ingest it when new, and record the run (one ``fetch_runs`` row).

    Returns the run: ``fetched`` (rows added by the ingest), ``not_modified`` (0 rows; the
    server answered 304 or the bytes equal the last good run's) or ``failed`` (``error``:
    the download's or the ingest's sentence). Raises :class:`~iofs.fetching.download.BadUrl`
    before anything is recorded when the URL cannot be fetched.
    """
    options = options or Options()
    check_url(source.url)
    started = now()
    with factory() as session:
        previous = last_good_run(session, source.name)
    same = previous is not None and previous.url == source.url and not options.force
    known = Validators(previous.etag, previous.last_modified) if same and previous else None
    try:
        got = download(
            source.url,
            source.destination,
            known=known,
            sha256=source.sha256,
            kind=source.kind,
            progress=progress,
            timeout=options.timeout,
            retries=options.retries,
            backoff=options.backoff,
        )
    except FetchError as error:
        return _record(factory, source, started, FAILED, job_id, error=str(error))
    validators = got.validators or known or Validators()
    unchanged = got.outcome == "not_modified" or (
        same and previous is not None and got.sha256 is not None and previous.sha256 == got.sha256
    )
    if unchanged:
        return _record(
            factory,
            source,
            started,
            NOT_MODIFIED,
            job_id,
            size=got.size,
            sha256=got.sha256 or (previous.sha256 if previous else None),
            validators=validators,
        )
    try:
        rows = ingest(got.path)
    except InputError as error:
        message = str(error).rstrip(".")
        return _record(
            factory,
            source,
            started,
            FAILED,
            job_id,
            size=got.size,
            sha256=got.sha256,
            error=_("%(url)s: downloaded, but the ingest refused it: %(reason)s.")
            % {"url": source.url, "reason": message},
        )
    return _record(
        factory,
        source,
        started,
        FETCHED,
        job_id,
        size=got.size,
        sha256=got.sha256,
        validators=validators,
        rows_added=rows,
        resumed_from=got.resumed_from,
    )


class FetchContext(Protocol):
    """What a fetch needs of the job that runs it (:class:`iofs.jobs.kinds.JobContext` has it;
    declared here because this base layer imports no module)."""

    job_id: int | None
    session_factory: sessionmaker[Session]

    def progress(self, done: float, total: float | None = None, message: str = "") -> None: ...

    def log(self, message: str) -> None: ...


def fetch_for_job(
    context: FetchContext, source: Source, ingest: Ingest, options: Options, note: str = ""
) -> RunResult:
    """:func:`fetch_source` as a job runs it: bytes as the job's progress under the source's
    label, the outcome (and ``note``) as a line of the job's log."""
    result = fetch_source(
        context.session_factory,
        source,
        ingest,
        options=options,
        job_id=context.job_id,
        progress=lambda done, total: context.progress(done, total, source.label),
    )
    context.log(f"{outcome_line(result)}{note}")
    return result


def summary(results: Sequence[RunResult], missing: Sequence[str] = ()) -> dict[str, Any]:
    """A job's result: every run, counts per status, rows added, and ``missing`` (what had
    no dataset to fetch, e.g. a state without WFP prices on HDX)."""
    return {
        "runs": [r.as_dict() for r in results],
        "fetched": sum(r.status == FETCHED for r in results),
        "not_modified": sum(r.status == NOT_MODIFIED for r in results),
        "failed": sum(r.status == FAILED for r in results),
        "rows_added": sum(r.rows_added for r in results),
        "missing": list(missing),
    }


class SourcesFailed(InputError):
    """Some sources of a fetch failed (each run is recorded); ``result`` is the whole
    summary, the message the failures' sentences.

    An :class:`~iofs.errors.InputError` so that the job queue records the job as failed with
    these sentences as its error (not as an unexpected error); the command line exits 1 on
    it (a network or server failure), 2 only on other input errors.
    """

    def __init__(self, result: dict[str, Any]) -> None:
        errors = [str(run["error"]) for run in result["runs"] if run["status"] == FAILED]
        super().__init__(" ".join(errors), "url")
        self.result = result


def finish(results: Sequence[RunResult], missing: Sequence[str] = ()) -> dict[str, Any]:
    """The summary of a fetch, or :class:`SourcesFailed` carrying it when a source failed."""
    result = summary(results, missing)
    if result["failed"]:
        raise SourcesFailed(result)
    return result


def options_from(settings: Settings, force: bool = False) -> Options:
    """The download options of an installation (``IOFS_FETCH_TIMEOUT``, ``_RETRIES``,
    ``_BACKOFF``)."""
    return Options(settings.fetch_timeout, settings.fetch_retries, settings.fetch_backoff, force)


def downloads_dir(settings: Settings, dataset: str) -> Path:
    """Where the downloads of ``dataset`` are kept: ``<data dir>/downloads/<dataset>``."""
    return settings.data_dir / "downloads" / dataset


def parquet_rows(paths: Sequence[Path]) -> int:
    """Rows of Parquet files, from their footers (no data read)."""
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(path).metadata.num_rows for path in paths if path.is_file())
