"""KPI feeds from the monitor modules (FAOSTAT indicators, food-price signals).

Each feed reads the analytics store of the configured installation (``IOFS_DATA_DIR``) lazily,
inside the feed function, so importing this module costs nothing and a store with no data
answers ``None`` ("no value for this year") rather than failing.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from iofs.strategy.feeds import register_feed
from iofs.i18n import N_


def _analytics_dir() -> Path:
    from iofs.config import get_settings

    return get_settings().analytics_dir


def cereal_import_dependency_ratio(_session: Session, iso3: str | None,
                                   year: int) -> Decimal | None:
    """FAO cereal import dependency ratio (percent, 3-year average) of a state or the OIC."""
    from iofs.monitor.faostat import service

    try:
        rows = service.area_rows(_analytics_dir(), iso3 or "OIC", year,
                                 "cereal_import_dependency_ratio")
    except (LookupError, ValueError, OSError):
        return None
    values = [r.value for r in rows if r.value is not None and r.source == "computed"]
    return Decimal(str(round(float(values[0]), 2))) if values else None


def ipa_alert_share(_session: Session, iso3: str | None, year: int) -> Decimal | None:
    """Share (percent) of a state's price series in GIEWS IPA watch or alert, in the state's
    latest month with prices in ``year`` (all states together when ``iso3`` is None)."""
    from iofs.monitor.prices import service

    try:
        result = service.signals(_analytics_dir())
    except service.NoPriceData:
        return None
    table = result.table
    rows = table[table["month"].str.startswith(f"{year}-")]
    if iso3:
        rows = rows[rows["country"] == iso3.upper()]
    if rows.empty:
        return None
    latest = rows[rows["month"] == rows["month"].max()]
    share = 100 * latest["ipa_class"].isin(["watch", "alert"]).sum() / len(latest)
    return Decimal(str(round(float(share), 2)))


register_feed("faostat.cereal_import_dependency_ratio",
              N_("Cereal import dependency ratio (FAO, 3-year average)"), "%",
              cereal_import_dependency_ratio)
register_feed("prices.ipa_alert_share",
              N_("Share of food-price series in IPA watch or alert"), "%", ipa_alert_share)
