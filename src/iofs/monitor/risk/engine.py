"""Evaluate a composite-index tree over a table of rows (countries, or countries × months).

Vectorised: each node is one numpy operation over all rows. Pure: the inputs are arrays by
column name and the result holds arrays; nothing is read or written. Scores are 0–10,
unrounded (round with :func:`iofs.monitor.risk.aggregation.round_half_up` to publish);
missing shares are 0–1.

Two ways to evaluate, as INFORM checks its own releases (INFORM Concept and Methodology
2017, JRC EUR 28655 EN):

- ``levels="inputs"``: from the indicators up; every node from its children as computed;
- ``levels="published"``: every node from its children's values *as given in the table*
  (columns named as the nodes), so each level is checked against the one below it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from iofs.monitor.risk.aggregation import AGGREGATORS, Array, round_half_up
from iofs.monitor.risk.normalisation import score
from iofs.monitor.risk.tree import SCALE_MAX, Tree

Levels = Literal["published", "inputs"]
LEVELS: tuple[Levels, ...] = ("published", "inputs")


@dataclass(frozen=True)
class Evaluation:
    """Every indicator and node of a tree evaluated over ``rows`` rows.

    ``values`` maps each indicator and node to its unrounded scores (0–10, NaN = missing);
    ``missing_share`` each of them to the share (0–1) of its indicators missing per row
    (INFORM's "lack of reliability" basis); ``inputs`` each node to the ``(rows, children)``
    scores it aggregated (after the children's factors); ``shares`` each node to the
    children's effective weights (see :mod:`iofs.monitor.risk.aggregation`);
    ``leaf_missing`` is ``(rows, indicators)``, True where an indicator is missing, columns
    in ``tuple(tree.indicators)`` order.
    """

    tree: Tree
    levels: Levels
    rows: int
    values: Mapping[str, Array]
    missing_share: Mapping[str, Array]
    inputs: Mapping[str, Array]
    shares: Mapping[str, Array]
    leaf_missing: NDArray[np.bool_]

    def rounded(self, name: str) -> Array:
        """The scores of ``name`` rounded as the tree publishes them (0–10, NaN = missing)."""
        return round_half_up(self.values[name], self.tree.decimals)


def required_columns(tree: Tree, levels: Levels) -> tuple[str, ...]:
    """The table columns ``evaluate`` reads: the indicators' inputs, and with
    ``levels="published"`` every node below the root."""
    if levels not in LEVELS:
        raise ValueError(f"levels must be one of {', '.join(LEVELS)}, not {levels!r}")
    names = dict.fromkeys(tree.input_columns())
    if levels == "published":
        names.update(dict.fromkeys(name for name in tree.order if name != tree.root))
    return tuple(names)


def _column(columns: Mapping[str, Array], name: str, rows: int | None) -> Array:
    if name not in columns:
        raise KeyError(f'column "{name}" is missing from the table')
    values = np.asarray(columns[name], dtype=np.float64)
    if values.ndim != 1 or (rows is not None and values.shape[0] != rows):
        raise ValueError(f'column "{name}" must be one-dimensional with {rows} rows')
    return values


def _shifted(values: Array, offset: float) -> Array:
    return np.clip(values + offset, 0.0, SCALE_MAX) if offset else values


def evaluate(
    tree: Tree, columns: Mapping[str, Array], levels: Levels = "inputs", *, offset: float = 0.0
) -> Evaluation:
    """Evaluate ``tree`` over ``columns`` (arrays of equal length by column name).

    Indicators read their ``source`` column (a feed source ``module.feed`` reads the column
    of that name, filled by whoever gathers the feed). ``offset`` (score points) is added
    to every score read from the table (indicator scores, and given node values with
    ``levels="published"``), clipped to 0–10: every aggregation is non-decreasing in each
    child, so offsets of ∓half a rounding unit bound what unrounded inputs could give.
    Raises KeyError naming a missing column.
    """
    needed = required_columns(tree, levels)
    rows = len(np.asarray(columns[needed[0]])) if needed and needed[0] in columns else None
    values: dict[str, Array] = {}
    for name, indicator in tree.indicators.items():
        denominator = indicator.transform.denominator
        values[name] = score(
            indicator,
            _column(columns, indicator.source, rows),
            _column(columns, denominator, rows) if denominator else None,
        )
        rows = values[name].shape[0]
    read = {name: _shifted(value, offset) for name, value in values.items()}
    leaf_names = tuple(tree.indicators)
    leaf_index = {name: position for position, name in enumerate(leaf_names)}
    leaf_missing = np.column_stack([np.isnan(values[name]) for name in leaf_names])
    missing_share = {
        name: leaf_missing[:, position].astype(np.float64) for name, position in leaf_index.items()
    }
    inputs: dict[str, Array] = {}
    shares: dict[str, Array] = {}
    for name in tree.order:
        node = tree.nodes[name]
        given = [
            _shifted(_column(columns, child.name, rows), offset)
            if levels == "published" and child.name in tree.nodes
            else read.get(child.name, values[child.name])
            for child in node.children
        ]
        factors = np.array([child.factor for child in node.children])
        weights = np.array([child.weight for child in node.children])
        x = np.column_stack(given) * factors
        value, share = AGGREGATORS[node.aggregation](x, weights)
        present = (~np.isnan(x)).sum(axis=1)
        enough = (present >= node.min_present) & (present / len(node.children) >= node.min_share)
        values[name] = np.where(enough, value, np.nan)
        inputs[name], shares[name] = x, np.where(enough[:, np.newaxis], share, 0.0)
        leaves = [leaf_index[leaf] for leaf in tree.leaves(name)]
        missing_share[name] = leaf_missing[:, leaves].mean(axis=1)
    return Evaluation(
        tree=tree,
        levels=levels,
        rows=int(rows or 0),
        values=values,
        missing_share=missing_share,
        inputs=inputs,
        shares=shares,
        leaf_missing=leaf_missing,
    )
