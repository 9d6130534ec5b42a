"""The engine against INFORM itself: every node of every level for all 191 countries.

INFORM GRI 2020 v040 publishes components, categories, dimensions, risk and class, each
rounded to 0.1. Computing a node from its children's published values and rounding the same
way reproduces the published value, except where the children's own rounding moves the
result across a rounding boundary; those cases are proven to be rounding by re-evaluating
with every input shifted by ∓0.05 (every INFORM aggregation is non-decreasing in each child),
and their number is pinned so that a change of rule shows up.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from iofs.monitor.risk import service

RELEASE = Path("inform") / "inform_gri_2020_v040.csv"
NODES = 11


@pytest.fixture(scope="module")
def inform(shared_data: Path) -> tuple[service.Tree, service.InputTable]:
    tree = service.load_tree("inform")
    return tree, service.read_inputs(shared_data / RELEASE, tree)


def test_every_published_node_from_the_level_below(
    inform: tuple[service.Tree, service.InputTable],
) -> None:
    tree, table = inform
    result = service.verify(tree, table, "published")
    assert len(table) == 191 and len(result.counts) == NODES + 1  # + the class
    assert result.total("differs") == 0, [c for c in result.checks if c.status == "differs"]
    assert result.total("match") == 191 * (NODES + 1) - 68
    assert {
        name: counts["rounding"] for name, counts in result.counts.items() if counts["rounding"]
    } == {
        "Natural": 22,
        "HAZARD & EXPOSURE": 10,
        "VULNERABILITY": 5,
        "Vulnerable Groups": 14,
        "Other Vulnerable Groups": 13,
        "LACK OF COPING CAPACITY": 4,
    }
    # a rounding case is always one unit of 0.1 off, never more
    assert all(
        abs(float(check.published) - float(check.computed)) == pytest.approx(0.1)
        for check in result.checks
    )  # type: ignore[arg-type]
    assert result.counts["INFORM RISK"]["match"] == 191
    assert result.counts["class"]["match"] == 191


def test_every_node_from_the_components_up(inform: tuple[service.Tree, service.InputTable]) -> None:
    tree, table = inform
    result = service.verify(tree, table, "inputs")
    assert result.total("match") == 2056 and result.total("rounding") == 234
    # Two published values sit 0.001–0.005 beyond what any rounding of the published
    # components allows, though each is reproduced exactly from the published level just
    # below it (test above): INFORM computed them from values a hair off its components.
    assert {(c.key, c.node) for c in result.checks if c.status == "differs"} == {
        ("NAM", "HAZARD & EXPOSURE"),
        ("DOM", "INFORM RISK"),
    }


def test_compute_reports_afghanistan(inform: tuple[service.Tree, service.InputTable]) -> None:
    tree, table = inform
    results = {result.key: result for result in service.compute(tree, table, "published")}
    afghanistan = results["AFG"]
    assert (afghanistan.value, afghanistan.class_label) == (8.0, "Very High")
    nodes = {node.node: node for node in afghanistan.nodes}
    assert nodes["Human"].value == 10.0 and nodes["Socio-Economic Vulnerability"].value == 7.6
    albania = {node.node: node for node in results["ALB"].nodes}
    assert albania["Institutional"].missing_inputs == ("DRR",)
    assert albania["Institutional"].value == 5.6  # governance alone
    assert albania["LACK OF COPING CAPACITY"].missing_share == pytest.approx(1 / 5)
