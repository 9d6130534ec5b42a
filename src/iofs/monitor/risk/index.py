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


def compute_frame(tree: Tree, observations: pd.DataFrame,
                  ipc_signals: pd.DataFrame | None = None) -> pd.DataFrame:
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
    evaluation = engine.evaluate(tree, {indicator.source: grid.values[name]
                                        for name, indicator in tree.indicators.items()})
    root = evaluation.values[tree.root]
    reliability = 1.0 - evaluation.missing_share[tree.root]
    insufficient = np.isnan(root) | (reliability < tree.min_reliability)
    rounded = np.where(insufficient, np.nan, round_half_up(root, tree.decimals))
    labels = [tree.classify(None if math.isnan(v) else float(v)) or "" for v in rounded]
    months = grid.row_months()
    iso3 = grid.row_keys()
    states = oic_states()
    columns: dict[str, object] = {
        "iso3": iso3, "oic": np.isin(iso3, list(states)),
        "month": [panel.month_label(int(m)) for m in months], "month_index": months,
        "value": rounded, "unrounded": np.where(insufficient, np.nan, root),
        "risk_class": pd.Categorical(labels),
        "reliability": reliability,
        "status": pd.Categorical(np.where(insufficient, INSUFFICIENT, OK)),
    }
    signal_text = np.full(grid.rows, "", dtype=object)
    if ipc_signals is not None and not ipc_signals.empty:
        position = {key: i for i, key in enumerate(grid.keys)}
        for row in ipc_signals.itertuples(index=False):
            column = int(row.month_index) - grid.first_month
            if row.iso3 in position and 0 <= column < grid.months:
                signal_text[position[row.iso3] * grid.months + column] = row.criteria
    columns["ipc_signal"] = signal_text
    for name in tree.nodes:
        columns[f"node:{name}"] = evaluation.rounded(name)
    source_of = observations["source"].to_numpy(dtype=object)
    detail_of = observations["detail"].fillna("").to_numpy(dtype=object)
    for name in tree.indicators:
        origin = grid.origin[name]
        found = origin >= 0
        columns[f"raw:{name}"] = grid.values[name]
        columns[f"score:{name}"] = evaluation.values[name]
        columns[f"age:{name}"] = grid.ages[name]
        columns[f"source:{name}"] = pd.Categorical(
            np.where(found, source_of[np.where(found, origin, 0)] if len(source_of) else "",
                     ""))
        columns[f"detail:{name}"] = np.where(
            found, detail_of[np.where(found, origin, 0)] if len(detail_of) else "", "")
    return pd.DataFrame(columns)


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
        path=target, rows=len(frame), countries=int(frame["iso3"].nunique()),
        first_month=str(frame["month"].iloc[0]) if len(frame) else None,
        last_month=str(frame["month"].max()) if len(frame) else None,
        observations={str(k): int(v) for k, v in counts.items()})


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
        _cache[key] = Stored(frame=frame, keys=keys, first_month=first, months=months,
                             start={k: i * months for i, k in enumerate(keys)})
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
