"""Numbers, percentages, amounts and dates written as the page's language writes them.

Jinja filters registered in :func:`iofs.http.templating.environment`: ``number``,
``percent``, ``money``, ``usd``, ``date``, ``datetime``, ``month`` and ``code``. They format
through Babel (CLDR) for the current request language (:func:`iofs.i18n.current_language`):

- English: ``40,000`` and ``13,200.00``;
- French: ``40 000`` and ``13 200,00`` (Babel writes the group separator as a narrow no-break
  space, U+202F, and the percent sign after a no-break space: ``12,5 %``);
- Arabic: **one choice, applied everywhere** — Babel's ``ar`` locale with its default Latin
  digits (``latn`` numbering system, as most OIC Arabic-language sites and the FAO/WFP Arabic
  pages write figures): ``40,000``, ``13,200.00``, ``-2.79``. Month names are Arabic
  (``نوفمبر 2024``).

Every value comes back isolated from the surrounding text as ``<bdi>`` Markup (HTML's
bidirectional isolate), numbers with ``dir="ltr"`` so that in a right-to-left Arabic sentence a
negative number still reads with its sign before the digits (``-2.79``, never ``2.79-``) and a
range or a unit keeps its order. Inside an HTML attribute pass ``isolate=False`` (plain text).

Reference: Unicode CLDR number and date patterns (https://cldr.unicode.org/), Babel
``babel.numbers.format_decimal`` / ``babel.dates.format_date``; W3C, "Inline markup and
bidirectional text in HTML" (https://www.w3.org/International/articles/inline-bidi-markup/).
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import NumberPattern, parse_pattern
from markupsafe import Markup, escape

from iofs import i18n

#: Shown for a missing value.
MISSING = "—"
#: Babel locale of each interface language (see the module docstring for the Arabic choice).
BABEL_LOCALES = {"en": "en", "fr": "fr", "ar": "ar"}
#: Date pattern per language: CLDR "medium" for English and French; Arabic spells the month.
DATE_FORMATS = {"en": "medium", "fr": "medium", "ar": "d MMMM y"}

Number = int | float | Decimal


def babel_locale(language: str | None = None) -> Locale:
    """The Babel locale of ``language`` (default: the current request's)."""
    return _locale(BABEL_LOCALES.get(language or i18n.current_language(), "en"))


@lru_cache(maxsize=8)
def _locale(name: str) -> Locale:
    return Locale.parse(name)


@lru_cache(maxsize=64)
def _pattern(locale_name: str, kind: str, digits: int | None, max_digits: int = 3) -> NumberPattern:
    """The locale's decimal or percent pattern with exactly ``digits`` decimals.

    Without ``digits``, a decimal pattern writes up to ``max_digits`` decimals.
    """
    locale = _locale(locale_name)
    formats = locale.decimal_formats if kind == "decimal" else locale.percent_formats
    pattern = copy.copy(parse_pattern(formats[None]))
    if digits is not None:
        pattern.frac_prec = (digits, digits)
    elif kind == "decimal":
        pattern.frac_prec = (0, max_digits)
    return pattern


def _isolated(text: str, isolate: bool, direction: str | None = "ltr") -> Markup | str:
    if not isolate:
        return text
    attribute = f' dir="{direction}"' if direction else ""
    return Markup(f"<bdi{attribute}>{escape(text)}</bdi>")  # noqa: S704 - text escaped


def format_number(
    value: Number, digits: int | None = None, language: str | None = None, max_digits: int = 3
) -> str:
    """``value`` with the language's grouping and decimal signs; ``digits`` fixed decimals.

    Without ``digits`` at most ``max_digits`` decimals are written (CLDR's default: 3).
    """
    locale = babel_locale(language)
    pattern = _pattern(str(locale), "decimal", digits, max_digits)
    return str(pattern.apply(value, locale))


def number(
    value: Number | None,
    digits: int | None = None,
    isolate: bool = True,
    max_digits: int = 3,
    unit: str = "",
) -> Markup | str:
    """Jinja filter ``number``: ``{{ x|number(2) }}`` → ``13 200,00`` in French, isolated.

    ``unit`` (``t``, ``USD``, ``°C``) is written after a no-break space inside the same isolate,
    so that in an Arabic sentence "800 t" stays one unit and never joins a neighbouring code.
    """
    if value is None:
        return MISSING
    text = format_number(value, digits, max_digits=max_digits)
    return _isolated(f"{text}\u00a0{unit}" if unit else text, isolate)


def percent(value: Number | None, digits: int = 1, isolate: bool = True) -> Markup | str:
    """Jinja filter ``percent``: ``value`` is a percentage (0–100), written with the sign.

    ``{{ 12.5|percent }}`` → ``12.5%`` (en), ``12,5 %`` (fr), ``12.5%`` (ar).
    """
    if value is None:
        return MISSING
    locale = babel_locale()
    text = _pattern(str(locale), "percent", digits).apply(Decimal(str(value)) / 100, locale)
    return _isolated(text, isolate)


def money(
    value: Number | None, currency: str | None = None, digits: int = 2, isolate: bool = True
) -> Markup | str:
    """Jinja filter ``money``: an amount with fixed decimals and its ISO 4217 code after it."""
    if value is None:
        return MISSING
    text = format_number(value, digits)
    if currency:
        text = f"{text}\u00a0{currency}"
    return _isolated(text, isolate)


def usd(value: Number | None, digits: int = 2, isolate: bool = True) -> Markup | str:
    """Jinja filter ``usd``: ``money(value, "USD")``."""
    return money(value, "USD", digits, isolate)


def _as_date(value: dt.date | dt.datetime | str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def date(value: dt.date | dt.datetime | str | None, isolate: bool = True) -> Markup | str:
    """Jinja filter ``date``: ``1 nov. 2024`` (fr), ``Nov 1, 2024`` (en), ``1 نوفمبر 2024`` (ar)."""
    if value is None or value == "":
        return MISSING
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", value):
        # A partial date as recorded ("2013-12", "2013"): a month as a month, else as written.
        if re.fullmatch(r"\d{4}-\d{2}", value):
            return month(value, isolate)
        return _isolated(value, isolate)
    language = i18n.current_language()
    text = format_date(
        _as_date(value), DATE_FORMATS.get(language, "medium"), locale=babel_locale(language)
    )
    return _isolated(text, isolate, direction=None)


def datetime(value: dt.datetime | None, isolate: bool = True) -> Markup | str:
    """Jinja filter ``datetime``: the ``date``, then the 24-hour time (as stored, UTC)."""
    if value is None:
        return MISSING
    text = f"{date(value, isolate=False)} {value:%H:%M:%S}"
    return _isolated(text, isolate, direction=None)


def month(value: dt.date | str | None, isolate: bool = True) -> Markup | str:
    """Jinja filter ``month``: ``"2024-11"`` (or a date) → ``novembre 2024`` / ``نوفمبر 2024``."""
    if value is None or value == "":
        return MISSING
    if isinstance(value, dt.date):
        first = value.replace(day=1)
    else:
        year, _, month_number = str(value).partition("-")
        first = dt.date(int(year), int(month_number[:2] or 1), 1)
    text = format_date(first, "LLLL y", locale=babel_locale())
    return _isolated(text, isolate, direction=None)


def code(value: Any) -> Markup | str:
    """Jinja filter ``code``: an identifier (ISO3, lot code, unit) isolated left-to-right."""
    if value is None or value == "":
        return ""
    return _isolated(str(value), True)


FILTERS = {
    "number": number,
    "percent": percent,
    "money": money,
    "usd": usd,
    "date": date,
    "datetime": datetime,
    "month": month,
    "code": code,
}
