"""KPI feed of the food-price monitor, read from the analytics store of the installation.

The feed reads the store of the configured installation (``IOFS_DATA_DIR``) inside the feed
function, so importing this module costs nothing and a store with no data answers ``None``.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from iofs.config import analytics_dir
from iofs.feeds import register_feed
from iofs.i18n import N_


def ipa_alert_share(_session: Session, iso3: str | None, year: int) -> Decimal | None:
    """Share (percent) of a state's price series in GIEWS IPA watch or alert, in the state's
    latest month with prices in ``year`` (all states together when ``iso3`` is None)."""
    from iofs.monitor.prices import service

    try:
        result = service.oic_only(service.signals(analytics_dir()))
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


register_feed(
    "prices.ipa_alert_share",
    N_("Share of food-price series in IPA watch or alert"),
    "%",
    ipa_alert_share,
)
