"""Small FAOSTAT-format files written by the tests (numbers chosen by hand)."""
# ruff: noqa: E501 - CSV rows as FAOSTAT writes them

from __future__ import annotations

from pathlib import Path

NORMALIZED_HEADER = (
    '"Area Code","Area Code (M49)","Area","Item Code","Item Code (CPC)","Item",'
    '"Element Code","Element","Year Code","Year","Unit","Value","Flag","Note"'
)

# Egypt (FAO 59) and Senegal (FAO 195), cereals (2905): production, imports, exports,
# stock variation, domestic supply; Grand Total kcal and population.
FBS_ROWS = (
    [
        # area, m49, name, item, item name, element, element name, year, unit, value
        (59, "'818", "Egypt", 2905, "Cereals - Excluding Beer", 5511, "Production", y, "1000 t", p)
        for y, p in ((2014, 20000), (2015, 21000), (2016, 22000))
    ]
    + [
        (
            59,
            "'818",
            "Egypt",
            2905,
            "Cereals - Excluding Beer",
            5611,
            "Import Quantity",
            y,
            "1000 t",
            i,
        )
        for y, i in ((2014, 15000), (2015, 16000), (2016, 17000))
    ]
    + [
        (
            59,
            "'818",
            "Egypt",
            2905,
            "Cereals - Excluding Beer",
            5911,
            "Export Quantity",
            y,
            "1000 t",
            e,
        )
        for y, e in ((2014, 1000), (2015, 1000), (2016, 1000))
    ]
    + [
        (
            195,
            "'686",
            "Senegal",
            2905,
            "Cereals - Excluding Beer",
            5511,
            "Production",
            2015,
            "1000 t",
            2000,
        ),
        (
            195,
            "'686",
            "Senegal",
            2905,
            "Cereals - Excluding Beer",
            5611,
            "Import Quantity",
            2015,
            "1000 t",
            1500,
        ),
        (
            195,
            "'686",
            "Senegal",
            2905,
            "Cereals - Excluding Beer",
            5911,
            "Export Quantity",
            2015,
            "1000 t",
            500,
        ),
        (
            59,
            "'818",
            "Egypt",
            2901,
            "Grand Total",
            664,
            "Food supply (kcal/capita/day)",
            2015,
            "kcal/cap/d",
            3300,
        ),
        (
            59,
            "'818",
            "Egypt",
            2903,
            "Vegetal Products",
            664,
            "Food supply (kcal/capita/day)",
            2015,
            "kcal/cap/d",
            3000,
        ),
        (
            59,
            "'818",
            "Egypt",
            2941,
            "Animal Products",
            664,
            "Food supply (kcal/capita/day)",
            2015,
            "kcal/cap/d",
            300,
        ),
        (
            195,
            "'686",
            "Senegal",
            2901,
            "Grand Total",
            664,
            "Food supply (kcal/capita/day)",
            2015,
            "kcal/cap/d",
            2400,
        ),
        (
            59,
            "'818",
            "Egypt",
            2501,
            "Population",
            511,
            "Total Population - Both sexes",
            2015,
            "1000 persons",
            90000,
        ),
        (
            195,
            "'686",
            "Senegal",
            2501,
            "Population",
            511,
            "Total Population - Both sexes",
            2015,
            "1000 persons",
            15000,
        ),
        (
            5000,
            "'001",
            "World",
            2901,
            "Grand Total",
            664,
            "Food supply (kcal/capita/day)",
            2015,
            "kcal/cap/d",
            2900,
        ),
    ]
)


def write_fbs(path: Path, encoding: str = "latin-1") -> Path:
    """A normalized FBS file (FoodBalanceSheets_E_…) with the rows above."""
    lines = [NORMALIZED_HEADER]
    for area, m49, name, item, item_name, element, element_name, year, unit, value in FBS_ROWS:
        lines.append(
            f'"{area}","{m49}","{name}","{item}","","{item_name}","{element}",'
            f'"{element_name}","{year}","{year}","{unit}","{value}","E",""'
        )
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


FS_TEXT = """Area Code,Area,Item Code,Item,Element Code,Element,Year Code,Year,Unit,Value,Flag
"107","Côte d'Ivoire","210041","Prevalence of undernourishment (percent) (3-year average)","6121","Value","20142016","2014-2016","%","<2.5","F"
"107","Côte d'Ivoire","21035","Cereal import dependency ratio (percent) (3-year average)","6121","Value","20142016","2014-2016","%","","NV"
"59","Egypt","21035","Cereal import dependency ratio (percent) (3-year average)","6121","Value","20142016","2014-2016","%","42.7","F"
"5000","World","21035","Cereal import dependency ratio (percent) (3-year average)","6121","Value","20142016","2014-2016","%","12.5","F"
"""

WIDE_TEXT = """Area Code,Area,Item Code,Item,Element Code,Element,Unit,Y2014,Y2014F,Y2015,Y2015F
"4","Algérie","2905","Cereals - Excluding Beer","5511","Production","1000 tonnes","3500","","4000","E"
"4","Algérie","2905","Cereals - Excluding Beer","5611","Import Quantity","1000 tonnes","12000","","","M"
"4","Algérie","2905","Cereals - Excluding Beer","5911","Export Quantity","1000 tonnes","","","",""
"""

TRADE_MATRIX_TEXT = """Reporter Country Code,Reporter Countries,Partner Country Code,Partner Countries,Item Code,Item,Element Code,Element,Year Code,Year,Unit,Value,Flag
"216","Thailand","59","Egypt","27","Rice","5922","Export Value","2020","2020","1000 USD","10",""
"59","Egypt","4","Algeria","27","Rice","5922","Export Value","2020","2020","1000 USD","10",""
"59","Egypt","222","Tunisia","15","Wheat","5922","Export Value","2020","2020","1000 USD","5",""
"59","Egypt","222","Tunisia","27","Rice","5922","Export Value","2020","2020","1000 USD","7",""
"59","Egypt","5000","World","27","Rice","5922","Export Value","2020","2020","1000 USD","99",""
"59","Egypt","236","Venezuela","27","Rice","5922","Export Value","2020","2020","1000 USD","0",""
"""
