"""Stores for the briefs' tests: empty (only the 57 states), and filled with the shared real
files (WFP prices of Afghanistan, FAOSTAT food balances and food security, IPC national
analyses) plus every module's demo data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from iofs.config import Settings

REAL_FILES = {
    "prices": ["wfp/country/wfp_food_prices_afg.csv"],
    "faostat": [
        "faostat/FAOSTAT_FBS_2010-2022_macro_supply_all_countries.csv",
        "faostat/Food_Security_Data_E_All_Data_Normalized_2019.csv",
    ],
    "ipc": ["ipc/ipc_global_national_long.csv"],
}


def load_real_files(analytics_dir: Path, shared: Path) -> None:
    """Ingest the shared real files into ``analytics_dir`` (skip when one is absent)."""
    from iofs.monitor.faostat.ingest import ingest as ingest_faostat
    from iofs.monitor.ipc import service as ipc
    from iofs.monitor.prices.ingest import ingest_file

    paths = {kind: [shared / name for name in names] for kind, names in REAL_FILES.items()}
    absent = [str(p) for group in paths.values() for p in group if not p.exists()]
    if absent:
        pytest.skip(f"shared real files absent: {absent}")
    for path in paths["prices"]:
        ingest_file(path, analytics_dir)
    ingest_faostat(paths["faostat"], analytics_dir)
    ipc.ingest(paths["ipc"], analytics_dir)


def load_demo(factory: sessionmaker[Session]) -> None:
    """Every module's demo data (one transaction)."""
    from iofs.accounts.service import cli_principal
    from iofs.db import transaction
    from iofs.demo import load_all

    with transaction(factory) as session:
        load_all(session, cli_principal())


@pytest.fixture
def filled(
    settings: Settings, loaded_registry: sessionmaker[Session], shared_data: Path
) -> Iterator[sessionmaker[Session]]:
    """The real files and the demo loaded; the briefs' cache emptied around the test."""
    from iofs.briefs import cache

    cache.clear()
    load_real_files(settings.analytics_dir, shared_data)
    load_demo(loaded_registry)
    yield loaded_registry
    cache.clear()
