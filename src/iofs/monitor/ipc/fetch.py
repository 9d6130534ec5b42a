"""``ipc.fetch``: the IPC long CSVs from HDX, through the IPC ingest.

The IPC publishes its analyses on HDX in the dataset ``IOFS_FETCH_IPC_DATASET`` (default
``global-acute-food-insecurity-country-data``); the files fetched are the resources named in
``IOFS_FETCH_IPC_RESOURCES`` (default the national and area long CSVs,
``ipc_global_national_long.csv`` and ``ipc_global_area_long.csv``: the HDX IPC layout with its
HXL row, read by :func:`iofs.monitor.ipc.service.ingest`). Each file is its own source
(``ipc:<file name>``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from iofs.fetching import hdx
from iofs.fetching.download import FetchError
from iofs.fetching.runs import (
    RunResult,
    Source,
    downloads_dir,
    fetch_for_job,
    finish,
    options_from,
    parquet_rows,
    record_failure,
)
from iofs.i18n import gettext as _

if TYPE_CHECKING:
    from iofs.jobs.kinds import JobContext


def _stored_rows(analytics_dir: Path) -> int:
    from iofs.monitor.ipc import store

    return parquet_rows(store.slices(analytics_dir))


def run(context: JobContext, force: bool = False) -> dict[str, Any]:
    """Fetch and ingest the configured IPC files of the HDX IPC dataset.

    Returns the fetch summary (:func:`iofs.fetching.runs.summary`; ``missing``: files the
    dataset does not hold); raises :class:`iofs.fetching.runs.SourcesFailed` after recording
    every file when one failed.
    """
    from iofs.monitor.ipc import service

    settings = context.settings
    options = options_from(settings, force)
    analytics = settings.analytics_dir
    folder = downloads_dir(settings, "ipc")
    dataset = settings.fetch_ipc_dataset

    def ingest_file(path: Path) -> int:
        before = _stored_rows(analytics)
        service.ingest([path], analytics)
        return _stored_rows(analytics) - before

    results: list[RunResult] = []
    missing: list[str] = []
    try:
        found = hdx.resources(
            settings.fetch_hdx_url,
            dataset,
            timeout=options.timeout,
            retries=options.retries,
            backoff=options.backoff,
        )
    except FetchError as error:
        for name in settings.fetch_ipc_resources:
            failed = Source(f"ipc:{name}", f"IPC {name}", error.url, folder / name, "csv")
            results.append(
                record_failure(context.session_factory, failed, str(error), context.job_id)
            )
        context.log(str(error))
        return finish(results)
    for name in settings.fetch_ipc_resources:
        label = f"IPC {name}"
        resource = hdx.find(found, name) if found is not None else None
        if resource is None:
            missing.append(name)
            context.log(
                _("%(source)s: HDX has no %(dataset)s dataset with %(file)s.")
                % {"source": label, "dataset": dataset, "file": name}
            )
            continue
        source = Source(f"ipc:{name}", label, resource.url, folder / name, "csv")
        results.append(fetch_for_job(context, source, ingest_file, options))
    return finish(results, missing)


def fetch_ipc_command(
    force: Annotated[
        bool, typer.Option("--force", help="Download and ingest even files unchanged on HDX.")
    ] = False,
) -> None:
    """Fetch the IPC national and area long CSVs from HDX and ingest them; idempotent."""
    from iofs.fetching.foreground import run_in_foreground

    run_in_foreground(run, "IPC (HDX)", force=force)
