"""Ingest of FAOSTAT bulk files: layouts, encodings, qualifiers, errors, idempotence."""

from __future__ import annotations

import zipfile
from pathlib import Path

import duckdb
import pytest

from iofs.monitor.faostat.ingest import IngestError, ingest
from iofs.monitor.faostat.sniff import recognise_domain
from iofs.monitor.faostat.store import store_dir
from tests.monitor.faostat.helpers import FS_TEXT, TRADE_MATRIX_TEXT, WIDE_TEXT, write_fbs


def _rows(analytics: Path, where: str = "true") -> list[tuple[object, ...]]:
    files = str(store_dir(analytics) / "*" / "*.parquet")
    return duckdb.sql(
        f"SELECT domain, iso3, area_kind, item_code, element_code, year, "
        f"year_end, value, qualifier, flag FROM read_parquet('{files}', "
        f"union_by_name = true) WHERE {where} ORDER BY ALL"
    ).fetchall()


def test_normalized_latin1_with_qualifiers_and_aggregates(tmp_path: Path) -> None:
    path = tmp_path / "Food_Security_Data_E_All_Data_(Normalized).csv"
    path.write_bytes(FS_TEXT.encode("latin-1"))
    [report] = ingest([path], tmp_path / "a")
    assert (report.domain, report.layout, report.encoding) == ("FS", "normalized", "latin-1")
    assert report.rows == 4 and report.qualified_values == 1 and report.missing_values == 1
    assert report.countries == 2 and report.aggregates == 1
    rows = _rows(tmp_path / "a")
    civ = [r for r in rows if r[1] == "CIV"]
    assert ("FS", "CIV", "country", 210041, 6121, 2014, 2016, 2.5, "<", "F") in civ
    assert ("FS", "CIV", "country", 21035, 6121, 2014, 2016, None, None, "NV") in civ
    world = [r for r in rows if r[2] == "aggregate"]
    assert world == [("FS", None, "aggregate", 21035, 6121, 2014, 2016, 12.5, None, "F")]


def test_wide_utf8_layout_keeps_flags_and_drops_empty_cells(tmp_path: Path) -> None:
    path = tmp_path / "FoodBalanceSheets_E_Africa_NOFLAG.csv"
    path.write_text(WIDE_TEXT, encoding="utf-8")
    [report] = ingest([path], tmp_path / "a")
    assert (report.domain, report.layout, report.encoding) == ("FBS", "wide", "utf-8")
    rows = _rows(tmp_path / "a")
    assert [(r[4], r[5], r[7], r[9]) for r in rows] == [
        (5511, 2014, 3500.0, None),
        (5511, 2015, 4000.0, "E"),
        (5611, 2014, 12000.0, None),
        (5611, 2015, None, "M"),
    ]
    assert {r[1] for r in rows} == {"DZA"}


def test_zip_and_m49_only_and_bom(tmp_path: Path) -> None:
    csv_text = (
        "\ufeffDomain Code,Domain,Area Code (M49),Area,Element Code,Element,"
        "Item Code (FBS),Item,Year Code,Year,Unit,Value,Flag,Flag Description,Note\n"
        '"FBS","Food Balances (2010-)","818","Egypt","664","Food supply","S2901",'
        '"Grand Total","2015","2015","kcal/cap/d","3300","E","Estimated value",""\n'
        '"FBS","Food Balances (2010-)","156","China, mainland","664","Food supply",'
        '"S2901","Grand Total","2015","2015","kcal/cap/d","3200","E","",""\n'
        '"FBS","Food Balances (2010-)","159","China","664","Food supply",'
        '"S2901","Grand Total","2015","2015","kcal/cap/d","3100","E","",""\n'
    )
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("FAOSTAT_data_en.csv", csv_text.encode("utf-8"))
        z.writestr("FAOSTAT_data_en_Flags.csv", "Flag,Description\n")
    [report] = ingest([archive], tmp_path / "a")
    assert report.domain == "FBS" and report.rows == 3
    rows = _rows(tmp_path / "a")
    assert [(r[1], r[2], r[3]) for r in rows] == [
        ("CHN", "country", 2901),
        ("EGY", "country", 2901),
        (None, "aggregate", 2901),
    ]


def test_bad_rows_are_reported_by_line_and_nothing_is_written(tmp_path: Path) -> None:
    good = tmp_path / "Food_Security_Data_E_All_Data_(Normalized).csv"
    good.write_bytes(FS_TEXT.encode("latin-1"))
    ingest([good], tmp_path / "a")
    before = sorted(p.name for p in store_dir(tmp_path / "a").rglob("*"))
    content = (store_dir(tmp_path / "a") / "FS").glob("*.parquet")
    snapshot = {p: p.read_bytes() for p in content}
    bad_text = FS_TEXT.replace('"42.7"', '"4x2"').replace(
        '"20142016","2014-2016","%","12.5"', '"x","20x4","%","12.5"'
    )
    good.write_bytes(bad_text.encode("latin-1"))
    with pytest.raises(IngestError) as error:
        ingest([good], tmp_path / "a")
    message = str(error.value)
    assert "2 bad row(s)" in message
    assert "line 4: Value: 4x2 is not a number" in message
    assert "line 5: Year: 20x4 is not a year" in message
    assert sorted(p.name for p in store_dir(tmp_path / "a").rglob("*")) == before
    assert all(p.read_bytes() == data for p, data in snapshot.items())


def test_missing_columns_and_ragged_rows(tmp_path: Path) -> None:
    path = tmp_path / "Production_Crops_E_All_Data.csv"
    path.write_text("Area Code,Area,Item,Year,Value\n1,x,y,2000,1\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"missing column.*Item Code.*Element Code"):
        ingest([path], tmp_path / "a")
    path.write_text(FS_TEXT.splitlines()[0] + '\n"59","Egypt","21035"\n', encoding="utf-8")
    with pytest.raises(IngestError, match="not a well-formed CSV"):
        ingest([path], tmp_path / "a")
    assert not list(store_dir(tmp_path / "a").glob("*/*.parquet"))


def test_reingest_replaces_its_slice(tmp_path: Path) -> None:
    path = write_fbs(tmp_path / "FoodBalanceSheets_E_All_Data_(Normalized).csv")
    first = ingest([path], tmp_path / "a")[0]
    rows = _rows(tmp_path / "a")
    second = ingest([path], tmp_path / "a")[0]
    assert not first.replaced and second.replaced
    assert _rows(tmp_path / "a") == rows and len(rows) == first.rows


def test_domain_recognised_from_content(tmp_path: Path) -> None:
    path = write_fbs(tmp_path / "download.csv")
    from iofs.monitor.faostat.sniff import read_header

    assert recognise_domain(path, read_header(path, "latin-1"), "latin-1") == "FBS"
    matrix = tmp_path / "matrix.csv"
    matrix.write_text(TRADE_MATRIX_TEXT, encoding="utf-8")
    assert recognise_domain(matrix, read_header(matrix, "utf-8"), "utf-8") == "TM"
    odd = tmp_path / "odd.csv"
    odd.write_text("Area Code,Item Code,Element Code,Year,Value\n1,1,1,2000,1\n")
    with pytest.raises(IngestError, match="cannot recognise the FAOSTAT domain"):
        recognise_domain(odd, read_header(odd, "utf-8"), "utf-8")


def _plain_fs_rows(count: int) -> list[str]:
    return [
        f'"59","Egypt","21035","Cereal import dependency ratio","6121","Value",'
        f'"{1000 + n}","{1000 + n}","%","{n}.5","E"'
        for n in range(count)
    ]


def test_late_cells_that_do_not_fit_the_sampled_types_still_ingest(tmp_path: Path) -> None:
    # The first 400+ rows are plain numbers, so the first read is typed (INTEGER/DOUBLE);
    # the late qualifier, year range, S-prefixed item and padded text need the general read.
    header = FS_TEXT.splitlines()[0]
    late = [
        '"59","Egypt","S21035","x","6121","Value","20142016","2014-2016","%","<2.5","F"',
        '" 59"," Egypt ","21035","x","6121","Value","2017","2017","%"," 7 ",""',
    ]
    path = tmp_path / "Food_Security_Data_E_All_Data_(Normalized).csv"
    path.write_text("\n".join([header, *_plain_fs_rows(450), *late]) + "\n", encoding="utf-8")
    [report] = ingest([path], tmp_path / "a")
    assert report.rows == 452 and report.qualified_values == 1
    rows = _rows(tmp_path / "a", "year >= 2014 AND year <= 2017")
    assert rows == [
        ("FS", "EGY", "country", 21035, 6121, 2014, 2016, 2.5, "<", "F"),
        ("FS", "EGY", "country", 21035, 6121, 2017, 2017, 7.0, None, None),
    ]
    areas = duckdb.sql(
        f"SELECT DISTINCT area FROM read_parquet('{store_dir(tmp_path / 'a')}/*/*.parquet')"
    ).fetchall()
    assert areas == [("Egypt",)]


def test_bad_row_after_the_sample_is_reported_by_its_line(tmp_path: Path) -> None:
    header = FS_TEXT.splitlines()[0]
    rows = _plain_fs_rows(600)
    rows[500] = rows[500].replace('"6121"', '"61x1"')
    rows[550] = rows[550].replace('"1550","1550"', '"1550","15x0"')
    path = tmp_path / "Food_Security_Data_E_All_Data_(Normalized).csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    with pytest.raises(IngestError) as error:
        ingest([path], tmp_path / "a")
    message = str(error.value)
    assert "2 bad row(s)" in message
    assert "line 502: Element Code: 61x1 is not an integer" in message
    assert "line 552: Year: 15x0 is not a year" in message
    assert not list(store_dir(tmp_path / "a").glob("*/*.parquet"))


def test_padded_text_is_trimmed(tmp_path: Path) -> None:
    header = FS_TEXT.splitlines()[0]
    padded = '"59"," Egypt ","21035","x ","6121","Value","2017","2017","%","7",""'
    path = tmp_path / "Food_Security_Data_E_All_Data_(Normalized).csv"
    path.write_text("\n".join([header, padded, *_plain_fs_rows(450)]) + "\n", encoding="utf-8")
    [report] = ingest([path], tmp_path / "a")
    assert report.rows == 451
    names = duckdb.sql(
        f"SELECT DISTINCT area, item FROM read_parquet("
        f"'{store_dir(tmp_path / 'a')}/*/*.parquet') WHERE year = 2017"
    ).fetchall()
    assert names == [("Egypt", "x")]


def test_same_data_under_another_name_is_not_duplicated(tmp_path: Path) -> None:
    first = write_fbs(tmp_path / "FoodBalanceSheets_E_All_Data_(Normalized).csv")
    [one] = ingest([first], tmp_path / "a")
    rows = _rows(tmp_path / "a")
    copy = tmp_path / "FoodBalanceSheets_copy.csv"
    copy.write_bytes(first.read_bytes())
    [two] = ingest([copy], tmp_path / "a")
    assert two.superseded == {one.source: one.rows}
    assert _rows(tmp_path / "a") == rows
    assert [p.stem for p in store_dir(tmp_path / "a").glob("*/*.parquet")] == [two.source]
    assert [p.stem for p in store_dir(tmp_path / "a").glob("*/*.json")] == [two.source]


def test_overlapping_file_replaces_only_its_observations(tmp_path: Path) -> None:
    first = write_fbs(tmp_path / "FoodBalanceSheets_E_All_Data_(Normalized).csv")
    [one] = ingest([first], tmp_path / "a")
    header, *lines = first.read_text(encoding="latin-1").splitlines()
    egypt_2015 = [
        line.replace('"21000"', '"21500"')
        for line in lines
        if line.startswith('"59"') and '"2015","2015"' in line
    ]
    newer = tmp_path / "FoodBalanceSheets_revision.csv"
    newer.write_text("\n".join([header, *egypt_2015]) + "\n", encoding="latin-1")
    [two] = ingest([newer], tmp_path / "a")
    assert two.superseded == {one.source: len(egypt_2015)}
    rows = _rows(tmp_path / "a")
    assert len(rows) == one.rows
    production = [
        r[7] for r in rows if r[1] == "EGY" and r[3] == 2905 and r[4] == 5511 and r[5] == 2015
    ]
    assert production == [21500.0]
    from iofs.monitor.faostat.store import slices

    assert {s["source"]: s["rows"] for s in slices(tmp_path / "a")} == {
        one.source: one.rows - len(egypt_2015),
        two.source: len(egypt_2015),
    }
    from iofs.monitor.faostat.indicators import compute_suite

    suite = compute_suite(tmp_path / "a")
    ssr = suite[
        (suite.area == "EGY")
        & (suite.indicator == "self_sufficiency_ratio")
        & (suite.item_code == 2905)
        & (suite.year == 2015)
    ]
    assert ssr.value.tolist() == [pytest.approx(100 * 21500 / (21500 + 16000 - 1000))]


def test_latin1_detected_past_the_first_megabytes(tmp_path: Path) -> None:
    from iofs.monitor.faostat.sniff import detect_encoding

    header = FS_TEXT.splitlines()[0]
    late = '"107","Côte d\'Ivoire","21035","x","6121","Value","2017","2017","%","7",""'
    path = tmp_path / "Food_Security_Data_E_All_Data_(Normalized).csv"
    rows = [
        f'"59","Egypt","{21000 + n // 20}","x","6121","Value","{1990 + n % 20}",'
        f'"{1990 + n % 20}","%","{n}",""'
        for n in range(30000)
    ]
    path.write_bytes("\n".join([header, *rows, late, ""]).encode("latin-1"))
    assert path.stat().st_size > 1 << 20  # past the old 1 MB sample
    assert detect_encoding(path) == "latin-1"
    [report] = ingest([path], tmp_path / "a")
    assert report.encoding == "latin-1" and report.rows == 30001
    names = _rows(tmp_path / "a", "year = 2017")
    assert [r[1] for r in names] == ["CIV"]
