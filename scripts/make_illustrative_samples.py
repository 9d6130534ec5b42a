"""Write the small ILLUSTRATIVE samples that ``iofs demo load`` ingests when no real file is given.

They let a fresh installation show every module's pages; none of their numbers comes from a
public source, and each file says so (its name, and for prices every market's name), and the
pages say so too. Deterministic (fixed seed): running the script again writes the same bytes.

- ``src/iofs/monitor/prices/demo_data/illustrative_wfp_food_prices.csv``: the WFP HDX layout,
  3 OIC states × 1 market × 2 commodities, monthly 2016-01 … 2024-12 (enough earlier years for
  GIEWS IPA, k ≥ 5), a seasonal pattern, a trend and a price spike in the last months so that
  watch and alert signals appear;
- ``src/iofs/monitor/faostat/demo_data/illustrative_faostat_food_balances.csv``: the FAOSTAT
  normalized Food Balances layout, the same 3 states, 2018–2022, cereals production/imports/
  exports, Grand Total kcal/capita/day and population;
- ``src/iofs/monitor/drought/demo_data/illustrative_drought_zonal.csv``: the drought monitor's
  monthly country table (SPI-3 and SPI-12 means and drought-class shares), 2022-01 … 2024-12.

Usage: ``python scripts/make_illustrative_samples.py`` from the project root.
"""

from __future__ import annotations

import csv
import math
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "src" / "iofs" / "monitor"
#: (ISO3, FAO area code, M49, English name, market, admin1, latitude, longitude, currency).
STATES = [
    ("KAZ", 108, "398", "Kazakhstan", "Astana", "Astana", 51.17, 71.45, "KZT", 160.0),
    ("SEN", 195, "686", "Senegal", "Dakar", "Dakar", 14.72, -17.47, "XOF", 450.0),
    ("JOR", 112, "400", "Jordan", "Amman", "Amman", 31.95, 35.93, "JOD", 0.45),
]
COMMODITIES = [
    ("Wheat flour", 58, "cereals and tubers", 1.0),
    ("Rice", 52, "cereals and tubers", 1.8),
]
PRICE_HEADER = [
    "countryiso3",
    "date",
    "admin1",
    "admin2",
    "market",
    "market_id",
    "latitude",
    "longitude",
    "category",
    "commodity",
    "commodity_id",
    "unit",
    "priceflag",
    "pricetype",
    "currency",
    "price",
    "usdprice",
]


def prices(path: Path, rng: random.Random) -> int:
    rows = []
    for index, (iso3, _fao, _m49, _name, market, admin1, lat, lon, currency, level) in enumerate(
        STATES
    ):
        for commodity, commodity_id, category, factor in COMMODITIES:
            base = level * factor
            for year in range(2016, 2025):
                for month in range(1, 13):
                    t = (year - 2016) * 12 + month - 1
                    seasonal = 1 + 0.06 * math.sin(2 * math.pi * (month - 3) / 12)
                    trend = 1 + 0.02 * t / 12
                    spike = 1 + (0.35 if (year == 2024 and month >= 9 and index != 2) else 0)
                    noise = 1 + rng.uniform(-0.02, 0.02)
                    price = round(base * seasonal * trend * spike * noise, 2)
                    rows.append(
                        [
                            iso3,
                            f"{year}-{month:02d}-15",
                            admin1,
                            admin1,
                            f"{market} (illustrative)",
                            90000 + index,
                            lat,
                            lon,
                            category,
                            commodity,
                            commodity_id,
                            "KG",
                            "actual",
                            "Retail",
                            currency,
                            price,
                            "",
                        ]
                    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(PRICE_HEADER)
        writer.writerows(rows)
    return len(rows)


FBS_HEADER = [
    "Area Code",
    "Area Code (M49)",
    "Area",
    "Item Code",
    "Item Code (CPC)",
    "Item",
    "Element Code",
    "Element",
    "Year Code",
    "Year",
    "Unit",
    "Value",
    "Flag",
    "Note",
]
#: (item code, item, element code, element, unit, value per state for 2018, yearly growth).
FBS_SERIES = [
    (2905, "Cereals - Excluding Beer", 5511, "Production", "1000 t", (20000, 2500, 90), 0.02),
    (2905, "Cereals - Excluding Beer", 5611, "Import Quantity", "1000 t", (800, 1700, 2600), 0.03),
    (2905, "Cereals - Excluding Beer", 5911, "Export Quantity", "1000 t", (8000, 60, 20), 0.01),
    (
        2901,
        "Grand Total",
        664,
        "Food supply (kcal/capita/day)",
        "kcal/cap/d",
        (3300, 2500, 2900),
        0.002,
    ),
    (
        2501,
        "Population",
        511,
        "Total Population - Both sexes",
        "1000 No",
        (18300, 15800, 10100),
        0.015,
    ),
]


def food_balances(path: Path) -> int:
    rows = []
    for state_index, (_iso3, fao, m49, name, *_rest) in enumerate(STATES):
        for item, item_name, element, element_name, unit, values, growth in FBS_SERIES:
            for year in range(2018, 2023):
                value = round(values[state_index] * (1 + growth) ** (year - 2018), 1)
                rows.append(
                    [
                        fao,
                        f"'{m49}",
                        name,
                        item,
                        "",
                        item_name,
                        element,
                        element_name,
                        year,
                        year,
                        unit,
                        value,
                        "E",
                        "Illustrative figures, not FAOSTAT's",
                    ]
                )
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
        writer.writerow(FBS_HEADER)
        writer.writerows(rows)
    return len(rows)


ZONAL_HEADER = [
    "source",
    "scale",
    "level",
    "area_id",
    "iso3",
    "month",
    "mean_spi",
    "share_moderate",
    "share_severe",
    "share_extreme",
    "coverage",
    "pixels",
]


def drought(path: Path, rng: random.Random) -> int:
    rows = []
    for state_index, (iso3, *_rest) in enumerate(STATES):
        for scale in (3, 12):
            for year in range(2022, 2025):
                for month in range(1, 13):
                    t = (year - 2022) * 12 + month
                    period = 18 if scale == 3 else 30
                    spi = round(
                        1.2 * math.sin(2 * math.pi * (t + 4 * state_index) / period)
                        + rng.uniform(-0.3, 0.3),
                        2,
                    )
                    moderate = round(max(0.0, min(100.0, 50 - 45 * spi)), 1) if spi < 0 else 0.0
                    severe = round(moderate * 0.5, 1)
                    extreme = round(moderate * 0.2, 1)
                    rows.append(
                        [
                            "illustrative",
                            scale,
                            "country",
                            iso3,
                            iso3,
                            f"{year}-{month:02d}",
                            spi,
                            moderate,
                            severe,
                            extreme,
                            100.0,
                            400,
                        ]
                    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(ZONAL_HEADER)
        writer.writerows(rows)
    return len(rows)


def main() -> None:
    rng = random.Random(18)  # noqa: S311 - reproducible sample noise, not secrets
    made = {
        "prices": prices(ROOT / "prices/demo_data/illustrative_wfp_food_prices.csv", rng),
        "faostat": food_balances(ROOT / "faostat/demo_data/illustrative_faostat_food_balances.csv"),
        "drought": drought(ROOT / "drought/demo_data/illustrative_drought_zonal.csv", rng),
    }
    for name, count in made.items():
        print(f"{name}: {count} rows")


if __name__ == "__main__":
    main()
