"""IPC phase arithmetic: P3+ and P4+ populations, shares, and the area phase (20 % rule).

References:
- IPC Global Partners (2021). *Integrated Food Security Phase Classification Technical
  Manual Version 3.1*. Rome. Acute food insecurity protocols, Function 2 (classify
  severity), Protocol 2.3 "Adhere to analytical parameters": an area is classified in the
  most severe phase that affects at least 20 % of its population, the population in more
  severe phases counting towards it (the "20 % rule").
"""

from __future__ import annotations

from collections.abc import Mapping

#: The five IPC acute food insecurity phases (1 Minimal … 5 Catastrophe/Famine).
PHASES = (1, 2, 3, 4, 5)
PHASE_NAMES = {1: "Minimal", 2: "Stressed", 3: "Crisis", 4: "Emergency", 5: "Catastrophe/Famine"}
#: IPC Manual 3.1 area classification threshold: share (0–1) of the area's people.
AREA_RULE_SHARE = 0.20


def at_or_above(people: Mapping[int, int], phase: int) -> int:
    """People (persons) in ``phase`` or a more severe phase; ``people`` maps phase 1–5 to
    persons (missing phases count as none)."""
    return sum(people.get(p, 0) for p in PHASES if p >= phase)


def share(part: int | None, whole: int | None) -> float | None:
    """``part / whole`` as a share 0–1, or None when either is unknown or ``whole`` is 0."""
    if part is None or not whole:
        return None
    return part / whole


def area_phase(people: Mapping[int, int], population: int | None = None) -> int | None:
    """The IPC area phase (1–5) by the 20 % rule of IPC Manual 3.1, or None without data.

    The most severe phase such that at least 20 % of the area's people are in it or in a
    more severe phase. ``people`` maps phase 1–5 to persons; ``population`` is the population
    analysed (persons), by default the sum of the phases. From population figures alone: a
    Famine (Phase 5) area classification also needs the manual's acute malnutrition and
    mortality thresholds, which these files do not carry, so a 5 here means "at least 20 % in
    Phase 5", as the published population tables show it.
    """
    total = population if population else sum(people.get(p, 0) for p in PHASES)
    if not total:
        return None
    for phase in reversed(PHASES):
        if at_or_above(people, phase) >= AREA_RULE_SHARE * total:
            return phase
    return None
