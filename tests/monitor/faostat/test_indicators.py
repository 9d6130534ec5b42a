"""FAO indicators on hand-made FBS, FS and trade-matrix files (numbers worked by hand)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from iofs.errors import InputError
from iofs.monitor.faostat import service
from iofs.monitor.faostat.indicators import compute_suite
from iofs.monitor.faostat.ingest import ingest
from tests.monitor.faostat.helpers import FS_TEXT, TRADE_MATRIX_TEXT, write_fbs


@pytest.fixture
def analytics(tmp_path: Path) -> Path:
    fs = tmp_path / "Food_Security_Data_E_All_Data_(Normalized).csv"
    fs.write_bytes(FS_TEXT.encode("latin-1"))
    tm = tmp_path / "Trade_DetailedTradeMatrix_E_All_Data_(Normalized).csv"
    tm.write_text(TRADE_MATRIX_TEXT, encoding="utf-8")
    fbs = write_fbs(tmp_path / "FoodBalanceSheets_E_All_Data_(Normalized).csv")
    ingest([fbs, fs, tm], tmp_path / "analytics")
    return tmp_path / "analytics"


def _value(
    frame: pd.DataFrame,
    area: str,
    indicator: str,
    year: int,
    source: str = "computed",
    item_code: int | None = None,
) -> float:
    chosen = frame[
        (frame.area == area)
        & (frame.indicator == indicator)
        & (frame.year == year)
        & (frame.source == source)
    ]
    if item_code is not None:
        chosen = chosen[chosen.item_code == item_code]
    assert len(chosen) == 1, chosen
    return float(chosen.value.iloc[0])


def test_ratios_per_state_and_oic_aggregates(analytics: Path) -> None:
    suite = compute_suite(analytics)
    # Egypt 2015: P 21000, I 16000, E 1000 (1000 t) -> SSR 21000/36000, IDR 16000/36000.
    assert _value(suite, "EGY", "self_sufficiency_ratio", 2015, item_code=2905) == pytest.approx(
        58.3333, abs=1e-3
    )
    assert _value(suite, "EGY", "import_dependency_ratio", 2015, item_code=2905) == pytest.approx(
        44.4444, abs=1e-3
    )
    # 3-year average 2014-2016: (48000 - 3000) / (63000 + 48000 - 3000).
    assert _value(suite, "EGY", "cereal_import_dependency_ratio", 2015) == pytest.approx(
        41.6667, abs=1e-3
    )
    assert suite[
        (suite.indicator == "cereal_import_dependency_ratio")
        & (suite.source == "computed")
        & (suite.area == "EGY")
    ].year.tolist() == [2015]
    # FAO's published value sits beside it, labelled with the central year.
    assert _value(suite, "EGY", "cereal_import_dependency_ratio", 2015, "faostat") == 42.7
    # OIC: Egypt + Senegal summed, then the ratio; groups per the members registry
    # (Egypt in the Arab group, Senegal in the African group).
    assert _value(suite, "OIC", "self_sufficiency_ratio", 2015, item_code=2905) == pytest.approx(
        100 * 23000 / 39000, abs=1e-3
    )
    assert _value(
        suite, "OIC-AFR", "self_sufficiency_ratio", 2015, item_code=2905
    ) == pytest.approx(100 * 2000 / 3000, abs=1e-3)
    assert _value(
        suite, "OIC-ARAB", "self_sufficiency_ratio", 2015, item_code=2905
    ) == pytest.approx(58.3333, abs=1e-3)
    # Dietary energy supply: population-weighted for the OIC, vegetal + animal computed.
    assert _value(suite, "OIC", "dietary_energy_supply", 2015, "faostat") == pytest.approx(
        (3300 * 90000 + 2400 * 15000) / 105000, abs=1e-6
    )
    assert _value(suite, "EGY", "dietary_energy_supply", 2015) == 3300
    assert _value(suite, "EGY", "dietary_energy_supply", 2015, "faostat") == 3300
    # Aggregates never leak in: the World row is not a state.
    assert "World" not in set(suite.area)
    # Export destinations: Algeria and Tunisia (World is an aggregate, Venezuela had 0).
    assert _value(suite, "EGY", "export_destinations", 2020) == 2


def test_service_records_compare_growth(analytics: Path) -> None:
    rows = service.area_rows(analytics, "egy", 2015, "dietary_energy_supply")
    records = [r.model_dump() for r in service.records(rows)]
    assert {tuple(sorted(r)) for r in records} == {
        ("indicator", "item", "source", "unit", "value", "year")
    }
    assert {(r["item"], r["source"]) for r in records} == {
        ("Grand Total", "faostat"),
        (None, "computed"),
    }
    ranked = service.compare(analytics, "dietary_energy_supply", 2015)
    assert [(r.rank, r.iso3, r.value) for r in ranked] == [(1, "EGY", 3300.0), (2, "SEN", 2400.0)]
    classes = {m.iso3: m.category for m in service.map_values(ranked)}
    assert classes["EGY"] == "q5" and classes["SEN"] == "q1" and classes["TUR"] == "nodata"
    grown = service.growth(
        analytics, "EGY", "self_sufficiency_ratio", 2014, 2016, "Cereals - Excluding Beer"
    )
    start, end = 100 * 20000 / 34000, 100 * 22000 / 38000
    assert grown.ratio == pytest.approx(end / start)
    assert grown.annual_growth_percent == pytest.approx(100 * ((end / start) ** 0.5 - 1))
    with pytest.raises(InputError, match="neither an OIC member"):
        service.area_rows(analytics, "FRA")
    with pytest.raises(InputError, match="Unknown indicator"):
        service.compare(analytics, "gdp")
