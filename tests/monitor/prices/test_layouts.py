"""Price files as users hold them (#17 item 2): old VAM layout, HAPI, derived mappings,
separators and line ends, plausibility warnings, duplicates across files, damaged CSVs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from iofs.monitor.prices import ingest, service

VAM_HEADER = (
    "adm0_id;adm0_name;adm1_id;adm1_name;mkt_id;mkt_name;cm_id;cm_name;cur_id;"
    "cur_name;pt_id;pt_name;um_id;um_name;mp_month;mp_year;mp_price;"
    "mp_commoditysource"
)


def vam_file(path: Path, extra: list[str] | None = None) -> Path:
    rows = [
        f"1;Afghanistan;272;Kabul;266;Kabul;58;Wheat flour - Retail;87;AFN;15;Retail;5;KG;"
        f"{month};{year};{30 + month / 10:.1f};WFP"
        for year in range(1998, 2026)
        for month in (1, 7)
    ]
    path.write_bytes(("\r\n".join([VAM_HEADER, *rows, *(extra or [])]) + "\r\n").encode("utf-8"))
    return path


def stored(analytics: Path) -> list[tuple[object, ...]]:
    con = duckdb.connect()
    try:
        return con.execute(
            f"SELECT country, market, commodity, date, price, warning FROM read_parquet("
            f"{[str(f) for f in ingest.slice_files(analytics)]!r}, union_by_name = true) "
            f"ORDER BY date"
        ).fetchall()
    finally:
        con.close()


def test_old_vam_layout_semicolons_and_crlf(tmp_path: Path) -> None:
    report = ingest.ingest_file(vam_file(tmp_path / "vam_afg.csv"), tmp_path / "store")
    assert (report.layout, report.delimiter, report.newline) == ("vam", ";", "\r\n")
    assert (report.rows, report.series, report.countries) == (56, 1, ["AFG"])
    first = stored(tmp_path / "store")[0]
    assert first[:4] == ("AFG", "Kabul", "Wheat flour - Retail", date(1998, 1, 15))


def test_a_price_dated_1900_and_a_tenfold_price_are_warned_and_kept_out(tmp_path: Path) -> None:
    extra = [
        "1;Afghanistan;272;Kabul;266;Kabul;58;Wheat flour - Retail;87;AFN;15;Retail;5;KG;"
        "3;1900;31;WFP",
        "1;Afghanistan;272;Kabul;266;Kabul;58;Wheat flour - Retail;87;AFN;15;Retail;5;KG;"
        "4;2010;400;WFP",
        "1;Afghanistan;272;Kabul;266;Kabul;58;Wheat flour - Retail;87;AFN;15;Retail;5;KG;"
        "5;2010;2;WFP",
    ]
    analytics = tmp_path / "store"
    report = ingest.ingest_file(vam_file(tmp_path / "vam_afg.csv", extra), analytics)
    assert report.warning_count == 3
    text = "\n".join(report.warnings)
    assert "1900-03-15" in text and "far outside the file's span 1998–2025" in text
    assert "at least 10× its series' median" in text and "at most 1/10" in text
    months = set(service.signals(analytics).table["month"].astype(str))
    assert "1900-03" not in months and "2010-04" not in months
    assert ingest.confirm_warnings(analytics, "vam_afg.csv") == 3
    months = set(service.signals(analytics).table["month"].astype(str))
    assert "1900-03" in months and "2010-04" in months


def test_a_future_date_is_warned(tmp_path: Path) -> None:
    path = tmp_path / "wfp_food_prices_egy.csv"
    path.write_text(
        "date,market,commodity,unit,pricetype,currency,price\n"
        "2024-01-15,Cairo,Rice,KG,Retail,EGP,30\n"
        "2024-02-15,Cairo,Rice,KG,Retail,EGP,31\n"
        "2099-02-15,Cairo,Rice,KG,Retail,EGP,31\n"
    )
    report = ingest.ingest_file(path, tmp_path / "store")
    assert report.warning_count == 1 and "in the future" in report.warnings[0]


def test_hapi_food_price_layout(tmp_path: Path) -> None:
    path = tmp_path / "hdx_hapi_food_price_global.csv"
    path.write_text(
        "location_code,has_hrp,in_gho,admin1_code,admin1_name,admin2_code,admin2_name,"
        "admin_level,market_code,market_name,commodity_code,commodity_category,"
        "commodity_name,currency_code,unit,price_flag,price_type,price,lat,lon,"
        "reference_period_start,reference_period_end\n"
        "SDN,Y,Y,SD01,Khartoum,,,1,1234,Khartoum,51,cereals and tubers,Sorghum,SDG,KG,"
        "actual,Retail,1200,15.5,32.5,2024-01-01T00:00:00,2024-01-31T23:59:59\n"
        "SDN,Y,Y,SD01,Khartoum,,,1,1234,Khartoum,51,cereals and tubers,Sorghum,SDG,KG,"
        "actual,Retail,1300,15.5,32.5,2024-02-01T00:00:00,2024-02-29T23:59:59\n"
    )
    report = ingest.ingest_file(path, tmp_path / "store")
    assert (report.layout, report.rows, report.countries) == ("hapi", 2, ["SDN"])


def test_mapping_derives_the_date_and_a_constant_country(tmp_path: Path) -> None:
    path = tmp_path / "ministry.tsv"
    path.write_text(
        "Year\tMonth\tTown\tProduct\tMeasure\tKind\tMoney\tValue\n"
        "2024\t1\tDakar\tRice\tKG\tRetail\tXOF\t400\n"
        "2024\t2\tDakar\tRice\tKG\tRetail\tXOF\t410\n"
    )
    mapping = tmp_path / "mapping.csv"
    mapping.write_text(
        'source,target\n=SEN,countryiso3\n"date(Year, Month)",date\n'
        "Town,market\nProduct,commodity\nMeasure,unit\nKind,pricetype\n"
        "Money,currency\nValue,price\n"
    )
    report = ingest.ingest_file(path, tmp_path / "store", mapping=ingest.read_mapping(mapping))
    assert (report.delimiter, report.rows, report.countries) == ("\t", 2, ["SEN"])
    assert [row[3].isoformat() for row in stored(tmp_path / "store")] == [
        "2024-01-15",
        "2024-02-15",
    ]


def test_the_same_observations_from_two_files_are_stored_once(tmp_path: Path) -> None:
    analytics = tmp_path / "store"
    country = tmp_path / "wfp_food_prices_egy.csv"
    country.write_text(
        "date,market,commodity,unit,pricetype,currency,price\n"
        "2024-01-15,Cairo,Rice,KG,Retail,EGP,30\n"
        "2024-02-15,Cairo,Rice,KG,Retail,EGP,31\n"
    )
    world = tmp_path / "wfp_food_prices_global_2024.csv"
    world.write_text(
        "countryiso3,date,market,commodity,unit,pricetype,currency,price\n"
        "EGY,2024-01-15,Cairo,Rice,KG,Retail,EGP,30\n"
        "EGY,2024-02-15,Cairo,Rice,KG,Retail,EGP,31\n"
        "EGY,2024-03-15,Cairo,Rice,KG,Retail,EGP,32\n"
    )
    assert ingest.ingest_file(country, analytics).duplicates_folded == 0
    report = ingest.ingest_file(world, analytics)
    assert report.duplicates_folded == 2
    assert len(stored(analytics)) == 3
    names = [p.name for p in ingest.slice_files(analytics)]
    assert names == ["wfp_food_prices_global_2024.parquet"]


def test_a_damaged_csv_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "wfp_food_prices_egy.csv"
    path.write_text(
        "date,market,commodity,unit,pricetype,currency,price\n"
        "2024-01-15,Cairo,Rice,KG,Retail,EGP,30\n"
        '"2024-02-15,Cairo,Rice,KG,Retail,EGP,31"\n'
        "2024-03-15,Cairo,Rice,KG,Retail,EGP,32\n"
    )
    with pytest.raises(
        ingest.PriceFileError,
        match=r"wfp_food_prices_egy.csv line 3: 1 "
        r"field\(s\) where the header has 7 \(the "
        r"whole line is wrapped in quotes\)",
    ):
        ingest.ingest_file(path, tmp_path / "store")
    assert not ingest.slice_files(tmp_path / "store")
