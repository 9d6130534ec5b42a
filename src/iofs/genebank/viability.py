"""Seed viability: germination-test tolerances and the Ellis & Roberts viability equation.

- Ellis, R.H. & Roberts, E.H. (1980) Improved equations for the prediction of seed longevity.
  *Annals of Botany* 45: 13–30:  ``v = Ki − p / σ`` with
  ``log10 σ = KE − CW·log10 m − CH·t − CQ·t²``; ``v`` viability in probits (normal equivalent
  deviates), ``p`` storage period in days, ``σ`` days per probit, ``m`` moisture content in %
  fresh-weight basis, ``t`` temperature in °C. Species constants: Hong, Ellis & Roberts (1996)
  IPGRI Handbook for Genebanks No. 4, and later papers (loaded with ``iofs genebank
  constants import``).
- FAO (2014) Genebank Standards for Plant Genetic Resources for Food and Agriculture, 4.2–4.4:
  initial germination should exceed 85 %; viability is monitored at one third of the time
  predicted for viability to fall to 85 % of initial, at most 40 years; regenerate when
  viability falls below 85 % of initial or stock falls below three sowings.
- ISTA International Rules for Seed Testing, Table 5B: maximum tolerated range between four
  replicates of 100 seeds (two-way test at 2.5 %).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from scipy.stats import norm, studentized_range

DAYS_PER_YEAR = 365.25
#: FAO Genebank Standards 4.2: minimum initial germination of a lot (percent).
INITIAL_VIABILITY_STANDARD = 85.0
#: Regenerate when viability falls below this fraction of the initial viability.
REGENERATION_FRACTION = 0.85
#: Standard 4.4: longest interval between viability tests (years).
MAX_TEST_INTERVAL_YEARS = {"base": 40.0, "active": 10.0}
#: Lowest and highest percentages used in probit arithmetic (probit of 0/100 is infinite).
PROBIT_CLIP = (0.5, 99.5)

#: ISTA Rules Table 5B: (lowest, highest average germination %, maximum range) for four
#: replicates of 100 seeds; symmetrical about 50 %.
ISTA_TABLE_5B: tuple[tuple[int, int, int], ...] = (
    (99, 99, 5),
    (98, 98, 6),
    (97, 97, 7),
    (96, 96, 8),
    (95, 95, 9),
    (93, 94, 10),
    (91, 92, 11),
    (89, 90, 12),
    (87, 88, 13),
    (84, 86, 14),
    (81, 83, 15),
    (78, 80, 16),
    (73, 77, 17),
    (67, 72, 18),
    (56, 66, 19),
    (51, 55, 20),
    (50, 50, 20),
)


@dataclass(frozen=True)
class SpeciesConstants:
    """Ellis & Roberts constants of one species (dimensionless; t in °C, m in %)."""

    species: str
    ke: float
    cw: float
    ch: float
    cq: float
    single_temperature: bool = False
    reference: str = ""


#: Constants of IOFS priority crops, as published (used when none are imported).
BUILT_IN_CONSTANTS: dict[str, SpeciesConstants] = {
    c.species: c
    for c in (
        SpeciesConstants(
            "Triticum aestivum", 9.043, 5.183, 0.0351, 0.000475, False, "Ellis et al., 2007"
        ),
        SpeciesConstants(
            "Hordeum vulgare",
            9.144,
            5.342,
            0.0329,
            0.000478,
            False,
            "Ellis & Roberts, 1980a; Dickie et al., 1990",
        ),
        SpeciesConstants(
            "Oryza sativa", 8.242, 4.345, 0.0307, 0.000501, False, "Ellis et al., 2007"
        ),
        SpeciesConstants("Zea mays", 10.562, 6.366, 0.0332, 0.000577, False, "Ellis et al., 2007"),
        SpeciesConstants(
            "Sorghum bicolor", 9.472, 5.426, 0.0324, 0.000478, False, "Ellis et al., 2007"
        ),
        SpeciesConstants(
            "Pennisetum glaucum", 8.442, 5.035, 0.0250, 0.000443, False, "Ellis et al., 2007"
        ),
        SpeciesConstants(
            "Cicer arietinum",
            8.901,
            4.847,
            0.0329,
            0.000478,
            False,
            "Ellis et al., 1982; Dickie et al., 1990",
        ),
        SpeciesConstants(
            "Glycine max",
            7.525,
            4.086,
            0.0329,
            0.000478,
            False,
            "Ellis et al., 1982; Dickie et al., 1990",
        ),
        SpeciesConstants(
            "Gossypium hirsutum",
            9.240,
            5.190,
            0.03965,
            0.000426,
            False,
            "Usberti, Roberts & Ellis, 2006",
        ),
        SpeciesConstants(
            "Vigna unguiculata",
            9.401,
            5.118,
            0.0329,
            0.000478,
            False,
            "Ellis et al., 1982; Dickie et al., 1990",
        ),
        SpeciesConstants(
            "Arachis hypogaea", 6.718, 4.089, 0.0329, 0.000478, False, "Ellis et al., 1990"
        ),
    )
}


class ConstantsError(ValueError):
    """A constants file row is unusable; the message names the line and column."""


def read_constants_csv(path: Path) -> tuple[list[SpeciesConstants], list[str]]:
    """Constants from a CSV ``Species,Ke,Cw,Ch,Cq,Reference`` (``*`` marks single-temperature
    constants). Returns one entry per species (multi-temperature rows preferred, then the
    first) and the reasons rows were skipped; degenerate rows (Cw ≤ 0, Ch < 0, Cq < 0, or
    σ outside 1 day … 10⁸ years at 5 % and 20 °C) are skipped as unusable."""
    chosen: dict[str, SpeciesConstants] = {}
    skipped: list[str] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        needed = {"Species", "Ke", "Cw", "Ch", "Cq"}
        if reader.fieldnames is None or not needed <= set(reader.fieldnames):
            raise ConstantsError(f"{path.name}: needs columns {', '.join(sorted(needed))}")
        for row in reader:
            line = reader.line_num
            raw_name = (row["Species"] or "").strip()
            single = raw_name.endswith("*")
            name = raw_name.rstrip("*").strip()
            try:
                ke, cw, ch, cq = (float(row[c]) for c in ("Ke", "Cw", "Ch", "Cq"))
            except (TypeError, ValueError):
                raise ConstantsError(f"line {line}: Ke, Cw, Ch and Cq must be numbers") from None
            constants = SpeciesConstants(
                name, ke, cw, ch, cq, single, (row.get("Reference") or "").strip()
            )
            if (
                cw <= 0
                or ch < 0
                or cq < 0
                or not (
                    0
                    <= math.log10(sigma_days(constants, 20.0, 5.0))
                    <= math.log10(1e8 * DAYS_PER_YEAR)
                )
            ):
                skipped.append(
                    f"line {line}: {raw_name}: degenerate constants "
                    f"(Ke {ke}, Cw {cw}, Ch {ch}, Cq {cq})"
                )
                continue
            current = chosen.get(name)
            if current is None or (current.single_temperature and not single):
                if current is not None:
                    skipped.append(
                        f"{current.species}* ({current.reference}): replaced by the "
                        f"multi-temperature row at line {line}"
                    )
                chosen[name] = constants
            else:
                skipped.append(f"line {line}: {raw_name}: another row of this species is used")
    return list(chosen.values()), skipped


def sigma_days(constants: SpeciesConstants, temperature_c: float, moisture_pct: float) -> float:
    """σ, the standard deviation of seed death in time (days per probit), for a storage
    temperature in °C and moisture content in % fresh weight (Ellis & Roberts 1980)."""
    if moisture_pct <= 0:
        raise ValueError("moisture content must be above 0 %")
    log_sigma = (
        constants.ke
        - constants.cw * math.log10(moisture_pct)
        - constants.ch * temperature_c
        - constants.cq * temperature_c**2
    )
    return float(10**log_sigma)


def probit(percent: float) -> float:
    """Normal equivalent deviate of a percentage (clipped to 0.5–99.5 %)."""
    low, high = PROBIT_CLIP
    return float(norm.ppf(min(max(percent, low), high) / 100))


def percent(probit_value: float) -> float:
    """Percentage (0–100) of a normal equivalent deviate."""
    return float(norm.cdf(probit_value) * 100)


def predicted_viability(ki: float, sigma: float, days: float) -> float:
    """Viability (%) after ``days`` of storage: ``v = Ki − p/σ``."""
    return percent(ki - days / sigma)


def days_to_fraction(
    initial_pct: float, sigma: float, fraction: float = REGENERATION_FRACTION
) -> float:
    """Days until viability falls to ``fraction`` of ``initial_pct`` (σ in days/probit)."""
    return sigma * (probit(initial_pct) - probit(initial_pct * fraction))


@dataclass(frozen=True)
class Observation:
    """A germination result of a lot: days since storage and percent germinated."""

    days: float
    germination_pct: float


@dataclass(frozen=True)
class Prediction:
    """A lot's viability model and the dates it implies."""

    method: str  # "species constants" | "fitted"
    ki: float  # probits
    sigma_days: float
    initial_pct: float
    days_to_85pct_of_initial: float
    regeneration_due: date
    next_test_due: date
    current_pct: float


def fit(observations: Sequence[Observation]) -> tuple[float, float] | None:
    """Least-squares probit line through ≥ 2 tests at different times: ``(Ki, σ)`` or None
    when viability did not decline (no finite σ can be fitted)."""
    if len({round(o.days) for o in observations}) < 2:
        return None
    xs = [o.days for o in observations]
    ys = [probit(o.germination_pct) for o in observations]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mean_x) ** 2 for x in xs)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    slope = sxy / sxx
    if slope >= 0:
        return None
    return mean_y - slope * mean_x, -1 / slope


def predict(
    stored_on: date,
    collection: str,
    temperature_c: float,
    moisture_pct: float,
    constants: SpeciesConstants | None,
    tests: Sequence[tuple[date, float]],
    today: date | None = None,
) -> Prediction | None:
    """Predict a lot's viability from its storage and its tests (date, germination %).

    With constants and one test, ``Ki`` comes from the first test and σ from the species
    constants; with tests at two or more dates showing a decline, ``Ki`` and σ are fitted to
    the lot's own tests. Returns None when there is no test, or neither constants nor a fit.
    """
    if not tests:
        return None
    today = today or date.today()
    ordered = sorted(tests)
    initial = ordered[0][1]
    observations = [Observation((d - stored_on).days, g) for d, g in ordered]
    fitted = fit(observations)
    if fitted is not None:
        ki, sigma = fitted
        method = "fitted"
        initial = percent(ki)
    elif constants is not None:
        sigma = sigma_days(constants, temperature_c, moisture_pct)
        ki = probit(initial) + max(observations[0].days, 0) / sigma
        method = "species constants"
    else:
        return None
    start_pct = percent(ki)
    to_85 = days_to_fraction(start_pct, sigma)
    cap = MAX_TEST_INTERVAL_YEARS.get(collection, 10.0) * DAYS_PER_YEAR
    last_test = ordered[-1][0]
    horizon = date.max - timedelta(days=1)
    regeneration_due = _add_days(stored_on, to_85, horizon)
    next_test_due = _add_days(last_test, min(to_85 / 3, cap), horizon)
    current = predicted_viability(ki, sigma, (today - stored_on).days)
    return Prediction(method, ki, sigma, initial, to_85, regeneration_due, next_test_due, current)


def _add_days(start: date, days: float, horizon: date) -> date:
    if days >= (horizon - start).days:
        return horizon
    return start + timedelta(days=max(0, int(days)))


# --- germination tests ------------------------------------------------------------------


def ista_max_range(average_pct: float) -> int:
    """ISTA Table 5B maximum tolerated range (percentage points), 4 × 100 seeds."""
    average = round(average_pct)
    if average < 50:
        average = 100 - average
    for low, high, tolerance in ISTA_TABLE_5B:
        if low <= average <= high:
            return tolerance
    return 0 if average >= 100 else 20


def max_range(average_pct: float, replicates: int, seeds_per_replicate: int) -> float:
    """Maximum tolerated range between replicates, percentage points (two-sided 2.5 %).

    For 4 × 100 seeds this is ISTA Table 5B. For other designs, the 97.5th percentile of the
    studentized range of ``replicates`` normal samples times the binomial standard deviation
    of one replicate (the normal approximation behind the ISTA tables, Miles 1963), rounded to
    whole points; for 4 × 100 it reproduces Table 5B within one point.
    """
    if replicates == 4 and seeds_per_replicate == 100:
        return float(ista_max_range(average_pct))
    p = min(max(average_pct / 100, 0.0), 1.0)
    sd = 100 * math.sqrt(p * (1 - p) / seeds_per_replicate)
    return float(round(_range_quantile(replicates) * sd))


@lru_cache(maxsize=32)
def _range_quantile(replicates: int) -> float:
    """97.5th percentile of the range of ``replicates`` standard normal values."""
    return float(studentized_range.ppf(0.975, replicates, 10_000))


@dataclass(frozen=True)
class GerminationResult:
    """A test's germination percentage and whether its replicates agree (ISTA tolerance)."""

    germination_pct: float
    replicate_range: float
    tolerated_range: float
    within_tolerance: bool


def evaluate_test(sown: Sequence[int], germinated: Sequence[int]) -> GerminationResult:
    """Germination % (all replicates pooled) and the replicate tolerance check."""
    if not sown or len(sown) != len(germinated):
        raise ValueError("give as many germinated counts as replicates sown")
    if (
        any(s <= 0 for s in sown)
        or any(g < 0 for g in germinated)
        or any(g > s for s, g in zip(sown, germinated, strict=True))
    ):
        raise ValueError("each replicate needs 1 or more seeds sown and 0 to that many germinated")
    pct = 100 * sum(germinated) / sum(sown)
    shares = [100 * g / s for s, g in zip(sown, germinated, strict=True)]
    spread = max(shares) - min(shares)
    if len(sown) < 2:
        return GerminationResult(pct, 0.0, 0.0, True)
    tolerated = max_range(pct, len(sown), round(sum(sown) / len(sown)))
    return GerminationResult(pct, spread, tolerated, spread <= tolerated + 1e-9)
