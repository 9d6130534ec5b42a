"""Reserve cover, stocks-to-use, the monthly import gap, and pledged vs held vs target.

Definitions:

``cover_days``  (days)
    tonnes held ÷ (annual food use ÷ 365), food use = FAOSTAT food balance sheet element 5142
    "Food" of the commodity's FBS item (FAO, *Food Balance Sheets: A Handbook*, 2001).
``stocks_to_use``  (percent 0–100)
    as AMIS defines it: ending stocks ÷ total utilisation × 100, total utilisation =
    domestic utilisation (FBS 5301 "Domestic supply quantity") + exports (FBS 5911); here the
    ending stocks are the reserve tonnes held, so it is the *reserve's* stocks-to-use.
``cereal_import_dependency``  (percent 0–100)
    (cereal imports − cereal exports) × 100 ÷ (cereal production + imports − exports), FBS
    group 2905 "Cereals - Excluding Beer" (FAO food security indicator, single year here).
``import_gap``  (tonnes)
    cereal import dependency × the commodity's domestic supply ÷ 12 × months to cover, less
    the reserve stocks held in the state (at least 0): what a release would have to replace.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from iofs.monitor.faostat import service as faostat
from iofs.reserves import ledger, registry
from iofs.reserves import vocabulary as v
from iofs.reserves.models import Lot, Pledge, ReserveTarget

ZERO = Decimal(0)
TONNE = Decimal("0.001")
#: FAOSTAT food balance sheet elements read here.
PRODUCTION, IMPORTS, EXPORTS, DOMESTIC_SUPPLY, FOOD = 5511, 5611, 5911, 5301, 5142
CEREALS = 2905


@dataclass(frozen=True)
class FoodBalance:
    """One year of a state's food balance for one FBS item, in tonnes per year."""

    iso3: str
    item: int
    year: int
    production_t: Decimal | None
    imports_t: Decimal | None
    exports_t: Decimal | None
    domestic_supply_t: Decimal | None
    food_t: Decimal | None


def _tonnes(value: float, unit: str) -> Decimal:
    scale = Decimal(1000) if unit.strip().lower() in ("1000 t", "1000 tonnes") else Decimal(1)
    return (Decimal(str(value)) * scale).quantize(TONNE)


def _store_stamp(analytics_dir: Path) -> float:
    folder = analytics_dir / "faostat" / "observations" / "FBS"
    files = list(folder.glob("*.parquet")) if folder.is_dir() else []
    return max((file.stat().st_mtime for file in files), default=0.0)


ELEMENTS = (PRODUCTION, IMPORTS, EXPORTS, DOMESTIC_SUPPLY, FOOD)


@lru_cache(maxsize=64)
def _balances(
    analytics_dir: Path, iso3s: tuple[str, ...], item: int, stamp: float
) -> dict[str, FoodBalance]:
    """The newest year of each state's food balance for ``item``, from one FAOSTAT read."""
    if stamp == 0.0 or not iso3s:
        return {}
    frame = faostat.series_of_states(analytics_dir, iso3s, "FBS", ELEMENTS, (item,))
    found: dict[str, dict[int, dict[int, Decimal]]] = {}
    for row in frame.itertuples():
        if row.value is not None and row.value == row.value:  # not NaN
            found.setdefault(str(row.iso3), {}).setdefault(int(row.year), {})[int(row.element)] = (
                _tonnes(float(row.value), str(row.unit))
            )
    balances = {}
    for iso3, years in found.items():
        usable = [year for year, values in years.items() if DOMESTIC_SUPPLY in values]
        if not usable:
            continue
        year = max(usable)
        values = years[year]
        balances[iso3] = FoodBalance(
            iso3,
            item,
            year,
            values.get(PRODUCTION),
            values.get(IMPORTS),
            values.get(EXPORTS),
            values.get(DOMESTIC_SUPPLY),
            values.get(FOOD),
        )
    return balances


def food_balance(analytics_dir: Path, iso3: str, item: int) -> FoodBalance | None:
    """The newest year of ``iso3``'s food balance for FBS ``item`` (tonnes per year), or None
    when FAOSTAT food balances are not ingested or hold no domestic supply for it."""
    return food_balances(analytics_dir, (iso3,), item).get(iso3)


def food_balances(analytics_dir: Path, iso3s: Iterable[str], item: int) -> dict[str, FoodBalance]:
    """:func:`food_balance` of several states, the store's files listed once for all (the
    states without one are left out)."""
    states = registry.oic_states()
    wanted = tuple(sorted({iso3 for iso3 in iso3s if iso3 in states}))
    return dict(_balances(analytics_dir, wanted, item, _store_stamp(analytics_dir)))


def cover_days(held_t: Decimal, food_t: Decimal | None) -> Decimal | None:
    """Days of domestic food use the tonnes held would cover (None without food use)."""
    if food_t is None or food_t <= 0:
        return None
    return (held_t * 365 / food_t).quantize(Decimal("0.1"), ROUND_HALF_UP)


def stocks_to_use(held_t: Decimal, balance: FoodBalance | None) -> Decimal | None:
    """AMIS stocks-to-use of the reserve (percent): held ÷ (domestic use + exports) × 100."""
    if balance is None or balance.domestic_supply_t is None:
        return None
    use = balance.domestic_supply_t + (balance.exports_t or ZERO)
    if use <= 0:
        return None
    return (held_t * 100 / use).quantize(Decimal("0.01"), ROUND_HALF_UP)


def cereal_import_dependency(cereals: FoodBalance | None) -> Decimal | None:
    """Cereal import dependency (percent, may be negative for net exporters), or None."""
    if cereals is None or None in (cereals.production_t, cereals.imports_t, cereals.exports_t):
        return None
    assert cereals.production_t is not None and cereals.imports_t is not None
    assert cereals.exports_t is not None
    supply = cereals.production_t + cereals.imports_t - cereals.exports_t
    if supply <= 0:
        return None
    return ((cereals.imports_t - cereals.exports_t) * 100 / supply).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class ImportGap:
    """The monthly import gap sizing of a release, with its arithmetic spelt out."""

    import_dependency_percent: Decimal
    domestic_supply_t: Decimal
    months: int
    held_t: Decimal
    monthly_gap_t: Decimal
    need_t: Decimal
    arithmetic: list[str] = field(default_factory=list)


def import_gap(
    import_dependency_percent: Decimal, domestic_supply_t: Decimal, months: int, held_t: Decimal
) -> ImportGap:
    """Size a release (tonnes): dependency × domestic supply ÷ 12 × months − held, ≥ 0."""
    share = max(import_dependency_percent, ZERO) / 100
    monthly = (share * domestic_supply_t / 12).quantize(TONNE, ROUND_HALF_UP)
    gross = monthly * months
    need = max(gross - held_t, ZERO).quantize(TONNE)
    lines = [
        f"{import_dependency_percent} % × {domestic_supply_t:,} t ÷ 12 = {monthly:,} t/month",
        f"{monthly:,} t/month × {months} = {gross:,} t",
        f"{gross:,} t − {held_t:,} t held = {need:,} t",
    ]
    return ImportGap(
        import_dependency_percent, domestic_supply_t, months, held_t, monthly, need, lines
    )


@dataclass(frozen=True)
class StateCover:
    """A state's reserve of one commodity: tonnes held, cover days, stocks-to-use."""

    iso3: str
    name: str
    commodity: str
    held_t: Decimal
    food_t: Decimal | None
    domestic_supply_t: Decimal | None
    cover_days: Decimal | None
    stocks_to_use_percent: Decimal | None
    balance_year: int | None


def state_cover(
    session: Session, analytics_dir: Path, on: date | None = None, country: str | None = None
) -> list[StateCover]:
    """Cover per state and commodity with stocks held on ``on``, by state name."""
    found = []
    for (iso3, commodity), held in ledger.held_by_state(session, on).items():
        if country and iso3 != country.upper():
            continue
        balance = food_balance(analytics_dir, iso3, v.COMMODITIES[commodity].fbs_item)
        food = balance.food_t if balance else None
        found.append(
            StateCover(
                iso3,
                registry.state_name(iso3),
                commodity,
                held,
                food,
                balance.domestic_supply_t if balance else None,
                cover_days(held, food),
                stocks_to_use(held, balance),
                balance.year if balance else None,
            )
        )
    return sorted(found, key=lambda row: (row.name, row.commodity))


@dataclass(frozen=True)
class SystemPosition:
    """One commodity of a reserve system: pledged, held and target tonnes (and financial
    pledges in USD), with held as percent of target."""

    commodity: str
    pledged_t: Decimal
    pledged_usd: Decimal
    held_t: Decimal
    target_t: Decimal | None

    @property
    def held_percent_of_target(self) -> Decimal | None:
        if not self.target_t:
            return None
        return (self.held_t * 100 / self.target_t).quantize(Decimal("0.1"), ROUND_HALF_UP)


def system_position(
    session: Session, system_id: int, on: date | None = None
) -> list[SystemPosition]:
    """Pledged vs held vs target per commodity of a system (tonnes; USD for money)."""
    pledged: dict[str, Decimal] = {}
    pledged_usd: dict[str, Decimal] = {}
    for pledge in session.execute(select(Pledge).where(Pledge.system_id == system_id)).scalars():
        if pledge.form == "physical" and pledge.quantity_t is not None:
            pledged[pledge.commodity] = pledged.get(pledge.commodity, ZERO) + pledge.quantity_t
        if pledge.form == "financial" and pledge.amount_usd is not None:
            pledged_usd[pledge.commodity] = (
                pledged_usd.get(pledge.commodity, ZERO) + pledge.amount_usd
            )
    targets = dict(
        session.execute(
            select(ReserveTarget.commodity, ReserveTarget.quantity_t).where(
                ReserveTarget.system_id == system_id
            )
        ).all()
    )
    lots = session.execute(select(Lot.id, Lot.commodity).where(Lot.system_id == system_id)).all()
    held_by_lot = ledger.balances(session, on, [row[0] for row in lots]) if lots else {}
    held: dict[str, Decimal] = {}
    for lot_id, commodity in lots:
        held[commodity] = held.get(commodity, ZERO) + held_by_lot.get(lot_id, ZERO)
    commodities = sorted(set(pledged) | set(pledged_usd) | set(targets) | set(held))
    return [
        SystemPosition(
            c, pledged.get(c, ZERO), pledged_usd.get(c, ZERO), held.get(c, ZERO), targets.get(c)
        )
        for c in commodities
    ]
