"""``risk.fetch_inform``: an INFORM GRI release (CSV) from its URL, through the INFORM import.

The JRC publishes INFORM Risk releases; the URL of the CSV to follow is the setting
``IOFS_FETCH_INFORM_URL`` (or ``--url``): a CSV with INFORM's column names, as
:func:`iofs.monitor.risk.service.import_inform` reads it (the JRC's XLSX workbooks are not
read: save the "INFORM Risk" sheet as CSV and publish that). The source is ``risk:inform``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import unquote, urlsplit

import typer

from iofs.errors import InputError
from iofs.fetching.download import check_url
from iofs.fetching.runs import (
    Source,
    downloads_dir,
    fetch_for_job,
    finish,
    options_from,
    parquet_rows,
)
from iofs.i18n import gettext as _

if TYPE_CHECKING:
    from iofs.jobs.kinds import JobContext

SOURCE = "risk:inform"


def _file_name(url: str) -> str:
    name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in name).strip("._")
    return safe if safe.lower().endswith(".csv") else "inform_gri.csv"


def _stored_rows(analytics_dir: Path) -> int:
    from iofs.ingest_files import visible_files
    from iofs.monitor.risk.service import inform_dir

    return parquet_rows(visible_files(inform_dir(analytics_dir), "*.parquet"))


def run(context: JobContext, url: str | None = None, force: bool = False) -> dict[str, Any]:
    """Fetch the INFORM release at ``url`` (default ``IOFS_FETCH_INFORM_URL``) and import it.

    Returns the fetch summary (:func:`iofs.fetching.runs.summary`; rows are countries);
    raises :class:`InputError` when no URL is set or it is not http(s), and
    :class:`iofs.fetching.runs.SourcesFailed` when the download or the import failed.
    """
    from iofs.monitor.risk import service

    settings = context.settings
    chosen = url or settings.fetch_inform_url
    if not chosen:
        raise InputError(
            _(
                "No INFORM URL: set IOFS_FETCH_INFORM_URL to the URL of an INFORM GRI release "
                "as CSV, or pass --url."
            ),
            "url",
        )
    check_url(chosen)
    analytics = settings.analytics_dir

    def ingest_file(path: Path) -> int:
        before = _stored_rows(analytics)
        service.import_inform(path, analytics)
        return _stored_rows(analytics) - before

    source = Source(
        SOURCE, "INFORM GRI", chosen, downloads_dir(settings, "inform") / _file_name(chosen), "csv"
    )
    result = fetch_for_job(context, source, ingest_file, options_from(settings, force))
    return finish([result])


def fetch_inform_command(
    url: Annotated[
        str | None,
        typer.Option(help="URL of the INFORM GRI CSV (default: IOFS_FETCH_INFORM_URL)."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Download and import even an unchanged file.")
    ] = False,
) -> None:
    """Fetch an INFORM GRI release (CSV) and import it; idempotent."""
    from iofs.fetching.foreground import run_in_foreground

    run_in_foreground(run, "INFORM", url=url, force=force)
