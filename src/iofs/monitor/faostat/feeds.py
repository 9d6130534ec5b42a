"""KPI feed of the FAOSTAT indicators, read from the analytics store of the installation.

The feed reads the store of the configured installation (``IOFS_DATA_DIR``) inside the feed
function, so importing this module costs nothing (the definitions it names its feed from are
plain data) and a store with no data answers ``None`` ("no value for this year") rather than
failing.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from iofs.config import analytics_dir
from iofs.feeds import register_feed
from iofs.monitor.faostat.definitions import INDICATORS

CEREAL_IMPORT_DEPENDENCY = INDICATORS["cereal_import_dependency_ratio"]


def cereal_import_dependency_ratio(
    _session: Session, iso3: str | None, year: int
) -> Decimal | None:
    """FAO cereal import dependency ratio (percent, 3-year average) of a state or the OIC."""
    from iofs.monitor.faostat import service

    try:
        rows = service.area_rows(
            analytics_dir(), iso3 or "OIC", year, CEREAL_IMPORT_DEPENDENCY.identifier
        )
    except (LookupError, ValueError, OSError):
        return None
    values = [r.value for r in rows if r.value is not None and r.source == "computed"]
    return Decimal(str(round(float(values[0]), 2))) if values else None


register_feed(
    f"faostat.{CEREAL_IMPORT_DEPENDENCY.identifier}",
    CEREAL_IMPORT_DEPENDENCY.label,
    CEREAL_IMPORT_DEPENDENCY.unit,
    cereal_import_dependency_ratio,
)
