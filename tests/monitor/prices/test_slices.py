"""Price slices: one per ingested file, listed and removed."""

from __future__ import annotations

from pathlib import Path

import pytest

from iofs.monitor.prices import service
from iofs.monitor.prices.ingest import ingest_file
from iofs.slices import UnknownSlice

HEADER = "date,market,commodity,unit,pricetype,currency,price"


def _write(path: Path, market: str) -> Path:
    lines = [HEADER] + [
        f"2020-{m:02d}-15,{market},Wheat,KG,Retail,AFN,{10 + m}" for m in range(1, 13)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_list_remove_relist(tmp_path: Path) -> None:
    analytics = tmp_path / "analytics"
    ingest_file(_write(tmp_path / "wfp_food_prices_afg.csv", "Kabul"), analytics)
    ingest_file(_write(tmp_path / "wfp_food_prices_pak.csv", "Lahore"), analytics)
    found = service.slices(analytics)
    assert [s.id for s in found] == ["prices:wfp_food_prices_afg", "prices:wfp_food_prices_pak"]
    afg = found[0]
    assert (afg.source, afg.kind, afg.rows, afg.countries) == (
        "wfp_food_prices_afg.csv",
        "observations",
        12,
        1,
    )
    assert (afg.first, afg.last) == ("2020-01-15", "2020-12-15")
    assert afg.size > 0 and afg.ingested_at
    assert set(service.signals(analytics).series["country"]) == {"AFG", "PAK"}
    assert service.remove_slice(analytics, afg.id) == afg
    assert [s.id for s in service.slices(analytics)] == ["prices:wfp_food_prices_pak"]
    assert set(service.signals(analytics).series["country"]) == {"PAK"}
    for bad in (afg.id, "prices:reference/x", "ipc:wfp_food_prices_pak", "prices:a/b"):
        with pytest.raises(UnknownSlice):
            service.remove_slice(analytics, bad)
