"""Strategic Vision 2031 KPI feeds from the reserves (programme 3, Food Crisis Response).

``reserves.request_to_delivery_days``: median days from request (or a trigger's draft) to
delivery of the releases delivered in the year (target about 15–45 days, after APTERR).
``reserves.oic_source_share``: percent 0–100 of the tonnes IOFS programmes distributed in the
year (approved tranches, the programmes feed) that came from OIC reserve lots, i.e. the
inverse of reliance on aid from outside the OIC. A release's delivery is a programmes
consignment, so its tonnes are in both numerator and denominator once, and only once
approved there.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import Session

from iofs.feeds import feed_value, register_feed
from iofs.i18n import N_
from iofs.programmes import service as programmes
from iofs.reserves import releases
from iofs.reserves.models import ReleaseRequest, RequestStep


def _delivered_in(session: Session, iso3: str | None, year: int) -> list[ReleaseRequest]:
    query = (
        select(ReleaseRequest)
        .join(RequestStep, RequestStep.request_id == ReleaseRequest.id)
        .where(
            RequestStep.step == "delivered",
            RequestStep.dated.between(date(year, 1, 1), date(year, 12, 31)),
        )
    )
    if iso3:
        query = query.where(ReleaseRequest.country == iso3.upper())
    return list(session.execute(query).scalars().unique())


def request_to_delivery_days(session: Session, iso3: str | None, year: int) -> Decimal | None:
    """Median days from request to delivery of releases delivered in ``year``."""
    days = [
        releases.request_to_delivery_days(session, row)
        for row in _delivered_in(session, iso3, year)
    ]
    known = [day for day in days if day is not None]
    return Decimal(str(median(known))) if known else None


def oic_reserve_tonnes(session: Session, iso3: str | None, year: int) -> Decimal:
    """Tonnes delivered from OIC reserve lots in ``year`` whose delivery is approved in the
    programmes pipeline."""
    rows = _delivered_in(session, iso3, year)
    approvals = programmes.stage_approvals(
        session, [row.delivery_stage_id for row in rows if row.delivery_stage_id]
    )
    return sum(
        (
            row.delivered_t or Decimal(0)
            for row in rows
            if approvals.get(row.delivery_stage_id or 0) == "approved"
        ),
        Decimal(0),
    )


def oic_source_share(session: Session, iso3: str | None, year: int) -> Decimal | None:
    """Percent of tonnes distributed in ``year`` that came from OIC reserve lots."""
    total = feed_value(session, "programmes.tonnes_distributed", iso3, year)
    if not total:
        return None
    share = oic_reserve_tonnes(session, iso3, year) * 100 / total
    return share.quantize(Decimal("0.1"), ROUND_HALF_UP)


register_feed(
    "reserves.request_to_delivery_days",
    N_("Days from a reserve release request to delivery (median)"),
    "days",
    request_to_delivery_days,
)
register_feed(
    "reserves.oic_source_share",
    N_("Share of tonnes delivered that came from OIC reserves"),
    "percent",
    oic_source_share,
)
