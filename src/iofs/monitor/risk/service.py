"""Public functions of ``monitor/risk``: load a tree, read a table, compute, verify, import.

Other modules, the CLI and (later) pages and the API call these; they return plain data.
Scores are 0–10 (rounded as the tree publishes them, INFORM: 0.1), missing shares and
reliabilities 0–1. Method: INFORM Concept and Methodology 2017 (Marin-Ferrer, Vernaccini,
Poljansek; JRC, EUR 28655 EN).
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from iofs.i18n import N_
from iofs.monitor.risk import engine
from iofs.monitor.risk.classes import class_label as class_label
from iofs.monitor.risk.engine import LEVELS, Evaluation, Levels, required_columns
from iofs.monitor.risk.inputs import InputTable, InputTableError, read_table
from iofs.monitor.risk.tree import Tree, TreeError, load_tree, shipped_trees
from iofs.slices import SliceInfo, UnknownSlice, discard, file_size, modified_at, split_id

if TYPE_CHECKING:
    from iofs.config import Settings
    from iofs.monitor.risk.views import CountryRisk, Ranked, WatchEntry

__all__ = [
    "LEVELS",
    "Check",
    "Contribution",
    "CountryResult",
    "ImportReport",
    "InputTable",
    "InputTableError",
    "Levels",
    "NodeResult",
    "Tree",
    "TreeError",
    "Verification",
    "compute",
    "evaluate",
    "import_inform",
    "inform_dir",
    "load_tree",
    "read_inputs",
    "remove_slice",
    "shipped_trees",
    "slices",
    "verify",
]

#: Labels of the result fields, for pages and the API.
FIELD_LABELS = {
    "value": N_("Score (0–10)"),
    "reliability": N_("Reliability (share of inputs present, 0–1)"),
    "missing_share": N_("Share of inputs missing (0–1)"),
    "class_label": N_("Risk class"),
}


@dataclass(frozen=True)
class Contribution:
    """One child of a node in one row: its score as aggregated (after its factor, 0–10,
    None = missing) and its effective weight (share of the aggregation, 0–1)."""

    child: str
    score: float | None
    weight: float


@dataclass(frozen=True)
class NodeResult:
    """A node's result in one row: ``value`` rounded as published (0–10, None = missing),
    ``unrounded``, the share of its indicators missing and the reliability (1 − that,
    both 0–1), its class (root only), its children's contributions and the names of its
    missing indicators."""

    node: str
    title: str
    depth: int
    value: float | None
    unrounded: float | None
    missing_share: float
    reliability: float
    class_label: str | None
    contributions: tuple[Contribution, ...]
    missing_inputs: tuple[str, ...]


@dataclass(frozen=True)
class CountryResult:
    """Every node of the tree for one row (country): root score and class first."""

    key: str
    label: str
    value: float | None
    class_label: str | None
    reliability: float
    nodes: tuple[NodeResult, ...]


def _optional(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def display_order(tree: Tree) -> tuple[str, ...]:
    """Node names top-down as a reader meets them: root, then each subtree in file order."""
    order: list[str] = []

    def visit(name: str) -> None:
        if name in tree.nodes and name not in order:
            order.append(name)
            for child in tree.nodes[name].children:
                visit(child.name)

    visit(tree.root)
    return tuple(order)


def read_inputs(path: Path, tree: Tree, levels: Levels = "published") -> InputTable:
    """Read the CSV table at ``path`` for ``tree``: the columns ``levels`` needs, plus any
    published node values and class (for :func:`verify`). Node columns must be 0–10."""
    return read_table(
        path,
        key=tree.key,
        label=tree.label,
        required=required_columns(tree, levels),
        scores=tuple(tree.nodes),
        optional=tuple(tree.nodes),
        text=(tree.class_column,) if tree.class_column else (),
    )


def evaluate(
    tree: Tree, table: InputTable, levels: Levels = "published", *, offset: float = 0.0
) -> Evaluation:
    """The tree over every row of ``table`` as arrays (bulk use: many rows, no objects).

    Raises :class:`InputTableError` when a column the evaluation needs is absent.
    """
    try:
        return engine.evaluate(tree, table.columns, levels, offset=offset)
    except KeyError as error:
        raise InputTableError(f"{table.name}: {error.args[0]}") from None


def compute(tree: Tree, table: InputTable, levels: Levels = "published") -> list[CountryResult]:
    """Every node's result for every row of ``table`` (one per country).

    ``levels="published"`` computes each node from its children's values as given in the
    table (INFORM's check of a release); ``"inputs"`` from the indicators up.
    """
    evaluation = evaluate(tree, table, levels)
    rounded = {name: evaluation.rounded(name) for name in tree.nodes}
    leaf_names = tuple(tree.indicators)
    order = display_order(tree)
    results: list[CountryResult] = []
    for row, (key, label) in enumerate(zip(table.keys, table.labels, strict=True)):
        missing = {
            name
            for name, flag in zip(leaf_names, evaluation.leaf_missing[row], strict=True)
            if flag
        }
        nodes: list[NodeResult] = []
        for name in order:
            node = tree.nodes[name]
            value = _optional(rounded[name][row])
            share = float(evaluation.missing_share[name][row])
            contributions = tuple(
                Contribution(
                    child.name,
                    _optional(evaluation.inputs[name][row, index]),
                    float(evaluation.shares[name][row, index]),
                )
                for index, child in enumerate(node.children)
            )
            nodes.append(
                NodeResult(
                    node=name,
                    title=node.title or name,
                    depth=tree.depth(name),
                    value=value,
                    unrounded=_optional(evaluation.values[name][row]),
                    missing_share=share,
                    reliability=1.0 - share,
                    class_label=tree.classify(value) if name == tree.root else None,
                    contributions=contributions,
                    missing_inputs=tuple(leaf for leaf in tree.leaves(name) if leaf in missing),
                )
            )
        root = nodes[0]
        results.append(
            CountryResult(
                key=key,
                label=label,
                value=root.value,
                class_label=root.class_label,
                reliability=root.reliability,
                nodes=tuple(nodes),
            )
        )
    return results


# --- checking against a published release ------------------------------------------------

Status = Literal["match", "rounding", "differs"]


@dataclass(frozen=True)
class Check:
    """A published value (node score, or the root's class) against the computed one.

    ``lower``/``upper`` bound what the computation gives when every score read from the
    table may be off by half a rounding unit (the release rounds its inputs too).
    ``status``: ``match`` (equal after rounding both the same way), ``rounding`` (differs,
    but within those bounds: explained by the rounding of the published inputs),
    ``differs``.
    """

    key: str
    node: str
    published: float | str | None
    computed: float | str | None
    lower: float | str | None
    upper: float | str | None
    status: Status


@dataclass(frozen=True)
class Verification:
    """Every published node value (and class) of a table checked against the tree.

    ``counts`` maps each node (and ``"class"``) to its number of checks per status;
    ``checks`` lists those that are not a match.
    """

    tree: str
    levels: Levels
    rows: int
    counts: dict[str, dict[Status, int]]
    checks: tuple[Check, ...]

    def total(self, status: Status) -> int:
        """How many checks over all nodes have ``status``."""
        return sum(counts[status] for counts in self.counts.values())


def _score_status(published: float, computed: float, lower: float, upper: float) -> Status:
    if math.isnan(published) or math.isnan(computed):
        return "match" if math.isnan(published) and math.isnan(computed) else "differs"
    if abs(published - computed) < 1e-6:
        return "match"
    if lower - 1e-6 <= published <= upper + 1e-6:
        return "rounding"
    return "differs"


def verify(tree: Tree, table: InputTable, levels: Levels = "published") -> Verification:
    """Check every node column (and the class column) of ``table`` against ``tree``.

    Nodes without a column in the table are not checked. Both sides are rounded to the
    tree's decimals; the bounds come from evaluating with every score read from the table
    shifted by ∓½ rounding unit (valid because every aggregation is non-decreasing in each
    child), so a ``rounding`` status is proven to be explained by the inputs' rounding.
    """
    half = 0.5 * 10.0**-tree.decimals
    mid, low, high = (evaluate(tree, table, levels, offset=offset) for offset in (0.0, -half, half))
    counts: dict[str, dict[Status, int]] = {}
    checks: list[Check] = []
    for name in display_order(tree):
        if name not in table.columns:
            continue
        tally: dict[Status, int] = {"match": 0, "rounding": 0, "differs": 0}
        published = table.columns[name]
        computed, lower, upper = mid.rounded(name), low.rounded(name), high.rounded(name)
        for row, key in enumerate(table.keys):
            status = _score_status(published[row], computed[row], lower[row], upper[row])
            tally[status] += 1
            if status != "match":
                checks.append(
                    Check(
                        key,
                        name,
                        _optional(published[row]),
                        _optional(computed[row]),
                        _optional(lower[row]),
                        _optional(upper[row]),
                        status,
                    )
                )
        counts[name] = tally
    if tree.class_column and tree.class_column in table.text:
        tally = {"match": 0, "rounding": 0, "differs": 0}
        bounds = [evaluation.rounded(tree.root) for evaluation in (mid, low, high)]
        for row, key in enumerate(table.keys):
            given = table.text[tree.class_column][row]
            found = [tree.classify(_optional(values[row])) for values in bounds]
            class_status: Status = (
                "match" if given == found[0] else "rounding" if given in found[1:] else "differs"
            )
            tally[class_status] += 1
            if class_status != "match":
                checks.append(
                    Check(key, "class", given, found[0], found[1], found[2], class_status)
                )
        counts["class"] = tally
    return Verification(
        tree=tree.name, levels=levels, rows=len(table), counts=counts, checks=tuple(checks)
    )


# --- INFORM releases in the analytics store -------------------------------------------------

SOURCE_HASH = b"iofs.source_sha256"
SOURCE_NAME = b"iofs.source_name"
_ISO3 = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True)
class ImportReport:
    """What an INFORM import did: ``imported`` (new), ``replaced`` (same release name, other
    content) or ``unchanged`` (the same file again); the Parquet path and row count."""

    status: Literal["imported", "replaced", "unchanged"]
    path: Path
    rows: int
    source_sha256: str


def inform_dir(analytics_dir: Path) -> Path:
    """Folder of the imported INFORM releases: ``<analytics>/risk/inform``."""
    return analytics_dir / "risk" / "inform"


def _release_name(path: Path) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", path.stem).strip("._") or "inform"


def _validate_release(tree: Tree, table: InputTable) -> None:
    """Raise InputTableError for a bad code or a class that contradicts the risk value."""
    assert tree.class_column is not None
    classes = table.text.get(tree.class_column)
    if classes is None:
        raise InputTableError(
            f'{table.name}: column "{tree.class_column}" is missing from the header'
        )
    risk = table.columns[tree.root]
    for row, key in enumerate(table.keys):
        where = f"{table.name}, line {table.lines[row]}"
        if not _ISO3.fullmatch(key):
            raise InputTableError(
                f'{where}, field "{tree.key}": "{key}" is not an ISO 3166-1 alpha-3 code'
            )
        expected = tree.classify(_optional(risk[row]))
        if classes[row] != expected:
            raise InputTableError(
                f'{where}, field "{tree.class_column}": "{classes[row]}" '
                f"contradicts {tree.root} {risk[row]:g} (class "
                f'"{expected}")'
            )


def import_inform(path: Path, analytics_dir: Path, tree: Tree | None = None) -> ImportReport:
    """Load the INFORM release CSV at ``path`` into ``inform_dir(analytics_dir)`` as Parquet.

    Validated before anything is written (every node and component column present, scores
    0–10, unique ISO3 codes, classes consistent with the risk values); written to a
    temporary file and atomically renamed, so an interruption leaves the store as it was.
    Importing the same file again changes nothing.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    tree = tree or load_tree("inform")
    names = (*tree.indicators, *tree.order)
    table = read_table(
        path,
        key=tree.key,
        label=tree.label,
        required=names,
        scores=names,
        text=(tree.class_column,) if tree.class_column else (),
    )
    _validate_release(tree, table)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    target = inform_dir(analytics_dir) / f"{_release_name(path)}.parquet"
    if target.exists():
        old = pq.read_schema(target).metadata or {}
        if old.get(SOURCE_HASH) == digest.encode():
            return ImportReport("unchanged", target, len(table), digest)
    assert tree.class_column is not None
    arrow = pa.table(
        {
            "iso3": list(table.keys),
            "country": list(table.labels),
            **{
                name: pa.array(table.columns[name], mask=np.isnan(table.columns[name]))
                for name in names
            },
            "risk_class": list(table.text[tree.class_column]),
        },
    ).replace_schema_metadata({SOURCE_HASH: digest.encode(), SOURCE_NAME: path.name.encode()})
    status: Literal["imported", "replaced"] = "replaced" if target.exists() else "imported"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        pq.write_table(arrow, tmp)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return ImportReport(status, target, len(table), digest)


# --- the IOFS index: inputs imported into the risk store, update, read ----------------------


#: Indicators an imported observation may name: the inputs of the IOFS tree.
def known_inputs() -> tuple[str, ...]:
    """The input names of the IOFS tree (``trees/iofs.toml``)."""
    return tuple(load_tree("iofs").indicators)


def store_observations(frame: object, analytics_dir: Path, name: str) -> bool:
    """Store an observation table (columns of :data:`iofs.monitor.risk.panel
    .OBSERVATION_COLUMNS`) as ``risk/observations/<name>`` atomically; False when the same
    rows are stored already (nothing written). Raises InputTableError on a bad row."""
    import pandas as pd

    from iofs.monitor.risk import index, sources
    from iofs.monitor.risk.panel import OBSERVATION_COLUMNS

    assert isinstance(frame, pd.DataFrame)
    missing = [c for c in OBSERVATION_COLUMNS if c not in frame]
    if missing:
        raise InputTableError(f'{name}: column "{missing[0]}" is missing')
    table = frame[list(OBSERVATION_COLUMNS)].reset_index(drop=True)
    known = set(known_inputs())
    for row, (iso3, indicator, value) in enumerate(
        zip(table["iso3"], table["indicator"], table["value"], strict=True), 2
    ):
        if not _ISO3.fullmatch(str(iso3)):
            raise InputTableError(
                f'{name}, line {row}, field "iso3": "{iso3}" is not an ISO 3166-1 alpha-3 code'
            )
        if indicator not in known:
            raise InputTableError(
                f'{name}, line {row}, field "indicator": unknown input '
                f'"{indicator}" (one of {", ".join(sorted(known))})'
            )
        if not math.isfinite(float(value)):
            raise InputTableError(f'{name}, line {row}, field "value": not a finite number')
    digest = hashlib.sha256(
        pd.util.hash_pandas_object(table, index=False).to_numpy().tobytes()
    ).hexdigest()
    target = sources.observations_dir(analytics_dir) / name
    if target.exists():
        import pyarrow.parquet as pq

        if (pq.read_schema(target).metadata or {}).get(SOURCE_HASH) == digest.encode():
            return False
    index.write_frame(table, target, {SOURCE_HASH: digest.encode(), SOURCE_NAME: name.encode()})
    return True


def import_observations(path: Path, analytics_dir: Path) -> int:
    """Import a CSV of observations (iso3, indicator, month YYYY-MM, value, source[,
    detail]) into the risk store, validated, all-or-nothing; the number of rows."""
    import csv

    import pandas as pd

    from iofs.monitor.risk.panel import month_index

    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as error:
        raise InputTableError(f"{path}: cannot be read ({error.strerror})") from None
    records = []
    for line, row in enumerate(rows, 2):
        where = f"{path.name}, line {line}"
        try:
            month = month_index(str(row.get("month") or "").strip())
            value = float(str(row.get("value") or "").strip())
        except ValueError:
            raise InputTableError(f"{where}: month must be YYYY-MM and value a number") from None
        records.append(
            {
                "iso3": str(row.get("iso3") or "").strip().upper(),
                "indicator": str(row.get("indicator") or "").strip(),
                "month_index": month,
                "value": value,
                "source": str(row.get("source") or path.name).strip(),
                "detail": str(row.get("detail") or ""),
            }
        )
    if not records:
        raise InputTableError(f"{path.name}: no data rows below the header")
    store_observations(pd.DataFrame(records), analytics_dir, f"{_release_name(path)}.parquet")
    return len(records)


def import_hungermap(path: Path, analytics_dir: Path) -> int:
    """Import WFP HungerMap LIVE country values (the API's JSON ``/v1/foodsecurity/country``
    response, or HDX's per-country CSV) as ``hungermap_fcs``: percent of people with
    insufficient food consumption (FCS poor or borderline), observed in the month of
    ``date``. Survey and prediction (nowcast) values are both kept; the source says which.
    Returns the number of rows stored."""
    import csv
    import json as json_module

    import pandas as pd

    from iofs.monitor.risk.panel import month_index

    records = []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise InputTableError(f"{path}: cannot be read ({error.strerror})") from None
    if path.suffix.lower() == ".json":
        try:
            body = json_module.loads(text)
        except ValueError as error:
            raise InputTableError(f"{path.name}: not JSON ({error})") from None
        for number, entry in enumerate((body.get("body") or body).get("countries", []), 1):
            try:
                prevalence = entry["metrics"]["fcs"]["prevalence"]
                records.append(
                    {
                        "iso3": entry["country"]["iso3"],
                        "indicator": "hungermap_fcs",
                        "month_index": month_index(entry["date"][:7]),
                        "value": 100.0 * float(prevalence),
                        "source": f"WFP HungerMap LIVE ({entry.get('dataType', '')})",
                        "detail": "",
                    }
                )
            except (KeyError, TypeError, ValueError):
                raise InputTableError(
                    f"{path.name}: country entry {number} lacks country "
                    "iso3, date or metrics.fcs.prevalence"
                ) from None
    else:
        lines = [line for line in text.splitlines() if not line.startswith("#")]
        for line, row in enumerate(csv.DictReader(lines), 2):
            if (row.get("adminlevel") or "national") != "national":
                continue
            try:
                records.append(
                    {
                        "iso3": str(row["countrycode"]).upper(),
                        "indicator": "hungermap_fcs",
                        "month_index": month_index(str(row["date"])[:7]),
                        "value": 100.0 * float(row["fcs prevalence"]),
                        "source": f"WFP HungerMap LIVE ({row.get('datatype', '')})",
                        "detail": "",
                    }
                )
            except (KeyError, TypeError, ValueError):
                raise InputTableError(
                    f"{path.name}, line {line}: countrycode, date or fcs "
                    "prevalence missing or not a number"
                ) from None
    if not records:
        raise InputTableError(f"{path.name}: no HungerMap country values found")
    frame = pd.DataFrame(records).drop_duplicates(["iso3", "month_index"], keep="last")
    store_observations(frame, analytics_dir, f"hungermap-{_release_name(path)}.parquet")
    return len(frame)


# --- the stored IOFS risk index, for other modules (briefs, bulletin, reserves) -------------


def _stored_index(settings: Settings) -> tuple[Any, Tree] | None:
    """The stored index (recomputed when an input changed) and its tree, or None."""
    from iofs.monitor.risk import index

    tree = load_tree(index.DEFAULT_TREE)
    stored = index.current(settings, tree)
    return None if stored is None else (stored, tree)


def country_risk(settings: Settings, iso3: str, month: str | None = None) -> CountryRisk | None:
    """One state's IOFS risk index (0–10) in ``month`` (default: its own latest month): class,
    drivers, decomposition and history; None when the index has nothing for it."""
    from iofs.monitor.risk import views

    found = _stored_index(settings)
    return None if found is None else views.explain(found[0], found[1], iso3, month)


def risk_ranking(settings: Settings, month: str | None = None) -> list[Ranked]:
    """The 57 states ranked by the IOFS risk index (each in its latest month when ``month`` is
    None); states with insufficient data last, unranked."""
    from iofs.monitor.risk import views

    found = _stored_index(settings)
    return [] if found is None else views.ranking(found[0], found[1], month)


def watchlist_entries(settings: Settings, month: str | None = None) -> list[WatchEntry]:
    """The watchlist (states in high risk and on watch, by the rules of
    :mod:`iofs.monitor.risk.views`), each with its drivers and what changed."""
    from iofs.monitor.risk import views

    found = _stored_index(settings)
    return [] if found is None else views.watchlist(found[0], found[1], month)[0]


def watch_entry(settings: Settings, iso3: str, month: str | None = None) -> WatchEntry | None:
    """The state's watchlist entry, or None when it is not on the watchlist."""
    code = iso3.strip().upper()
    return next((e for e in watchlist_entries(settings, month) if e.iso3 == code), None)


def watch_reasons(entry: WatchEntry) -> str:
    """The rules a watchlist entry meets, as translated words ("high risk, IPC signal")."""
    from iofs.monitor.risk import views

    return views.reason_labels(entry.reasons)


# --- slices: what was loaded, and removing it ------------------------------------------------


def _risk_slice(path: Path, folder: str) -> SliceInfo:
    import pandas as pd
    import pyarrow.parquet as pq

    metadata = pq.read_schema(path).metadata or {}
    source = metadata.get(SOURCE_NAME, path.name.encode()).decode()
    frame = pd.read_parquet(path)
    first = last = None
    if folder == "inform":
        kind = "inform"
    else:
        kind = "hungermap" if path.name.startswith("hungermap-") else "observations"
        named = frame["source"].unique() if "source" in frame else []
        source = str(named[0]) if len(named) == 1 else source  # the file, when no source
        months = frame["month_index"] if "month_index" in frame and len(frame) else None
        if months is not None:
            first, last = (
                f"{int(m) // 12:04d}-{int(m) % 12 + 1:02d}" for m in (months.min(), months.max())
            )
    return SliceInfo(
        id=f"risk:{folder}/{path.stem}",
        dataset="risk",
        source=source,
        kind=kind,
        rows=len(frame),
        countries=int(frame["iso3"].nunique()) if "iso3" in frame else 0,
        first=first,
        last=last,
        ingested_at=modified_at(path),
        size=file_size(path),
    )


def _risk_folders(analytics_dir: Path) -> dict[str, Path]:
    from iofs.monitor.risk import sources

    return {
        "inform": inform_dir(analytics_dir),
        "observations": sources.observations_dir(analytics_dir),
    }


def slices(analytics_dir: Path) -> list[SliceInfo]:
    """The risk inputs imported into the store: INFORM releases, HungerMap values and
    observation tables (the IOFS index itself is computed from them, not listed)."""
    from iofs.ingest_files import visible_files

    return [
        _risk_slice(path, folder)
        for folder, where in _risk_folders(analytics_dir).items()
        for path in visible_files(where, "*.parquet")
    ]


def remove_slice(analytics_dir: Path, slice_id: str) -> SliceInfo:
    """Remove one imported risk input; the stored IOFS index is recomputed on its next read
    (its fingerprint covers the input files)."""
    name = split_id(slice_id, "risk")
    folder, _, stem = name.partition("/")
    where = _risk_folders(analytics_dir).get(folder)
    path = where / f"{stem}.parquet" if where is not None else None
    if path is None or "/" in stem or not path.is_file():
        raise UnknownSlice(slice_id)
    info = _risk_slice(path, folder)
    discard([path])
    return info
