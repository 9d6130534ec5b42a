"""FAOSTAT slices: listed from the store, removed with their suite input and the cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from iofs.monitor.faostat import service, store
from iofs.monitor.faostat.ingest import ingest
from iofs.slices import UnknownSlice
from tests.monitor.faostat.helpers import FS_TEXT, write_fbs


def test_list_remove_relist(tmp_path: Path) -> None:
    analytics = tmp_path / "analytics"
    fs = tmp_path / "Food_Security_Data_E_All_Data_(Normalized).csv"
    fs.write_bytes(FS_TEXT.encode("latin-1"))
    ingest([write_fbs(tmp_path / "FoodBalanceSheets_E_All_Data_(Normalized).csv"), fs], analytics)
    found = {s.kind: s for s in service.slices(analytics)}
    assert set(found) == {"FBS", "FS"}
    fbs = found["FBS"]
    assert fbs.id == "faostat:FBS/FoodBalanceSheets_E_All_Data__Normalized"
    assert fbs.source == "FoodBalanceSheets_E_All_Data_(Normalized).csv"
    assert fbs.rows > 0 and fbs.countries >= 2 and fbs.size > 0 and fbs.ingested_at
    assert fbs.first is not None and fbs.last is not None and fbs.first <= fbs.last
    assert not service.indicator_table(analytics).empty  # the cache is built
    store.suite_inputs(analytics)
    removed = service.remove_slice(analytics, fbs.id)
    assert removed == fbs
    assert [s.kind for s in service.slices(analytics)] == ["FS"]
    assert not store.cache_path(analytics).exists()
    assert not store.suite_input_path(analytics, "FBS", fbs.id.split("/")[1]).exists()
    assert [m["domain"] for m in store.slices(analytics)] == ["FS"]
    table = service.indicator_table(analytics)
    assert "dietary_energy_supply" not in set(table["indicator"][table["source"] == "computed"])
    with pytest.raises(UnknownSlice):
        service.remove_slice(analytics, fbs.id)
    with pytest.raises(UnknownSlice):
        service.remove_slice(analytics, "faostat:../x")
