"""Risk input slices: imported observations and HungerMap values, listed and removed; the
stored index's fingerprint follows."""

from __future__ import annotations

from pathlib import Path

import pytest

from iofs.monitor.risk import index, service
from iofs.slices import UnknownSlice


def test_list_remove_relist(tmp_path: Path) -> None:
    analytics = tmp_path / "analytics"
    observations = tmp_path / "conflict 2024.csv"
    observations.write_text(
        "iso3,indicator,month,value,source\n"
        "AFG,conflict,2024-01,3,ACLED\nSDN,conflict,2024-03,7,ACLED\n",
        encoding="utf-8",
    )
    hungermap = tmp_path / "hm.csv"
    hungermap.write_text(
        "countrycode,date,fcs prevalence,adminlevel,datatype\nYEM,2024-02-01,0.5,national,SURVEY\n",
        encoding="utf-8",
    )
    service.import_observations(observations, analytics)
    service.import_hungermap(hungermap, analytics)
    tree = service.load_tree(index.DEFAULT_TREE)
    before = index.fingerprint(analytics, tree)
    found = {s.id: s for s in service.slices(analytics)}
    assert set(found) == {"risk:observations/conflict_2024", "risk:observations/hungermap-hm"}
    conflict = found["risk:observations/conflict_2024"]
    assert (conflict.kind, conflict.rows, conflict.countries, conflict.first, conflict.last) == (
        "observations",
        2,
        2,
        "2024-01",
        "2024-03",
    )
    assert found["risk:observations/hungermap-hm"].kind == "hungermap"
    assert service.remove_slice(analytics, conflict.id) == conflict
    assert [s.id for s in service.slices(analytics)] == ["risk:observations/hungermap-hm"]
    assert index.fingerprint(analytics, tree) != before
    for bad in (conflict.id, "risk:index/index", "risk:inform/../x"):
        with pytest.raises(UnknownSlice):
            service.remove_slice(analytics, bad)
