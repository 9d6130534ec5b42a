"""Supply matching inside the OIC: who could cover a state's need for a commodity.

Sources, ranked by the tonnes they could supply (then by name):

- *reserve lots* in other member states holding the commodity (tonnes held today);
- *exportable surpluses*: states whose FAOSTAT self-sufficiency ratio for the commodity is
  above 100 % (SSR = production × 100 ÷ (production + imports − exports), FAO food balance
  sheets), offering the smaller of their surplus over domestic supply and their exports.

Each source gets the share of the need (percent 0–100) it could cover and an indicative
value: tonnes × the deficit state's recent median retail price (WFP, via the prices module),
in USD. Trade flows of the FAOSTAT detailed trade matrix are not read yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from iofs.monitor.prices import service as prices
from iofs.reserves import cover, ledger, registry
from iofs.reserves import vocabulary as v
from iofs.reserves.models import Lot, Warehouse

ZERO = Decimal(0)


@dataclass(frozen=True)
class SourceLot:
    """A reserve lot that could supply: its code, state and tonnes held."""

    code: str
    iso3: str
    warehouse: str
    balance_t: Decimal


@dataclass(frozen=True)
class Surplus:
    """A state with an exportable surplus of the commodity (tonnes per year)."""

    iso3: str
    self_sufficiency_percent: Decimal
    exportable_t: Decimal
    year: int


@dataclass(frozen=True)
class Match:
    """One ranked source: kind (``reserve_lot`` or ``surplus``), where, tonnes it could
    supply, share of the need (percent) and indicative value (USD, None without a price)."""

    rank: int
    kind: str
    iso3: str
    source: str
    available_t: Decimal
    share_of_need_percent: Decimal
    value_usd: Decimal | None


def rank_sources(
    need_t: Decimal,
    deficit_iso3: str,
    lots: Iterable[SourceLot],
    surpluses: Iterable[Surplus],
    price_usd_per_t: Decimal | None,
) -> list[Match]:
    """Rank OIC sources for ``need_t`` tonnes: other states' lots, then surplus states,
    by tonnes available (largest first); the deficit state's own stocks are left out."""
    candidates: list[tuple[str, str, str, Decimal]] = [
        ("reserve_lot", lot.iso3, f"{lot.code} · {lot.warehouse}", lot.balance_t)
        for lot in lots
        if lot.iso3 != deficit_iso3 and lot.balance_t > 0
    ]
    candidates += [
        (
            "surplus",
            row.iso3,
            f"SSR {row.self_sufficiency_percent} % ({row.year})",
            row.exportable_t,
        )
        for row in surpluses
        if row.iso3 != deficit_iso3 and row.exportable_t > 0
    ]
    candidates.sort(key=lambda item: (-item[3], item[0], item[1], item[2]))
    found = []
    for rank, (kind, iso3, source, available) in enumerate(candidates, start=1):
        usable = min(available, need_t)
        share = (
            (usable * 100 / need_t).quantize(Decimal("0.1"), ROUND_HALF_UP) if need_t > 0 else ZERO
        )
        value = (
            (usable * price_usd_per_t).quantize(Decimal("1"), ROUND_HALF_UP)
            if price_usd_per_t is not None
            else None
        )
        found.append(Match(rank, kind, iso3, source, available, share, value))
    return found


def reserve_lots(session: Session, commodity: str, on: date | None = None) -> list[SourceLot]:
    """Every lot of ``commodity`` holding grain on ``on`` (one grouped ledger query)."""
    rows = session.execute(
        select(Lot.id, Lot.code, Warehouse.country, Warehouse.name)
        .join(Warehouse, Warehouse.id == Lot.warehouse_id)
        .where(Lot.commodity == commodity)
    ).all()
    held = ledger.balances(session, on, [row[0] for row in rows]) if rows else {}
    return [
        SourceLot(code, iso3, name, held[lot_id])
        for lot_id, code, iso3, name in rows
        if held.get(lot_id, ZERO) > 0
    ]


def surpluses(analytics_dir: Path, commodity: str) -> list[Surplus]:
    """OIC states with SSR > 100 % for the commodity and what they could export (tonnes)."""
    item = v.COMMODITIES[commodity].fbs_item
    found = []
    for iso3, balance in cover.food_balances(
        analytics_dir, sorted(registry.oic_states()), item
    ).items():
        if None in (
            balance.production_t,
            balance.imports_t,
            balance.exports_t,
            balance.domestic_supply_t,
        ):
            continue
        assert balance.production_t is not None and balance.imports_t is not None
        assert balance.exports_t is not None and balance.domestic_supply_t is not None
        supply = balance.production_t + balance.imports_t - balance.exports_t
        if supply <= 0:
            continue
        ssr = (balance.production_t * 100 / supply).quantize(Decimal("0.1"), ROUND_HALF_UP)
        if ssr <= 100:
            continue
        surplus = max(balance.production_t - balance.domestic_supply_t, ZERO)
        found.append(Surplus(iso3, ssr, min(surplus, balance.exports_t), balance.year))
    return found


def price_per_tonne(analytics_dir: Path, iso3: str, commodity: str, on: date) -> Decimal | None:
    """The deficit state's recent median retail price (USD per tonne), or None."""
    try:
        price = prices.market_price_usd(analytics_dir, iso3, v.COMMODITIES[commodity].wfp_name, on)
    except (prices.NoPriceData, OSError):  # no price store: the value is left blank
        return None
    if price is None:
        return None
    return (Decimal(str(price.usd_per_kg)) * 1000).quantize(Decimal("0.01"))


def match(
    session: Session, analytics_dir: Path, iso3: str, commodity: str, need_t: Decimal, on: date
) -> list[Match]:
    """Ranked OIC sources for a state's need (see the module docstring)."""
    return rank_sources(
        need_t,
        iso3.upper(),
        reserve_lots(session, commodity, on),
        surpluses(analytics_dir, commodity),
        price_per_tonne(analytics_dir, iso3.upper(), commodity, on),
    )
