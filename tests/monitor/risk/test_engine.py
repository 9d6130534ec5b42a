"""The engine over a small tree: levels, min-present rule, missing shares, decomposition."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from iofs.monitor.risk import service
from iofs.monitor.risk.engine import evaluate, required_columns
from iofs.monitor.risk.inputs import InputTable
from iofs.monitor.risk.tree import parse_tree

NAN = np.nan
TREE: dict[str, Any] = {
    "name": "food",
    "root": "risk",
    "key": "ISO3",
    "decimals": 1,
    "classes": [{"label": "low", "lower": 0}, {"label": "high", "lower": 5}],
    "nodes": {
        "risk": {"aggregation": "geometric_mean", "children": ["hazard", "vulnerability"]},
        "hazard": {
            "aggregation": "max",
            "children": [{"name": "drought", "factor": 0.5}, "prices"],
        },
        "vulnerability": {
            "aggregation": "weighted_mean",
            "min_present": 2,
            "children": [{"name": "undernourishment", "weight": 3}, "imports", "ipc"],
        },
    },
    "indicators": {
        "drought": {"source": "SPI share", "goalposts": [0, 100]},
        "prices": {"source": "monitor.price_anomaly", "goalposts": [0, 2]},
        "undernourishment": {"source": "PoU", "goalposts": [0, 50]},
        "imports": {"source": "CIDR", "goalposts": [0, 100], "transform": {"cap": [0, 100]}},
        "ipc": {"source": "IPC3+", "goalposts": [0, 40]},
    },
}


@pytest.fixture
def tree() -> Any:
    return parse_tree(TREE, "food.toml")


def table() -> InputTable:
    return InputTable.from_columns(
        ["AAA", "BBB", "CCC"],
        {
            "SPI share": [80, 10, None],  # scores 8, 1, –  (×0.5 → 4, 0.5)
            "monitor.price_anomaly": [0.5, None, 1.8],  # 2.5, –, 9
            "PoU": [25, 5, None],  # 5, 1, –
            "CIDR": [150, None, 40],  # capped 100 → 10, –, 4
            "IPC3+": [8, 4, None],  # 2, 1, –
            "hazard": [1.0, 2.0, 3.0],
            "vulnerability": [4.0, 9.0, 1.0],
        },
        labels=["A-land", "B-land", "C-land"],
    )


def test_inputs_level_hand_computed(tree: Any) -> None:
    result = evaluate(tree, table().columns, "inputs")
    assert result.values["hazard"] == pytest.approx([4.0, 0.5, 9.0])
    vulnerability = result.values["vulnerability"]
    assert vulnerability[:2] == pytest.approx([(3 * 5 + 10 + 2) / 5, (3 * 1 + 1) / 4])
    assert np.isnan(vulnerability[2])  # one child of three present, two required
    assert result.values["risk"][:2] == pytest.approx([(4.0 * 5.4) ** 0.5, (0.5 * 1.0) ** 0.5])
    assert result.values["risk"][2] == pytest.approx(9.0)  # the one dimension present
    assert result.missing_share["vulnerability"] == pytest.approx([0, 1 / 3, 2 / 3])
    assert result.missing_share["risk"] == pytest.approx([0, 0.4, 0.6])
    assert result.shares["vulnerability"][2] == pytest.approx([0, 0, 0])


def test_published_level_reads_given_children(tree: Any) -> None:
    result = evaluate(tree, table().columns, "published")
    assert result.values["risk"] == pytest.approx([2.0, 9**0.5 * 2**0.5, 3**0.5])
    assert required_columns(tree, "published")[-2:] == ("hazard", "vulnerability")
    with pytest.raises(KeyError, match='column "hazard" is missing'):
        evaluate(tree, {k: v for k, v in table().columns.items() if k != "hazard"}, "published")


def test_compute_decomposition(tree: Any) -> None:
    results = service.compute(tree, table(), "inputs")
    first, second = results[0], results[1]
    assert (first.key, first.label, first.value, first.class_label) == ("AAA", "A-land", 4.6, "low")
    assert [node.node for node in first.nodes] == ["risk", "hazard", "vulnerability"]
    hazard = first.nodes[1]
    assert [(c.child, c.score, c.weight) for c in hazard.contributions] == [
        ("drought", 4.0, 1.0),
        ("prices", 2.5, 0.0),
    ]
    vulnerability = second.nodes[2]
    assert vulnerability.missing_inputs == ("imports",)
    assert vulnerability.reliability == pytest.approx(2 / 3)
    assert second.reliability == pytest.approx(0.6)
    assert results[2].class_label == "high" and results[2].nodes[2].value is None
