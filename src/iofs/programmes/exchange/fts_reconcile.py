"""OCHA Financial Tracking Service (FTS): reconciliation of our contributions with the
flows imported from FTS (:mod:`.fts_import`).

**Reconciliation** (:func:`reconcile`): the appeal's approved new-money contributions
against its imported flows, paired first by ``Contribution.fts_flow_id`` = FTS id, then by
donor code + status + amount within 1 USD (FTS publishes whole dollars).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from iofs.i18n import N_
from iofs.programmes import registry
from iofs.programmes.figures import counted
from iofs.programmes.models import Contribution, FtsFlow, Organisation

#: Differences of more than this many USD make two amounts differ (FTS rounds to the dollar).
TOLERANCE_USD = Decimal(1)
#: Reconciliation line statuses.
RECONCILIATION_STATUSES = {
    "match": N_("match"),
    "differ": N_("differ"),
    "missing_in_fts": N_("missing in FTS"),
    "missing_in_iofs": N_("missing in IOFS"),
}
DIFFERENCES = {
    "amount": N_("amount"),
    "status": N_("status"),
    "date": N_("date"),
    "donor": N_("donor"),
}


@dataclass(frozen=True)
class ReconciliationLine:
    """One contribution and/or FTS flow: ``status`` is ``match``, ``differ`` (with
    ``differences`` among amount, status, date, donor), ``missing_in_fts`` or
    ``missing_in_iofs``; ``matched_by`` is ``fts_flow_id`` or ``donor_status_amount``."""

    status: str
    differences: tuple[str, ...]
    matched_by: str
    reference: str | None = None
    donor_code: str | None = None
    donor_name: str | None = None
    iofs_status: str | None = None
    iofs_usd: Decimal | None = None
    iofs_date: date | None = None
    fts_id: int | None = None
    fts_donor: str | None = None
    fts_donor_code: str | None = None
    fts_status: str | None = None
    fts_usd: Decimal | None = None
    fts_date: date | None = None

    @property
    def difference_usd(self) -> Decimal | None:
        """IOFS USD − FTS USD when both sides are present."""
        if self.iofs_usd is None or self.fts_usd is None:
            return None
        return self.iofs_usd - self.fts_usd


@dataclass(frozen=True)
class ReconciliationSummary:
    """Lines per status and USD totals of each side."""

    counts: dict[str, int]
    iofs_usd: Decimal
    fts_usd: Decimal

    @property
    def difference_usd(self) -> Decimal:
        return self.iofs_usd - self.fts_usd


def _line(
    contribution: Contribution | None,
    donor: Organisation | None,
    flow: FtsFlow | None,
    matched_by: str,
) -> ReconciliationLine:
    differences: list[str] = []
    if contribution is not None and flow is not None:
        if abs(contribution.amount_usd - flow.amount_usd) > TOLERANCE_USD:
            differences.append("amount")
        if contribution.status != flow.status:
            differences.append("status")
        if flow.decided_on is not None and flow.decided_on != contribution.decided_on:
            differences.append("date")
        if donor is None or flow.donor_code.upper() != donor.code.upper():
            differences.append("donor")
        status = "differ" if differences else "match"
    else:
        status = "missing_in_fts" if flow is None else "missing_in_iofs"
    return ReconciliationLine(
        status=status,
        differences=tuple(differences),
        matched_by=matched_by,
        reference=contribution.reference if contribution else None,
        donor_code=donor.code if donor else None,
        donor_name=donor.name if donor else None,
        iofs_status=contribution.status if contribution else None,
        iofs_usd=contribution.amount_usd if contribution else None,
        iofs_date=contribution.decided_on if contribution else None,
        fts_id=flow.fts_id if flow else None,
        fts_donor=flow.donor if flow else None,
        fts_donor_code=(flow.donor_code or None) if flow else None,
        fts_status=flow.status if flow else None,
        fts_usd=flow.amount_usd if flow else None,
        fts_date=flow.decided_on if flow else None,
    )


def reconcile(session: Session, appeal_code: str) -> list[ReconciliationLine]:
    """The appeal's approved new-money contributions against its imported FTS flows.

    Pairs first by ``Contribution.fts_flow_id`` = FTS id (then any difference in amount
    beyond 1 USD, status, decision date or donor makes the line ``differ``), then the rest by
    donor code + status + amount within 1 USD (closest amount, then closest date; the date
    may still differ). Unpaired contributions are ``missing_in_fts``, unpaired flows
    ``missing_in_iofs``. Contributions first in date order, then the unpaired flows.
    """
    appeal = registry.appeal(session, appeal_code)
    contributions = counted(session, Contribution.appeal_id == appeal.id)
    organisations = {row.id: row for row in session.execute(select(Organisation)).scalars()}
    remaining = {
        row.fts_id: row
        for row in session.execute(
            select(FtsFlow).where(FtsFlow.appeal_id == appeal.id).order_by(FtsFlow.fts_id)
        ).scalars()
    }
    paired: dict[int, tuple[FtsFlow, str]] = {}
    for contribution in contributions:
        flow = remaining.get(contribution.fts_flow_id or 0)
        if flow is not None:
            paired[contribution.id] = (flow, "fts_flow_id")
            del remaining[flow.fts_id]
    for contribution in contributions:
        if contribution.id in paired:
            continue
        donor = organisations[contribution.donor_id]
        candidates = [
            flow
            for flow in remaining.values()
            if flow.donor_code
            and flow.donor_code.upper() == donor.code.upper()
            and flow.status == contribution.status
            and abs(flow.amount_usd - contribution.amount_usd) <= TOLERANCE_USD
        ]
        if candidates:
            best = min(
                candidates,
                key=lambda flow: (
                    abs(flow.amount_usd - contribution.amount_usd),
                    abs(
                        (
                            (flow.decided_on or contribution.decided_on) - contribution.decided_on
                        ).days
                    ),
                    flow.fts_id,
                ),
            )
            paired[contribution.id] = (best, "donor_status_amount")
            del remaining[best.fts_id]
    lines = []
    for contribution in contributions:
        flow, how = paired.get(contribution.id, (None, ""))
        lines.append(_line(contribution, organisations[contribution.donor_id], flow, how))
    lines.extend(_line(None, None, flow, "") for flow in remaining.values())
    return lines


def summary(lines: list[ReconciliationLine]) -> ReconciliationSummary:
    """Counts per status (every status present, 0 when none) and USD totals of each side."""
    counts = {status: 0 for status in RECONCILIATION_STATUSES}
    counts.update(Counter(line.status for line in lines))
    return ReconciliationSummary(
        counts=counts,
        iofs_usd=sum((line.iofs_usd for line in lines if line.iofs_usd is not None), Decimal(0)),
        fts_usd=sum((line.fts_usd for line in lines if line.fts_usd is not None), Decimal(0)),
    )
