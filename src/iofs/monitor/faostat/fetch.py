"""``faostat.fetch``: FAOSTAT bulk zips from FAOSTAT's bulk-download service, on the shared
downloader (:mod:`iofs.fetching.download`: resume, conditional requests, size, SHA-256, zip
check, retries).

FAOSTAT publishes each domain as ``<base>/<Domain>_E_All_Data_(Normalized).zip`` (base
``IOFS_FAOSTAT_BULK_URL``, default ``https://bulks-faostat.fao.org/production``; the list of
files with their sizes is ``datasets_E.json`` there). The source of a run is
``faostat:<DOMAIN>`` when the zip is ingested too, ``faostat:<DOMAIN>:download`` when it is
only downloaded (so a later run with the ingest is not skipped as "not modified").
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from iofs.errors import InputError
from iofs.fetching.download import Download, FetchError, download
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

__all__ = [
    "BULK_FILES",
    "DEFAULT_BASE_URL",
    "FetchError",
    "UnknownDomain",
    "bulk_url",
    "download",
    "fetch_domain",
    "run",
]

DEFAULT_BASE_URL = "https://bulks-faostat.fao.org/production"

BULK_FILES: dict[str, str] = {
    "QCL": "Production_Crops_Livestock_E_All_Data_(Normalized).zip",
    "QV": "Value_of_Production_E_All_Data_(Normalized).zip",
    "FBS": "FoodBalanceSheets_E_All_Data_(Normalized).zip",
    "FBSH": "FoodBalanceSheetsHistoric_E_All_Data_(Normalized).zip",
    "TCL": "Trade_CropsLivestock_E_All_Data_(Normalized).zip",
    "TM": "Trade_DetailedTradeMatrix_E_All_Data_(Normalized).zip",
    "CP": "ConsumerPriceIndices_E_All_Data_(Normalized).zip",
    "FS": "Food_Security_Data_E_All_Data_(Normalized).zip",
    "OA": "Population_E_All_Data_(Normalized).zip",
}


class UnknownDomain(InputError):
    """A domain code FAOSTAT has no bulk file for."""


def domain_code(domain: str) -> str:
    """The upper-case domain code; :class:`UnknownDomain` when FAOSTAT has no bulk zip."""
    code = domain.strip().upper()
    if code not in BULK_FILES:
        raise UnknownDomain(
            _("unknown FAOSTAT domain %(domain)s; one of %(known)s.")
            % {"domain": repr(domain), "known": ", ".join(BULK_FILES)},
            "domain",
        )
    return code


def bulk_url(domain: str, base_url: str = DEFAULT_BASE_URL) -> str:
    """The bulk zip URL of a domain code (QCL, FBS, TCL, TM, CP, FS, OA, QV, FBSH)."""
    return base_url.rstrip("/") + "/" + urllib.parse.quote(BULK_FILES[domain_code(domain)])


def fetch_domain(
    domain: str,
    directory: Path,
    base_url: str = DEFAULT_BASE_URL,
    sha256: str | None = None,
    progress: Callable[[int, int | None], None] | None = None,
    retries: int = 0,
) -> Download:
    """Download the bulk zip of ``domain`` into ``directory`` (no run recorded)."""
    url = bulk_url(domain, base_url)
    destination = directory / BULK_FILES[domain_code(domain)]
    return download(url, destination, sha256=sha256, kind="zip", progress=progress, retries=retries)


def _stored_rows(analytics_dir: Path, domain: str) -> int:
    from iofs.monitor.faostat import store

    return parquet_rows(store.slice_files(analytics_dir, domain))


def run(
    context: JobContext,
    domain: str,
    ingest: bool = True,
    sha256: str | None = None,
    directory: str | None = None,
    base_url: str | None = None,
    force: bool = False,
) -> dict[str, Any]:
    """Fetch the bulk zip of ``domain`` (and ingest it unless ``ingest`` is false).

    Returns the fetch summary (:func:`iofs.fetching.runs.summary`); raises
    :class:`UnknownDomain` for a bad code and :class:`iofs.fetching.runs.SourcesFailed`
    when the download or the ingest failed.
    """
    settings = context.settings
    code = domain_code(domain)
    url = bulk_url(code, base_url or settings.faostat_bulk_url)
    folder = Path(directory) if directory else downloads_dir(settings, "faostat")
    analytics = settings.analytics_dir

    def ingest_zip(path: Path) -> int:
        if not ingest:
            return 0
        from iofs.monitor.faostat import indicators
        from iofs.monitor.faostat.ingest import IngestError
        from iofs.monitor.faostat.ingest import ingest as ingest_files

        before = _stored_rows(analytics, code)
        try:
            ingest_files([path], analytics, code)
        except IngestError as error:
            raise InputError(str(error), "file") from None
        indicators.build_cache(analytics)
        return _stored_rows(analytics, code) - before

    label = f"FAOSTAT {code}" + ("" if ingest else " (download only)")
    source = Source(
        f"faostat:{code}" + ("" if ingest else ":download"),
        label,
        url,
        folder / BULK_FILES[code],
        "zip",
        sha256,
    )
    options = options_from(settings, force)
    result = fetch_for_job(context, source, ingest_zip, options, f" ({source.destination})")
    return finish([result])


def fetch_faostat_command(
    domain: Annotated[str, typer.Argument(help="QCL, QV, FBS, FBSH, TCL, TM, CP, FS or OA.")],
    directory: Annotated[
        Path | None,
        typer.Option("--dir", help="Where to save (default: <data dir>/downloads/faostat)."),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(help="FAOSTAT bulk-download base URL (default: IOFS_FAOSTAT_BULK_URL)."),
    ] = None,
    sha256: Annotated[str | None, typer.Option(help="Expected SHA-256 of the zip.")] = None,
    then_ingest: Annotated[bool, typer.Option("--ingest", help="Ingest after download.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Download (and ingest) even an unchanged file.")
    ] = False,
) -> None:
    """Download a FAOSTAT bulk zip (resumes an interrupted download; checks size/SHA-256; an
    unchanged file is "not modified"); with --ingest, ingest it."""
    from iofs.fetching.foreground import run_in_foreground

    run_in_foreground(
        run,
        "FAOSTAT",
        domain=domain,
        ingest=then_ingest,
        sha256=sha256,
        directory=str(directory) if directory else None,
        base_url=base_url,
        force=force,
    )
