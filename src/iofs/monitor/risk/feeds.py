"""KPI feed of the risk module for the Strategic Vision module: ``risk.states_high_risk``.

Reads the stored index of the configured installation inside the feed function, so importing
this module costs nothing; an installation without risk inputs answers None.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from iofs.config import get_settings
from iofs.feeds import register_feed
from iofs.i18n import N_


def states_high_risk(_session: Session, iso3: str | None, year: int) -> Decimal | None:
    """Number of OIC states in class High or Very High in the latest month of ``year`` with
    an index (for one state, ``iso3``: 1 when it is, 0 when it is not); None without data."""
    from iofs.monitor.risk import index, views
    from iofs.monitor.risk.tree import load_tree

    tree = load_tree(index.DEFAULT_TREE)
    stored = index.current(get_settings(), tree)
    if stored is None:
        return None
    in_year = [m for m in views.months(stored) if m.startswith(f"{year}-")]
    for month in in_year:  # newest first
        ranking = [
            r for r in views.ranking(stored, tree, month) if iso3 is None or r.iso3 == iso3.upper()
        ]
        if any(r.value is not None for r in ranking):
            return Decimal(sum(1 for r in ranking if r.risk_class in views.HIGH_CLASSES))
    return None


register_feed(
    "risk.states_high_risk",
    N_("OIC states at high food-security risk (IOFS index class High or Very High)"),
    "states",
    states_high_risk,
)
