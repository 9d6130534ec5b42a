"""Public requests: a signed-in requester (name, institution, country, purpose) asks for
available accessions from the public catalogue and accepts the SMTA by click-wrap (SMTA
art. 10: "acceptance by clicking"); the acceptance is recorded with the text's version and
SHA-256, the time (UTC) and the identity (user, e-mail, address). Each accession becomes a
request in the curators' request → order → shipment flow (SMTA form: click-wrap); the
requester follows their status.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Select, exists, false, select
from sqlalchemy.orm import Session

from iofs.audit import service as audit
from iofs.genebank.distribution import new_request
from iofs.genebank.errors import GenebankError
from iofs.genebank.models import Distribution, PublicRequest, Requester
from iofs.genebank.schemas import RequesterIn, RequestIn
from iofs.http.paging import Page, Pager, SortKey
from iofs.i18n import gettext as _
from iofs.permissions import Principal, authorize

audit.audited(Requester)
audit.audited(PublicRequest)

SMTA_VERSION = "SMTA (ITPGRFA Governing Body Resolution 1/2006), click-wrap"
#: The text the requester accepts (the SMTA's own words for click-wrap acceptance, art. 10,
#: with where its full text is published).
SMTA_TEXT = (
    "The material is provided under the Standard Material Transfer Agreement (SMTA) adopted "
    "by the Governing Body of the International Treaty on Plant Genetic Resources for Food "
    "and Agriculture in Resolution 1/2006, whose full text is published at "
    "https://www.fao.org/plant-treaty/areas-of-work/the-multilateral-system/the-smta/. "
    'By clicking "I accept the SMTA" the Recipient accepts its terms and conditions '
    "(article 10, click-wrap acceptance), including to use the material only for research, "
    "breeding and training for food and agriculture, not to claim intellectual property "
    "rights that limit access to the material in the form received, and to make the benefit "
    "sharing payments of article 6.7 where they apply. The Provider reports this agreement "
    "to the Governing Body."
)
SMTA_SHA256 = hashlib.sha256(SMTA_TEXT.encode("utf-8")).hexdigest()
MAX_BASKET = 50


def requester_of(session: Session, principal: Principal) -> Requester | None:
    """The signed-in user's requester profile, if they made one."""
    if principal.user_id is None:
        return None
    return session.execute(
        select(Requester).where(Requester.user_id == principal.user_id)
    ).scalar_one_or_none()


def save_requester(session: Session, principal: Principal, data: RequesterIn) -> Requester:
    """Create or update the signed-in user's requester profile (audited)."""
    authorize(principal, "genebank.request")
    if principal.user_id is None:
        raise GenebankError(_("Sign in to ask for seed."), "user")
    requester = requester_of(session, principal)
    values = {**data.model_dump(), "country": data.country.strip().upper()}
    if requester is None:
        requester = Requester(user_id=principal.user_id, **values)
        session.add(requester)
        session.flush()
        audit.created(session, principal, requester)
        return requester
    before = audit.snapshot(requester)
    for name, value in values.items():
        setattr(requester, name, value)
    audit.updated(session, principal, requester, before)
    return requester


def submit_public_request(
    session: Session,
    principal: Principal,
    data: RequesterIn,
    accession_ids: Sequence[int],
    accepted_sha256: str,
) -> PublicRequest:
    """Record a public request of ``accession_ids`` by the signed-in user, who accepted the
    SMTA text whose SHA-256 is ``accepted_sha256`` (it must be the text shown now). One
    request per accession enters the curators' flow; all or none."""
    authorize(principal, "genebank.request")
    if accepted_sha256 != SMTA_SHA256:
        raise GenebankError(_("Accept the SMTA to ask for seed."), "accept")
    ids = sorted(set(accession_ids))
    if not ids or len(ids) > MAX_BASKET:
        raise GenebankError(
            _("Ask for 1 to %(n)d accessions at a time.") % {"n": MAX_BASKET}, "accession_ids"
        )
    requester = save_requester(session, principal, data)
    now = datetime.now(UTC).replace(tzinfo=None)
    identity = f"user {principal.user_id} <{principal.email or ''}> {data.name}"[:255]
    basket = PublicRequest(
        requester_id=requester.id,
        submitted_at=now,
        smta_version=SMTA_VERSION,
        smta_sha256=SMTA_SHA256,
        accepted_at=now,
        accepted_by=identity,
        accepted_from=(principal.ip or "")[:64],
    )
    session.add(basket)
    session.flush()
    audit.created(session, principal, basket)
    for accession_id in ids:
        new_request(
            session,
            principal,
            accession_id,
            RequestIn(
                recipient_name=data.name,
                recipient_organisation=data.institution,
                recipient_country=data.country,
                recipient_address=data.address,
                purpose=data.purpose,
                requested_on=date.today(),
            ),
            public_request_id=basket.id,
            smta_form="click-wrap",
        )
    return basket


@dataclass
class RequestStatus:
    """A public request with its samples (each with its status in the curators' flow)."""

    request: PublicRequest
    samples: list[Distribution]


def _with_samples(session: Session, baskets: Sequence[PublicRequest]) -> list[RequestStatus]:
    ids = [b.id for b in baskets]
    samples: dict[int, list[Distribution]] = {i: [] for i in ids}
    if ids:
        for sample in session.execute(
            select(Distribution)
            .where(Distribution.public_request_id.in_(ids))
            .order_by(Distribution.id)
        ).scalars():
            if sample.public_request_id is not None:
                samples[sample.public_request_id].append(sample)
    return [RequestStatus(b, samples[b.id]) for b in baskets]


#: Names bound into the cursors of the requester's and the curators' request lists.
MY_REQUESTS_SCOPE = "genebank.my-requests"
REQUESTS_SCOPE = "genebank.public-requests"


def _requests_query(
    requester_id: int | None, everyone: bool, status: str | None
) -> Select[PublicRequest]:
    """Public requests of one requester (``everyone``: of all requesters; a requester
    without a profile has none), with a sample in ``status`` when given."""
    query = select(PublicRequest)
    if not everyone:
        query = query.where(
            false() if requester_id is None else PublicRequest.requester_id == requester_id
        )
    if status:
        query = query.where(
            exists().where(
                Distribution.public_request_id == PublicRequest.id, Distribution.status == status
            )
        )
    return query


def _requests_page(
    session: Session,
    scope: str,
    query: Select[PublicRequest],
    after: str | None,
    limit: int,
    secret: str,
) -> Page[RequestStatus]:
    """One page of the requests ``query`` selects, newest first (by id), with samples."""
    pager = Pager(scope, [SortKey(PublicRequest.id, descending=True)], secret)
    page = pager.fetch(session, query, after, limit, key=lambda r: (r.id,))
    return Page(
        items=_with_samples(session, page.items), next=page.next, first=page.first, limit=limit
    )


def my_requests_page(
    session: Session,
    principal: Principal,
    after: str | None,
    limit: int,
    secret: str,
    status: str | None = None,
) -> Page[RequestStatus]:
    """One page of the signed-in requester's public requests, newest first, after the
    cursor ``after``; only those with a sample in ``status`` when given."""
    authorize(principal, "genebank.request")
    requester = requester_of(session, principal)
    query = _requests_query(requester.id if requester else None, False, status)
    return _requests_page(session, MY_REQUESTS_SCOPE, query, after, limit, secret)


def public_requests_page(
    session: Session,
    principal: Principal,
    after: str | None,
    limit: int,
    secret: str,
    status: str | None = None,
) -> Page[RequestStatus]:
    """One page of every public request, newest first (curators), after the cursor
    ``after``; only those with a sample in ``status`` when given."""
    authorize(principal, "genebank.read_internal")
    query = _requests_query(None, True, status)
    return _requests_page(session, REQUESTS_SCOPE, query, after, limit, secret)
