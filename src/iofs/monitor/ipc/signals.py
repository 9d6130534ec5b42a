"""Food insecurity signals, as HDX Signals defines them for IPC / CH analyses.

Reference: OCHA Centre for Humanitarian Data, *HDX Signals* methodology, "Food insecurity"
(github.com/OCHA-DAP/hdx-signals, docs/datasets/food-insecurity): a signal when a new
analysis shows more people in phase 3 or worse than the previous one, provided the
situation is severe enough — at least 20 % of the population in phase 3+ (the IPC 20 %
rule) or at least 5 % in phase 4+; any population in phase 5 is a signal by itself,
whether or not it rose. Only comparable analyses are compared: the population analysed of
the two differs by less than 10 %.

Here an analysis is compared with the previous analysis of the same kind (current with the
previous current, a projection with the previous projection) for the same country or area.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from iofs.monitor.ipc.analyses import Analysis

#: Share (0–1) of the population analysed in phase 3+ that makes a rise a signal.
P3_PLUS_THRESHOLD = 0.20
#: Share (0–1) of the population analysed in phase 4+ that makes a rise a signal.
P4_PLUS_THRESHOLD = 0.05
#: Largest relative difference (0–1) of population analysed between comparable analyses.
COMPARABLE_POPULATION = 0.10


@dataclass(frozen=True)
class Signal:
    """A worsening found in ``analysis`` against ``previous`` (None: none on record).

    ``criteria`` lists what was met, most severe first: ``phase 5``, ``P4+``, ``P3+``;
    ``reason`` is one sentence saying why, with the people (persons) and shares (percent).
    """

    analysis: Analysis
    previous: Analysis | None
    criteria: tuple[str, ...]
    reason: str

    def record(self) -> dict[str, Any]:
        """Plain data (JSON-ready): the analysis's fields plus criteria and reason."""
        current = self.analysis
        return {
            "country": current.country,
            "level": current.level,
            "level1": current.level1,
            "area": current.area,
            "analysis_date": (
                current.analysis_date.isoformat()[:7] if current.analysis_date else None
            ),
            "kind": current.kind,
            "period_from": current.period_from.isoformat(),
            "period_to": current.period_to.isoformat(),
            "phase_p3_plus_people": current.p3_plus_people,
            "phase_p3_plus_share": _rounded(current.p3_plus_share),
            "phase_p4_plus_people": current.people_in("P4+"),
            "phase_p4_plus_share": _rounded(current.share("P4+")),
            "phase_5_people": current.people_in("5"),
            "previous_analysis_date": (
                self.previous.analysis_date.isoformat()[:7]
                if self.previous and self.previous.analysis_date
                else None
            ),
            "criteria": ", ".join(self.criteria),
            "reason": self.reason,
        }

    @property
    def month(self) -> date:
        """Month of the analysis (its validity start for HAPI rows without one)."""
        return (self.analysis.analysis_date or self.analysis.period_from).replace(day=1)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def comparable(analysis: Analysis, previous: Analysis) -> bool:
    """Whether the population analysed of the two differs by less than 10 % (HDX Signals'
    check against partial analyses)."""
    now, before = analysis.population_analysed, previous.population_analysed
    if not now or not before:
        return False
    return abs(now - before) / before < COMPARABLE_POPULATION


def _percent(share: float | None) -> str:
    return "?" if share is None else f"{share * 100:.0f} %"


def evaluate(analysis: Analysis, previous: Analysis | None) -> Signal | None:
    """The signal of ``analysis`` against the ``previous`` one of its kind and place, or
    None."""
    criteria: list[str] = []
    clauses: list[str] = []
    phase5 = analysis.people_in("5") or 0
    if phase5 > 0:
        criteria.append("phase 5")
        before = previous.people_in("5") if previous is not None else None
        if previous is None:
            clauses.append(
                f"{phase5:,} people in phase 5, in the first analysis of its kind on record"
            )
        elif not before:
            clauses.append(f"{phase5:,} people in phase 5 where {previous.label()} had none")
        else:
            clauses.append(f"{phase5:,} people in phase 5 ({previous.label()} had {before:,})")
    if previous is not None and comparable(analysis, previous):
        for name, threshold, words in (
            ("P4+", P4_PLUS_THRESHOLD, "phase 4 or worse"),
            ("P3+", P3_PLUS_THRESHOLD, "phase 3 or worse"),
        ):
            now, before = analysis.people_in(name), previous.people_in(name)
            share = analysis.share(name)
            if now is None or before is None or share is None or share < threshold or now <= before:
                continue
            criteria.append(name)
            lead = "and " if clauses else ""
            where = f" in {previous.label()}" if not clauses else ""
            clauses.append(
                f"{lead}{now:,} people ({_percent(share)}) in {words}, up from {before:,}{where}"
            )
    if not criteria:
        return None
    reason = ", ".join(clauses)
    return Signal(analysis, previous, tuple(criteria), reason[0].upper() + reason[1:] + ".")


def detect(analyses: Iterable[Analysis]) -> list[Signal]:
    """Signals of every analysis against the previous of its kind at the same place;
    ``analyses`` in any order."""
    series: dict[tuple[Any, ...], list[Analysis]] = {}
    for analysis in analyses:
        series.setdefault((*analysis.place, analysis.kind), []).append(analysis)
    found: list[Signal] = []
    for members in series.values():
        members.sort(key=lambda a: a.ordering)
        previous: Analysis | None = None
        for analysis in members:
            signal = evaluate(analysis, previous)
            if signal is not None:
                found.append(signal)
            previous = analysis
    return found
