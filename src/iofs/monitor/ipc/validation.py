"""Validate IPC phase rows read by :mod:`iofs.monitor.ipc.layouts` into typed rows.

Every row is checked before anything is written; each bad row gives one :class:`Problem`
(file, line, the file's column name, reason). A value is bad when it cannot be what the IPC
publishes: an ISO 3166-1 alpha-3 country, a month of analysis (``Apr 2023``), a validity
period kind (current, first projection, second projection), ISO 8601 validity dates with
from ≤ to, a phase ``1``–``5``, ``3+`` or ``all``, a whole non-negative number of people and
a share 0–1.

The published files hold, now and then, two analyses of the same place, month and validity
period (e.g. Ethiopia, May 2021: a national analysis and a partial one). Rows are not told
apart by any column, so the n-th repeat of the same country, area, analysis, period and phase
is given ``instance`` n; which of the two a view shows is decided on reading
(:mod:`iofs.monitor.ipc.analyses`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime

from iofs.monitor.ipc.layouts import RawRow

#: Stored analysis kinds, in the order an analysis publishes them.
KINDS = ("current", "projected", "second_projected")
_KIND_WORDS = {
    "current": "current",
    "first projection": "projected",
    "projected": "projected",
    "projection": "projected",
    "second projection": "second_projected",
    "second_projected": "second_projected",
    "second projected": "second_projected",
}
#: Stored phase labels: the five IPC phases, P3+ (phases 3–5) and ``all`` (the population
#: analysed).
PHASE_LABELS = ("1", "2", "3", "4", "5", "P3+", "all")
_PHASE_WORDS = {
    "1": "1",
    "2": "2",
    "3": "3",
    "4": "4",
    "5": "5",
    "3+": "P3+",
    "p3+": "P3+",
    "phase 3+": "P3+",
    "all": "all",
}
_ISO3 = re.compile(r"[A-Z]{3}")
_MONTH_FORMATS = ("%b %Y", "%B %Y", "%Y-%m", "%Y-%m-%d")
#: Share values may carry rounding of the published two decimals.
_SHARE_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Problem:
    """One bad row: file name, line number (1 = header), the file's column, reason."""

    file: str
    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file} line {self.line}: {self.field}: {self.reason}"


@dataclass(frozen=True)
class PhaseRow:
    """One validated figure: people (persons) and share (0–1) of one phase of one analysis.

    ``analysis_date`` is the first day of the month of analysis (None in HAPI files, which do
    not carry it); ``level`` is national, level1 or area; ``phase`` one of
    :data:`PHASE_LABELS`; ``country_population`` the total population of the country (persons)
    when the file gives it.
    ``instance`` numbers repeats of the same figure in one file (module docstring).
    """

    line: int
    instance: int
    country: str
    level: str
    level1: str | None
    area: str | None
    analysis_date: date | None
    kind: str
    period_from: date
    period_to: date
    country_population: int | None
    phase: str
    people: int
    share: float | None

    @property
    def key(self) -> tuple[object, ...]:
        """The figure's country, level, area, analysis month, kind, period and phase."""
        return (
            self.country,
            self.level,
            self.level1,
            self.area,
            self.analysis_date,
            self.kind,
            self.period_from,
            self.period_to,
            self.phase,
        )


class _Bad(ValueError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def _quoted(value: str) -> str:
    return f"{value!r}" if value else "empty"


def _month(text: str, column: str) -> date:
    cleaned = text.strip()
    for pattern in _MONTH_FORMATS:
        try:
            parsed = datetime.strptime(cleaned, pattern).date()
        except ValueError:
            continue
        return parsed.replace(day=1)
    raise _Bad(column, f"{_quoted(cleaned)} is not a month of analysis such as 'Apr 2023'")


def _day(text: str, column: str) -> date:
    cleaned = text.strip()
    try:
        return date.fromisoformat(cleaned)
    except ValueError:
        raise _Bad(column, f"{_quoted(cleaned)} is not a date YYYY-MM-DD") from None


def _people(text: str, column: str, *, required: bool = True) -> int | None:
    cleaned = text.strip().replace(",", "")
    if not cleaned:
        if required:
            raise _Bad(column, "the number of people is empty")
        return None
    try:
        value = float(cleaned)
    except ValueError:
        raise _Bad(column, f"{_quoted(cleaned)} is not a number of people") from None
    if math.isnan(value) or math.isinf(value) or value < 0 or value != int(value):
        raise _Bad(column, f"{_quoted(cleaned)} is not a whole, non-negative number of people")
    return int(value)


def _share(text: str, column: str) -> float | None:
    cleaned = text.strip()
    if not cleaned:
        return None
    try:
        value = float(cleaned)
    except ValueError:
        raise _Bad(column, f"{_quoted(cleaned)} is not a share (0–1)") from None
    if math.isnan(value) or not -_SHARE_TOLERANCE <= value <= 1 + _SHARE_TOLERANCE:
        raise _Bad(column, f"{_quoted(cleaned)} is not a share between 0 and 1")
    return min(max(value, 0.0), 1.0)


def _text(value: str) -> str | None:
    cleaned = " ".join(value.split())
    return cleaned or None


def _row(raw: RawRow) -> PhaseRow:
    values, columns = raw.values, raw.columns
    if "__extra__" in values:
        raise _Bad("row", f"{values['__extra__']} more cell(s) than the header has columns")
    if "__level__" in values:
        raise _Bad(
            columns.get("level", "admin_level"),
            f"{_quoted(values['__level__'])} is not an admin level 0, 1 or 2",
        )

    def column(name: str) -> str:
        return columns.get(name, name)

    country = values["country"].strip().upper()
    if not _ISO3.fullmatch(country):
        raise _Bad(
            column("country"),
            f"{_quoted(values['country'].strip())} is not an ISO 3166-1 alpha-3 country code",
        )
    analysis_date = (
        _month(values["analysis_date"], column("analysis_date"))
        if values["analysis_date"].strip() or "analysis_date" in columns
        else None
    )
    kind = _KIND_WORDS.get(" ".join(values["kind"].lower().split()))
    if kind is None:
        raise _Bad(
            column("kind"),
            f"{_quoted(values['kind'].strip())} is not a validity "
            "period (current, first projection, second projection)",
        )
    period_from = _day(values["period_from"], column("period_from"))
    period_to = _day(values["period_to"], column("period_to"))
    if period_to < period_from:
        raise _Bad(
            column("period_to"),
            f"the validity period ends ({period_to}) before it starts ({period_from})",
        )
    phase = _PHASE_WORDS.get(values["phase"].strip().lower())
    if phase is None:
        raise _Bad(
            column("phase"),
            f"{_quoted(values['phase'].strip())} is not a phase (1, 2, 3, 4, 5, 3+ or all)",
        )
    people = _people(values["people"], column("people"))
    assert people is not None  # required
    share = _share(values["share"], column("share"))
    population = _people(
        values.get("country_population", ""), column("country_population"), required=False
    )
    level1 = _text(values.get("level1", "")) if raw.level != "national" else None
    area = _text(values.get("area", "")) if raw.level == "area" else None
    if raw.level == "area" and area is None:
        raise _Bad(column("area"), "the area is empty")
    return PhaseRow(
        raw.line,
        0,
        country,
        raw.level,
        level1,
        area,
        analysis_date,
        kind,
        period_from,
        period_to,
        population,
        phase,
        people,
        share,
    )


def validate(file: str, raw_rows: Iterable[RawRow]) -> tuple[list[PhaseRow], list[Problem], int]:
    """Validated rows of ``file``, every problem found, and how many rows the source marks
    as excluded (skipped, not stored)."""
    rows: list[PhaseRow] = []
    problems: list[Problem] = []
    repeats: dict[tuple[object, ...], int] = {}
    skipped = 0
    for raw in raw_rows:
        if raw.skip is not None:
            skipped += 1
            continue
        try:
            row = _row(raw)
        except _Bad as bad:
            problems.append(Problem(file, raw.line, bad.field, bad.reason))
            continue
        instance = repeats.get(row.key, 0)
        repeats[row.key] = instance + 1
        rows.append(replace(row, instance=instance) if instance else row)
    return rows, problems, skipped
