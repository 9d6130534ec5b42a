"""The stock ledger: lots, quality tests and append-only movements (tonnes).

A lot's balance on a date is the sum of its movements dated on or before it. The movements
are the record; monthly closing balances per lot (:class:`~iofs.reserves.models.LotClosing`)
are a derived cache written in the same transaction as each movement, so a balance on any
date reads the newest closing before its month plus that month's movements, and
:func:`check_closings` / :func:`rebuild_closings` compare and rebuild the cache from the
movements (``iofs reserves rebuild-balances``). A movement out may never make
the balance negative on its date or any later date. Writers of one lot are serialised by a
row lock on the lot (``UPDATE … SET id = id``: a row lock on PostgreSQL, the write lock on
SQLite) taken before the balance is read, so two concurrent dispatches cannot both spend the
same tonnes. Focal points write only the lots of their own states' warehouses (checked here
against the warehouse's country); every movement is audited in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    and_,
    delete,
    extract,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from iofs.audit import service as audit
from iofs.db import exact_sum, exact_total
from iofs.errors import InputError, NotFoundError
from iofs.http.paging import Page, Pager, SortKey
from iofs.i18n import gettext as _
from iofs.permissions import Principal, authorize
from iofs.records import put_record_outcome
from iofs.reserves import registry
from iofs.reserves import vocabulary as v
from iofs.reserves.models import Lot, LotClosing, Movement, QualityTest, Warehouse
from iofs.reserves.permissions import STOCK_WRITE
from iofs.reserves.schemas import LotIn, MovementIn, QualityTestIn, TransferIn, checked

for _model in (Lot, QualityTest, Movement):
    audit.audited(_model)

ZERO = Decimal(0)
MILLI = Decimal("0.001")


def lot(session: Session, code: str, field: str = "lot") -> Lot:
    """The lot with ``code``."""
    found = session.execute(select(Lot).where(Lot.code == code)).scalar_one_or_none()
    if found is None:
        raise NotFoundError(_("No lot has the code %(code)s.") % {"code": code}, field)
    return found


def lot_country(session: Session, target: Lot) -> str:
    """ISO3 of the state whose warehouse holds ``target``."""
    found = session.get(Warehouse, target.warehouse_id)
    assert found is not None
    return found.country


def put_lot(session: Session, principal: Principal, data: LotIn | dict[str, Any]) -> Lot:
    """Create or update a lot by its code (not its tonnes: those come from movements)."""
    return put_lot_outcome(session, principal, data)[0]


def put_lot_outcome(
    session: Session, principal: Principal, data: LotIn | dict[str, Any]
) -> tuple[Lot, str]:
    """:func:`put_lot`, also returning ``created``, ``changed`` or ``unchanged``."""
    entry = checked(LotIn, data)
    store = registry.warehouse(session, entry.warehouse)
    authorize(principal, STOCK_WRITE, country=store.country)
    existing = session.execute(select(Lot).where(Lot.code == entry.code)).scalar_one_or_none()
    if existing is not None and existing.warehouse_id != store.id:
        raise InputError(_("A lot stays in its warehouse; record a transfer instead."), "warehouse")
    if entry.best_before and entry.best_before < entry.received_on:
        raise InputError(_("The best-before date is before the date received."), "best_before")
    values = entry.model_dump(exclude={"code", "warehouse", "system"})
    values["warehouse_id"] = store.id
    values["system_id"] = (
        registry.system(session, entry.system).id if entry.system else store.system_id
    )
    return put_record_outcome(
        session,
        principal,
        Lot,
        {"code": entry.code},
        values,
        permission=STOCK_WRITE,
        country=store.country,
    )


def add_quality_test(
    session: Session, principal: Principal, lot_code: str, data: QualityTestIn | dict[str, Any]
) -> QualityTest:
    """Record a quality test of a lot (moisture percent, pass or fail)."""
    entry = checked(QualityTestIn, data)
    target = lot(session, lot_code)
    authorize(principal, STOCK_WRITE, country=lot_country(session, target))
    row = QualityTest(lot_id=target.id, **entry.model_dump())
    session.add(row)
    audit.created(session, principal, row)
    return row


def quality_tests(session: Session, lot_id: int) -> list[QualityTest]:
    """A lot's quality tests, newest first."""
    return list(
        session.execute(
            select(QualityTest)
            .where(QualityTest.lot_id == lot_id)
            .order_by(QualityTest.tested_on.desc())
        ).scalars()
    )


# --- balances --------------------------------------------------------------------------------


def balance(session: Session, lot_id: int, on: date | None = None) -> Decimal:
    """Tonnes held in a lot at the end of ``on`` (default: every movement)."""
    query = select(exact_sum(session, Movement.quantity_t)).where(Movement.lot_id == lot_id)
    if on is not None:
        query = query.where(Movement.dated <= on)
    return exact_total(session, session.execute(query).scalar_one(), Movement.quantity_t)


def balances(
    session: Session, on: date | None = None, lot_ids: Iterable[int] | None = None
) -> dict[int, Decimal]:
    """Tonnes held at the end of ``on`` in every lot with a movement (or in ``lot_ids``):
    each lot's newest monthly closing before ``on``'s month, plus the movements of that
    month up to ``on`` (two grouped queries; see the module docstring)."""
    ids = None if lot_ids is None else list(lot_ids)
    newest = select(LotClosing.lot_id, func.max(LotClosing.month).label("month")).group_by(
        LotClosing.lot_id
    )
    if on is not None:
        newest = newest.where(LotClosing.month < _month(on))
    if ids is not None:
        newest = newest.where(LotClosing.lot_id.in_(ids))
    latest = newest.subquery()
    found = {
        lot_id: Decimal(kilograms) * MILLI
        for lot_id, kilograms in session.execute(
            select(LotClosing.lot_id, LotClosing.closing_kg).join(
                latest,
                and_(LotClosing.lot_id == latest.c.lot_id, LotClosing.month == latest.c.month),
            )
        )
    }
    if on is not None:
        # one month of the ledger, by date; a wanted lot is picked here rather than in SQL,
        # where a long list of lots would lead the planner to each lot's whole history
        wanted = None if ids is None else set(ids)
        for lot_id, total in session.execute(
            select(Movement.lot_id, exact_sum(session, Movement.quantity_t))
            .where(Movement.dated >= _month(on), Movement.dated <= on)
            .group_by(Movement.lot_id)
        ):
            if wanted is None or lot_id in wanted:
                found[lot_id] = found.get(lot_id, ZERO) + exact_total(
                    session, total, Movement.quantity_t
                )
    return {lot_id: value.quantize(MILLI) for lot_id, value in found.items()}


def _month(day: date) -> date:
    return day.replace(day=1)


def _kilograms(quantity_t: Decimal) -> int:
    return int(quantity_t.quantize(MILLI) * 1000)


def _carry_closings(session: Session, lot_id: int, dated: date, quantity_t: Decimal) -> None:
    """Add a movement to its lot's closings: those of its month (created from the closing
    before when the month had none) and of every later month."""
    month = _month(dated)
    mine = LotClosing.lot_id == lot_id
    if (
        session.execute(select(LotClosing.month).where(mine, LotClosing.month == month)).first()
        is None
    ):
        before = session.execute(
            select(LotClosing.closing_kg)
            .where(mine, LotClosing.month < month)
            .order_by(LotClosing.month.desc())
            .limit(1)
        ).scalar_one_or_none()
        session.execute(
            insert(LotClosing).values(lot_id=lot_id, month=month, closing_kg=before or 0)
        )
    session.execute(
        update(LotClosing)
        .where(mine, LotClosing.month >= month)
        .values(closing_kg=LotClosing.closing_kg + _kilograms(quantity_t))
        .execution_options(synchronize_session=False)
    )


def closings_from_ledger(session: Session) -> dict[tuple[int, date], int]:
    """What the closings should hold, from the movements alone: kilograms held at the end
    of every month in which a lot has a movement, by (lot id, month's first day)."""
    year, month = extract("year", Movement.dated), extract("month", Movement.dated)
    found: dict[tuple[int, date], int] = {}
    running: dict[int, int] = {}
    for lot_id, y, m, total in session.execute(
        select(Movement.lot_id, year, month, exact_sum(session, Movement.quantity_t))
        .group_by(Movement.lot_id, year, month)
        .order_by(Movement.lot_id, year, month)
    ):
        running[lot_id] = running.get(lot_id, 0) + _kilograms(
            exact_total(session, total, Movement.quantity_t)
        )
        found[(lot_id, date(int(y), int(m), 1))] = running[lot_id]
    return found


def check_closings(session: Session) -> list[tuple[int, date, int | None, int | None]]:
    """Closings that differ from the movements: (lot id, month, stored kg, expected kg),
    None where a row is missing; empty when the cache agrees with the ledger."""
    expected = closings_from_ledger(session)
    stored = {
        (lot_id, month): kilograms
        for lot_id, month, kilograms in session.execute(
            select(LotClosing.lot_id, LotClosing.month, LotClosing.closing_kg)
        )
    }
    return [
        (lot_id, month, stored.get((lot_id, month)), expected.get((lot_id, month)))
        for lot_id, month in sorted(set(stored) | set(expected))
        if stored.get((lot_id, month)) != expected.get((lot_id, month))
    ]


def rebuild_closings(session: Session) -> int:
    """Rewrite every closing from the movements (the number of rows written). On PostgreSQL
    the table is locked first, so movements recorded meanwhile wait and then apply."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE reserves_lot_closing IN EXCLUSIVE MODE"))
    session.execute(delete(LotClosing))
    rows = [
        {"lot_id": lot_id, "month": month, "closing_kg": kilograms}
        for (lot_id, month), kilograms in closings_from_ledger(session).items()
    ]
    for start in range(0, len(rows), 50_000):
        session.execute(insert(LotClosing), rows[start : start + 50_000])
    return len(rows)


def lowest_balance_from(session: Session, lot_id: int, day: date) -> Decimal:
    """The lowest balance of a lot on ``day`` or any later date with a movement (tonnes):
    what a movement out dated ``day`` may take without the lot going negative later."""
    running = balance(session, lot_id, day)
    lowest = running
    later = session.execute(
        select(Movement.quantity_t)
        .where(Movement.lot_id == lot_id, Movement.dated > day)
        .order_by(Movement.dated, Movement.id)
    ).scalars()
    for quantity in later:
        running += quantity
        lowest = min(lowest, running)
    return lowest


def lock_lot(session: Session, lot_id: int) -> None:
    """Take the lot's row lock until the transaction ends (see the module docstring)."""
    session.execute(
        update(Lot)
        .where(Lot.id == lot_id)
        .values(id=Lot.id)
        .execution_options(synchronize_session=False)
    )


def append(
    session: Session,
    principal: Principal,
    target: Lot,
    kind: str,
    dated: date,
    quantity_t: Decimal,
    *,
    reason: str = "",
    document: str = "",
    reference: str | None = None,
    counterpart_lot_id: int | None = None,
    request_id: int | None = None,
) -> Movement:
    """Append one movement of ``quantity_t`` tonnes (positive; the kind gives the sign).

    The caller has checked the permission. Refuses a movement before the lot was received
    and one that would make the lot's balance negative on any date.
    """
    sign = v.MOVEMENT_SIGNS[kind]
    if quantity_t <= 0:
        raise InputError(_("The tonnes must be more than zero."), "quantity_t")
    if dated < target.received_on:
        raise InputError(
            _("The date is before the lot was received (%(date)s).")
            % {"date": target.received_on.isoformat()},
            "dated",
        )
    if kind == "loss" and not reason.strip():
        raise InputError(_("Say why the grain was lost."), "reason")
    lock_lot(session, target.id)
    if sign < 0:
        available = lowest_balance_from(session, target.id, dated)
        if quantity_t > available:
            raise InputError(
                _(
                    "Lot %(lot)s holds %(available)s t on %(date)s or later; "
                    "%(asked)s t would make its stock negative."
                )
                % {
                    "lot": target.code,
                    "available": available,
                    "date": dated.isoformat(),
                    "asked": quantity_t,
                },
                "quantity_t",
            )
    row = Movement(
        lot_id=target.id,
        kind=kind,
        dated=dated,
        quantity_t=sign * quantity_t,
        reason=reason,
        document=document,
        reference=reference,
        counterpart_lot_id=counterpart_lot_id,
        request_id=request_id,
        recorded_by=audit.actor_label(principal),
    )
    session.add(row)
    _carry_closings(session, target.id, dated, sign * quantity_t)
    audit.created(session, principal, row)
    return row


def record_movement(
    session: Session, principal: Principal, lot_code: str, data: MovementIn | dict[str, Any]
) -> Movement:
    """Record a receipt, rotation in or out, or loss (with its reason) on a lot."""
    entry = checked(MovementIn, data)
    target = lot(session, lot_code)
    authorize(principal, STOCK_WRITE, country=lot_country(session, target))
    if (
        entry.reference
        and session.execute(
            select(Movement.id).where(Movement.reference == entry.reference)
        ).first()
    ):
        raise InputError(_("A movement with this reference is already recorded."), "reference")
    return append(
        session,
        principal,
        target,
        entry.kind,
        entry.dated,
        entry.quantity_t,
        reason=entry.reason,
        document=entry.document,
        reference=entry.reference,
    )


def transfer(
    session: Session, principal: Principal, lot_code: str, data: TransferIn | dict[str, Any]
) -> tuple[Movement, Movement]:
    """Move tonnes from one lot to another of the same commodity (both states' writers)."""
    entry = checked(TransferIn, data)
    source, destination = lot(session, lot_code), lot(session, entry.to_lot, "to_lot")
    authorize(principal, STOCK_WRITE, country=lot_country(session, source))
    authorize(principal, STOCK_WRITE, country=lot_country(session, destination))
    if source.id == destination.id:
        raise InputError(_("Choose another lot to transfer to."), "to_lot")
    if source.commodity != destination.commodity:
        raise InputError(_("Both lots must hold the same commodity."), "to_lot")
    out = append(
        session,
        principal,
        source,
        "transfer_out",
        entry.dated,
        entry.quantity_t,
        document=entry.document,
        counterpart_lot_id=destination.id,
    )
    into = append(
        session,
        principal,
        destination,
        "transfer_in",
        entry.dated,
        entry.quantity_t,
        document=entry.document,
        counterpart_lot_id=source.id,
    )
    return out, into


def movements(session: Session, lot_id: int) -> list[Movement]:
    """A lot's movements in ledger order (date, then entry)."""
    return list(
        session.execute(
            select(Movement).where(Movement.lot_id == lot_id).order_by(Movement.dated, Movement.id)
        ).scalars()
    )


# --- positions and warnings ------------------------------------------------------------------


@dataclass(frozen=True)
class LotPosition:
    """One lot with its warehouse and the tonnes it holds on a date."""

    lot: Lot
    warehouse: Warehouse
    balance_t: Decimal


def _positions_query(
    *,
    country: str | None = None,
    warehouse_id: int | None = None,
    commodity: str | None = None,
    system_id: int | None = None,
    due_by: date | None = None,
) -> Any:
    """Lots with their warehouses, filtered by state, warehouse, commodity and system, and
    (``due_by``) to those whose rotation or best-before date falls on or before that day;
    unordered: the one query behind :func:`positions`, :func:`positions_page` and
    :func:`warnings`."""
    query = select(Lot, Warehouse).join(Warehouse, Warehouse.id == Lot.warehouse_id)
    if country:
        query = query.where(Warehouse.country == country.upper())
    if warehouse_id is not None:
        query = query.where(Lot.warehouse_id == warehouse_id)
    if commodity:
        query = query.where(Lot.commodity == commodity)
    if system_id is not None:
        query = query.where(Lot.system_id == system_id)
    if due_by is not None:
        query = query.where(or_(Lot.best_before <= due_by, Lot.rotation_due <= due_by))
    return query


#: The order of position lists: state, warehouse name, lot code, then the lot's id (unique).
POSITION_KEYS = [
    SortKey(Warehouse.country),
    SortKey(Warehouse.name),
    SortKey(Lot.code),
    SortKey(Lot.id),
]


def _with_balances(session: Session, rows: Sequence[Any], on: date | None) -> list[LotPosition]:
    """``(lot, warehouse)`` rows with each lot's balance on ``on`` (one read for all)."""
    held = balances(session, on, [row[0].id for row in rows]) if rows else {}
    return [LotPosition(row[0], row[1], held.get(row[0].id, ZERO.quantize(MILLI))) for row in rows]


def positions(
    session: Session,
    on: date | None = None,
    *,
    country: str | None = None,
    warehouse_id: int | None = None,
    commodity: str | None = None,
    system_id: int | None = None,
    held_only: bool = False,
    due_by: date | None = None,
) -> list[LotPosition]:
    """Lots with their balances on ``on`` (tonnes), by state, warehouse and lot code: every
    one that matches (a warehouse's lots, a commodity's held lots, the totals); the API's
    list of every lot reads :func:`positions_page`."""
    query = _positions_query(
        country=country,
        warehouse_id=warehouse_id,
        commodity=commodity,
        system_id=system_id,
        due_by=due_by,
    )
    order = [key.column for key in POSITION_KEYS]
    found = _with_balances(session, session.execute(query.order_by(*order)).all(), on)
    return [item for item in found if item.balance_t > 0] if held_only else found


#: Name bound into the position list's page cursors.
POSITIONS_SCOPE = "reserves.positions"


def positions_page(
    session: Session,
    on: date | None,
    after: str | None,
    limit: int,
    secret: str,
    *,
    country: str | None = None,
) -> Page[LotPosition]:
    """One page of :func:`positions` (every lot, of one state when given) after the cursor
    ``after``, keyset by (state, warehouse name, lot code, lot id); balances are read for
    the page's lots only. Positions are public: no row is hidden."""
    pager = Pager(POSITIONS_SCOPE, POSITION_KEYS, secret)
    page = pager.fetch(
        session,
        _positions_query(country=country),
        after,
        limit,
        key=lambda row: (row[1].country, row[1].name, row[0].code, row[0].id),
        scalars=False,
    )
    return Page(
        items=_with_balances(session, page.items, on),
        next=page.next,
        first=page.first,
        limit=page.limit,
    )


@dataclass(frozen=True)
class LotWarning:
    """A lot holding grain whose rotation is due or whose best-before date is near or past."""

    lot_code: str
    warehouse: str
    country: str
    kind: str
    due_on: date
    balance_t: Decimal

    @property
    def key(self) -> tuple[date, str, str]:
        """Its place in a warning list (unique: a lot has one warning of each kind)."""
        return (self.due_on, self.lot_code, self.kind)


def warnings(
    session: Session, today: date, *, country: str | None = None, within_days: int = v.WARNING_DAYS
) -> list[LotWarning]:
    """Rotation-due and expiry warnings for lots still holding grain, soonest first (then by
    lot code and kind).

    Kinds: ``expired`` (best-before passed), ``expiring`` (within ``within_days``),
    ``rotation_overdue`` (rotation date passed), ``rotation_due`` (within ``within_days``).
    Only lots with a date within the horizon are read (in SQL), then their balances.
    """
    horizon = today + timedelta(days=within_days)
    found: list[LotWarning] = []
    for item in positions(session, today, country=country, held_only=True, due_by=horizon):
        checks = (
            (item.lot.best_before, "expired", "expiring"),
            (item.lot.rotation_due, "rotation_overdue", "rotation_due"),
        )
        for due, past, soon in checks:
            if due is None or due > horizon:
                continue
            found.append(
                LotWarning(
                    item.lot.code,
                    item.warehouse.name,
                    item.warehouse.country,
                    past if due < today else soon,
                    due,
                    item.balance_t,
                )
            )
    return sorted(found, key=lambda warning: warning.key)


#: Name bound into the warning list's page cursors.
WARNINGS_SCOPE = "reserves.warnings"


def warnings_page(
    session: Session,
    today: date,
    after: str | None,
    limit: int,
    secret: str,
    *,
    country: str | None = None,
) -> Page[LotWarning]:
    """One page of :func:`warnings` after the cursor ``after`` (by due date, lot code and
    kind). A warning is computed from a lot's balance on ``today``, so the list is built in
    memory (from the lots due within the horizon only, read in SQL) and paged by its key."""
    pager = Pager(WARNINGS_SCOPE, [], secret, size=3)
    return pager.slice(warnings(session, today, country=country), lambda w: w.key, after, limit)


def held_by_state(session: Session, on: date | None = None) -> dict[tuple[str, str], Decimal]:
    """Tonnes held on ``on`` per (state ISO3, commodity), over every lot."""
    totals: dict[tuple[str, str], Decimal] = {}
    for item in positions(session, on, held_only=True):
        key = (item.warehouse.country, item.lot.commodity)
        totals[key] = totals.get(key, ZERO) + item.balance_t
    return totals
