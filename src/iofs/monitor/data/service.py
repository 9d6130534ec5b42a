"""Every dataset's slices in one list, and removing one slice (authorised and audited).

Each dataset's own ``service.py`` reads and removes its slices (``slices(analytics_dir)``,
``remove_slice(analytics_dir, slice_id)``, returning :class:`iofs.slices.SliceInfo`); this
module only dispatches on the id's dataset prefix, checks the permission, and writes the
audit entry (record type ``data_slice``, the slice's description as ``before``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import cast

from sqlalchemy.orm import Session

from iofs.audit import service as audit
from iofs.i18n import N_
from iofs.i18n import gettext as _
from iofs.monitor.data import permissions as _declared  # noqa: F401 - declares data.*
from iofs.permissions import Principal, authorize
from iofs.slices import SliceInfo, UnknownSlice

#: Datasets in display order: id prefix → (label msgid, the service that owns its slices).
DATASETS: dict[str, tuple[str, str]] = {
    "faostat": (N_("FAOSTAT"), "iofs.monitor.faostat.service"),
    "prices": (N_("Food prices"), "iofs.monitor.prices.service"),
    "ipc": (N_("IPC phases"), "iofs.monitor.ipc.service"),
    "drought": (N_("Drought (SPI)"), "iofs.monitor.drought.service"),
    "risk": (N_("Risk inputs"), "iofs.monitor.risk.service"),
}

#: Names of the kinds of slice, for people (FAOSTAT domains are named from the FAOSTAT list).
KINDS: dict[str, str] = {
    "observations": N_("observations"),
    "markets": N_("markets"),
    "commodities": N_("commodities"),
    "currencies": N_("currencies"),
    "spi": N_("SPI output"),
    "inform": N_("INFORM release"),
    "hungermap": N_("HungerMap values"),
}

#: Record type of the audit entries written on removal.
RECORD_TYPE = "data_slice"


def _owner(dataset: str) -> object:
    if dataset not in DATASETS:
        raise KeyError(dataset)
    return importlib.import_module(DATASETS[dataset][1])


def _lister(dataset: str) -> Callable[[Path], list[SliceInfo]]:
    return cast(Callable[[Path], list[SliceInfo]], _owner(dataset).slices)  # type: ignore[attr-defined]


def _remover(dataset: str) -> Callable[[Path, str], SliceInfo]:
    return cast(Callable[[Path, str], SliceInfo], _owner(dataset).remove_slice)  # type: ignore[attr-defined]


def list_slices(analytics_dir: Path, principal: Principal | None = None) -> list[SliceInfo]:
    """Every slice of every dataset, in dataset order (``principal``: checked for
    ``data.read`` when given)."""
    if principal is not None:
        authorize(principal, "data.read")
    return [info for dataset in DATASETS for info in _lister(dataset)(analytics_dir)]


def get_slice(analytics_dir: Path, slice_id: str) -> SliceInfo:
    """One slice by id; :class:`UnknownSlice` when none has it."""
    dataset = slice_id.partition(":")[0]
    if dataset not in DATASETS:
        raise UnknownSlice(slice_id)
    found = [info for info in _lister(dataset)(analytics_dir) if info.id == slice_id]
    if not found:
        raise UnknownSlice(slice_id)
    return found[0]


def remove(session: Session, principal: Principal, analytics_dir: Path, slice_id: str) -> SliceInfo:
    """Remove one slice and audit it (in the caller's transaction: commit afterwards).

    The entry is written first, then the files are removed: a removal that fails raises
    and the caller's rollback drops the entry.
    """
    authorize(principal, "data.remove")
    info = get_slice(analytics_dir, slice_id)
    audit.record(session, principal, "delete", RECORD_TYPE, slice_id, info.as_dict(), None)
    removed = _remover(info.dataset)(analytics_dir, slice_id)
    push_removal(analytics_dir)
    return removed


def push_removal(analytics_dir: Path) -> None:
    """Push the removal to the shared analytics store when one is set (IOFS_ANALYTICS_URL)
    for this store; a failure is logged, and the next push sends it."""
    from iofs.analytics_store.sync import push_quietly
    from iofs.config import get_settings

    settings = get_settings()
    if settings.analytics_url and settings.analytics_dir.resolve() == analytics_dir.resolve():
        push_quietly(settings)


def dataset_label(dataset: str) -> str:
    """The translated name of a dataset."""
    return _(DATASETS[dataset][0]) if dataset in DATASETS else dataset


def kind_label(info: SliceInfo) -> str:
    """The translated name of a slice's kind (a FAOSTAT domain: its code and FAO's name)."""
    if info.dataset == "faostat":
        from iofs.monitor.faostat.sniff import DOMAINS

        name = DOMAINS.get(info.kind)
        return f"{info.kind}: {name}" if name else info.kind
    if info.kind.startswith("zonal"):
        return _("zonal drought shares") + info.kind.removeprefix("zonal")
    return _(KINDS[info.kind]) if info.kind in KINDS else info.kind


def span(info: SliceInfo) -> str:
    """``first–last`` (one value when they are equal, empty without periods)."""
    if info.first is None:
        return ""
    return info.first if info.first == info.last else f"{info.first}–{info.last}"


def human_size(size: int) -> str:
    """Bytes as ``12.3 MB`` (decimal units)."""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"  # pragma: no cover - the loop returns


def records(slices: list[SliceInfo]) -> list[dict[str, object]]:
    """The slices as rows for the CLI and downloads (``span`` added)."""
    return [{**info.as_dict(), "span": span(info)} for info in slices]
