"""The FAO food-security indicators, each defined once: id, label, unit, definition,
reference and computation (the shape of xclim's ``Indicator`` objects).

Every consumer reads :data:`INDICATORS`: the suite (:mod:`iofs.monitor.faostat.indicators`)
runs each indicator's computation and publishes FAO's own values of the indicators that
name an FS item; the pages show the labels; the API documents ids, units and labels; the
KPI feed takes its description and unit from here. Adding an indicator is one
:class:`Indicator` below.

A computation returns SQL SELECTs producing the suite's columns (``area, indicator,
item_code, item, year, value, unit, source, flag``), over the tables the suite prepares:

``fbs_area``
    one row per area (state or OIC aggregate), FBS item and year: ``prod``, ``imp``,
    ``exp`` (1000 t, summed over an aggregate's states), ``kcal``, ``prot``, ``fat``
    (per capita per day, population-weighted for an aggregate), ``states`` (states
    summed) and ``wstates`` (states weighted).
``obs``
    the long rows of the other domains (:data:`iofs.monitor.faostat.store.SUITE_COLUMNS`),
    the 57 states only.
``members``
    ``(iso3, area)``: each state in itself, in ``OIC`` and in its OIC group.

Light on purpose (no DuckDB, no pandas): the KPI feed imports it at start-up.
"""
# ruff: noqa: S608 - SQL is assembled from quoted identifiers and quoted literals; no user text

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from iofs.i18n import N_
from iofs.monitor.faostat.sql import literal

#: FAO, *Food Balance Sheets: A Handbook*, Rome 2001, chapter 4.
FBS_HANDBOOK = "FAO (2001). Food Balance Sheets: A Handbook, chapter 4. Rome: FAO."
#: The FAOSTAT Food Security indicators and their metadata (domain FS).
FS_METADATA = (
    "FAO. Suite of Food Security Indicators, FAOSTAT domain FS, indicator metadata. Rome: FAO."
)

#: The flag of an aggregate's row: how many states it sums (``states``) or weights.
_STATES = "CASE WHEN area LIKE 'OIC%' THEN states || ' states' END"
_WSTATES = "CASE WHEN area LIKE 'OIC%' THEN wstates || ' states' END"
_DOMESTIC = "coalesce(prod, 0) + coalesce(imp, 0) - coalesce(exp, 0)"


@dataclass(frozen=True)
class Indicator:
    """One FAO food-security indicator.

    ``label`` is an English msgid (translated where shown); ``unit`` the unit of the values
    iofs computes; ``definition`` how it is defined; ``reference`` the FAO methodology it
    follows; ``compute`` the SQL of its rows (None: only FAO's published values);
    ``fao_item`` the FAOSTAT Food Security (FS) item code of FAO's own published value, kept
    beside the computed one (``source`` ``faostat``).
    """

    identifier: str
    label: str
    unit: str
    definition: str
    reference: str
    compute: Callable[[Indicator], tuple[str, ...]] | None = None
    fao_item: int | None = None

    def sql(self) -> tuple[str, ...]:
        """The SELECTs of this indicator's rows (none when FAO only publishes it)."""
        return self.compute(self) if self.compute is not None else ()

    @property
    def id_sql(self) -> str:
        return literal(self.identifier)

    @property
    def unit_sql(self) -> str:
        return literal(self.unit)


# --------------------------------------------------------------------------- computations


def _fbs_ratio(numerator: str) -> Callable[[Indicator], tuple[str, ...]]:
    """``numerator`` × 100 / (production + imports − exports), per FBS item and year."""

    def compute(ind: Indicator) -> tuple[str, ...]:
        return (
            f"""SELECT area, {ind.id_sql} AS indicator, item_code, item, year,
                  100 * {numerator} / ({_DOMESTIC}) AS value,
                  {ind.unit_sql} AS unit, 'computed' AS source, {_STATES} AS flag
           FROM fbs_area WHERE (prod IS NOT NULL OR imp IS NOT NULL)
           AND {_DOMESTIC} > 0""",
        )

    return compute


def _cereal_import_dependency(ind: Indicator) -> tuple[str, ...]:
    """3-year average centred on the year (t−1, t, t+1 all required), FBS group 2905."""
    return (
        f"""SELECT area, {ind.id_sql}, item_code, item, year,
                  100 * (i3 - e3) / (p3 + i3 - e3), {ind.unit_sql}, 'computed', {_STATES}
           FROM (SELECT area, item_code, item, year, states,
                   sum(coalesce(prod, 0)) OVER w AS p3, sum(coalesce(imp, 0)) OVER w AS i3,
                   sum(coalesce(exp, 0)) OVER w AS e3, count(*) OVER w AS n
                 FROM fbs_area WHERE item_code = 2905
                 WINDOW w AS (PARTITION BY area ORDER BY year
                              RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING))
           WHERE n = 3 AND p3 + i3 - e3 > 0""",
    )


def _per_capita_supply(column: str) -> Callable[[Indicator], tuple[str, ...]]:
    """FAO's value on "Grand Total" (2901) and the computed vegetal (2903) + animal (2941)."""

    def compute(ind: Indicator) -> tuple[str, ...]:
        return (
            f"""
           SELECT area, {ind.id_sql}, 2901, 'Grand Total', year, {column}, {ind.unit_sql},
                  'faostat', {_WSTATES}
                  FROM fbs_area WHERE item_code = 2901
                  AND {column} IS NOT NULL""",
            f"""
           SELECT v.area, {ind.id_sql}, NULL, NULL, v.year, v.{column} + a.{column},
                  {ind.unit_sql}, 'computed',
                  CASE WHEN v.area LIKE 'OIC%' THEN v.wstates || ' states' END
           FROM fbs_area v JOIN fbs_area a ON a.area = v.area AND a.year = v.year
           AND a.item_code = 2941 WHERE v.item_code = 2903
           AND v.{column} IS NOT NULL AND a.{column} IS NOT NULL""",
        )

    return compute


def _animal_protein(ind: Indicator) -> tuple[str, ...]:
    return (
        f"""
        SELECT area, {ind.id_sql}, item_code, item, year, prot, {ind.unit_sql},
               'faostat', {_WSTATES}
        FROM fbs_area WHERE item_code = 2941 AND prot IS NOT NULL""",
    )


def _energy_share_cereals_roots(ind: Indicator) -> tuple[str, ...]:
    """kcal of cereals (2905) and starchy roots (2907) over the total (2901, else 2903 +
    2941)."""
    return (
        f"""
        SELECT c.area, {ind.id_sql}, NULL, NULL, c.year,
               100 * (c.kcal + coalesce(r.kcal, 0)) / coalesce(t.kcal, v.kcal + a.kcal),
               {ind.unit_sql}, 'computed', NULL
        FROM fbs_area c
        LEFT JOIN fbs_area r ON r.area = c.area AND r.year = c.year AND r.item_code = 2907
        LEFT JOIN fbs_area t ON t.area = c.area AND t.year = c.year AND t.item_code = 2901
        LEFT JOIN fbs_area v ON v.area = c.area AND v.year = c.year AND v.item_code = 2903
        LEFT JOIN fbs_area a ON a.area = c.area AND a.year = c.year AND a.item_code = 2941
        WHERE c.item_code = 2905 AND c.kcal IS NOT NULL
        AND coalesce(t.kcal, v.kcal + a.kcal) > 0""",
    )


def _additive_series(domain: str, element: int) -> Callable[[Indicator], tuple[str, ...]]:
    """FAOSTAT's values of one element, per item; summed over an aggregate's states."""

    def compute(ind: Indicator) -> tuple[str, ...]:
        return (
            f"""
            SELECT m.area, {ind.id_sql}, o.item_code, any_value(o.item), o.year,
                   sum(o.value), {ind.unit_sql}, 'faostat',
                   CASE WHEN m.area LIKE 'OIC%' THEN count(*) || ' states'
                        ELSE any_value(o.flag) END
            FROM (SELECT iso3, item_code, any_value(item) AS item, year,
                         arg_max(value, source) AS value, arg_max(flag, source) AS flag
                  FROM obs WHERE domain = {literal(domain)} AND element_code = {element}
                  AND year = year_end AND value IS NOT NULL
                  GROUP BY iso3, item_code, year) o
            JOIN members m USING (iso3) GROUP BY m.area, o.item_code, o.year""",
        )

    return compute


def _export_destinations(ind: Indicator) -> tuple[str, ...]:
    return (
        f"""
        SELECT iso3, {ind.id_sql}, NULL, NULL, year,
               count(DISTINCT partner_iso3), {ind.unit_sql}, 'computed', NULL
        FROM obs WHERE domain = 'TM' AND element_code = 5922 AND value > 0
        AND partner_kind = 'country' GROUP BY iso3, year""",
    )


# --------------------------------------------------------------------------- the indicators

_ALL = (
    Indicator(
        "self_sufficiency_ratio",
        N_("Self-sufficiency ratio"),
        "%",
        "SSR = production × 100 / (production + imports − exports), per FBS item and item group.",
        FBS_HANDBOOK,
        _fbs_ratio("coalesce(prod, 0)"),
    ),
    Indicator(
        "import_dependency_ratio",
        N_("Import dependency ratio"),
        "%",
        "IDR = imports × 100 / (production + imports − exports), per FBS item and item group.",
        FBS_HANDBOOK,
        _fbs_ratio("coalesce(imp, 0)"),
    ),
    Indicator(
        "cereal_import_dependency_ratio",
        N_("Cereal import dependency ratio (3-year average)"),
        "%",
        "(cereal imports − cereal exports) × 100 / (cereal production + cereal imports − "
        'cereal exports), cereals = FBS group 2905 "Cereals - Excluding Beer"; quantities '
        "averaged over years t−1, t, t+1 (all three required), the ratio labelled with the "
        'central year t (FAO\'s "2010-2012" → 2011).',
        f"{FS_METADATA} {FBS_HANDBOOK}",
        _cereal_import_dependency,
        fao_item=21035,
    ),
    Indicator(
        "dietary_energy_supply",
        N_("Dietary energy supply"),
        "kcal/capita/day",
        'FBS element 664 (food supply, kcal/capita/day) on "Grand Total" (2901) as FAO '
        "publishes it; computed = vegetal products (2903) + animal products (2941).",
        FBS_HANDBOOK,
        _per_capita_supply("kcal"),
    ),
    Indicator(
        "protein_supply",
        N_("Protein supply"),
        "g/capita/day",
        'FBS element 674 (protein supply quantity) on "Grand Total" (2901); computed = '
        "vegetal (2903) + animal products (2941).",
        FBS_HANDBOOK,
        _per_capita_supply("prot"),
        fao_item=21013,
    ),
    Indicator(
        "fat_supply",
        N_("Fat supply"),
        "g/capita/day",
        'FBS element 684 (fat supply quantity) on "Grand Total" (2901); computed = vegetal '
        "(2903) + animal products (2941).",
        FBS_HANDBOOK,
        _per_capita_supply("fat"),
    ),
    Indicator(
        "animal_protein_supply",
        N_("Animal protein supply"),
        "g/capita/day",
        'FBS element 674 (protein supply quantity) on "Animal Products" (2941).',
        f"{FBS_HANDBOOK} {FS_METADATA}",
        _animal_protein,
        fao_item=21014,
    ),
    Indicator(
        "dietary_energy_share_cereals_roots",
        N_("Share of dietary energy from cereals, roots and tubers"),
        "%",
        "kcal from cereals (2905) and starchy roots (2907) × 100 / total kcal (Grand Total "
        "2901, else vegetal + animal products).",
        f"{FS_METADATA} {FBS_HANDBOOK}",
        _energy_share_cereals_roots,
        fao_item=21012,
    ),
    Indicator(
        "production_quantity",
        N_("Production quantity"),
        "t",
        "QCL element 5510 (production, tonnes), per item; summed over an aggregate's states.",
        "FAOSTAT, domain QCL (Crops and livestock products).",
        _additive_series("QCL", 5510),
    ),
    Indicator(
        "production_value",
        N_("Gross production value"),
        "1000 USD",
        "QV element 57 (gross production value, current thousand US$), per item.",
        "FAOSTAT, domain QV (Value of Agricultural Production).",
        _additive_series("QV", 57),
    ),
    Indicator(
        "export_value",
        N_("Export value"),
        "1000 USD",
        "TCL element 5922 (export value, thousand US$), per item.",
        "FAOSTAT, domain TCL (Crops and livestock products, trade).",
        _additive_series("TCL", 5922),
    ),
    Indicator(
        "import_value",
        N_("Import value"),
        "1000 USD",
        "TCL element 5622 (import value, thousand US$), per item.",
        "FAOSTAT, domain TCL (Crops and livestock products, trade).",
        _additive_series("TCL", 5622),
    ),
    Indicator(
        "export_destinations",
        N_("Export destination countries"),
        "countries",
        "Number of partner countries (aggregates excluded) with a positive export value "
        "(TM element 5922) in the detailed trade matrix, all items.",
        "FAOSTAT, domain TM (Detailed trade matrix).",
        _export_destinations,
    ),
    Indicator(
        "dietary_energy_supply_adequacy",
        N_("Dietary energy supply adequacy"),
        "%",
        "Dietary energy supply as a percentage of the average dietary energy requirement, "
        "3-year average, as FAO publishes it.",
        FS_METADATA,
        fao_item=21010,
    ),
    Indicator(
        "prevalence_of_undernourishment",
        N_("Prevalence of undernourishment"),
        "%",
        "Share of the population whose habitual food consumption is insufficient for the "
        "dietary energy needed for a normal, active and healthy life, 3-year average, as FAO "
        "publishes it.",
        FS_METADATA,
        fao_item=210041,
    ),
    Indicator(
        "food_imports_share_of_merchandise_exports",
        N_("Food imports in total merchandise exports"),
        "%",
        "Value of food imports over total merchandise exports, 3-year average, as FAO "
        "publishes it.",
        FS_METADATA,
        fao_item=21033,
    ),
)

#: Every indicator by id, in the order the suite computes them.
INDICATORS: dict[str, Indicator] = {ind.identifier: ind for ind in _ALL}

#: FAOSTAT Food Security (FS) item code → indicator id, for FAO's published values.
FS_ITEMS: dict[int, str] = {
    ind.fao_item: ind.identifier for ind in _ALL if ind.fao_item is not None
}
