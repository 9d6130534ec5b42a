"""MCPD V.2.1 dates (ACQDATE 12, COLLDATE 17): ``YYYYMMDD``, an unknown month or day written
``--`` (or ``00``), and the partial dates legacy passport files hold, written as MCPD.

``2004`` → ``2004----``, ``2004-05`` / ``05/2004`` / ``200405`` → ``200405--``, ``2004-05-12``
(or a spreadsheet date, ``2004-05-12 00:00:00``) → ``20040512``. Day-first or month-first
dates such as ``12/05/2004`` are ambiguous and left as they are (the validator then refuses
them with its reason).
"""

from __future__ import annotations

import re
from datetime import date

DATE = re.compile(r"^(\d{4})(\d{2}|--)(\d{2}|--)$")
_PARTIAL = (
    (re.compile(r"^(\d{4})$"), "{0}----"),
    (re.compile(r"^(\d{4})[-/.](\d{1,2})$"), "{0}{1:0>2}--"),
    (re.compile(r"^(\d{1,2})[-/.](\d{4})$"), "{1}{0:0>2}--"),
    (re.compile(r"^(\d{4})(\d{2})$"), "{0}{1}--"),
    (
        re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]00:00(?::00)?)?$"),
        "{0}{1:0>2}{2:0>2}",
    ),
)


def partial_date(value: str) -> str:
    """``value`` written as an MCPD date when it is a year, a year and month or an ISO date
    (see the module's description); anything else unchanged."""
    text = value.strip()
    for pattern, template in _PARTIAL:
        match = pattern.match(text)
        if match is not None:
            return template.format(*match.groups())
    return value


def date_problem(value: str, today: date | None = None) -> str | None:
    """Why ``value`` is not a valid MCPD date (in the future, a month 13, 31 February …), or
    None when it is one."""
    today = today or date.today()
    match = DATE.match(value)
    if match is None:
        return f"{value!r} is not a date YYYYMMDD (unknown month/day as -- or 00)"
    year, month, day = match.groups()
    month_known = month not in {"--", "00"}
    day_known = day not in {"--", "00"}
    if month_known and not 1 <= int(month) <= 12:
        return f"{value!r}: month {month} does not exist"
    if day_known and not month_known:
        return f"{value!r}: a day is given without a month"
    if month_known and day_known:
        try:
            moment = date(int(year), int(month), int(day))
        except ValueError:
            return f"{value!r}: day {day} does not exist in month {month}"
        if moment > today:
            return f"{value!r} is in the future"
    elif int(year) > today.year:
        return f"{value!r} is in the future"
    return None
