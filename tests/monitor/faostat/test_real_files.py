"""The real FAOSTAT files of ../shared/data: ingest, FAO's own numbers, the FBS identity."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from iofs.monitor.faostat.areas import REFERENCE, build_reference
from iofs.monitor.faostat.indicators import compute_suite, food_balance_identity
from iofs.monitor.faostat.ingest import ingest

FS = "faostat/Food_Security_Data_E_All_Data_Normalized_2019.csv"
MACRO = "faostat/FAOSTAT_FBS_2010-2022_macro_supply_all_countries.csv"
AFRICA = "faostat/FoodBalanceSheets_E_Africa_NOFLAG_2014-2018_TRUNCATED.csv"


def test_food_security_file_as_published(shared_data: Path, tmp_path: Path) -> None:
    [report] = ingest([shared_data / FS], tmp_path)
    # Published facts of this file (SOURCES-real.md): 81,057 rows, 250 areas, latin-1,
    # 4,430 empty values and 1,606 censored values such as "<2.5".
    assert (report.rows, report.encoding, report.layout) == (81057, "latin-1", "normalized")
    assert (report.missing_values, report.qualified_values) == (4430, 1606)
    assert report.countries + report.aggregates == 250 and not report.unmapped_areas
    assert (report.year_min, report.year_max) == (1999, 2018)


def test_macro_file_m49_codes_map(shared_data: Path, tmp_path: Path) -> None:
    [report] = ingest([shared_data / MACRO], tmp_path)
    assert report.rows == 14298 and report.encoding == "utf-8"
    assert not report.unmapped_areas
    suite = compute_suite(tmp_path)
    oic = {s for s in suite.area if not s.startswith("OIC")}
    assert len(oic) >= 50  # most of the 57 states are among the 190 countries


def test_computed_supply_equals_fao_grand_total(shared_data: Path, tmp_path: Path) -> None:
    """Vegetal + animal products (computed) against FAO's Grand Total, Africa FBS 2014-2018.

    Tolerance: FAO rounds each published kcal figure to 1 kcal/capita/day, so the sum of two
    rounded parts may differ from the rounded total by 1; protein and fat (2 decimals) by 0.02.
    """
    ingest([shared_data / AFRICA], tmp_path)
    suite = compute_suite(tmp_path)
    checked = 0
    for indicator, tolerance in (
        ("dietary_energy_supply", 1.0),
        ("protein_supply", 0.02),
        ("fat_supply", 0.02),
    ):
        chosen = suite[(suite.indicator == indicator) & ~suite.area.str.startswith("OIC")]
        pivot = chosen.pivot_table(index=["area", "year"], columns="source", values="value")
        pivot = pivot.dropna()
        assert len(pivot) >= 40, indicator  # 11 OIC states x 5 years, minus gaps
        differences = (pivot["computed"] - pivot["faostat"]).abs()
        assert differences.max() <= tolerance + 1e-9, (indicator, differences.max())
        checked += len(pivot)
    assert checked >= 120


def test_food_balance_identity_closes_with_fao_sign(shared_data: Path, tmp_path: Path) -> None:
    ingest([shared_data / AFRICA], tmp_path)
    result = food_balance_identity(tmp_path).set_index("convention")
    minus = result.loc["P + I - E - S = domestic supply"]
    plus = result.loc["P + I - E + S = domestic supply"]
    uses = result.loc["sum of utilisations = domestic supply"]
    assert minus["rows"] > 1000
    assert minus["share"] >= 99.0 and uses["share"] >= 99.0
    assert plus["share"] < minus["share"] - 10


def test_packaged_area_reference_is_built_from_fao_definitions(shared_data: Path) -> None:
    built = build_reference(shared_data / "crosswalk" / "FAOSTAT_CountryGroups.csv")
    text = REFERENCE.read_text(encoding="utf-8").splitlines()
    packaged = [tuple(r) for r in csv.reader(text[1:])]
    assert [(str(a), b, c, d, e) for a, b, c, d, e in built] == packaged


def test_oic_codes_match_fao(shared_data: Path) -> None:
    from iofs.monitor.faostat.areas import by_iso3, oic_states

    countries = by_iso3()
    for state in oic_states():
        area = countries[state.iso3]
        assert (area.fao_code, area.m49) == (state.fao_code, state.m49), state.iso3


@pytest.mark.parametrize("name", [FS, AFRICA])
def test_reingesting_real_file_changes_nothing(
    shared_data: Path, tmp_path: Path, name: str
) -> None:
    first = ingest([shared_data / name], tmp_path)[0]
    data = Path(first.path).read_bytes()
    second = ingest([shared_data / name], tmp_path)[0]
    assert second.replaced and second.rows == first.rows
    assert len(list(Path(first.path).parent.glob("*.parquet"))) == 1
    assert len(Path(second.path).read_bytes()) == pytest.approx(len(data), rel=0.01)
