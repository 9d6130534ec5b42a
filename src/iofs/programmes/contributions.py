"""Contributions: pledges, commitments and payments, in cash or in kind, with their history.

A contribution is one record whose status moves pledge → commitment → paid; each step is a
:class:`~iofs.programmes.models.ContributionStatus` with its date, who confirmed it and the
document that proves it. Every figure waits for a second person's approval before it counts
(:mod:`iofs.programmes.review`).

Money (Decimal, never float): cash keeps the original amount and currency, the exchange rate
in USD per unit of currency with its date and source, and the USD value rounded half-even to
the cent. In kind keeps commodity, quantity and unit (converted to tonnes) and a valuation:
the donor's declared value or an invoice, or by default the median retail market price of
the commodity in the destination country from the food-price monitor (WFP data), when the
price store holds one.

Allocation: a child contribution (``parent``) passes money on, e.g. IOFS → an implementing
partner. It is not new money, so donor and appeal totals count only ``new_money`` rows; the
children of a parent may not add up to more than the parent.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from iofs.audit import service as audit
from iofs.db import exact_sum, exact_total
from iofs.errors import InputError, NotFoundError
from iofs.i18n import gettext as _
from iofs.permissions import Principal, authorize
from iofs.programmes import registry, review
from iofs.programmes import vocabulary as v
from iofs.programmes.models import Contribution, ContributionStatus, ContributionYear
from iofs.programmes.schemas import ContributionIn, StatusIn, checked
from iofs.records import Outcome

for _model in (Contribution, ContributionStatus, ContributionYear):
    audit.audited(_model)

WRITE = "programmes.contributions.write"
CENT = Decimal("0.01")
#: Fields whose change sends an approved contribution back for review.
FIGURE_FIELDS = (
    "donor_id",
    "recipient_id",
    "appeal_id",
    "programme_id",
    "project_id",
    "country",
    "sector_code",
    "modality",
    "decided_on",
    "currency",
    "amount",
    "exchange_rate",
    "rate_date",
    "rate_source",
    "amount_usd",
    "commodity",
    "quantity",
    "unit",
    "quantity_t",
    "valuation_method",
    "valuation_source",
    "earmarking",
    "parent_id",
    "new_money",
)


def usd(amount: Decimal, rate: Decimal) -> Decimal:
    """``amount`` × ``rate`` (USD per unit) in USD, rounded half-even to the cent."""
    return (amount * rate).quantize(CENT, rounding=ROUND_HALF_EVEN)


def by_reference(session: Session, reference: str, field: str = "reference") -> Contribution:
    """The contribution with ``reference``."""
    found = session.execute(
        select(Contribution).where(Contribution.reference == reference)
    ).scalar_one_or_none()
    if found is None:
        raise NotFoundError(
            _("No contribution has the reference %(reference)s.") % {"reference": reference}, field
        )
    return found


def _next_reference(session: Session, year: int) -> str:
    prefix = f"C-{year}-"
    taken = session.execute(
        select(func.count())
        .select_from(Contribution)
        .where(Contribution.reference.like(prefix + "%"))
    ).scalar_one()
    number = taken + 1
    while session.execute(
        select(Contribution.id).where(Contribution.reference == f"{prefix}{number:04d}")
    ).first():
        number += 1
    return f"{prefix}{number:04d}"


def _cash_value(entry: ContributionIn) -> dict[str, Any]:
    if entry.amount is None:
        raise InputError(_("Enter the amount."), "amount")
    if entry.currency == "USD":
        if entry.exchange_rate not in (None, Decimal(1)):
            raise InputError(_("A USD amount has an exchange rate of 1."), "exchange_rate")
        rate = Decimal(1)
    else:
        if entry.exchange_rate is None:
            raise InputError(
                _("Enter the exchange rate in USD per %(currency)s.")
                % {"currency": entry.currency},
                "exchange_rate",
            )
        if entry.rate_date is None:
            raise InputError(_("Enter the date of the exchange rate."), "rate_date")
        if not entry.rate_source:
            raise InputError(_("Say where the exchange rate comes from."), "rate_source")
        rate = entry.exchange_rate
    return {
        "currency": entry.currency,
        "amount": entry.amount,
        "exchange_rate": rate,
        "rate_date": entry.rate_date if entry.currency != "USD" else None,
        "rate_source": entry.rate_source if entry.currency != "USD" else "",
        "amount_usd": usd(entry.amount, rate),
    }


def _in_kind_value(
    entry: ContributionIn, country: str | None, analytics_dir: Path | None
) -> dict[str, Any]:
    if not entry.commodity:
        raise InputError(_("Name the commodity given in kind."), "commodity")
    if entry.quantity is None:
        raise InputError(_("Enter the quantity given in kind."), "quantity")
    if not entry.unit:
        raise InputError(_("Choose the unit of the quantity (t or kg)."), "unit")
    tonnes = entry.quantity * Decimal(str(v.TONNES_PER_UNIT[entry.unit]))
    goods = {
        "commodity": entry.commodity,
        "quantity": entry.quantity,
        "unit": entry.unit,
        "quantity_t": tonnes,
    }
    if entry.amount is not None:
        method = entry.valuation_method or "donor_declared"
        if method == "market_price" and not entry.valuation_source:
            raise InputError(_("Say which market price values the goods."), "valuation_source")
        return {
            **goods,
            **_cash_value(entry),
            "valuation_method": method,
            "valuation_source": entry.valuation_source,
        }
    if entry.valuation_method not in ("", "market_price"):
        raise InputError(_("Enter the value of the goods."), "amount")
    price = None
    if analytics_dir is not None and country:
        from iofs.monitor.prices.service import market_price_usd

        price = market_price_usd(analytics_dir, country, entry.commodity, entry.decided_on)
    if price is None:
        raise InputError(
            _(
                "No market price of %(commodity)s in %(country)s is stored; enter "
                "the value of the goods and how it was set."
            )
            % {"commodity": entry.commodity, "country": country or "—"},
            "amount",
        )
    value = usd(tonnes * 1000, Decimal(str(price.usd_per_kg)))
    return {
        **goods,
        "currency": "USD",
        "amount": value,
        "exchange_rate": Decimal(1),
        "rate_date": None,
        "rate_source": "",
        "amount_usd": value,
        "valuation_method": "market_price",
        "valuation_source": _(
            "WFP retail price of %(commodity)s, median of %(markets)d "
            "markets, %(month)s: %(price).3f USD/kg"
        )
        % {
            "commodity": price.commodity,
            "markets": price.markets,
            "month": price.month,
            "price": price.usd_per_kg,
        },
    }


def _resolve(session: Session, entry: ContributionIn) -> dict[str, Any]:
    appeal = registry.appeal(session, entry.appeal) if entry.appeal else None
    values: dict[str, Any] = {
        "donor_id": registry.organisation(session, entry.donor, "donor").id,
        "recipient_id": (
            registry.organisation(session, entry.recipient, "recipient").id
            if entry.recipient
            else None
        ),
        "appeal_id": appeal.id if appeal is not None else None,
        "programme_id": None,
        "project_id": None,
        "country": entry.country,
        "sector_code": entry.sector_code,
        "parent_id": None,
    }
    if values["recipient_id"] == values["donor_id"]:
        raise InputError(_("The donor and the recipient are the same organisation."), "recipient")
    if entry.project:
        project = registry.project(session, entry.project)
        values["project_id"] = project.id
        values["programme_id"] = project.programme_id
        if entry.country and entry.country != project.country:
            raise InputError(
                _("The project is in %(country)s.") % {"country": project.country}, "country"
            )
        values["country"] = project.country
        values["sector_code"] = entry.sector_code or project.sector_code
    if entry.programme:
        programme_id = registry.programme(session, entry.programme).id
        if values["programme_id"] not in (None, programme_id):
            raise InputError(_("The project belongs to another programme."), "programme")
        values["programme_id"] = programme_id
    if appeal is not None and values["programme_id"] is None:
        values["programme_id"] = appeal.programme_id
    return values


def _check_allocation(
    session: Session, entry: ContributionIn, values: dict[str, Any], own_id: int | None
) -> None:
    if not entry.parent:
        values["new_money"] = True if entry.new_money is None else entry.new_money
        return
    parent = by_reference(session, entry.parent, "parent")
    if parent.id == own_id:
        raise InputError(_("A contribution cannot be its own parent."), "parent")
    if entry.new_money:
        raise InputError(
            _("An allocation from another contribution is not new money."), "new_money"
        )
    siblings = session.execute(
        select(exact_sum(session, Contribution.amount_usd)).where(
            Contribution.parent_id == parent.id, Contribution.id != (own_id or 0)
        )
    ).scalar_one()
    if exact_total(session, siblings, Contribution.amount_usd) + values["amount_usd"] > (
        parent.amount_usd
    ):
        raise InputError(
            _("Allocations would exceed the parent contribution (%(parent)s USD).")
            % {"parent": f"{parent.amount_usd:,}"},
            "amount",
        )
    values["parent_id"] = parent.id
    values["new_money"] = False


def _check_years(entry: ContributionIn, amount_usd: Decimal) -> None:
    if entry.years and sum(entry.years.values(), Decimal(0)) != amount_usd:
        raise InputError(
            _("The yearly amounts must add up to the USD value (%(total)s).")
            % {"total": f"{amount_usd:,}"},
            "years",
        )


def put_contribution(
    session: Session,
    principal: Principal,
    data: ContributionIn | dict[str, Any],
    analytics_dir: Path | None = None,
) -> tuple[Contribution, bool]:
    """Record a contribution, or update the one with the same reference.

    Returns (contribution, changed). A new one waits for approval with its first status; a
    change to an approved one's figures sends it back for approval. Entering the same data
    again changes nothing.
    """
    contribution, outcome = put_contribution_outcome(session, principal, data, analytics_dir)
    return contribution, outcome != "unchanged"


def put_contribution_outcome(
    session: Session,
    principal: Principal,
    data: ContributionIn | dict[str, Any],
    analytics_dir: Path | None = None,
) -> tuple[Contribution, Outcome]:
    """:func:`put_contribution`, returning whether it created the contribution, changed it
    (its figures, yearly split or status) or left it as it was."""
    authorize(principal, WRITE)
    entry = checked(ContributionIn, data)
    values = _resolve(session, entry)
    values.update(
        _cash_value(entry)
        if entry.modality == "cash"
        else _in_kind_value(entry, values["country"], analytics_dir)
    )
    if entry.modality == "cash":
        values.update(
            commodity="",
            quantity=None,
            unit="",
            quantity_t=None,
            valuation_method="",
            valuation_source="",
        )
    existing = (
        session.execute(
            select(Contribution).where(Contribution.reference == entry.reference)
        ).scalar_one_or_none()
        if entry.reference
        else None
    )
    _check_allocation(session, entry, values, existing.id if existing else None)
    _check_years(entry, values["amount_usd"])
    values.update(
        modality=entry.modality,
        decided_on=entry.decided_on,
        earmarking=entry.earmarking,
        description=entry.description,
        fts_flow_id=entry.fts_flow_id,
        sources=entry.sources,
        illustrative=entry.illustrative,
    )
    if existing is None:
        contribution = Contribution(
            reference=entry.reference or _next_reference(session, entry.decided_on.year),
            status=entry.status,
            **values,
        )
        review.entered(contribution, principal)
        session.add(contribution)
        audit.created(session, principal, contribution)
        step = ContributionStatus(
            contribution_id=contribution.id,
            status=entry.status,
            dated=entry.decided_on,
            confirmed_by=entry.confirmed_by,
            document=entry.document,
        )
        review.entered(step, principal)
        session.add(step)
        audit.created(session, principal, step)
        if entry.years:  # a new contribution has no years to compare with
            _put_years(session, principal, contribution, entry.years)
        return contribution, "created"
    changed = _update(session, principal, existing, values)
    changed |= _put_years(session, principal, existing, entry.years)
    if entry.status != existing.status and entry.status not in _statuses(session, existing):
        add_status(
            session,
            principal,
            existing.reference,
            StatusIn(
                status=entry.status,
                dated=entry.decided_on,
                confirmed_by=entry.confirmed_by,
                document=entry.document,
            ),
        )
        changed = True
    return existing, "changed" if changed else "unchanged"


def _statuses(session: Session, contribution: Contribution) -> set[str]:
    return set(
        session.execute(
            select(ContributionStatus.status).where(
                ContributionStatus.contribution_id == contribution.id,
                ContributionStatus.approval != "rejected",
            )
        ).scalars()
    )


def _update(
    session: Session, principal: Principal, existing: Contribution, values: dict[str, Any]
) -> bool:
    changes = {name: value for name, value in values.items() if getattr(existing, name) != value}
    if not changes:
        return False
    before = audit.snapshot(existing)
    for name, value in changes.items():
        setattr(existing, name, value)
    if any(name in FIGURE_FIELDS for name in changes):
        review.entered(existing, principal)
    audit.updated(session, principal, existing, before)
    return True


def _put_years(
    session: Session, principal: Principal, contribution: Contribution, years: dict[int, Decimal]
) -> bool:
    session.flush()
    existing = {
        row.year: row
        for row in session.execute(
            select(ContributionYear).where(ContributionYear.contribution_id == contribution.id)
        ).scalars()
    }
    changed = False
    for year, amount in sorted(years.items()):
        row = existing.pop(year, None)
        if row is None:
            row = ContributionYear(contribution_id=contribution.id, year=year, amount_usd=amount)
            session.add(row)
            audit.created(session, principal, row)
            changed = True
        elif row.amount_usd != amount:
            before = audit.snapshot(row)
            row.amount_usd = amount
            audit.updated(session, principal, row, before)
            changed = True
    for stale in existing.values():
        audit.deleted(session, principal, stale)
        changed = True
    return changed


def add_status(
    session: Session, principal: Principal, reference: str, data: StatusIn | dict[str, Any]
) -> ContributionStatus:
    """Record the next step of a contribution (e.g. a pledge is now paid); it counts once
    approved. Steps only move forward, and not before the previous step's date."""
    authorize(principal, WRITE)
    entry = checked(StatusIn, data)
    contribution = by_reference(session, reference)
    steps = (
        session.execute(
            select(ContributionStatus).where(
                ContributionStatus.contribution_id == contribution.id,
                ContributionStatus.approval != "rejected",
            )
        )
        .scalars()
        .all()
    )
    order = v.CONTRIBUTION_STATUSES.index
    furthest = max(steps, key=lambda step: order(step.status), default=None)
    if furthest is not None and order(entry.status) <= order(furthest.status):
        raise InputError(
            _("The contribution is already at %(status)s; a step can only move it forward.")
            % {"status": _(v.LABELS[furthest.status])},
            "status",
        )
    if furthest is not None and entry.dated < furthest.dated:
        raise InputError(
            _("The date is before the previous step (%(date)s).")
            % {"date": furthest.dated.isoformat()},
            "dated",
        )
    step = ContributionStatus(
        contribution_id=contribution.id,
        status=entry.status,
        dated=entry.dated,
        confirmed_by=entry.confirmed_by,
        document=entry.document,
    )
    review.entered(step, principal)
    session.add(step)
    audit.created(session, principal, step)
    return step


def history(session: Session, contribution_id: int) -> list[ContributionStatus]:
    """A contribution's status steps, oldest first."""
    return list(
        session.execute(
            select(ContributionStatus)
            .where(ContributionStatus.contribution_id == contribution_id)
            .order_by(ContributionStatus.dated, ContributionStatus.id)
        ).scalars()
    )


def years(session: Session, contribution_id: int) -> dict[int, Decimal]:
    """A contribution's usage-year split (USD), empty when not split."""
    return {
        row.year: row.amount_usd
        for row in session.execute(
            select(ContributionYear)
            .where(ContributionYear.contribution_id == contribution_id)
            .order_by(ContributionYear.year)
        ).scalars()
    }


def usage_year_amounts(session: Session, contribution: Contribution) -> dict[int, Decimal]:
    """USD per usage year: the split when recorded, else all in the decision year."""
    return years(session, contribution.id) or {
        contribution.decided_on.year: contribution.amount_usd
    }
