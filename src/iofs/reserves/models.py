"""Reserve tables: what grain the OIC holds, where, and what happened to it.

Reserve systems (regional, humanitarian) with member states, targets and pledges; warehouses
and lots; the stock ledger (append-only movements: a lot's balance on a date is the sum of its
movements up to that date, never a stored number); release requests with their dated steps
and replenishment obligations.

The shapes follow the reserves IOFS names as models: APTERR (ASEAN Plus Three Emergency Rice
Reserve Agreement, 2011: earmarked stocks owned by each government, tiers 1–3) and the ECOWAS
Regional Food Security Reserve (request → technical note → management committee decision →
release → grain-for-grain replenishment). Tonnes and money are
:class:`~iofs.db.ExactDecimal` (metric tonnes; money with its ISO 4217 currency).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from iofs.db import Base, ExactDecimal

MONEY = ExactDecimal(20, 2)
TONNES = ExactDecimal(20, 3)


class Sourced:
    """Where a record's figures come from; ``illustrative`` marks figures not from a source."""

    sources: Mapped[str] = mapped_column(Text, default="")
    illustrative: Mapped[bool] = mapped_column(Boolean, default=False)


class ReserveSystem(Sourced, Base):
    """A reserve system: ``regional`` (members store earmarked shares at home, as in APTERR)
    or ``humanitarian`` (held by IOFS, funded by donations)."""

    __tablename__ = "reserves_system"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_ar: Mapped[str] = mapped_column(String(200), default="")
    name_fr: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text, default="")


class SystemMember(Base):
    """A member state of a reserve system."""

    __tablename__ = "reserves_system_member"
    __table_args__ = (UniqueConstraint("system_id", "country"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("reserves_system.id"), index=True)
    country: Mapped[str] = mapped_column(String(3))
    joined_on: Mapped[date | None] = mapped_column(Date, nullable=True)


class ReserveTarget(Sourced, Base):
    """What a system aims to hold of one commodity (tonnes)."""

    __tablename__ = "reserves_target"
    __table_args__ = (UniqueConstraint("system_id", "commodity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("reserves_system.id"), index=True)
    commodity: Mapped[str] = mapped_column(String(32))
    quantity_t: Mapped[Decimal] = mapped_column(TONNES)
    set_on: Mapped[date] = mapped_column(Date)


class Pledge(Sourced, Base):
    """A member's earmarked share: ``physical`` (tonnes of a grade) or ``financial`` (money,
    with its currency and USD value), as the ECOWAS reserve's one third / two thirds."""

    __tablename__ = "reserves_pledge"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("reserves_system.id"), index=True)
    country: Mapped[str] = mapped_column(String(3), index=True)
    commodity: Mapped[str] = mapped_column(String(32))
    grade: Mapped[str] = mapped_column(String(64), default="")
    form: Mapped[str] = mapped_column(String(10))
    quantity_t: Mapped[Decimal | None] = mapped_column(TONNES, nullable=True)
    amount: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    currency: Mapped[str] = mapped_column(String(3), default="")
    amount_usd: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    pledged_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)


class Warehouse(Sourced, Base):
    """A store holding reserve lots, in one member state (capacity in tonnes)."""

    __tablename__ = "reserves_warehouse"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(3), index=True)
    place: Mapped[str] = mapped_column(String(200), default="")
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    capacity_t: Mapped[Decimal] = mapped_column(TONNES)
    system_id: Mapped[int | None] = mapped_column(ForeignKey("reserves_system.id"), nullable=True)


class Lot(Sourced, Base):
    """Grain of one commodity and grade in one warehouse, received on one date.

    The quantity held is not stored: it is the sum of the lot's movements (the ledger).
    ``rotation_due`` is when the lot should be sold and replaced by fresh grain;
    ``best_before`` when it stops being fit for food.
    """

    __tablename__ = "reserves_lot"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("reserves_warehouse.id"), index=True)
    system_id: Mapped[int | None] = mapped_column(
        ForeignKey("reserves_system.id"), nullable=True, index=True
    )
    commodity: Mapped[str] = mapped_column(String(32), index=True)
    grade: Mapped[str] = mapped_column(String(64), default="")
    received_on: Mapped[date] = mapped_column(Date)
    best_before: Mapped[date | None] = mapped_column(Date, nullable=True)
    rotation_due: Mapped[date | None] = mapped_column(Date, nullable=True)


class QualityTest(Base):
    """A quality test of a lot (moisture percent, result, laboratory note)."""

    __tablename__ = "reserves_quality_test"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("reserves_lot.id"), index=True)
    tested_on: Mapped[date] = mapped_column(Date)
    moisture_percent: Mapped[Decimal | None] = mapped_column(ExactDecimal(6, 2), nullable=True)
    result: Mapped[str] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(String(500), default="")


class Movement(Base):
    """One entry of the stock ledger: tonnes into (positive) or out of (negative) a lot.

    Append-only: a mistake is corrected by a further movement, never by an edit. ``kind`` is
    receipt, rotation_in, rotation_out, release, loss (with its reason), transfer_in or
    transfer_out (``counterpart_lot_id`` is the other side). ``reference`` (unique when set)
    makes imports idempotent; ``request_id`` ties a release to its request.
    """

    __tablename__ = "reserves_movement"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("reserves_lot.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    dated: Mapped[date] = mapped_column(Date, index=True)
    quantity_t: Mapped[Decimal] = mapped_column(TONNES)
    reason: Mapped[str] = mapped_column(String(300), default="")
    document: Mapped[str] = mapped_column(String(200), default="")
    reference: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    counterpart_lot_id: Mapped[int | None] = mapped_column(
        ForeignKey("reserves_lot.id"), nullable=True
    )
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("reserves_request.id"), nullable=True, index=True
    )
    recorded_by: Mapped[str] = mapped_column(String(64), default="")


class LotClosing(Base):
    """A lot's balance at the end of a month in which it has movements (whole kilograms).

    A derived cache of the ledger, not a record: written in the same transaction as every
    movement (:func:`iofs.reserves.ledger.append`), rebuildable from the movements at any
    time (``iofs reserves rebuild-balances``). ``month`` is the month's first day. A balance
    on a date is the newest closing before its month plus the movements of its month.
    """

    __tablename__ = "reserves_lot_closing"

    lot_id: Mapped[int] = mapped_column(ForeignKey("reserves_lot.id"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    closing_kg: Mapped[int] = mapped_column(BigInteger)


class ReleaseRequest(Sourced, Base):
    """A state's request for reserve grain, from request to replenishment.

    ``status``: draft (raised by a trigger, for the secretariat), requested, assessed,
    approved / reduced / refused (the committee's decision, by someone other than the
    assessor), dispatched, delivered, replenished. ``tier`` follows APTERR: 1 forward
    contracts for anticipated emergencies, 2 spot agreements, 3 stockpiled grain.
    ``appeal`` is the programmes appeal the delivery counts for; ``consignment`` its
    pipeline consignment, so delivered tonnes are counted once, in the programmes pipeline.
    """

    __tablename__ = "reserves_request"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    system_id: Mapped[int | None] = mapped_column(ForeignKey("reserves_system.id"), nullable=True)
    country: Mapped[str] = mapped_column(String(3), index=True)
    commodity: Mapped[str] = mapped_column(String(32))
    quantity_t: Mapped[Decimal] = mapped_column(TONNES)
    tier: Mapped[int] = mapped_column(SmallInteger)
    reason: Mapped[str] = mapped_column(String(1000), default="")
    people: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(12), index=True)
    origin: Mapped[str] = mapped_column(String(8), default="state")
    trigger_rule: Mapped[str] = mapped_column(String(64), default="")
    sizing_note: Mapped[str] = mapped_column(Text, default="")
    requested_on: Mapped[date] = mapped_column(Date)
    requested_by: Mapped[str] = mapped_column(String(64), default="")
    assessed_by: Mapped[str] = mapped_column(String(64), default="")
    decision: Mapped[str] = mapped_column(String(8), default="")
    decided_t: Mapped[Decimal | None] = mapped_column(TONNES, nullable=True)
    decision_reason: Mapped[str] = mapped_column(String(1000), default="")
    decided_by: Mapped[str] = mapped_column(String(64), default="")
    appeal: Mapped[str] = mapped_column(String(32), default="")
    consignment: Mapped[str] = mapped_column(String(64), default="")
    delivered_t: Mapped[Decimal | None] = mapped_column(TONNES, nullable=True)
    #: The consignment's ``distributed`` stage record: the delivery counts once it is approved.
    delivery_stage_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class RequestStep(Base):
    """One dated step of a request's timeline (requested, assessed, decided, dispatched,
    delivered, replenished), who took it, and the tonnes it concerns."""

    __tablename__ = "reserves_request_step"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("reserves_request.id"), index=True)
    step: Mapped[str] = mapped_column(String(12))
    dated: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(64))
    quantity_t: Mapped[Decimal | None] = mapped_column(TONNES, nullable=True)
    note: Mapped[str] = mapped_column(String(1000), default="")
    #: The programmes pipeline stage record this step wrote (dispatched, received), if any.
    pipeline_stage_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Replenishment(Base):
    """What the receiving state owes back after a release: grain-for-grain (tonnes) or cash
    (money with currency), by a due date; ``settled_on`` once repaid."""

    __tablename__ = "reserves_replenishment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("reserves_request.id"), unique=True)
    form: Mapped[str] = mapped_column(String(8))
    quantity_t: Mapped[Decimal | None] = mapped_column(TONNES, nullable=True)
    amount: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    currency: Mapped[str] = mapped_column(String(3), default="")
    due_on: Mapped[date] = mapped_column(Date)
    settled_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    settled_lot_id: Mapped[int | None] = mapped_column(ForeignKey("reserves_lot.id"), nullable=True)
