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

from iofs.analytics_store.duckdb_cursor import duckdb_cursor
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


def _rows(analytics_dir: Path, iso3s: tuple[str, ...]) -> list[tuple[object, ...]]:
    """(reporter, item key, item, year, partner ISO3, partner, tonnes, unit) of the reporters'
    import quantities from partner countries in each item's latest year, largest first."""
    files = store.slice_files(analytics_dir, "TM")
    if not files or not iso3s:
        return []
    places = ", ".join("?" for _ in iso3s)
    with duckdb_cursor() as con:
        return con.execute(
            f"WITH o AS ("
            f" SELECT iso3, coalesce(CAST(item_code AS VARCHAR), 'cpc:' || item_cpc) AS item_key,"
            f" any_value(item) AS item, partner_code, any_value(partner_iso3) AS partner_iso3,"
            f" any_value(partner) AS partner, year, arg_max(value, source) AS value,"
            f" any_value(unit) AS unit"
            f" FROM {parquet_list(files)}"
            f" WHERE iso3 IN ({places}) AND element_code = ? AND partner_kind = 'country'"
            f" AND year = year_end AND value > 0"
            f" GROUP BY iso3, item_key, partner_code, year),"
            f" latest AS (SELECT iso3, item_key, max(year) AS year FROM o GROUP BY iso3, item_key)"
            f" SELECT o.iso3, o.item_key, o.item, o.year, o.partner_iso3, o.partner, o.value,"
            f" o.unit FROM o JOIN latest USING (iso3, item_key, year)"
            f" ORDER BY o.iso3, o.item_key, o.value DESC, o.partner",
            [*iso3s, IMPORT_QUANTITY],
        ).fetchall()


def _items(rows: list[tuple[object, ...]], items: int, partners: int) -> list[ImportedItem]:
    grouped: dict[str, list[tuple[object, ...]]] = {}
    for row in rows:
        grouped.setdefault(str(row[1]), []).append(row)
    found: list[ImportedItem] = []
    for group in grouped.values():
        total = sum(float(str(r[6])) for r in group)
        found.append(
            ImportedItem(
                item=str(group[0][2]),
                year=int(str(group[0][3])),
                quantity_t=total,
                unit=str(group[0][7] or "t"),
                partners=tuple(
                    Partner(
                        None if r[4] is None else str(r[4]),
                        str(r[5] or ""),
                        float(str(r[6])),
                        100 * float(str(r[6])) / total,
                    )
                    for r in group[:partners]
                ),
            )
        )
    found.sort(key=lambda item: (-item.quantity_t, item.item))
    return found[:items]


def import_sources_by_state(
    analytics_dir: Path, iso3s: tuple[str, ...], items: int = 5, partners: int = 3
) -> dict[str, list[ImportedItem]]:
    """:func:`import_sources` of several reporters in one query, by ISO3 (reporters without
    a trade matrix row are absent)."""
    by_state: dict[str, list[tuple[object, ...]]] = {}
    for row in _rows(analytics_dir, tuple(code.upper() for code in iso3s)):
        by_state.setdefault(str(row[0]), []).append(row)
    return {code: _items(rows, items, partners) for code, rows in by_state.items()}


def import_sources(
    analytics_dir: Path, iso3: str, items: int = 5, partners: int = 3
) -> list[ImportedItem]:
    """The ``items`` largest imports of ``iso3`` (tonnes, each item's latest year) with their
    ``partners`` largest partner countries; an empty list when the store holds no trade
    matrix row of the state."""
    return import_sources_by_state(analytics_dir, (iso3,), items, partners).get(iso3.upper(), [])


__all__ = ["INGEST_COMMAND", "ImportedItem", "Partner", "import_sources", "import_sources_by_state"]
