"""The IOFS food-security risk index: computed for every country × month, stored as Parquet.

``update`` gathers every input (:mod:`iofs.monitor.risk.sources`), builds the monthly panel
(:mod:`iofs.monitor.risk.panel`), evaluates the tree over all rows at once
(:mod:`iofs.monitor.risk.engine`) and writes one row per country and month, with the full
decomposition (every node's score; every input's raw value, score, source, age and detail),
to ``analytics_dir/risk/index/index.parquet`` atomically (temporary file, fsync, rename).
Pages, the API and the CLI read that file (cached per modification time), so they never
recompute; :func:`current` recomputes first when an input file changed since.

Units: scores 0–10 (rounded as the tree publishes them, 0.1), reliability 0–1 (share of
inputs present), ages in months (0 = observed in the month itself).
"""

from __future__ import annotations

import hashlib
import math
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from iofs.config import Settings
from iofs.monitor.risk import engine, panel, sources
from iofs.monitor.risk.aggregation import round_half_up
from iofs.monitor.risk.tree import Tree, load_tree

#: The tree shipped as the IOFS index.
DEFAULT_TREE = "iofs"
INDEX_FILE = "index.parquet"
FINGERPRINT = b"iofs.inputs_sha256"
TREE_NAME = b"iofs.tree"
OK, INSUFFICIENT = "ok", "insufficient"


def index_path(analytics_dir: Path) -> Path:
    """The stored index: ``<analytics>/risk/index/index.parquet``."""
    return sources.risk_dir(analytics_dir) / "index" / INDEX_FILE


def fingerprint(analytics_dir: Path, tree: Tree) -> str:
    """Hash of the input files' names, sizes and modification times, and of the tree."""
    digest = hashlib.sha256(tree.model_dump_json().encode())
    for path in sources.input_files(analytics_dir):
        stat = path.stat()
        digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def oic_states() -> frozenset[str]:
    """ISO3 codes of the 57 OIC states (the members module's packaged reference)."""
    from iofs.monitor.ipc.service import oic_states as states

    return states()


def compute_frame(
    tree: Tree, observations: pd.DataFrame, ipc_signals: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per country (every OIC state, and any other country observed) × month.

    Columns: iso3, oic, month (YYYY-MM), month_index, value (0–10 rounded, NaN when
    insufficient), unrounded, risk_class, reliability (0–1), status (ok/insufficient),
    ipc_signal (criteria of an IPC signal made that month, else empty), then ``node:<name>``
    (0–10 rounded) per node and ``raw:``, ``score:``, ``age:``, ``source:``, ``detail:``
    per indicator.
    """
    keys = sorted(oic_states() | set(observations["iso3"].unique()))
    validity = {name: indicator.valid_months for name, indicator in tree.indicators.items()}
    grid = panel.build(observations, validity, keys)
    evaluation = engine.evaluate(
        tree, {indicator.source: grid.values[name] for name, indicator in tree.indicators.items()}
    )
    root = evaluation.values[tree.root]
    reliability = 1.0 - evaluation.missing_share[tree.root]
    insufficient = np.isnan(root) | (reliability < tree.min_reliability)
    rounded = np.where(insufficient, np.nan, round_half_up(root, tree.decimals))
    # Built by column from small arrays: per-country and per-month values repeated, labels
    # classified once per distinct score, strings and categories taken by position.
    per_country = np.repeat(np.arange(len(grid.keys)), grid.months)
    per_month = np.tile(np.arange(grid.months), len(grid.keys))
    states = oic_states()
    columns: dict[str, object] = {
        "iso3": _strings(list(grid.keys), per_country),
        "oic": np.array([key in states for key in grid.keys], dtype=bool)[per_country],
        "month": _strings(
            [panel.month_label(grid.first_month + m) for m in range(grid.months)], per_month
        ),
        "month_index": grid.row_months(),
        "value": rounded,
        "unrounded": np.where(insufficient, np.nan, root),
        "risk_class": _classes(tree, rounded),
        "reliability": reliability,
        "status": _labelled(
            np.array([OK, INSUFFICIENT], dtype=object), insufficient.astype(np.int64)
        ),
    }
    signals: list[str] = []
    signal_of = np.full(grid.rows, -1, dtype=np.int64)
    if ipc_signals is not None and not ipc_signals.empty:
        position = {key: i for i, key in enumerate(grid.keys)}
        for row in ipc_signals.itertuples(index=False):
            column = int(row.month_index) - grid.first_month
            if row.iso3 in position and 0 <= column < grid.months:
                signal_of[position[row.iso3] * grid.months + column] = len(signals)
                signals.append(row.criteria)
    columns["ipc_signal"] = _strings(signals, _or_blank(signal_of, len(signals) + 1))
    for name in tree.nodes:
        columns[f"node:{name}"] = evaluation.rounded(name)
    sources_ = _with_blank(observations["source"])
    source_codes, source_names = pd.factorize(sources_, sort=True)
    details = _with_blank(observations["detail"].fillna(""))
    for name in tree.indicators:
        origin = grid.origin[name]
        columns[f"raw:{name}"] = grid.values[name]
        columns[f"score:{name}"] = evaluation.values[name]
        columns[f"age:{name}"] = grid.ages[name]
        columns[f"source:{name}"] = _categories(
            source_codes, source_names, _or_blank(origin, len(source_codes))
        )
        columns[f"detail:{name}"] = details.take(_or_blank(origin, len(details)))
    return pd.DataFrame(columns)


def _with_blank(values: Any) -> Any:
    """``values`` as a string array with "" appended (what a position of −1 takes)."""
    return pd.concat(
        [pd.Series(values, dtype="str"), pd.Series([""], dtype="str")], ignore_index=True
    ).array


def _or_blank(positions: NDArray[np.int64], size: int) -> NDArray[np.int64]:
    """Positions into a :func:`_with_blank` array of ``size``: −1 becomes the blank."""
    return np.where(positions >= 0, positions, size - 1)


def _strings(values: list[str], positions: NDArray[np.int64]) -> Any:
    """``values[position]`` for each position, as a string column."""
    return _with_blank(values).take(positions)


def _categories(codes: NDArray[np.int64], names: Any, picks: NDArray[np.int64]) -> pd.Categorical:
    """``names[codes[pick]]`` for every pick as a categorical of the values picked, with
    sorted categories, as ``pd.Categorical`` of those values gives (``codes`` and ``names``
    from ``pd.factorize(…, sort=True)``; code −1 stays missing). Each value is encoded once
    rather than once per row."""
    taken = codes[picks]
    used = np.unique(taken[taken >= 0])
    remap = np.full(len(names) + 1, -1, dtype=np.int64)
    remap[used] = np.arange(len(used))
    return pd.Categorical.from_codes(remap[taken], categories=names[used])


def _classes(tree: Tree, rounded: Any) -> pd.Categorical:
    """The class label of every rounded root score ("" when missing), each distinct score
    classified once."""
    distinct, inverse = np.unique(rounded, return_inverse=True)
    labels = np.array(
        [tree.classify(None if math.isnan(v) else float(v)) or "" for v in distinct], dtype=object
    )
    return _labelled(labels, inverse.reshape(-1))


def _labelled(labels: Any, picks: NDArray[np.int64]) -> pd.Categorical:
    """``labels[pick]`` for every pick (a few distinct labels) as :func:`_categories`."""
    codes, names = pd.factorize(labels, sort=True)
    return _categories(codes, names, picks)


def write_frame(frame: pd.DataFrame, target: Path, metadata: dict[bytes, bytes]) -> None:
    """Write ``frame`` to ``target`` atomically (temporary file, fsync, rename)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    target.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **metadata})
    tmp = target.with_name(f".{target.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        pq.write_table(table, tmp)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


@dataclass(frozen=True)
class UpdateReport:
    """What ``update`` wrote: rows (countries × months), countries, months, and how many
    observations of each indicator went in."""

    path: Path
    rows: int
    countries: int
    first_month: str | None
    last_month: str | None
    observations: dict[str, int]


def update(settings: Settings, tree: Tree | None = None) -> UpdateReport:
    """Recompute the whole index from every stored input and store it (atomically)."""
    tree = tree or load_tree(DEFAULT_TREE)
    analytics = settings.analytics_dir
    stamp = fingerprint(analytics, tree)
    observations, ipc_signals = sources.gather(settings)
    frame = compute_frame(tree, observations, ipc_signals)
    target = index_path(analytics)
    write_frame(frame, target, {FINGERPRINT: stamp.encode(), TREE_NAME: tree.name.encode()})
    _cache.clear()
    counts = observations["indicator"].value_counts().to_dict() if len(observations) else {}
    return UpdateReport(
        path=target,
        rows=len(frame),
        countries=int(frame["iso3"].nunique()),
        first_month=str(frame["month"].iloc[0]) if len(frame) else None,
        last_month=str(frame["month"].max()) if len(frame) else None,
        observations={str(k): int(v) for k, v in counts.items()},
    )


@dataclass(frozen=True)
class Stored:
    """The stored index, ready to look rows up: ``frame`` is country-major, one complete
    run of ``months`` rows from ``first_month`` per country in ``keys`` order."""

    frame: pd.DataFrame
    keys: tuple[str, ...]
    first_month: int
    months: int
    start: dict[str, int]
    arrays: dict[str, Any] = field(default_factory=dict, repr=False)

    def column(self, name: str) -> Any:
        """Column ``name`` as a numpy array, converted once (pages read single cells by the
        thousand; a pandas cell lookup costs far more than an array's)."""
        if name not in self.arrays:
            self.arrays[name] = self.frame[name].to_numpy()
        return self.arrays[name]

    def position(self, iso3: str, month: int) -> int | None:
        """Row of ``iso3`` in the month count ``month``, None outside the index."""
        start = self.start.get(iso3)
        column = month - self.first_month
        if start is None or not 0 <= column < self.months:
            return None
        return start + column


_cache: dict[tuple[str, int], Stored] = {}


def read(analytics_dir: Path) -> Stored | None:
    """The stored index (cached until the file changes), None when never computed."""
    path = index_path(analytics_dir)
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        return None
    key = (str(path), stamp)
    if key not in _cache:
        frame = pd.read_parquet(path)
        keys = tuple(dict.fromkeys(frame["iso3"].tolist()))
        months = len(frame) // len(keys) if keys else 0
        first = int(frame["month_index"].iloc[0]) if len(frame) else 0
        _cache.clear()
        _cache[key] = Stored(
            frame=frame,
            keys=keys,
            first_month=first,
            months=months,
            start={k: i * months for i, k in enumerate(keys)},
        )
    return _cache[key]


def stored_fingerprint(analytics_dir: Path) -> str | None:
    """The input fingerprint the stored index was computed from."""
    import pyarrow.parquet as pq

    path = index_path(analytics_dir)
    if not path.exists():
        return None
    value = (pq.read_schema(path).metadata or {}).get(FINGERPRINT)
    return value.decode() if value else None


def current(settings: Settings, tree: Tree | None = None) -> Stored | None:
    """The stored index, recomputed first when an input changed since it was written (or
    when it was never written and some input exists); None when there is no input at all."""
    tree = tree or load_tree(DEFAULT_TREE)
    analytics = settings.analytics_dir
    if not sources.input_files(analytics) and not index_path(analytics).exists():
        return None
    if stored_fingerprint(analytics) != fingerprint(analytics, tree):
        update(settings, tree)
    return read(analytics)
