"""Climate-smart search: accessions collected where drought is frequent, for a member state
facing that hazard (landraces and wild relatives adapted to it).

From the drought module's service only (:mod:`iofs.monitor.drought.service`):

- the state's drought history: the share of months its country-mean SPI-12 was at or below
  −1.5 (severe or extreme drought, McKee et al. 1993), from the zonal table;
- the gridded SPI-12 (``iofs drought spi --scale 12`` output, Zarr or NetCDF): for each
  collecting site, the share of months with SPI-12 ≤ −1.5 in the grid cell nearest to it
  (sites more than one cell away from the grid have no value).

An accession qualifies when its site's share reaches the threshold: by default the state's own
share (sites at least as drought-prone as the state), else, without a history, 6.7 % — the
share a standard normal SPI reaches by chance (P(Z ≤ −1.5)), so "frequent" means more often
than the climate's own expectation.

The grid's location: ``IOFS_GENEBANK_SPI12`` (a path), else ``spi12.zarr`` or ``spi12.nc`` in
the drought store (``<data dir>/analytics/drought``).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from iofs.config import Settings
from iofs.genebank.errors import GenebankError, UnknownRecord
from iofs.genebank.models import Accession
from iofs.i18n import gettext as _
from iofs.permissions import Principal, allows

#: SPI at or below this is severe (or extreme) drought.
SEVERE_SPI = -1.5
#: P(Z ≤ −1.5) for a standard normal SPI: how often severe drought comes by chance.
CHANCE_SHARE = 0.0668
SCALE = 12


def spi12_path(settings: Settings) -> Path:
    """Where the gridded SPI-12 is read from (see the module's description)."""
    from iofs.monitor.drought import service as drought

    configured = os.environ.get("IOFS_GENEBANK_SPI12", "").strip()
    if configured:
        return Path(configured)
    folder = drought.drought_dir(settings)
    for name in ("spi12.zarr", "spi12.nc"):
        if (folder / name).exists():
            return folder / name
    return folder / "spi12.zarr"


@dataclass(frozen=True)
class ShareGrid:
    """Share of months with SPI ≤ −1.5 per grid cell, with the cell centres."""

    lat: np.ndarray
    lon: np.ndarray
    share: np.ndarray  # (lat, lon), NaN where the cell never had a value
    months: int

    def at(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """Shares at the nearest cells of these points (NaN off the grid)."""
        rows = _nearest(self.lat, lat)
        columns = _nearest(self.lon, lon)
        found = (rows >= 0) & (columns >= 0)
        result = np.full(lat.shape, np.nan)
        result[found] = self.share[rows[found], columns[found]]
        return result


def _nearest(centres: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Index of the nearest centre of each value; −1 more than one cell step away."""
    index = pd.Index(centres)
    step = float(np.abs(np.diff(centres)).max()) if len(centres) > 1 else 1.0
    if not index.is_monotonic_increasing:
        order = np.argsort(centres)
        found = pd.Index(centres[order]).get_indexer(values, method="nearest", tolerance=step)
        return np.where(found >= 0, order[found], -1)
    return np.asarray(index.get_indexer(values, method="nearest", tolerance=step))


def share_grid(path: Path) -> ShareGrid:
    """The share grid of an SPI-12 output (computed once per file version)."""
    if not path.exists():
        raise UnknownRecord(
            _(
                "No SPI-12 grid is installed: compute one with the drought "
                "module (spi12.zarr in its store) or set IOFS_GENEBANK_SPI12."
            ),
            "spi",
        )
    return _share_grid(path, path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _share_grid(path: Path, _stamp: int) -> ShareGrid:
    from iofs.monitor.drought import service as drought

    ds = drought.open_result(path)
    spi = ds["spi"]
    if "lat" not in spi.dims or "lon" not in spi.dims:
        raise GenebankError(_("The SPI output has no latitude/longitude grid."), "spi")
    scale = int(ds.attrs.get("scale", spi.attrs.get("scale", 0)) or 0)
    if scale != SCALE:
        raise GenebankError(
            _("The SPI output is SPI-%(scale)d; the search needs SPI-12.") % {"scale": scale}, "spi"
        )
    spi = spi.transpose("time", "lat", "lon")
    severe = (spi <= SEVERE_SPI).sum("time").values
    valid = spi.notnull().sum("time").values
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(valid > 0, severe / np.maximum(valid, 1), np.nan)
    return ShareGrid(
        np.asarray(spi["lat"].values, dtype=float),
        np.asarray(spi["lon"].values, dtype=float),
        share,
        int(spi.sizes["time"]),
    )


@dataclass(frozen=True)
class StateHistory:
    """A state's drought history: months with a country-mean SPI-12, and the share of them
    at or below −1.5."""

    iso3: str
    months: int
    severe_months: int

    @property
    def share(self) -> float | None:
        return self.severe_months / self.months if self.months else None


def state_history(settings: Settings, iso3: str) -> StateHistory:
    """The drought history of ``iso3`` from the drought module's zonal table."""
    from iofs.monitor.drought import service as drought

    code = iso3.strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise GenebankError(_("A country is a three-letter ISO 3166-1 alpha-3 code."), "state")
    frame = drought.country_series(settings, code, SCALE)
    values = (
        pd.to_numeric(frame["mean_spi"], errors="coerce").dropna()
        if not frame.empty
        else pd.Series(dtype=float)
    )
    return StateHistory(code, int(values.size), int((values <= SEVERE_SPI).sum()))


@dataclass(frozen=True)
class ClimateMatch:
    accession: Accession
    share: float


@dataclass(frozen=True)
class ClimateSmart:
    """What a climate-smart search found: the state's history, the threshold used, how many
    accessions qualify, and the most drought-exposed first (a page)."""

    history: StateHistory
    threshold: float
    grid_months: int
    located: int
    total: int
    matches: list[ClimateMatch]


def climate_smart(
    session: Session,
    principal: Principal,
    settings: Settings,
    iso3: str,
    min_share: float | None = None,
    sampstat: str = "",
    limit: int = 100,
    offset: int = 0,
    spi_output: Path | None = None,
) -> ClimateSmart:
    """Accessions collected where SPI-12 ≤ −1.5 in at least ``min_share`` of the months
    (default: the state's own share, else :data:`CHANCE_SHARE`), most exposed first;
    ``sampstat`` keeps biological statuses starting with it (``3``: landraces); the public
    sees available accessions."""
    history = state_history(settings, iso3)
    threshold = min_share if min_share is not None else (history.share or CHANCE_SHARE)
    grid = share_grid(spi_output or spi12_path(settings))
    query = select(Accession.id, Accession.lat, Accession.lon).where(
        Accession.lat.is_not(None), Accession.lon.is_not(None)
    )
    if not allows(principal, "genebank.read_internal"):
        query = query.where(Accession.available.is_(True))
    if sampstat:
        query = query.where(Accession.sampstat.startswith(sampstat, autoescape=True))
    rows = session.execute(query).all()
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    lat = np.array([r[1] for r in rows], dtype=float)
    lon = np.array([r[2] for r in rows], dtype=float)
    shares = grid.at(lat, lon) if len(rows) else np.array([])
    keep = np.nonzero(shares >= threshold - 1e-12)[0]
    order = keep[np.lexsort((ids[keep], -shares[keep]))]
    page = order[offset : offset + limit]
    by_id = {
        a.id: a
        for a in session.execute(
            select(Accession).where(Accession.id.in_([int(i) for i in ids[page]]))
        ).scalars()
    }
    matches = [ClimateMatch(by_id[int(ids[i])], float(shares[i])) for i in page]
    return ClimateSmart(
        history,
        float(threshold),
        grid.months,
        int(np.count_nonzero(~np.isnan(shares))),
        len(keep),
        matches,
    )
