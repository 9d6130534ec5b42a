"""Tree declaration: parsing, validation errors naming node and reason, structure helpers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from iofs.monitor.risk.tree import (
    TreeError,
    load_tree,
    load_tree_file,
    parse_tree,
    shipped_trees,
)


def small(**node: Any) -> dict[str, Any]:
    """A two-level tree whose top node takes ``node``'s fields."""
    top = {"aggregation": "mean", "children": ["a", "b"], **node}
    return {
        "name": "small",
        "root": "top",
        "nodes": {"top": top},
        "indicators": {
            "a": {"source": "A", "goalposts": [0, 10]},
            "b": {"source": "B", "goalposts": [0, 10]},
        },
    }


def error_of(data: dict[str, Any]) -> str:
    with pytest.raises(TreeError) as caught:
        parse_tree(data, "t.toml")
    return str(caught.value)


def test_inform_is_shipped_and_shaped() -> None:
    assert "inform" in shipped_trees()
    tree = load_tree("inform")
    assert tree.order[-1] == "INFORM RISK" and len(tree.order) == 11
    assert len(tree.indicators) == 21
    assert tree.depth("Earthquake") == 3 and tree.depth("VULNERABILITY") == 1
    assert tree.leaves("Human") == (
        "Projected Conflict Risk",
        "Current Highly Violent Conflict Intensity",
    )
    assert [tree.classify(v) for v in (1.9, 2.0, 3.4, 3.5, 5.0, 6.5, None)] == [
        "Very Low",
        "Low",
        "Low",
        "Medium",
        "High",
        "Very High",
        None,
    ]


def test_unknown_aggregation_names_node() -> None:
    data = small(aggregation="avg")
    data["nodes"] = {"Hazard & Exposure": data["nodes"].pop("top")}
    data["root"] = "Hazard & Exposure"
    assert error_of(data).startswith(
        'tree t.toml: node "Hazard & Exposure": unknown aggregation "avg"'
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"children": ["a", "c"]}, 'node "top": unknown child "c"'),
        ({"children": ["a", "a", "b"]}, 'node "top": child "a" listed twice'),
        (
            {"children": [{"name": "a", "weight": 2}, "b"]},
            'node "top": child "a" has a weight but aggregation "mean" takes none '
            "(use weighted_mean)",
        ),
        (
            {"children": [{"name": "a", "weight": -1}, "b"], "aggregation": "weighted_mean"},
            'node "top", field "children.0.weight": Input should be greater than 0',
        ),
        ({"min_present": 3}, 'node "top": min_present 3 exceeds its 2 children'),
        ({"colour": "red"}, 'node "top": unknown field "colour"'),
    ],
)
def test_node_errors(change: dict[str, Any], expected: str) -> None:
    assert error_of(small(**change)) == f"tree t.toml: {expected}"


def test_structure_errors() -> None:
    data = small()
    data["indicators"]["a"] = {"source": "A"}
    assert error_of(data) == 'tree t.toml: indicator "a": missing field "goalposts"'
    data = small()
    data["indicators"]["spare"] = {"source": "S", "goalposts": [0, 1]}
    assert error_of(data) == 'tree t.toml: indicator "spare": not reachable from root "top"'
    data = small(children=["a", "mid"])
    data["nodes"]["mid"] = {"aggregation": "max", "children": ["b", "top"]}
    assert error_of(data) == 'tree t.toml: node "top": cycle top → mid → top'
    assert (
        error_of({**small(), "root": "nowhere"})
        == 'tree t.toml: root "nowhere" is not a declared node'
    )
    data = small()
    data["indicators"]["a"]["goalposts"] = [3, 3]
    assert error_of(data) == 'tree t.toml: indicator "a": goalposts [3.0, 3.0] must differ'


def test_files(tmp_path: Path) -> None:
    with pytest.raises(TreeError, match="no such file"):
        load_tree(tmp_path / "absent.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n[nodes\n', encoding="utf-8")
    with pytest.raises(TreeError, match=r"^tree bad.toml: malformed TOML"):
        load_tree_file(bad)
