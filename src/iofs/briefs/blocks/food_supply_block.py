"""Food supply block: FAOSTAT dietary energy supply, undernourishment, cereal ratios, top
imported foods and where they come from (FAOSTAT service).
"""

from __future__ import annotations

from typing import Any

from iofs.briefs.blocks.common import oic_codes, state_name
from iofs.briefs.cache import cached
from iofs.briefs.charts import bars
from iofs.briefs.model import Block, Chart, Fact, Missing, Table, number, percent
from iofs.config import Settings
from iofs.i18n import gettext as _

FOOD_SUPPLY = (
    ("dietary_energy_supply", None),
    ("prevalence_of_undernourishment", None),
    ("self_sufficiency_ratio", "Cereals - Excluding Beer"),
    ("cereal_import_dependency_ratio", None),
)
#: FBS element "Import quantity" (1000 t).
IMPORT_QUANTITY = 5611
#: FBS items (codes below 3000) and how many of the largest imports the block lists.
FBS_ITEMS = tuple(range(1, 3000))
TOP_IMPORTS = 5


def food_supply(settings: Settings, iso3: str) -> Block:
    """Dietary energy supply (kcal/capita/day), undernourishment (%), cereal
    self-sufficiency and import dependency (%), each with its year; the five largest
    imports of the state's latest year (FBS import quantity, 1000 t) and where they come from
    (trade matrix, t)."""
    from iofs.monitor.faostat import service

    block = Block("food_supply", _("Food supply"), "/faostat", _("Food statistics"))
    rows = faostat_rows(settings).get(iso3, [])
    definitions = {d.identifier: d for d in service.definitions()}
    for indicator, item in FOOD_SUPPLY:
        chosen = sorted(
            (
                r
                for r in rows
                if r["indicator"] == indicator and (item is None or r["item"] == item)
            ),
            key=lambda r: (r["year"], r["source"] == "computed"),
        )
        label = _(definitions[indicator].label) if indicator in definitions else indicator
        if not chosen:
            block.missing.append(
                Missing(
                    _("%(indicator)s: no value.") % {"indicator": label},
                    command="iofs fetch faostat",
                    page="/faostat",
                )
            )
            continue
        latest = chosen[-1]
        block.facts.append(
            Fact(
                label,
                latest["value"],
                number(latest["value"], 1, latest["unit"]),
                latest["unit"],
                str(latest["year"]),
            )
        )
    found = fbs_imports(settings).get(iso3, [])
    if found:
        year = max(y for y, _item, _value in found)
        top = sorted(
            ((item, value) for y, item, value in found if y == year), key=lambda r: (-r[1], r[0])
        )[:TOP_IMPORTS]
        block.tables.append(
            Table(
                _("Top imported foods, %(year)d (1000 t)") % {"year": year},
                (_("Item"), _("Imports (1000 t)")),
                tuple((name, number(value)) for name, value in top),
            )
        )
        block.charts.append(
            Chart(
                _("Imports (1000 t)"),
                bars(top, _("Top imported foods, %(year)d") % {"year": year}, _("1000 t")),
            )
        )
    else:
        block.missing.append(
            Missing(
                _("Import quantities (food balance sheets) not ingested."),
                command="iofs fetch faostat",
                page="/faostat",
            )
        )
    import_sources(settings, iso3, block)
    if block.facts or block.tables:
        block.link = f"/faostat/{iso3}"
    return block


#: The command that adds FAOSTAT's detailed trade matrix (the bulk file's name).
TRADE_MATRIX_COMMAND = "iofs ingest faostat Trade_DetailedTradeMatrix_E_All_Data_(Normalized).zip"


def import_sources(settings: Settings, iso3: str, block: Block) -> None:
    """Add to ``block`` where the state's top imported foods come from: per item (FAOSTAT
    detailed trade matrix, import quantity in tonnes, the item's latest year), its largest
    partner countries by name with their share of the item's imports (percent). The 57
    states are read in one query, kept while the store's files are unchanged."""
    from iofs.monitor.faostat import service

    found = cached(
        settings.analytics_dir / "faostat",
        ("import_sources",),
        lambda: service.import_sources_by_state(settings.analytics_dir, tuple(sorted(oic_codes()))),
    ).get(iso3, [])
    if not found:
        block.missing.append(
            Missing(
                _("Where imports come from: the FAOSTAT detailed trade matrix is not ingested."),
                command=TRADE_MATRIX_COMMAND,
            )
        )
        return
    rows = []
    for item in found:
        partners = "; ".join(
            f"{state_name(p.iso3) if p.iso3 else p.name} {percent(p.share_percent)}"
            for p in item.partners
        )
        rows.append((item.item, str(item.year), number(item.quantity_t), partners))
    block.tables.append(
        Table(
            _("Where imports come from (FAOSTAT trade matrix, t)"),
            (_("Item"), _("Year"), _("Imports (t)"), _("Main partners (share)")),
            tuple(rows),
        )
    )


def fbs_imports(settings: Settings) -> dict[str, list[tuple[int, str, float]]]:
    """Every OIC state's FBS import quantities (year, item, 1000 t), read in one query of the
    FAOSTAT service and kept while the store's files are unchanged (one state's read cost as
    much as all 57)."""
    from iofs.monitor.faostat import service

    def read() -> dict[str, list[tuple[int, str, float]]]:
        frame = service.series_of_states(
            settings.analytics_dir,
            tuple(sorted(oic_codes())),
            "FBS",
            (IMPORT_QUANTITY,),
            FBS_ITEMS,
        )
        grouped: dict[str, list[tuple[int, str, float]]] = {}
        for iso3, year, item, value in zip(
            frame["iso3"], frame["year"], frame["item"], frame["value"], strict=True
        ):
            if value == value and value is not None:
                grouped.setdefault(str(iso3), []).append((int(year), str(item), float(value)))
        return grouped

    return cached(settings.analytics_dir / "faostat", ("fbs_imports",), read)


def faostat_rows(settings: Settings) -> dict[str, list[dict[str, Any]]]:
    """Every state's FAOSTAT indicator values (indicator, item, year, value, unit, source),
    read once per state of the store."""
    from iofs.monitor.faostat import service

    def read() -> dict[str, list[dict[str, Any]]]:
        table = service.indicator_table(settings.analytics_dir)
        columns = ["area", "indicator", "item", "year", "value", "unit", "source"]
        grouped: dict[str, list[dict[str, Any]]] = {}
        for row in table[columns].to_dict(orient="records"):
            if row["value"] == row["value"] and row["value"] is not None:
                grouped.setdefault(str(row["area"]), []).append(row)
        return grouped

    return cached(settings.analytics_dir / "faostat", ("indicators",), read)
