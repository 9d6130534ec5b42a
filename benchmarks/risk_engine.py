"""Composite-index engine vs a plain pandas row-by-row evaluation of the same tree.

57 states × 300 months = 17,100 rows; the INFORM GRI tree (inputs level: 21 components up to
the index) and a synthetic tree of similar shape reading raw inputs (goalposts, per-capita,
log, cap, invert). Both implementations must agree; prints times, ratio and load average.

    .venv/bin/python benchmarks/risk_engine.py
"""

from __future__ import annotations

import math
import os
import time
from typing import Any

import numpy as np
import pandas as pd

from iofs.monitor.risk.engine import evaluate
from iofs.monitor.risk.tree import Tree, load_tree, parse_tree

ROWS = 57 * 300
rng = np.random.default_rng(2031)


def synthetic_tree() -> Tree:
    """3 dimensions × 3 categories × 3–4 indicators, mixed aggregations and transforms."""
    nodes: dict[str, Any] = {
        "index": {"aggregation": "geometric_mean", "children": ["D0", "D1", "D2"]}
    }
    indicators: dict[str, Any] = {}
    kinds = ["inform_geometric", "weighted_mean", "mean", "max"]
    for d in range(3):
        nodes[f"D{d}"] = {
            "aggregation": "inform_geometric",
            "children": [f"C{d}{c}" for c in range(3)],
        }
        for c in range(3):
            kind = kinds[(d + c) % 4]
            leaves = [f"I{d}{c}{i}" for i in range(3 + (c % 2))]
            children: list[Any] = (
                [{"name": leaves[0], "weight": 2}, *leaves[1:]]
                if kind == "weighted_mean"
                else leaves
            )
            if kind == "max":
                children = [{"name": leaves[0], "factor": 0.7}, *leaves[1:]]
            nodes[f"C{d}{c}"] = {"aggregation": kind, "children": children, "min_present": 2}
            for i, leaf in enumerate(leaves):
                transform = [
                    {},
                    {"denominator": "population", "multiplier": 1e5},
                    {"log": True},
                    {"cap": [0, 80], "invert": True},
                ][i % 4]
                goalposts = [[0, 100], [0, 50], [0, 12], [0, 80]][i % 4]
                indicators[leaf] = {
                    "source": f"raw {leaf}",
                    "goalposts": goalposts,
                    "transform": transform,
                }
    return parse_tree(
        {"name": "synthetic", "root": "index", "nodes": nodes, "indicators": indicators},
        "synthetic.toml",
    )


def table(tree: Tree) -> pd.DataFrame:
    data = {column: rng.uniform(0, 100, ROWS) for column in tree.input_columns()}
    if "population" in data:
        data["population"] = rng.uniform(1e5, 2e8, ROWS)
    for column in list(data)[::5]:
        data[column][rng.random(ROWS) < 0.05] = np.nan
    frame = pd.DataFrame(data)
    frame.index = pd.MultiIndex.from_product([range(57), range(300)], names=["state", "month"])
    return frame


def plain_row(row: pd.Series, tree: Tree) -> dict[str, float]:
    """The tree for one row with plain Python arithmetic: the straightforward implementation."""
    out: dict[str, float] = {}
    for name, ind in tree.indicators.items():
        x = row[ind.source]
        t = ind.transform
        if t.denominator:
            d = row[t.denominator]
            x = x / d if d > 0 else math.nan
        x = x * t.multiplier
        if t.cap:
            x = min(max(x, t.cap[0]), t.cap[1])
        if t.log:
            x = math.log1p(x)
        lo, hi = ind.goalposts
        s = min(max((x - lo) / (hi - lo) * 10, 0.0), 10.0)
        out[name] = 10 - s if t.invert else s
    for name in tree.order:
        node = tree.nodes[name]
        xs = [
            (out[c.name] * c.factor, c.weight) for c in node.children if not math.isnan(out[c.name])
        ]
        if len(xs) < node.min_present:
            out[name] = math.nan
            continue
        total = sum(w for _, w in xs)
        if node.aggregation == "mean":
            value = sum(x for x, _ in xs) / len(xs)
        elif node.aggregation == "weighted_mean":
            value = sum(x * w for x, w in xs) / total
        elif node.aggregation == "geometric_mean":
            value = math.prod(x ** (w / total) for x, w in xs)
        elif node.aggregation == "inform_geometric":
            value = 11 - math.prod((11 - x) ** (w / total) for x, w in xs)
        else:
            value = max(x for x, _ in xs)
        out[name] = value
    return out


def run(tree: Tree, frame: pd.DataFrame) -> tuple[float, float]:
    columns = {name: frame[name].to_numpy() for name in frame.columns}
    start = time.perf_counter()
    result = evaluate(tree, columns, "inputs")
    engine_seconds = time.perf_counter() - start
    start = time.perf_counter()
    plain = frame.apply(plain_row, axis=1, result_type="expand", tree=tree)
    plain_seconds = time.perf_counter() - start
    assert np.allclose(plain[tree.root].to_numpy(), result.values[tree.root], equal_nan=True)
    return engine_seconds, plain_seconds


def main() -> None:
    print(f"rows: {ROWS} (57 states × 300 months); cores: {os.cpu_count()}")
    for tree in (load_tree("inform"), synthetic_tree()):
        frame = table(tree)
        run(tree, frame.iloc[:100])  # warm-up
        engine_seconds, plain_seconds = run(tree, frame)
        print(
            f"{tree.name:>10}: {len(tree.indicators)} indicators, {len(tree.nodes)} nodes | "
            f"engine {engine_seconds * 1000:7.1f} ms | pandas row-by-row "
            f"{plain_seconds:6.2f} s | ×{plain_seconds / engine_seconds:,.0f}"
        )
    print("load average (1, 5, 15 min): " + ", ".join(f"{v:.2f}" for v in os.getloadavg()))


if __name__ == "__main__":
    main()
