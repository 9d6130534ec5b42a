"""Running a fetch job from the command line: a Rich progress bar and the summary table.

:class:`ForegroundContext` implements :class:`iofs.jobs.kinds.JobContext` for a run that
stores no job: one progress bar per source (bytes), log lines on stderr. :func:`run_in_foreground`
calls a fetch job's ``run`` with it, prints the summary and sets the exit status: 0 when every
source was fetched or unchanged, 1 when one failed (the network, the server or the ingest),
2 for bad input.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from iofs.cli_support import console, errors, fail
from iofs.errors import InputError
from iofs.fetching.runs import SourcesFailed

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from iofs.config import Settings

#: How a status is shown in the summary.
STATUS_SHOWN = {"fetched": "fetched", "not_modified": "not modified", "failed": "failed"}


class ForegroundContext:
    """A :class:`~iofs.jobs.kinds.JobContext` for the command line (no stored job)."""

    job_id: int | None = None
    owner_id: int | None = None

    def __init__(
        self, settings: Settings, session_factory: sessionmaker[Session], bar: Progress
    ) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self._bar = bar
        self._tasks: dict[str, Any] = {}

    def progress(self, done: float, total: float | None = None, message: str = "") -> None:
        """One bar per ``message`` (the source's name), ``done`` of ``total`` bytes."""
        if message not in self._tasks:
            self._tasks[message] = self._bar.add_task(message or "fetch", total=total)
        self._bar.update(self._tasks[message], completed=done, total=total)

    def log(self, message: str) -> None:
        """A line on stderr above the bars."""
        self._bar.console.print(message, highlight=False, markup=False)


def print_summary(result: dict[str, Any], title: str) -> None:
    """The runs of a fetch as a table, then what had no dataset."""
    table = Table(title=title)
    for column in ("source", "status", "bytes", "rows added", "error"):
        table.add_column(column, justify="right" if column in {"bytes", "rows added"} else "left")
    for run in result["runs"]:
        table.add_row(
            str(run["label"]),
            STATUS_SHOWN.get(str(run["status"]), str(run["status"])),
            "" if run["bytes"] is None else f"{run['bytes']:,}",
            f"{run['rows_added']:,}",
            str(run["error"] or ""),
        )
    console.print(table)
    console.print(
        f"{result['fetched']} fetched, {result['not_modified']} not modified, "
        f"{result['failed']} failed; {result['rows_added']:,} rows added.",
        highlight=False,
    )
    if result["missing"]:
        console.print(
            f"No dataset to fetch for {len(result['missing'])}: {', '.join(result['missing'])}.",
            highlight=False,
        )


def run_in_foreground(run: Callable[..., dict[str, Any]], title: str, **params: Any) -> None:
    """Call the job function ``run(context, **params)`` with a progress bar, print its
    summary; exit 2 on bad input, 1 when a source failed."""
    from iofs.cli_support import session_factory, settings

    config = settings()
    factory = session_factory()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
    ) as bar:
        context = ForegroundContext(config, factory, bar)
        try:
            result = run(context, **params)
        except SourcesFailed as failure:
            bar.stop()
            print_summary(failure.result, title)
            raise fail(str(failure), 1) from None
        except InputError as error:
            bar.stop()
            raise fail(str(error), 2) from None
    print_summary(result, title)
