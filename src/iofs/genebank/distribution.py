"""Distribution of samples under the ITPGRFA Standard Material Transfer Agreement (SMTA,
2006): a request, the curator's order (lot, agreement, seeds), the shipment that takes the
seeds from stock, or a cancellation; and the SMTA report of samples sent.

Every write checks ``genebank.distribute`` and writes the audit log in the same transaction.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from iofs.audit import service as audit
from iofs.genebank import mcpd
from iofs.genebank.conservation import get_lot
from iofs.genebank.errors import GenebankError, UnknownRecord
from iofs.genebank.models import Accession, Distribution, GerminationTest, Lot
from iofs.genebank.schemas import DistributionIn, OrderIn, RequestIn
from iofs.genebank.vocabulary import DISTRIBUTION_STATES
from iofs.http.paging import Page, Pager, SortKey
from iofs.i18n import gettext as _
from iofs.permissions import Principal, authorize

audit.audited(Distribution)

#: Default viable seeds per distributed sample (FAO Genebank Standards 4.9: 30–50).
DEFAULT_VIABLE_SEEDS = 50


def _locked_lot(session: Session, lot_id: int) -> Lot:
    query = select(Lot).where(Lot.id == lot_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    lot = session.execute(query).scalar_one_or_none()
    if lot is None:
        raise UnknownRecord(_("No such lot."), "lot_id")
    return lot


def _available_accession(session: Session, accession_id: int, field_name: str) -> Accession:
    accession = session.get(Accession, accession_id)
    if accession is None:
        raise UnknownRecord(_("No such accession."), "accession_id")
    if not accession.available:
        raise GenebankError(_("This accession is not available for distribution."), field_name)
    return accession


def _check_stock(lot: Lot, seeds: int) -> None:
    if seeds < 1:
        raise GenebankError(_("Send at least one seed."), "seeds")
    available = lot.seed_count - lot.reference_sample_seeds
    if seeds > available:
        raise GenebankError(
            _("Only %(n)d seeds can be sent from this lot (the reference sample stays).")
            % {"n": max(available, 0)},
            "seeds",
        )


def get_distribution(session: Session, principal: Principal, distribution_id: int) -> Distribution:
    authorize(principal, "genebank.read_internal")
    distribution = session.get(Distribution, distribution_id)
    if distribution is None:
        raise UnknownRecord(_("No such distribution."), "distribution_id")
    return distribution


def _in_state(distribution: Distribution, *states: str) -> None:
    if distribution.status not in states:
        status = _(DISTRIBUTION_STATES[distribution.status])
        raise GenebankError(
            _("This distribution is %(status)s; that step is not possible now.")
            % {"status": status},
            "status",
        )


def _advance(
    session: Session, principal: Principal, distribution: Distribution, status: str, on: date
) -> Distribution:
    """Move ``distribution`` to ``status`` (shipped or cancelled) dated ``on``, audited."""
    before = audit.snapshot(distribution)
    distribution.status = status
    setattr(distribution, f"{status}_on", on)
    audit.updated(session, principal, distribution, before)
    return distribution


def request_sample(
    session: Session, principal: Principal, accession_id: int, data: RequestIn
) -> Distribution:
    """Record a request for a sample of an available accession (nothing leaves stock yet)."""
    authorize(principal, "genebank.distribute")
    return new_request(session, principal, accession_id, data)


def new_request(
    session: Session,
    principal: Principal,
    accession_id: int,
    data: RequestIn,
    public_request_id: int | None = None,
    smta_form: str = "signed",
) -> Distribution:
    """The request row of :func:`request_sample` (the caller has checked permission), also
    written for each accession of a public request (click-wrap SMTA)."""
    accession = _available_accession(session, accession_id, "accession_id")
    country = data.recipient_country.strip().upper()
    if country not in mcpd.COUNTRY_CODES:
        raise GenebankError(
            _("Give the recipient's country as an ISO 3166-1 alpha-3 code."), "recipient_country"
        )
    if not data.recipient_name.strip():
        raise GenebankError(_("Name the recipient."), "recipient_name")
    if data.requested_on > date.today():
        raise GenebankError(_("The date cannot be in the future."), "requested_on")
    request = Distribution(
        accession_id=accession.id,
        status="requested",
        recipient_name=data.recipient_name.strip(),
        recipient_organisation=data.recipient_organisation.strip(),
        recipient_country=country,
        recipient_address=data.recipient_address.strip(),
        purpose=data.purpose,
        mta_type="",
        mta_identifier="",
        seeds=data.seeds,
        requested_on=data.requested_on,
        smta_form=smta_form,
        public_request_id=public_request_id,
    )
    session.add(request)
    audit.created(session, principal, request)
    return request


def order_sample(
    session: Session, principal: Principal, distribution_id: int, data: OrderIn
) -> Distribution:
    """Accept a request: choose the lot, conclude the SMTA (or own MTA) and fix the seeds.
    Without seeds (here or in the request) the sample holds 50 viable seeds at the lot's
    latest germination. Stock is checked, not yet taken."""
    authorize(principal, "genebank.distribute")
    distribution = get_distribution(session, principal, distribution_id)
    _in_state(distribution, "requested")
    lot = get_lot(session, data.lot_id)
    if lot.accession_id != distribution.accession_id:
        raise GenebankError(_("This lot belongs to another accession."), "lot_id")
    _available_accession(session, distribution.accession_id, "lot_id")
    if not data.mta_identifier.strip():
        raise GenebankError(_("Give the agreement's identifier."), "mta_identifier")
    if not distribution.requested_on <= data.ordered_on <= date.today():
        raise GenebankError(_("The order date is between the request and today."), "ordered_on")
    seeds = data.seeds or distribution.seeds
    if seeds is None:
        latest = session.execute(
            select(GerminationTest.germination_pct)
            .where(GerminationTest.lot_id == lot.id)
            .order_by(GerminationTest.tested_on.desc(), GerminationTest.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        seeds = math.ceil(DEFAULT_VIABLE_SEEDS / max((latest or 100.0) / 100, 0.01))
    _check_stock(lot, seeds)
    before = audit.snapshot(distribution)
    distribution.lot_id = lot.id
    distribution.mta_type = data.mta_type
    distribution.mta_identifier = data.mta_identifier.strip()
    distribution.mta_date = data.mta_date
    distribution.smta_form = data.smta_form
    distribution.seeds = seeds
    distribution.ordered_on = data.ordered_on
    distribution.status = "ordered"
    audit.updated(session, principal, distribution, before)
    return distribution


def ship_sample(
    session: Session, principal: Principal, distribution_id: int, shipped_on: date
) -> Distribution:
    """Ship an ordered sample: the lot's seed count (and weight) go down in this same
    transaction, the lot locked against concurrent shipments. The reference sample is never
    sent."""
    authorize(principal, "genebank.distribute")
    distribution = get_distribution(session, principal, distribution_id)
    _in_state(distribution, "ordered")
    if distribution.lot_id is None or distribution.seeds is None or distribution.ordered_on is None:
        raise GenebankError(_("Order the sample first."), "status")
    if not distribution.ordered_on <= shipped_on <= date.today():
        raise GenebankError(_("The shipment date is between the order and today."), "shipped_on")
    lot = _locked_lot(session, distribution.lot_id)
    _available_accession(session, distribution.accession_id, "lot_id")
    seeds = distribution.seeds
    _check_stock(lot, seeds)
    before = audit.snapshot(lot)
    if lot.seed_weight_g is not None and lot.seed_count:
        lot.seed_weight_g = round(lot.seed_weight_g * (lot.seed_count - seeds) / lot.seed_count, 3)
    lot.seed_count -= seeds
    audit.updated(session, principal, lot, before)
    return _advance(session, principal, distribution, "shipped", shipped_on)


def cancel_sample(
    session: Session, principal: Principal, distribution_id: int, cancelled_on: date
) -> Distribution:
    """Cancel a request or an order (a shipped sample stays shipped)."""
    authorize(principal, "genebank.distribute")
    distribution = get_distribution(session, principal, distribution_id)
    _in_state(distribution, "requested", "ordered")
    if not distribution.requested_on <= cancelled_on <= date.today():
        raise GenebankError(_("The date is between the request and today."), "cancelled_on")
    return _advance(session, principal, distribution, "cancelled", cancelled_on)


def distribute(
    session: Session, principal: Principal, lot_id: int, data: DistributionIn
) -> Distribution:
    """Request, order and ship a sample from a lot in one go (the three dated states, one
    transaction): see :func:`request_sample`, :func:`order_sample` and :func:`ship_sample`."""
    authorize(principal, "genebank.distribute")
    lot = _locked_lot(session, lot_id)
    _available_accession(session, lot.accession_id, "lot_id")
    if data.shipped_on < data.requested_on or data.shipped_on > date.today():
        raise GenebankError(_("The shipment date is between the request and today."), "shipped_on")
    request = request_sample(
        session,
        principal,
        lot.accession_id,
        RequestIn(
            recipient_name=data.recipient_name,
            recipient_country=data.recipient_country,
            purpose=data.purpose,
            requested_on=data.requested_on,
            seeds=data.seeds,
            recipient_organisation=data.recipient_organisation,
            recipient_address=data.recipient_address,
        ),
    )
    order_sample(
        session,
        principal,
        request.id,
        OrderIn(
            lot_id=lot.id,
            mta_type=data.mta_type,
            mta_identifier=data.mta_identifier,
            mta_date=data.mta_date,
            ordered_on=data.requested_on,
            seeds=data.seeds,
            smta_form=data.smta_form,
        ),
    )
    return ship_sample(session, principal, request.id, data.shipped_on)


def distributions_query(
    accession_id: int | None = None, status: str | None = None, country: str | None = None
) -> Select[Distribution]:
    """Distributions filtered by accession, status and recipient country (ISO3), unordered:
    the one query of :func:`distributions` (complete lists, exports) and
    :func:`distributions_page` (one page); the caller checks the permission."""
    query = select(Distribution)
    if accession_id is not None:
        query = query.where(Distribution.accession_id == accession_id)
    if status:
        query = query.where(Distribution.status == status)
    if country:
        query = query.where(Distribution.recipient_country == country.strip().upper())
    return query


#: The order of distribution lists: oldest request first (request date, then id).
DISTRIBUTION_KEYS = (SortKey(Distribution.requested_on), SortKey(Distribution.id))


def distribution_key(distribution: Distribution) -> tuple[date, int]:
    """A distribution's sort key in :data:`DISTRIBUTION_KEYS`."""
    return (distribution.requested_on, distribution.id)


def ordered(query: Select[Distribution]) -> Select[Distribution]:
    """``query`` in the order of :data:`DISTRIBUTION_KEYS` (for complete lists)."""
    return query.order_by(*(k.column for k in DISTRIBUTION_KEYS))


def page_of(
    session: Session,
    scope: str,
    query: Select[Distribution],
    after: str | None,
    limit: int,
    secret: str,
) -> Page[Distribution]:
    """One page of the distributions ``query`` selects, keyset by request date and id, after
    the cursor ``after`` of the list named ``scope``."""
    pager = Pager(scope, DISTRIBUTION_KEYS, secret)
    page: Page[Distribution] = pager.fetch(session, query, after, limit, key=distribution_key)
    return page


def distributions(
    session: Session,
    principal: Principal,
    accession_id: int | None = None,
    status: str | None = None,
) -> list[Distribution]:
    """Every distribution (of an accession, in a status), oldest request first."""
    authorize(principal, "genebank.read_internal")
    query = ordered(distributions_query(accession_id, status))
    return list(session.execute(query).scalars())


#: Name bound into the cursors of the distributions list.
DISTRIBUTIONS_SCOPE = "genebank.distributions"


def distributions_page(
    session: Session,
    principal: Principal,
    after: str | None,
    limit: int,
    secret: str,
    *,
    accession_id: int | None = None,
    status: str | None = None,
    country: str | None = None,
) -> Page[Distribution]:
    """One page of :func:`distributions` (oldest request first) after the cursor ``after``,
    filtered by accession, status and recipient country."""
    authorize(principal, "genebank.read_internal")
    query = distributions_query(accession_id, status, country)
    return page_of(session, DISTRIBUTIONS_SCOPE, query, after, limit, secret)


SMTA_COLUMNS = [
    "mta_identifier",
    "mta_type",
    "mta_date",
    "provider_instcode",
    "recipient_name",
    "recipient_organisation",
    "recipient_country",
    "recipient_address",
    "material_puid",
    "material_accenumb",
    "crop",
    "taxon",
    "mls_status",
    "seeds",
    "purpose",
    "requested_on",
    "ordered_on",
    "shipped_on",
]


def smta_report(session: Session, principal: Principal) -> list[dict[str, Any]]:
    """Shipped samples in the shape the Treaty's SMTA reporting asks for (one row per sample:
    agreement, provider, recipient, material and dates), in shipment order."""
    rows = []
    shipped = sorted(
        distributions(session, principal, status="shipped"),
        key=lambda d: (d.shipped_on or date.min, d.id),
    )
    for shipment in shipped:
        accession = session.get_one(Accession, shipment.accession_id)
        rows.append(
            {
                "mta_identifier": shipment.mta_identifier,
                "mta_type": shipment.mta_type,
                "mta_date": shipment.mta_date.isoformat() if shipment.mta_date else "",
                "provider_instcode": accession.instcode,
                "recipient_name": shipment.recipient_name,
                "recipient_organisation": shipment.recipient_organisation,
                "recipient_country": shipment.recipient_country,
                "recipient_address": shipment.recipient_address,
                "material_puid": accession.puid,
                "material_accenumb": accession.accenumb,
                "crop": accession.cropname,
                "taxon": accession.taxon,
                "mls_status": accession.mlsstat,
                "seeds": shipment.seeds,
                "purpose": shipment.purpose,
                "requested_on": shipment.requested_on.isoformat(),
                "ordered_on": shipment.ordered_on.isoformat() if shipment.ordered_on else "",
                "shipped_on": shipment.shipped_on.isoformat() if shipment.shipped_on else "",
            }
        )
    return rows
