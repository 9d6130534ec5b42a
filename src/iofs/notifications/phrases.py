"""One sentence, written twice: as plain text and as HTML with its figures isolated.

A digest is multipart (text and HTML). Each item's sentence is a translated template with
named values; numbers, dates and months go through :mod:`iofs.http.formatting` (Babel, the
reader's language), plain in the text part and wrapped in ``<bdi>`` in the HTML part so that
an Arabic sentence keeps a figure's sign and order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

from iofs.http import formatting


@dataclass(frozen=True)
class Num:
    """A number to write with ``digits`` decimals (None: as many as needed, up to 3)."""

    value: int | float | Decimal | None
    digits: int | None = None


@dataclass(frozen=True)
class Day:
    """A date to write in the reader's language."""

    value: dt.date


@dataclass(frozen=True)
class Month:
    """A month (``YYYY-MM``) to write in the reader's language."""

    value: str


Value = str | Num | Day | Month


def _render(value: Value, isolate: bool) -> str | Markup:
    if isinstance(value, Num):
        return formatting.number(value.value, value.digits, isolate=isolate)
    if isinstance(value, Day):
        return formatting.date(value.value, isolate=isolate)
    if isinstance(value, Month):
        return formatting.month(value.value, isolate=isolate)
    # a name (a market, a commodity, an agreement) keeps its own direction inside the sentence
    return Markup("<bdi>%s</bdi>") % value if isolate and value else value


@dataclass(frozen=True)
class Phrase:
    """A sentence as text (for the text part and the log) and as HTML."""

    text: str
    html: Markup


def phrase(template: str, **values: Value) -> Phrase:
    """``template`` (already translated, ``%(name)s`` placeholders) filled with ``values``."""
    text = template % {name: _render(v, isolate=False) for name, v in values.items()}
    html = escape(template) % {name: _render(v, isolate=True) for name, v in values.items()}
    return Phrase(text, html)
