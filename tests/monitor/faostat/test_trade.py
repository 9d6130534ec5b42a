"""Where a state's imports come from (``faostat.service.import_sources``): a small detailed
trade matrix written here in FAOSTAT's bulk and web-download layouts and ingested through the
real ingest. Every expected number is worked out by hand from the rows below."""
# ruff: noqa: E501 - CSV rows as FAOSTAT writes them

from __future__ import annotations

from pathlib import Path

import pytest

from iofs.monitor.faostat import service
from iofs.monitor.faostat.ingest import ingest

BULK_HEADER = (
    "Reporter Country Code,Reporter Countries,Partner Country Code,Partner Countries,"
    "Item Code,Item,Element Code,Element,Year Code,Year,Unit,Value,Flag"
)
#: (reporter, partner code, partner name, item code, item, element, year, value t)
ROWS = [
    (2, 108, "Kazakhstan", 15, "Wheat", 5610, 2021, 1_200_000),
    (2, 235, "Uzbekistan", 15, "Wheat", 5610, 2021, 300_000),
    (2, 165, "Pakistan", 15, "Wheat", 5610, 2021, 100_000),
    (2, 185, "Russian Federation", 15, "Wheat", 5610, 2021, 50_000),
    (2, 5000, "World", 15, "Wheat", 5610, 2021, 1_650_000),  # an aggregate: left out
    (2, 108, "Kazakhstan", 15, "Wheat", 5610, 2020, 900_000),  # older than 2021
    (2, 108, "Kazakhstan", 16, "Wheat and meslin flour", 5610, 2021, 800_000),
    (2, 235, "Uzbekistan", 16, "Wheat and meslin flour", 5610, 2021, 400_000),
    (2, 165, "Pakistan", 27, "Rice", 5610, 2021, 200_000),
    (2, 102, "Iran (Islamic Republic of)", 27, "Rice", 5610, 2021, 20_000),
    (2, 131, "Malaysia", 257, "Palm oil", 5610, 2021, 150_000),
    (2, 102, "Iran (Islamic Republic of)", 164, "Sugar, refined", 5610, 2021, 100_000),
    (2, 165, "Pakistan", 56, "Maize (corn)", 5610, 2021, 10_000),
    (2, 223, "Türkiye", 201, "Lentils, dry", 5610, 2019, 5_000),
    (2, 165, "Pakistan", 15, "Wheat", 5910, 2021, 70_000),  # an export: not an import
    (2, 102, "Iran (Islamic Republic of)", 56, "Maize (corn)", 5610, 2021, 0),  # nothing
    (59, 108, "Kazakhstan", 15, "Wheat", 5610, 2021, 9_000),  # another reporter
]


def _bulk(path: Path) -> Path:
    lines = [BULK_HEADER]
    for reporter, partner, name, item, item_name, element, year, value in ROWS:
        element_name = "Import Quantity" if element == 5610 else "Export Quantity"
        reporter_name = "Afghanistan" if reporter == 2 else "Egypt"
        lines.append(
            f'"{reporter}","{reporter_name}","{partner}","{name}","{item}","{item_name}",'
            f'"{element}","{element_name}","{year}","{year}","t","{value}","A"'
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def analytics(tmp_path: Path) -> Path:
    ingest(
        [_bulk(tmp_path / "Trade_DetailedTradeMatrix_E_All_Data_(Normalized).csv")],
        tmp_path / "store",
    )
    return tmp_path / "store"


def test_top_items_with_their_partners_and_year(analytics: Path) -> None:
    found = service.import_sources(analytics, "AFG")
    # totals from partner countries: wheat 1.65 Mt, flour 1.2 Mt, rice 220 kt, palm oil
    # 150 kt, sugar 100 kt (maize 10 kt and lentils 5 kt fall outside the top five)
    assert [(i.item, i.year, i.quantity_t) for i in found] == [
        ("Wheat", 2021, 1_650_000.0),
        ("Wheat and meslin flour", 2021, 1_200_000.0),
        ("Rice", 2021, 220_000.0),
        ("Palm oil", 2021, 150_000.0),
        ("Sugar, refined", 2021, 100_000.0),
    ]
    wheat = found[0]
    assert [(p.iso3, p.name, p.quantity_t) for p in wheat.partners] == [
        ("KAZ", "Kazakhstan", 1_200_000.0),
        ("UZB", "Uzbekistan", 300_000.0),
        ("PAK", "Pakistan", 100_000.0),
    ]
    # 1.2 / 1.65 = 72.73 %, 0.3 / 1.65 = 18.18 %, 0.1 / 1.65 = 6.06 %
    assert [round(p.share_percent, 2) for p in wheat.partners] == [72.73, 18.18, 6.06]
    assert found[2].partners[1].name == "Iran (Islamic Republic of)"


def test_each_item_in_its_own_latest_year(analytics: Path) -> None:
    found = {i.item: i for i in service.import_sources(analytics, "AFG", items=10, partners=1)}
    assert found["Lentils, dry"].year == 2019
    assert found["Maize (corn)"].quantity_t == 10_000.0  # the zero row from Iran is not a partner
    assert len(found) == 7


def test_no_trade_matrix_no_rows(tmp_path: Path, analytics: Path) -> None:
    assert service.import_sources(tmp_path / "empty", "AFG") == []
    assert service.import_sources(analytics, "KAZ") == []  # reports nothing


def test_web_download_with_m49_and_cpc_codes(tmp_path: Path) -> None:
    header = (
        "Domain Code,Domain,Reporter Country Code (M49),Reporter Countries,"
        "Partner Country Code (M49),Partner Countries,Element Code,Element,"
        "Item Code (CPC),Item,Year Code,Year,Unit,Value,Flag,Flag Description"
    )
    path = tmp_path / "FAOSTAT_data_trade.csv"
    path.write_text(
        header + "\n"
        '"TM","Detailed trade matrix","004","Afghanistan","398","Kazakhstan","5610","Import quantity","0111","Wheat","2022","2022","t","900000","A","Official figure"\n'
        '"TM","Detailed trade matrix","004","Afghanistan","860","Uzbekistan","5610","Import quantity","0111","Wheat","2022","2022","t","100000","A","Official figure"\n'
        '"TM","Detailed trade matrix","004","Afghanistan","586","Pakistan","5610","Import quantity","0113","Rice","2022","2022","t","50000","A","Official figure"\n',
        encoding="utf-8",
    )
    ingest([path], tmp_path / "store")
    found = service.import_sources(tmp_path / "store", "AFG")
    assert [(i.item, i.year, i.quantity_t) for i in found] == [
        ("Wheat", 2022, 1_000_000.0),
        ("Rice", 2022, 50_000.0),
    ]
    assert [(p.iso3, p.share_percent) for p in found[0].partners] == [("KAZ", 90.0), ("UZB", 10.0)]


def test_several_reporters_in_one_read_equal_one_by_one(analytics: Path) -> None:
    every = service.import_sources_by_state(analytics, ("AFG", "EGY", "KAZ"))
    assert set(every) == {"AFG", "EGY"}  # Kazakhstan reports nothing here
    assert every["AFG"] == service.import_sources(analytics, "AFG")
    (wheat,) = every["EGY"]
    assert (wheat.item, wheat.quantity_t, wheat.partners[0].iso3) == ("Wheat", 9000.0, "KAZ")
