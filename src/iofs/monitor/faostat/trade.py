"""Where a state's food imports come from: FAOSTAT's detailed trade matrix (domain TM).

The trade matrix holds, per reporting country, partner country, item, element and year, the
quantities and values traded as *reported by the importer* (FAOSTAT, "Detailed trade matrix",
https://www.fao.org/faostat/en/#data/TM). This module reads the element *Import Quantity*
(code 5610, tonnes) of one reporter: for each of its top items (largest quantity in the item's
latest year), the partners it came from in that year, largest first, with their share of the
item's imports from all partner countries. Regional aggregates and "World" partners are left
out (``partner_kind = 'country'``), so shares are of the imports reported by partner country.
Where slices overlap, the slice whose source sorts last wins (as in :mod:`.store`).
"""
# ruff: noqa: S608 - SQL is assembled from the store's quoted file list; values are bound

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from iofs.monitor.faostat import store
from iofs.monitor.faostat.sql import parquet_list

#: TM element "Import Quantity" (tonnes).
IMPORT_QUANTITY = 5610
#: The command that adds the trade matrix to the store (the bulk file's name).
INGEST_COMMAND = "iofs ingest faostat Trade_DetailedTradeMatrix_E_All_Data_(Normalized).zip"


@dataclass(frozen=True)
class Partner:
    """A partner country of one imported item: ISO3 (None when FAOSTAT's code maps to none),
    FAOSTAT's English name, quantity (tonnes) and share of the item's imports (percent)."""

    iso3: str | None
    name: str
    quantity_t: float
    share_percent: float


@dataclass(frozen=True)
class ImportedItem:
    """One imported item of a state in its latest ``year`` with data: FAOSTAT item name,
    total imports from partner countries (tonnes) and the top partners."""

    item: str
    year: int
    quantity_t: float
    unit: str
    partners: tuple[Partner, ...]


def _frame(analytics_dir: Path, iso3: str) -> list[tuple[object, ...]]:
    files = store.slice_files(analytics_dir, "TM")
    if not files:
        return []
    con = duckdb.connect()
    try:
        return con.execute(
            f"WITH o AS ("
            f" SELECT coalesce(CAST(item_code AS VARCHAR), 'cpc:' || item_cpc) AS item_key,"
            f" any_value(item) AS item, partner_code, any_value(partner_iso3) AS partner_iso3,"
            f" any_value(partner) AS partner, year, arg_max(value, source) AS value,"
            f" any_value(unit) AS unit"
            f" FROM {parquet_list(files)}"
            f" WHERE iso3 = ? AND element_code = ? AND partner_kind = 'country'"
            f" AND year = year_end AND value > 0"
            f" GROUP BY item_key, partner_code, year),"
            f" latest AS (SELECT item_key, max(year) AS year FROM o GROUP BY item_key)"
            f" SELECT o.item_key, o.item, o.year, o.partner_iso3, o.partner, o.value, o.unit"
            f" FROM o JOIN latest USING (item_key, year)"
            f" ORDER BY o.item_key, o.value DESC, o.partner",
            [iso3, IMPORT_QUANTITY],
        ).fetchall()
    finally:
        con.close()


def import_sources(
    analytics_dir: Path, iso3: str, items: int = 5, partners: int = 3
) -> list[ImportedItem]:
    """The ``items`` largest imports of ``iso3`` (tonnes, each item's latest year) with their
    ``partners`` largest partner countries; an empty list when the store holds no trade
    matrix row of the state."""
    grouped: dict[str, list[tuple[object, ...]]] = {}
    for row in _frame(analytics_dir, iso3.upper()):
        grouped.setdefault(str(row[0]), []).append(row)
    found: list[ImportedItem] = []
    for rows in grouped.values():
        total = sum(float(str(r[5])) for r in rows)
        found.append(
            ImportedItem(
                item=str(rows[0][1]),
                year=int(str(rows[0][2])),
                quantity_t=total,
                unit=str(rows[0][6] or "t"),
                partners=tuple(
                    Partner(
                        None if r[3] is None else str(r[3]),
                        str(r[4] or ""),
                        float(str(r[5])),
                        100 * float(str(r[5])) / total,
                    )
                    for r in rows[:partners]
                ),
            )
        )
    found.sort(key=lambda item: (-item.quantity_t, item.item))
    return found[:items]


__all__ = ["INGEST_COMMAND", "ImportedItem", "Partner", "import_sources"]
