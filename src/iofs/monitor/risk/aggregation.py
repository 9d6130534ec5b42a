"""Aggregation functions of a composite index, vectorised over all rows at once.

Each function takes the children's scores ``x`` as an ``(rows, children)`` array on the 0–10
scale, NaN where a child is missing, and the children's ``weights`` (``(children,)``, > 0).
Missing children are left out and the weights renormalised over those present, as INFORM
does (INFORM Concept and Methodology 2017, JRC EUR 28655 EN, §3.4). Each returns the
aggregate ``(rows,)`` (NaN when no child is present) and the children's effective weights
``(rows, children)``: each present child's share of the aggregation (summing to 1 per row,
0 for missing children; for ``max`` 1 for the child that sets the value). Pure functions.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from iofs.monitor.risk.tree import SCALE_MAX

Array = NDArray[np.float64]
Aggregator = Callable[[Array, Array], tuple[Array, Array]]


def _shares(x: Array, weights: Array) -> tuple[NDArray[np.bool_], Array]:
    """Presence mask and weights renormalised over the present children of each row."""
    present = ~np.isnan(x)
    raw = np.where(present, weights[np.newaxis, :], 0.0)
    total = raw.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(total > 0, raw / total, 0.0)
    return present, shares


def _missing_where_empty(value: Array, present: NDArray[np.bool_]) -> Array:
    return np.where(present.any(axis=1), value, np.nan)


def weighted_mean(x: Array, weights: Array) -> tuple[Array, Array]:
    """Weighted arithmetic mean Σ wᵢxᵢ / Σ wᵢ over the present children (score 0–10).

    INFORM socio-economic vulnerability: (2·development & deprivation + inequality + aid
    dependency) / 4.
    """
    present, shares = _shares(x, weights)
    value = np.where(present, x, 0.0) * shares
    return _missing_where_empty(value.sum(axis=1), present), shares


def arithmetic_mean(x: Array, weights: Array) -> tuple[Array, Array]:
    """Arithmetic mean of the present children (weights ignored: all count 1)."""
    return weighted_mean(x, np.ones_like(weights))


def geometric_mean(x: Array, weights: Array) -> tuple[Array, Array]:
    """Weighted geometric mean ∏ xᵢ^(wᵢ/Σw) over the present children; 0 when any is 0.

    INFORM RISK = (hazard & exposure · vulnerability · lack of coping capacity)^(1/3).
    """
    present, shares = _shares(x, weights)
    with np.errstate(divide="ignore", invalid="ignore"):
        factors = np.where(present, np.power(np.where(present, x, 1.0), shares), 1.0)
    return _missing_where_empty(factors.prod(axis=1), present), shares


def inform_geometric(x: Array, weights: Array) -> tuple[Array, Array]:
    """INFORM's geometric aggregation 11 − ∏(11 − xᵢ)^(wᵢ/Σw) (score 0–10).

    The geometric mean of the complements to 10 + 1, used by INFORM for hazards and for
    vulnerabilities so that one high score is not averaged away by low ones; the offset 1
    keeps a child at 10 from zeroing the product (INFORM Concept and Methodology 2017,
    §3.4: "10 − GEOMEAN(10 − xᵢ + 1) + 1").
    """
    top = SCALE_MAX + 1.0
    value, shares = geometric_mean(top - x, weights)
    return top - value, shares


def maximum(x: Array, weights: Array) -> tuple[Array, Array]:
    """The largest present child (score 0–10); the effective weight marks that child.

    INFORM human hazard: max(0.7·projected conflict risk, current conflict intensity), the
    0.7 given as the child's factor, applied before aggregation.
    """
    present = ~np.isnan(x)
    filled = np.where(present, x, -np.inf)
    winner = filled.argmax(axis=1)
    shares = np.zeros_like(x)
    rows = np.arange(x.shape[0])
    shares[rows, winner] = 1.0
    shares = np.where(present, shares, 0.0)
    return _missing_where_empty(filled[rows, winner], present), shares


#: Aggregation functions by the name a tree file uses.
AGGREGATORS: dict[str, Aggregator] = {
    "mean": arithmetic_mean,
    "weighted_mean": weighted_mean,
    "geometric_mean": geometric_mean,
    "inform_geometric": inform_geometric,
    "max": maximum,
}


def round_half_up(values: Array, decimals: int) -> Array:
    """Values rounded to ``decimals`` with halves away from zero, as INFORM publishes them.

    INFORM is computed in spreadsheets whose ROUND takes 1.05 to 1.1; numpy's ``round``
    (half to even, on the binary value 1.04999…) would give 1.0. The 1e-9 guard absorbs
    binary representation error of values that are decimal halves.
    """
    scale = 10.0**decimals
    return np.sign(values) * np.floor(np.abs(values) * scale + 0.5 + 1e-9) / scale
