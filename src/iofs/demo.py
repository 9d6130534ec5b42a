"""``iofs demo load``: each module contributes its sourced demonstration data.

A module names its loader in its manifest (``Module(demo="pkg.demo:load")``); loaders run in
the order of the module list in one transaction, are idempotent (a second load changes
nothing), and mark every figure that is not from a public source as illustrative, in the data
and on the page.

The analytics modules keep their data in files, not in the database: :func:`load_files` fills
food prices, FAOSTAT statistics and drought either from the real public files of a shared data
folder (``iofs demo load --from-shared PATH``: WFP market prices of Afghanistan and the State
of Palestine, FAOSTAT Food Balances and Food Security indicators, laid out as in
``../shared/data``) or, without one, from small ILLUSTRATIVE samples shipped in the package
(``scripts/make_illustrative_samples.py`` writes them; their names, markets and pages say
"illustrative"). Ingests are idempotent, so a second load changes nothing.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from iofs.config import Settings
from iofs.modules import demo_loaders
from iofs.permissions import Principal

PACKAGE = Path(__file__).resolve().parent
#: The packaged illustrative samples.
ILLUSTRATIVE_PRICES = PACKAGE / "monitor/prices/demo_data/illustrative_wfp_food_prices.csv"
ILLUSTRATIVE_FAOSTAT = PACKAGE / "monitor/faostat/demo_data/illustrative_faostat_food_balances.csv"
ILLUSTRATIVE_DROUGHT = PACKAGE / "monitor/drought/demo_data/illustrative_drought_zonal.csv"
#: Real files of a shared data folder (relative to it), used when present.
SHARED_PRICES = (
    "wfp/country/wfp_food_prices_afg.csv",
    "wfp/country/wfp_food_prices_pse.csv",
)
SHARED_FAOSTAT = (
    "faostat/FAOSTAT_FBS_2010-2022_macro_supply_all_countries.csv",
    "faostat/Food_Security_Data_E_All_Data_Normalized_2019.csv",
)


def load_all(session: Session, principal: Principal) -> list[tuple[str, str]]:
    """Run every module's demo loader; (module, one-line summary) for each."""
    return [(name, load(session, principal)) for name, load in demo_loaders()]


def _existing(shared: Path | None, names: tuple[str, ...]) -> list[Path]:
    if shared is None:
        return []
    return [shared / name for name in names if (shared / name).is_file()]


def load_files(settings: Settings, shared: Path | None = None) -> list[tuple[str, str]]:
    """Fill the file-based modules (prices, FAOSTAT, drought); (module, summary) for each."""
    import pandas as pd

    from iofs.monitor.drought import service as drought
    from iofs.monitor.faostat import ingest as faostat
    from iofs.monitor.prices import ingest as prices

    analytics = settings.analytics_dir
    analytics.mkdir(parents=True, exist_ok=True)
    done: list[tuple[str, str]] = []

    price_files = _existing(shared, SHARED_PRICES)
    kind = "real WFP files" if price_files else "illustrative sample"
    reports = [prices.ingest_file(path, analytics) for path in price_files or [ILLUSTRATIVE_PRICES]]
    done.append(
        (
            "prices",
            f"{sum(r.rows for r in reports):,} prices, {sum(r.series for r in reports)} series "
            f"({kind}: {', '.join(sorted({c for r in reports for c in r.countries}))})",
        )
    )

    faostat_files = _existing(shared, SHARED_FAOSTAT)
    kind = "real FAOSTAT files" if faostat_files else "illustrative sample"
    found = faostat.ingest(faostat_files or [ILLUSTRATIVE_FAOSTAT], analytics)
    done.append(
        ("faostat", f"{sum(r.rows for r in found):,} observations ({kind}: {len(found)} file(s))")
    )

    table = pd.read_csv(ILLUSTRATIVE_DROUGHT, dtype={"month": str})
    total = drought.store_zonal(settings, table)
    done.append(
        (
            "drought",
            f"{len(table)} monthly country rows (illustrative sample, source 'illustrative'); "
            f"{total} in the table",
        )
    )
    return done
