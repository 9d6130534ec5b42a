"""From a raw input to a 0–10 score: transform (per capita, cap, log) then fixed goalposts.

Min–max normalisation with goalposts fixed across years, scores clipped to 0–10 and turned
round when a high raw value is good (INFORM Concept and Methodology 2017, JRC EUR 28655 EN,
§3.3; OECD/JRC Handbook on Constructing Composite Indicators, 2008, §5).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from iofs.monitor.risk.tree import SCALE_MAX, Indicator, Transform

Array = NDArray[np.float64]


def transform(raw: Array, spec: Transform, denominator: Array | None = None) -> Array:
    """``raw`` in the units the goalposts use: per ``denominator`` × multiplier, capped, logged.

    A zero or missing denominator gives a missing value (NaN).
    """
    values = np.asarray(raw, dtype=np.float64)
    if spec.denominator is not None:
        if denominator is None:
            raise ValueError(f'transform needs the denominator column "{spec.denominator}"')
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.where(denominator > 0, values / denominator, np.nan)
    values = values * spec.multiplier
    if spec.cap is not None:
        values = np.clip(values, spec.cap[0], spec.cap[1])
    if spec.log:
        with np.errstate(invalid="ignore"):
            values = np.log1p(values)
    return values


def min_max(values: Array, goalposts: tuple[float, float]) -> Array:
    """Scores 0–10: ``goalposts[0]`` ↦ 0 and ``goalposts[1]`` ↦ 10, clipped beyond them.

    Goalposts given high-to-low (``[max, min]``) invert the direction as well.
    """
    low, high = goalposts
    return np.clip((values - low) / (high - low) * SCALE_MAX, 0.0, SCALE_MAX)


def score(indicator: Indicator, raw: Array, denominator: Array | None = None) -> Array:
    """The indicator's 0–10 score of ``raw`` (NaN stays NaN: missing)."""
    scores = min_max(transform(raw, indicator.transform, denominator), indicator.goalposts)
    return SCALE_MAX - scores if indicator.transform.invert else scores
