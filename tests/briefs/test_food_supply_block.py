"""The food supply block says where imports come from (FAOSTAT detailed trade matrix): partner
names, not codes, in the reader's language, with the year of each value; without the trade
matrix it names the ``iofs ingest faostat`` command that adds it."""

from __future__ import annotations

from iofs import i18n
from iofs.briefs import cache
from iofs.briefs.blocks import food_supply
from iofs.briefs.model import Block, Table
from iofs.config import Settings
from iofs.monitor.faostat.ingest import ingest
from tests.monitor.faostat.test_trade import _bulk


def _trade_table(block: Block) -> Table:
    tables = [t for t in block.tables if "trade matrix" in t.caption or "تجارة" in t.caption]
    assert len(tables) == 1, [t.caption for t in block.tables]
    return tables[0]


def test_where_imports_come_from_with_partner_names_and_years(settings: Settings) -> None:
    cache.clear()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    source = _bulk(settings.data_dir / "Trade_DetailedTradeMatrix_E_All_Data_(Normalized).csv")
    ingest([source], settings.analytics_dir)
    block = food_supply(settings, "AFG")
    table = _trade_table(block)
    assert table.columns == ("Item", "Year", "Imports (t)", "Main partners (share)")
    assert table.rows[0] == (
        "Wheat",
        "2021",
        "1,650,000",
        "Kazakhstan 73 %; Uzbekistan 18 %; Pakistan 6 %",
    )
    # 200/220 and 20/220, the name as the country reference spells it
    assert table.rows[2][3] == "Pakistan 91 %; Iran (Islamic Republic of) 9 %"
    assert not any("trade matrix" in m.what for m in block.missing)
    previous = i18n.current_language()
    i18n.set_language("ar")
    try:
        arabic = food_supply(settings, "AFG")
    finally:
        i18n.set_language(previous)
    partners = _trade_table(arabic).rows[0][3]
    assert "كازاخستان" in partners and "Kazakhstan" not in partners
    cache.clear()


def test_without_the_trade_matrix_the_block_names_the_ingest_command(settings: Settings) -> None:
    cache.clear()
    block = food_supply(settings, "AFG")
    (missing,) = [m for m in block.missing if "trade matrix" in m.what]
    assert missing.command.startswith("iofs ingest faostat Trade_DetailedTradeMatrix")


def test_top_imported_foods_are_the_five_largest_of_the_latest_year(settings: Settings) -> None:
    from tests.monitor.faostat.helpers import NORMALIZED_HEADER

    cache.clear()
    rows = [  # Afghanistan (FAO 2, M49 4), FBS import quantity (1000 t)
        (2511, "Wheat and products", 2022, 3000),
        (2805, "Rice and products", 2022, 500),
        (2542, "Sugar (Raw Equivalent)", 2022, 300),
        (2577, "Palm Oil", 2022, 200),
        (2513, "Barley and products", 2022, 50),
        (2517, "Millet and products", 2022, 20),  # sixth: left out
        (2511, "Wheat and products", 2021, 9999),  # an older year: not shown
        # large in 2021 only: counts neither for the ranking nor the table of 2022 (a ranking
        # over all years would take it and show four rows)
        (2514, "Maize and products", 2021, 5000),
    ]
    lines = [NORMALIZED_HEADER] + [
        f'"2","4","Afghanistan","{item}","","{name}","5611","Import Quantity","{year}",'
        f'"{year}","1000 t","{value}","E",""'
        for item, name, year, value in rows
    ]
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    source = settings.data_dir / "FoodBalanceSheets_E_All_Data_(Normalized).csv"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ingest([source], settings.analytics_dir)
    block = food_supply(settings, "AFG")
    (table,) = [t for t in block.tables if t.caption.startswith("Top imported foods")]
    assert table.caption == "Top imported foods, 2022 (1000 t)"
    assert table.rows == (
        ("Wheat and products", "3,000"),
        ("Rice and products", "500"),
        ("Sugar (Raw Equivalent)", "300"),
        ("Palm Oil", "200"),
        ("Barley and products", "50"),
    )
    cache.clear()
