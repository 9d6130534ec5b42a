"""The declaration of a composite index: a tree of indicators and nodes read from TOML.

A tree file (stdlib ``tomllib``) names a root node; every node aggregates children that are
nodes or indicators, to any depth (indicators → components → categories → dimensions →
index, as in INFORM). Scores are on the 0–10 scale throughout. The file format follows the
INFORM GRI structure (INFORM Concept and Methodology, Marin-Ferrer, Vernaccini and Poljansek,
JRC, 2017, EUR 28655 EN)::

    name = "inform"
    root = "INFORM RISK"
    key = "ISO3"                      # the column naming each row (one row per country)
    decimals = 1                      # published rounding

    [[classes]]                       # lower bounds, ascending; applied to the root
    label = "Very Low"
    lower = 0.0

    [nodes."Socio-Economic Vulnerability"]
    aggregation = "weighted_mean"
    children = [{ name = "Development & Deprivation", weight = 2 }, "Inequality", "Aid Dependency"]

    [indicators.Earthquake]
    source = "Earthquake"             # an input column, or a feed "module.feed"
    goalposts = [0, 10]

Validation errors name the file, the node and the reason, e.g.
``tree inform.toml: node "Hazard & Exposure": unknown aggregation "avg"``.
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from iofs.errors import InputError

#: The aggregations a node may declare (see :mod:`iofs.monitor.risk.aggregation`).
AGGREGATIONS = ("mean", "weighted_mean", "geometric_mean", "inform_geometric", "max")
#: Aggregations whose children may carry a weight other than 1.
WEIGHTED = frozenset({"weighted_mean", "geometric_mean", "inform_geometric"})
#: The 0–10 scale of every score.
SCALE_MAX = 10.0
#: Folder of the trees shipped with the package, by name: ``trees/<name>.toml``.
TREES_FOLDER = "trees"


class TreeError(InputError):
    """A tree file cannot be read or does not describe a valid tree; the message says where."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Transform(_Strict):
    """How a raw input becomes the quantity normalised (applied in this order).

    ``denominator`` (a column, e.g. population) divides the raw value, times ``multiplier``
    (per capita, per 100 000 …); ``cap`` clips to ``[low, high]`` in those units; ``log``
    takes ``ln(1 + x)`` (for counts spanning orders of magnitude, as INFORM does for people
    affected); ``invert`` turns the 0–10 score round when a high raw value is good.
    """

    denominator: str | None = None
    multiplier: float = 1.0
    cap: tuple[float, float] | None = None
    log: bool = False
    invert: bool = False

    @field_validator("cap")
    @classmethod
    def _cap_ordered(cls, value: tuple[float, float] | None) -> tuple[float, float] | None:
        if value is not None and value[0] >= value[1]:
            raise ValueError(f"cap [{value[0]}, {value[1]}] must have low < high")
        return value


class Indicator(_Strict):
    """A leaf: an input column (or feed ``module.feed``) normalised to 0–10 by goalposts.

    ``goalposts`` are the fixed ``[min, max]`` (after the transform) mapped to 0 and 10 and
    kept across years so that scores stay comparable (INFORM methodology, §3.3).
    ``valid_months``: in a monthly index, how many months an observation stays the value
    of its indicator (1 = its own month only); ``definition`` and ``reference`` say what
    the input is and where the method comes from, for pages and the API.
    """

    name: str
    source: str
    title: str | None = None
    unit: str | None = None
    definition: str | None = None
    reference: str | None = None
    valid_months: Annotated[int, Field(ge=1, le=240)] = 12
    transform: Transform = Transform()
    goalposts: tuple[float, float]

    @field_validator("goalposts")
    @classmethod
    def _goalposts_differ(cls, value: tuple[float, float]) -> tuple[float, float]:
        if value[0] == value[1]:
            raise ValueError(f"goalposts [{value[0]}, {value[1]}] must differ")
        return value

    @property
    def is_feed(self) -> bool:
        """True when ``source`` names a feed ``module.feed`` rather than a column."""
        return self.source.count(".") == 1 and " " not in self.source


class Child(_Strict):
    """A reference from a node to a child, with its weight and factor (both > 0).

    ``weight`` counts in weighted aggregations (INFORM socio-economic vulnerability:
    development & deprivation weighs 2); ``factor`` multiplies the child's score first
    (INFORM human hazard: 0.7 × projected conflict risk).
    """

    name: str
    weight: Annotated[float, Field(gt=0)] = 1.0
    factor: Annotated[float, Field(gt=0)] = 1.0


class Node(_Strict):
    """An aggregate of children; missing when fewer than ``min_present`` children (or less
    than ``min_share`` of them, 0–1) have a value."""

    name: str
    title: str | None = None
    aggregation: str
    children: tuple[Child, ...] = Field(min_length=1)
    min_present: Annotated[int, Field(ge=1)] = 1
    min_share: Annotated[float, Field(ge=0, le=1)] = 0.0

    @field_validator("aggregation")
    @classmethod
    def _known_aggregation(cls, value: str) -> str:
        if value not in AGGREGATIONS:
            raise ValueError(f'unknown aggregation "{value}" (one of {", ".join(AGGREGATIONS)})')
        return value

    @field_validator("children", mode="before")
    @classmethod
    def _names_as_children(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return [{"name": item} if isinstance(item, str) else item for item in value]
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Node:
        names = [child.name for child in self.children]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f'child "{repeated[0]}" listed twice')
        if self.aggregation not in WEIGHTED:
            weighted = [child.name for child in self.children if child.weight != 1.0]
            if weighted:
                raise ValueError(
                    f'child "{weighted[0]}" has a weight but aggregation '
                    f'"{self.aggregation}" takes none (use weighted_mean)'
                )
        if self.min_present > len(self.children):
            raise ValueError(
                f"min_present {self.min_present} exceeds its {len(self.children)} children"
            )
        return self


class RiskClass(_Strict):
    """A class of the root score: from ``lower`` (inclusive) up to the next class's lower."""

    label: str
    lower: float


class Tree(_Strict):
    """A validated composite-index tree (scores 0–10, rounded to ``decimals`` when published).

    ``min_reliability`` (0–1): below this share of indicators present, a row's score is
    withheld as "insufficient data" rather than shown (and ranked) low.
    """

    name: str
    title: str | None = None
    reference: str | None = None
    root: str
    key: str = "ISO3"
    label: str | None = None
    decimals: Annotated[int, Field(ge=0, le=6)] = 1
    class_column: str | None = None
    min_reliability: Annotated[float, Field(ge=0, le=1)] = 0.0
    classes: tuple[RiskClass, ...] = ()
    indicators: dict[str, Indicator]
    nodes: dict[str, Node]

    @field_validator("indicators", "nodes", mode="before")
    @classmethod
    def _named(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {
                name: {"name": name, **body} if isinstance(body, dict) else body
                for name, body in value.items()
            }
        return value

    @property
    def order(self) -> tuple[str, ...]:
        """Node names bottom-up: every node after all of its children."""
        return _bottom_up(self)

    def depth(self, name: str) -> int:
        """Distance from the root (root 0, its children 1, …)."""
        return _depths(self)[name]

    def leaves(self, name: str) -> tuple[str, ...]:
        """The indicators under ``name`` (itself when an indicator), each once, in tree order."""
        if name in self.indicators:
            return (name,)
        found: dict[str, None] = {}
        for child in self.nodes[name].children:
            found.update(dict.fromkeys(self.leaves(child.name)))
        return tuple(found)

    def input_columns(self) -> tuple[str, ...]:
        """The table columns the indicators read (sources and denominators), feeds excluded."""
        names: dict[str, None] = {}
        for indicator in self.indicators.values():
            if not indicator.is_feed:
                names[indicator.source] = None
            if indicator.transform.denominator:
                names[indicator.transform.denominator] = None
        return tuple(names)

    def classify(self, value: float | None) -> str | None:
        """The class label of a (rounded) root score, None when missing or without classes."""
        if value is None or not self.classes or value < self.classes[0].lower:
            return None
        label = self.classes[0].label
        for risk_class in self.classes:
            if value >= risk_class.lower:
                label = risk_class.label
        return label


def _bottom_up(tree: Tree) -> tuple[str, ...]:
    order: list[str] = []
    seen: set[str] = set()

    def visit(name: str) -> None:
        if name in seen or name in tree.indicators:
            return
        seen.add(name)
        for child in tree.nodes[name].children:
            visit(child.name)
        order.append(name)

    visit(tree.root)
    return tuple(order)


def _depths(tree: Tree) -> dict[str, int]:
    depths = {tree.root: 0}
    frontier = [tree.root]
    while frontier:
        name = frontier.pop()
        for child in tree.nodes[name].children if name in tree.nodes else ():
            if child.name not in depths or depths[child.name] > depths[name] + 1:
                depths[child.name] = depths[name] + 1
                frontier.append(child.name)
    return depths


def _check_structure(tree: Tree) -> None:
    """Raise ValueError naming the node when the graph is not one tree under ``root``."""
    both = sorted(set(tree.nodes) & set(tree.indicators))
    if both:
        raise ValueError(f'node "{both[0]}": declared both as a node and as an indicator')
    if tree.root not in tree.nodes:
        raise ValueError(f'root "{tree.root}" is not a declared node')
    for node in tree.nodes.values():
        for child in node.children:
            if child.name not in tree.nodes and child.name not in tree.indicators:
                raise ValueError(f'node "{node.name}": unknown child "{child.name}"')
    state: dict[str, str] = {}

    def visit(name: str, path: tuple[str, ...]) -> None:
        if state.get(name) == "done" or name in tree.indicators:
            return
        if state.get(name) == "open":
            cycle = " → ".join((*path[path.index(name) :], name))
            raise ValueError(f'node "{name}": cycle {cycle}')
        state[name] = "open"
        for child in tree.nodes[name].children:
            visit(child.name, (*path, name))
        state[name] = "done"

    visit(tree.root, ())
    reachable = set(state) | {leaf for leaf in tree.leaves(tree.root)}
    for kind, names in (("node", tree.nodes), ("indicator", tree.indicators)):
        orphans = [name for name in names if name not in reachable]
        if orphans:
            raise ValueError(f'{kind} "{orphans[0]}": not reachable from root "{tree.root}"')
    lowers = [risk_class.lower for risk_class in tree.classes]
    if lowers != sorted(set(lowers)):
        raise ValueError("classes: lower bounds must be strictly ascending")


def _describe(error: ValidationError) -> str:
    """One sentence for the first pydantic error, naming the node or indicator."""
    first = error.errors()[0]
    loc = [str(part) for part in first["loc"]]
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] in ("missing", "extra_forbidden"):
        word = "missing" if first["type"] == "missing" else "unknown"
        message, loc = f'{word} field "{loc[-1]}"', loc[:-1]
    elif first["type"] == "value_error":
        loc = loc[:2]  # our own messages say which field
    if len(loc) >= 2 and loc[0] in ("nodes", "indicators"):
        where = f'{loc[0][:-1]} "{loc[1]}"'
        loc = loc[2:]
    else:
        where = ""
    if loc:
        where = f'{where}, field "{".".join(loc)}"' if where else f'field "{".".join(loc)}"'
    return f"{where}: {message}" if where else message


def parse_tree(data: dict[str, Any], source: str) -> Tree:
    """A validated tree from parsed TOML ``data``; ``source`` names the file in errors."""
    try:
        tree = Tree.model_validate(data)
        _check_structure(tree)
    except ValidationError as error:
        raise TreeError(f"tree {source}: {_describe(error)}") from None
    except ValueError as error:
        raise TreeError(f"tree {source}: {error}") from None
    return tree


def load_tree_file(path: Path) -> Tree:
    """Read and validate the tree in the TOML file ``path``."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TreeError(f"tree {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise TreeError(f"tree {path}: cannot be read ({error})") from None
    except tomllib.TOMLDecodeError as error:
        raise TreeError(f"tree {path.name}: malformed TOML ({error})") from None
    return parse_tree(data, path.name)


def shipped_trees() -> tuple[str, ...]:
    """Names of the trees shipped with the package (e.g. ``inform``)."""
    folder = resources.files("iofs.monitor.risk") / TREES_FOLDER
    return tuple(
        sorted(
            item.name.removesuffix(".toml")
            for item in folder.iterdir()
            if item.name.endswith(".toml")
        )
    )


def load_tree(name_or_path: str | Path) -> Tree:
    """A shipped tree by name (``inform``), else the tree in the TOML file at that path.

    Shipped trees are read once per process (pages and the API ask for the default tree on
    every request); a file given by path is read each time, so an edited copy is seen."""
    if isinstance(name_or_path, str) and name_or_path in shipped_trees():
        return _shipped_tree(name_or_path)
    return load_tree_file(Path(name_or_path))


@functools.cache
def _shipped_tree(name: str) -> Tree:
    folder = resources.files("iofs.monitor.risk") / TREES_FOLDER
    return load_tree_file(Path(str(folder / f"{name}.toml")))
