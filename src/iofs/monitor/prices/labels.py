"""What a person reads for the price signals' codes: IPA/ALPS classes and ALPS eligibility.

The signals keep English codes (``watch``, ``alert``; the ALPS reason sentences of
:mod:`iofs.monitor.prices.anomalies`, also returned by the API); pages show these translated.
"""

from __future__ import annotations

import re

from iofs.i18n import N_
from iofs.i18n import gettext as _

CLASS_LABELS = {
    "normal": N_("normal"),
    "watch": N_("watch"),
    "alert": N_("alert"),
    "low": N_("abnormally low"),
    "stress": N_("stress"),
    "crisis": N_("crisis"),
}
#: The ALPS eligibility reasons of anomalies.alps (English) → translated sentence.
_REASONS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"no prices"), N_("no prices")),
    (
        re.compile(r"(?P<span>\d+) months of data \(needs (?P<needed>\d+)\)"),
        N_("%(span)s months of data (needs %(needed)s)"),
    ),
    (
        re.compile(r"(?P<share>\d+)% of months observed \(needs (?P<needed>\d+)%\)"),
        N_("%(share)s %% of months observed (needs %(needed)s %%)"),
    ),
    (
        re.compile(r"no price in the last (?P<months>\d+) months"),
        N_("the series' last price is older than the data's last %(months)s months"),
    ),
    (re.compile(r"prices do not vary"), N_("prices do not vary")),
]


def class_label(code: str | None) -> str:
    """The translated name of an IPA or ALPS class (empty for none)."""
    if not code:
        return ""
    return _(CLASS_LABELS[code]) if code in CLASS_LABELS else code


def alps_reason(text: str | None) -> str:
    """Why ALPS is not computed for a series, translated (unknown texts unchanged)."""
    if not text:
        return ""
    for pattern, message in _REASONS:
        found = pattern.fullmatch(text)
        if found:
            return _(message) % found.groupdict() if found.groupdict() else _(message)
    return text
