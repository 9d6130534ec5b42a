"""``prices.fetch``: WFP food prices of each state from HDX, through the price ingest.

WFP publishes one HDX dataset per country, named ``wfp-food-prices-for-<country>`` (the
country's UN name in HDX's slug form, :func:`iofs.fetching.hdx.slug`), whose CSV resource is
``wfp_food_prices_<iso3>.csv`` (the HDX layout with its HXL row, which
:func:`iofs.monitor.prices.ingest.ingest_file` reads). A state without such a dataset is
reported as missing, not as a failure. Each state is its own source (``prices:AFG``): a run
killed halfway leaves the states already done recorded with their validators, so the rerun
asks only for changed files and resumes the interrupted one (HTTP Range).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from iofs.errors import InputError
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

#: The HDX dataset of a country's WFP food prices; ``{slug}`` is the country's name slug.
DATASET = "wfp-food-prices-for-{slug}"
#: The price file of a country in that dataset.
FILE_NAME = "wfp_food_prices_{iso3}.csv"


def dataset_name(iso3: str) -> str:
    """The HDX dataset name of a state's WFP food prices (``wfp-food-prices-for-afghanistan``)."""
    from iofs import countries
    from iofs.members.service import reference_member_states

    names = {row["iso3"]: row["name_en"] for row in reference_member_states()}
    name = names.get(iso3) or countries.name(iso3, "en")
    return DATASET.format(slug=hdx.slug(name))


def states(codes: Sequence[str] | None) -> list[str]:
    """The states to fetch: ``codes`` checked (ISO3; :class:`InputError` naming an unknown
    one), or the 57 OIC states in code order."""
    from iofs import countries
    from iofs.members.service import oic_iso3

    if not codes:
        return sorted(oic_iso3())
    chosen: list[str] = []
    for raw in codes:
        code = raw.strip().upper()
        if not countries.is_iso3(code):
            raise InputError(
                _("--country %(value)s is not an ISO 3166-1 alpha-3 country code (e.g. AFG).")
                % {"value": repr(raw)},
                "country",
            )
        if code not in chosen:
            chosen.append(code)
    return chosen


def _no_dataset(label: str, dataset: str, file_name: str) -> str:
    return _("%(source)s: HDX has no %(dataset)s dataset with %(file)s.") % {
        "source": label,
        "dataset": dataset,
        "file": file_name,
    }


def _stored_rows(analytics_dir: Path) -> int:
    from iofs.monitor.prices.ingest import slice_files

    return parquet_rows(slice_files(analytics_dir))


def run(
    context: JobContext, countries: list[str] | None = None, force: bool = False
) -> dict[str, Any]:
    """Fetch and ingest the WFP prices of ``countries`` (default: the 57 OIC states).

    Returns the fetch summary (:func:`iofs.fetching.runs.summary`: each state's run, counts,
    rows added, ``missing`` states without a dataset); raises
    :class:`iofs.fetching.runs.SourcesFailed` after recording every state when one failed,
    :class:`InputError` for an unknown country.
    """
    from iofs.monitor.prices import ingest

    settings = context.settings
    chosen = states(countries)
    options = options_from(settings, force)
    analytics = settings.analytics_dir
    folder = downloads_dir(settings, "prices")
    results: list[RunResult] = []
    missing: list[str] = []

    def ingest_file(path: Path) -> int:
        before = _stored_rows(analytics)
        ingest.ingest_file(path, analytics)
        return _stored_rows(analytics) - before

    for iso3 in chosen:
        label = f"WFP prices {iso3}"
        dataset = dataset_name(iso3)
        file_name = FILE_NAME.format(iso3=iso3.lower())
        source_name = f"prices:{iso3}"
        try:
            found = hdx.resources(
                settings.fetch_hdx_url,
                dataset,
                timeout=options.timeout,
                retries=options.retries,
                backoff=options.backoff,
            )
        except FetchError as error:
            failed = Source(source_name, label, error.url, folder / file_name, "csv")
            results.append(
                record_failure(context.session_factory, failed, str(error), context.job_id)
            )
            context.log(f"{label}: {error}")
            continue
        resource = hdx.find(found, file_name) if found is not None else None
        if resource is None:
            missing.append(iso3)
            context.log(_no_dataset(label, dataset, file_name))
            continue
        source = Source(source_name, label, resource.url, folder / file_name, "csv")
        results.append(fetch_for_job(context, source, ingest_file, options))
    return finish(results, missing)


def fetch_prices_command(
    country: Annotated[
        list[str] | None,
        typer.Option(
            "--country", help="ISO3 of a state to fetch (repeatable; default: the 57 OIC states)."
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Download and ingest even files unchanged on HDX.")
    ] = False,
) -> None:
    """Fetch WFP food prices from HDX (one dataset per state) and ingest them; resumable,
    idempotent (an unchanged file is "not modified", 0 rows)."""
    from iofs.fetching.foreground import run_in_foreground

    run_in_foreground(run, "WFP food prices (HDX)", countries=country, force=force)
