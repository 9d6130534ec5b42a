"""``iofs fetch runs``: the last run of every public-data source (what /data/fetches shows)."""

from __future__ import annotations

from typing import Annotated

import typer

COLUMNS = ("source", "status", "finished_at", "rows_added", "bytes", "url", "error", "job_id")


def runs_command(
    source: Annotated[
        str | None,
        typer.Argument(
            metavar="[SOURCE]",
            help="A dataset (prices, ipc, risk, faostat) or one source (prices:AFG): its runs, "
            "newest first. Default: the last run of every source.",
        ),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Runs of one source.")] = 20,
    output: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
) -> None:
    """The last run of each fetched source (status, finish time, rows added, error), or the
    runs of one source."""
    from iofs.cli_support import check_format, print_records, session_factory
    from iofs.fetching.runs import last_runs, runs_of

    check_format(output)
    with session_factory()() as session:
        if source and ":" in source:
            runs = runs_of(session, source, limit)
        else:
            runs = last_runs(session, source)
        rows = [
            {
                "source": run.source,
                "status": run.status.replace("_", " "),
                "finished_at": run.finished_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
                "rows_added": run.rows_added,
                "bytes": run.bytes,
                "url": run.url,
                "error": run.error or "",
                "job_id": run.job_id,
            }
            for run in runs
        ]
    print_records(
        rows,
        output,
        "Fetch runs",
        columns=COLUMNS if output != "table" else (*COLUMNS[:5], "error"),
        justify={"rows_added": "right", "bytes": "right"},
    )
