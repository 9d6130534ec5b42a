"""Input checks shared by the services; each error names its field (InputError.field)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from iofs.errors import InputError
from iofs.i18n import gettext as _

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
FIRST_YEAR, LAST_YEAR = 1990, 2100
MAX_VALUE = Decimal("1e15")
#: Largest record id (the databases' 32-bit INTEGER keys): a larger number is refused as
#: input instead of reaching the database driver, which cannot bind it (SQLite: OverflowError).
MAX_RECORD_ID = 2_147_483_647


def text(value: str | None, field: str, limit: int, *, required: bool = False) -> str:
    """``value`` stripped; required/length checked."""
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise InputError(_("This field is required."), field)
    if len(cleaned) > limit:
        raise InputError(_("At most %(limit)d characters.") % {"limit": limit}, field)
    return cleaned


def code(value: str | None, field: str = "code") -> str:
    """A short identifier: letters, digits, dot, dash, underscore (1–32)."""
    cleaned = (value or "").strip()
    if not CODE.match(cleaned):
        raise InputError(_("Use 1 to 32 letters, digits, dots, dashes or underscores."), field)
    return cleaned


def choice(value: str | None, field: str, allowed: tuple[str, ...]) -> str:
    """``value`` if it is one of ``allowed``."""
    cleaned = (value or "").strip()
    if cleaned not in allowed:
        raise InputError(_("Choose one of: %(choices)s.") % {"choices": ", ".join(allowed)}, field)
    return cleaned


def year(value: int | str | None, field: str = "year") -> int:
    """A calendar year between 1990 and 2100."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise InputError(_("Enter a year."), field) from None
    if not FIRST_YEAR <= number <= LAST_YEAR:
        raise InputError(
            _("The year must be between %(first)d and %(last)d.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR},
            field,
        )
    return number


def number(
    value: str | Decimal | int | float | None, field: str = "value", *, negative: bool = True
) -> Decimal:
    """An exact decimal with 4 places, |value| < 10^15."""
    try:
        parsed = Decimal(str(value).strip().replace(",", "")) if value is not None else None
    except InvalidOperation:
        parsed = None
    if parsed is None or not parsed.is_finite():
        raise InputError(_("The value must be a number."), field)
    if abs(parsed) >= MAX_VALUE or (not negative and parsed < 0):
        raise InputError(_("The value is out of range."), field)
    return parsed.quantize(Decimal("0.0001"))


def url(value: str | None, field: str = "evidence_url") -> str:
    """An http(s) link, or empty."""
    cleaned = text(value, field, 500)
    if cleaned and not re.match(r"^https?://[^\s/$.?#][^\s]*$", cleaned, re.IGNORECASE):
        raise InputError(_("Enter a link starting with http:// or https://."), field)
    return cleaned


def iso_date(value: str | date | None, field: str, *, required: bool = False) -> date | None:
    """An ISO 8601 date (YYYY-MM-DD), or None when blank and not required."""
    if isinstance(value, date):
        return value
    cleaned = (value or "").strip()
    if not cleaned:
        if required:
            raise InputError(_("This field is required."), field)
        return None
    try:
        parsed = date.fromisoformat(cleaned)
    except ValueError:
        raise InputError(_("Enter a date as YYYY-MM-DD."), field) from None
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        raise InputError(
            _("The year must be between %(first)d and %(last)d.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR},
            field,
        )
    return parsed


def country(value: str | None, field: str = "country") -> str | None:
    """An ISO 3166-1 alpha-3 code (any country), upper case, or None."""
    cleaned = (value or "").strip().upper()
    if not cleaned:
        return None
    if not re.match(r"^[A-Z]{3}$", cleaned):
        raise InputError(_("Enter an ISO 3166-1 alpha-3 code (three letters)."), field)
    return cleaned
