"""What every block shares: state names, the 57 codes, history lengths, number parsing."""

from __future__ import annotations

from functools import cache
from typing import Any

from iofs import countries
from iofs.i18n import current_language
from iofs.members import service as members

#: Months of history in the risk and drought blocks.
RISK_MONTHS = 24
DROUGHT_MONTHS = 12
SPI_SCALE = 3


def state_name(iso3: str, language: str | None = None) -> str:
    """A state's name in ``language`` (default: the current one), never a bare code when
    the code is a country."""
    return countries.name(iso3, language or current_language())


@cache
def oic_codes() -> frozenset[str]:
    """ISO3 codes of the 57 OIC states (the members module's packaged reference)."""
    return frozenset(row["iso3"] for row in members.reference_member_states())


def as_float(value: Any) -> float | None:
    """``value`` as a float, None when it is absent, not a number or NaN."""
    try:
        number_value = float(value)
    except (TypeError, ValueError):
        return None
    return number_value if number_value == number_value else None
