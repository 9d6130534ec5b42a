"""MCPD v2.1 validation and the viability methods, against the published code lists, the real
fixtures in ../shared/data and published tables (ISTA Table 5B)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest

from iofs.genebank import mcpd, service, viability
from iofs.genebank.cli import read_storage_trial


def row(**values: str) -> dict[str, str]:
    base = {"INSTCODE": "KAZ015", "ACCENUMB": "KZ-1", "GENUS": "Triticum", "SPECIES": "aestivum"}
    base.update(values)
    return base


def problems(**values: str) -> dict[str, str]:
    checked = mcpd.validate_row(2, row(**values))
    return {i.column: i.severity for i in checked.issues}


def test_descriptor_list_matches_the_published_one(shared_data: Path) -> None:
    with (shared_data / "mcpd" / "mcpd_v2.1_descriptors.csv").open(encoding="utf-8") as f:
        published = [r["code"] for r in csv.DictReader(f)]
    assert published == mcpd.MCPD_COLUMNS
    assert len([c for c in mcpd.MCPD_COLUMNS if c != "ACCEURL"]) == 41


@pytest.mark.parametrize(
    ("name", "codes"),
    [
        ("SAMPSTAT", mcpd.SAMPSTAT_CODES),
        ("COLLSRC", mcpd.COLLSRC_CODES),
        ("STORAGE", mcpd.STORAGE_CODES),
        ("MLSSTAT", mcpd.MLSSTAT_CODES),
    ],
)
def test_code_lists_match_the_published_ones(
    shared_data: Path, name: str, codes: frozenset[str]
) -> None:
    with (shared_data / "mcpd" / f"mcpd_codelist_{name}.csv").open(encoding="utf-8") as f:
        assert {r["code"] for r in csv.DictReader(f)} == codes


def test_real_vavilov_fixture_is_rejected_with_exact_reasons(shared_data: Path) -> None:
    report = mcpd.validate_file(shared_data / "mcpd" / "sample_vavilov3_fixture_accessions.csv")
    assert len(report.rows) == 6 and report.valid == []
    first = {(i.column, i.severity) for i in report.rows[0].issues}
    assert ("MLSSTAT", "error") in first and ("LATITUDE", "error") in first
    assert ("LONGITUDE", "error") in first and ("REMARKS", "warning") in first
    reason = next(i.reason for i in report.rows[0].issues if i.column == "MLSSTAT")
    assert reason == "'Y' is not a MLSSTAT code (0, 1, 99)"
    lat = next(i.reason for i in report.rows[0].issues if i.column == "LATITUDE")
    assert "looks like decimal degrees: put it in DECLATITUDE" in lat
    # COLLDATE 1981---- (line 5) is a valid partial date
    assert not any(i.column == "COLLDATE" for r in report.rows for i in r.issues)
    assert [str(i) for i in report.header_issues] == [
        "line 1, IS_SAVE_DUPLICATE: warning: 3 unknown columns: 'IS_SAVE_DUPLICATE', "
        "'CONSTATUS', 'IS_AVAILABLE'; ignored (map them with --mapping)"
    ]


def test_mapping_rescues_the_fixture_rows_without_other_errors(
    shared_data: Path, tmp_path: Path
) -> None:
    mapping = tmp_path / "map.json"
    mapping.write_text(
        json.dumps(
            {
                "LATITUDE": "DECLATITUDE",
                "LONGITUDE": "DECLONGITUDE",
                "IS_AVAILABLE": "AVAILABLE",
                "CONSTATUS": "",
                "IS_SAVE_DUPLICATE": "",
            }
        )
    )
    report = mcpd.validate_file(
        shared_data / "mcpd" / "sample_vavilov3_fixture_accessions.csv", mcpd.read_mapping(mapping)
    )
    assert [r.line for r in report.valid] == [7]  # the one row whose MLSSTAT is blank
    assert report.valid[0].lat == pytest.approx(42.94166666666666)
    assert report.valid[0].available is True
    assert all(
        {i.column for i in r.issues if i.severity == "error"} == {"MLSSTAT"} for r in report.invalid
    )


@pytest.mark.parametrize(
    ("values", "column", "severity"),
    [
        ({"ACQDATE": "1968----"}, None, None),
        ({"ACQDATE": "19680000"}, None, None),
        ({"ACQDATE": "19681301"}, "ACQDATE", "error"),
        ({"ACQDATE": "19680231"}, "ACQDATE", "error"),
        ({"ACQDATE": "1968--15"}, "ACQDATE", "error"),
        ({"ACQDATE": "20990101"}, "ACQDATE", "error"),
        ({"ORIGCTY": "KAZ"}, None, None),
        ({"ORIGCTY": "SUN"}, None, None),  # ISO 3166-3 former country
        ({"ORIGCTY": "kaz"}, "ORIGCTY", "warning"),
        ({"ORIGCTY": "XYZ"}, "ORIGCTY", "error"),
        (
            {
                "DECLATITUDE": "51.1667",
                "LATITUDE": "511000N",
                "DECLONGITUDE": "71.4333",
                "LONGITUDE": "0712600E",
            },
            None,
            None,
        ),
        (
            {
                "DECLATITUDE": "-51.1667",
                "LATITUDE": "511000N",
                "DECLONGITUDE": "71.4333",
                "LONGITUDE": "0712600E",
            },
            "LATITUDE",
            "error",
        ),
        (
            {
                "DECLATITUDE": "10.9",
                "LATITUDE": "10----N",
                "DECLONGITUDE": "76.5",
                "LONGITUDE": "076----E",
            },
            None,
            None,
        ),
        ({"DECLATITUDE": "91", "DECLONGITUDE": "0"}, "DECLATITUDE", "error"),
        ({"COORDUNCERT": "-5"}, "COORDUNCERT", "error"),
        ({"ELEVATION": "high"}, "ELEVATION", "error"),
        ({"SAMPSTAT": "301"}, "SAMPSTAT", "error"),
        ({"COLLSRC": "26"}, None, None),
        ({"STORAGE": "12;13"}, None, None),
        ({"STORAGE": "12; 13"}, "STORAGE", "warning"),
        ({"STORAGE": "12;14"}, "STORAGE", "error"),
        ({"MLSSTAT": "Y"}, "MLSSTAT", "error"),
        ({"GENUS": "zea"}, "GENUS", "warning"),
        ({"GENUS": "Zea mays"}, "GENUS", "error"),
        ({"SPECIES": "spp."}, "SPECIES", "warning"),
        ({"SUBTAXA": "ssp. mays"}, "SUBTAXA", "warning"),
        ({"INSTCODE": "KAZ1"}, "INSTCODE", "error"),
        ({"ACCENUMB": ""}, "ACCENUMB", "error"),
        ({"COLLCODE": "ESP058;bad"}, "COLLCODE", "error"),
    ],
)
def test_descriptor_rules(values: dict[str, str], column: str | None, severity: str | None) -> None:
    found = problems(**values)
    if column is None:
        assert found == {}
    else:
        assert found.get(column) == severity, found


def test_normalisation_of_taxonomy() -> None:
    checked = mcpd.validate_row(2, row(GENUS="zea", SPECIES="MAYS", SUBTAXA="ssp. mays"))
    assert checked.ok
    assert mcpd.taxon_name(checked.values) == "Zea mays subsp. mays"


def test_duplicate_accession_numbers_in_one_file_are_errors() -> None:
    report = mcpd.validate_rows([(2, row()), (3, row())], [], [])
    assert [r.ok for r in report.rows] == [True, False]
    assert "repeats line 2" in report.rows[1].issues[0].reason


def test_xlsx_and_tsv_read_like_csv(tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["INSTCODE", "ACCENUMB", "GENUS", "ELEVATION"])
    sheet.append(["KAZ015", "KZ-1", "Triticum", 350])
    workbook.save(tmp_path / "p.xlsx")
    (tmp_path / "p.tsv").write_text(
        "INSTCODE\tACCENUMB\tGENUS\tELEVATION\nKAZ015\tKZ-1\tTriticum\t350\n", encoding="utf-8"
    )
    for name in ("p.xlsx", "p.tsv"):
        report = mcpd.validate_file(tmp_path / name)
        assert [r.values["ELEVATION"] for r in report.valid] == ["350"]


# --- viability ---------------------------------------------------------------------------


def test_ista_table_5b_and_the_general_formula_agree_within_one_point() -> None:
    for average in range(51, 100):
        table = viability.ista_max_range(average)
        p = average / 100
        sd = 100 * (p * (1 - p) / 100) ** 0.5
        approx = round(viability._range_quantile(4) * sd)
        assert abs(table - approx) <= 1, (average, table, approx)
    assert viability.ista_max_range(50) == 20 and viability.ista_max_range(99) == 5


def test_germination_tolerance() -> None:
    good = viability.evaluate_test([100] * 4, [92, 95, 90, 96])
    assert good.germination_pct == pytest.approx(93.25) and good.within_tolerance
    bad = viability.evaluate_test([100] * 4, [80, 95, 90, 96])  # mean 90.25: range 16 > 12
    assert not bad.within_tolerance and bad.tolerated_range == 12
    # 2 × 50 at 85 %: 3.170 (range quantile, k = 2) × 100·√(0.85·0.15/50) = 16.0 points
    two_by_fifty = viability.evaluate_test([50, 50], [45, 40])
    assert two_by_fifty.within_tolerance and two_by_fifty.tolerated_range == 16
    with pytest.raises(ValueError):
        viability.evaluate_test([50, 50], [51, 10])


def test_ellis_roberts_sigma_for_wheat_by_hand() -> None:
    wheat = viability.BUILT_IN_CONSTANTS["Triticum aestivum"]
    # log10 σ = 9.043 − 5.183·log10(5) − 0.0351·(−18) − 0.000475·324
    expected = 10 ** (9.043 - 5.183 * 0.69897 + 0.6318 - 0.1539)
    assert viability.sigma_days(wheat, -18, 5) == pytest.approx(expected, rel=1e-4)
    # Ki = probit(0.98) ≈ 2.054; 85 % of 98 = 83.3 %: probit 0.966; Δ ≈ 1.087 probits
    assert viability.days_to_fraction(98, 1000) == pytest.approx(1087, abs=2)


def test_prediction_refits_to_the_lots_own_tests() -> None:
    wheat = viability.BUILT_IN_CONSTANTS["Triticum aestivum"]
    stored = date(2000, 1, 1)
    only_first = viability.predict(
        stored, "active", 5, 8, wheat, [(date(2000, 1, 10), 96.0)], today=date(2020, 1, 1)
    )
    assert only_first is not None and only_first.method == "species constants"
    decline = [(date(2000, 1, 10), 96.0), (date(2010, 1, 10), 60.0)]
    fitted = viability.predict(stored, "active", 5, 8, wheat, decline, today=date(2020, 1, 1))
    assert fitted is not None and fitted.method == "fitted"
    assert fitted.current_pct < 60
    # the next test is due a third of the way to 85 % of initial after the last test
    assert (fitted.next_test_due - date(2010, 1, 10)).days == int(
        fitted.days_to_85pct_of_initial / 3
    )


def test_base_collection_test_interval_is_capped_at_40_years() -> None:
    wheat = viability.BUILT_IN_CONSTANTS["Triticum aestivum"]
    result = viability.predict(
        date(2020, 1, 1), "base", -18, 5, wheat, [(date(2020, 1, 2), 98.0)], today=date(2021, 1, 1)
    )
    assert result is not None
    assert (result.next_test_due - date(2020, 1, 2)).days == int(40 * 365.25)


def test_constants_file_loads_164_species_rows_and_skips_degenerate(shared_data: Path) -> None:
    constants, skipped = viability.read_constants_csv(
        shared_data / "viability" / "viabilityconstants.csv"
    )
    names = {c.species: c for c in constants}
    assert names["Triticum aestivum"].ke == 9.043  # multi-temperature row preferred
    assert (names["Zea mays"].ke, names["Zea mays"].cw) == (10.562, 6.366)
    assert any("degenerate" in s for s in skipped)
    assert len(constants) + len(skipped) == 164


def test_predictor_against_the_15_year_storage_trial(shared_data: Path) -> None:
    trial = read_storage_trial(shared_data / "viability" / "seedsurvival.csv")
    report = {
        r["species"]: r for r in service.validate_predictor(viability.BUILT_IN_CONSTANTS, trial)
    }
    assert set(report) == {"Triticum aestivum", "Glycine max", "Arachis hypogaea"}
    assert all(r["n"] == 270 for r in report.values())
    # wheat and soybean within a few percentage points; groundnut constants overpredict
    assert report["Triticum aestivum"]["rmse"] < 5
    assert report["Glycine max"]["rmse"] < 5
    assert report["Arachis hypogaea"]["bias"] > 5


def test_mcpd_writer_quotes_minimally() -> None:
    out = io.StringIO()
    mcpd.write_mcpd([{"INSTCODE": "KAZ015", "COLLSITE": "7 km south, river"}], out)
    line = out.getvalue().splitlines()[1]
    assert line.startswith(",KAZ015,") and '"7 km south, river"' in line
