"""What other modules and the interfaces (API, pages, CLI) read from the programmes module.

Visibility: approved figures are public (as on OCHA FTS). A figure awaiting review or
rejected is seen only by those holding ``programmes.read_pending`` for it: the secretariat
and viewers, the donor for its own contributions, the focal point for its own state.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from iofs.http.paging import Page, Pager, SortKey
from iofs.i18n import gettext as _
from iofs.permissions import Principal, allows
from iofs.programmes import figures, registry
from iofs.programmes.models import Appeal, Contribution, Organisation

READ_PENDING = "programmes.read_pending"


def appeal_codes(session: Session) -> list[str]:
    """Codes of every appeal, oldest first."""
    return list(
        session.execute(select(Appeal.code).order_by(Appeal.launched_on, Appeal.id)).scalars()
    )


def appeal_summary(session: Session, code: str) -> dict[str, Any]:
    """One appeal's headline figures (USD, tonnes, percent 0–100), JSON-ready."""
    appeal = registry.appeal(session, code)
    found = figures.appeal_figures(session, appeal)
    total = found.total
    return {
        "code": appeal.code,
        "title": appeal.title,
        "commodity": appeal.commodity,
        "illustrative": appeal.illustrative,
        "original_usd": found.original_usd,
        "required_usd": total.required_usd,
        "pledged_usd": total.funding.pledged,
        "committed_usd": total.funding.committed,
        "paid_usd": total.funding.paid,
        "funded_usd": total.funding.funded,
        "coverage_percent": total.coverage_percent,
        "gap_usd": total.gap_usd,
        "original_t": found.original_t,
        "required_t": total.required_t,
        "delivered_t": total.delivered_t,
        "gap_t": total.gap_t,
        "pending_usd": found.pending_usd,
        "households_reached": found.households_reached,
        "people_reached": found.people_reached,
        "donors": [
            {
                "code": line.key,
                "name": line.label,
                "pledged_usd": line.funding.pledged,
                "committed_usd": line.funding.committed,
                "paid_usd": line.funding.paid,
            }
            for line in found.by_donor
        ],
    }


def may_see(principal: Principal, contribution: Contribution, donor_code: str) -> bool:
    """Whether ``principal`` may see ``contribution`` (approved ones: everyone)."""
    if contribution.approval == "approved":
        return True
    # both scopes are given explicitly: a scoped check without one means "for any"
    return allows(
        principal, READ_PENDING, country=contribution.country or "", organisation=donor_code
    )


def _contributions_query(
    session: Session,
    principal: Principal,
    *,
    donor: str | None = None,
    appeal: str | None = None,
    country: str | None = None,
    status: str | None = None,
) -> Any:
    """Contributions with their donors, filtered by donor, appeal, country and status, for
    :func:`may_see` to decide row by row. When ``principal`` may read pending ones for no
    country or organisation at all (visitors, most readers), the query keeps approved rows
    in SQL, so a list does not read every pending row only for :func:`may_see` to drop it."""
    query = select(Contribution, Organisation).join(
        Organisation, Organisation.id == Contribution.donor_id
    )
    if donor:
        query = query.where(Organisation.code == registry.organisation(session, donor).code)
    if appeal:
        query = query.where(Contribution.appeal_id == registry.appeal(session, appeal).id)
    if country:
        query = query.where(Contribution.country == country.upper())
    if status:
        query = query.where(Contribution.status == status)
    if not allows(principal, READ_PENDING):
        query = query.where(Contribution.approval == "approved")
    return query


def visible_contributions(
    session: Session,
    principal: Principal,
    *,
    donor: str | None = None,
    appeal: str | None = None,
    country: str | None = None,
) -> list[tuple[Contribution, Organisation]]:
    """Contributions ``principal`` may see, with their donors, newest first."""
    query = _contributions_query(session, principal, donor=donor, appeal=appeal, country=country)
    rows = session.execute(
        query.order_by(Contribution.decided_on.desc(), Contribution.id.desc())
    ).all()
    return [(row[0], row[1]) for row in rows if may_see(principal, row[0], row[1].code)]


#: Name bound into the contribution lists' page cursors.
CONTRIBUTIONS_SCOPE = "programmes.contributions"


def contributions_page(
    session: Session,
    principal: Principal,
    after: str | None,
    limit: int,
    secret: str,
    *,
    donor: str | None = None,
    appeal: str | None = None,
    country: str | None = None,
    status: str | None = None,
) -> Page[tuple[Contribution, Organisation]]:
    """One page of :func:`visible_contributions` (newest first: decision date, then id),
    after the cursor ``after``; filtered by donor, appeal, country and status (pledge,
    commitment, paid). Keyset by ``(decided_on, id)``, so a deep page reads no earlier rows."""
    query = _contributions_query(
        session, principal, donor=donor, appeal=appeal, country=country, status=status
    )
    pager = Pager(
        CONTRIBUTIONS_SCOPE,
        [SortKey(Contribution.decided_on, True), SortKey(Contribution.id, True)],
        secret,
    )
    page = pager.fetch_visible(
        session,
        query,
        after,
        limit,
        key=lambda row: (row[0].decided_on, row[0].id),
        visible=lambda row: may_see(principal, row[0], row[1].code),
        scalars=False,
    )
    items = [(row[0], row[1]) for row in page.items]
    return Page(items=items, next=page.next, first=page.first, limit=page.limit)


def donor_totals(session: Session, donor: Organisation) -> dict[str, Decimal]:
    """A donor's counted USD by status (new money, approved)."""
    funding = figures.Funding()
    for row in figures.counted(session, Contribution.donor_id == donor.id):
        funding.add(row)
    return {
        "pledged_usd": funding.pledged,
        "committed_usd": funding.committed,
        "paid_usd": funding.paid,
        "funded_usd": funding.funded,
    }


def upload_summary(report: Any) -> str:
    """One sentence on what an Excel upload did (a ``workbook_upload.UploadReport``)."""
    parts = [
        _("%(sheet)s: %(created)d new, %(changed)d changed, %(unchanged)d unchanged")
        % {
            "sheet": sheet,
            "created": counts.created,
            "changed": counts.changed,
            "unchanged": counts.unchanged,
        }
        for sheet, counts in report.sheets.items()
    ]
    return "; ".join(parts) or _("The workbook held no rows.")


def fts_summary(report: Any) -> str:
    """One sentence on what an FTS import did (an ``fts_import.ImportReport``)."""
    text = _(
        "%(flows)d FTS flows read for %(appeal)s: %(kept)d kept (%(created)d new, "
        "%(updated)d updated, %(unchanged)d unchanged), %(usd)s USD."
    ) % {
        "flows": report.flows,
        "appeal": report.appeal,
        "kept": report.kept,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "usd": f"{report.kept_usd:,.2f}",
    }
    if report.skipped:
        text += " " + _("Not kept: %(reasons)s.") % {
            "reasons": ", ".join(
                f"{reason} {count}" for reason, count in sorted(report.skipped.items())
            )
        }
    if report.unmatched_donors:
        text += " " + _("Donors without an organisation here: %(names)s.") % {
            "names": ", ".join(report.unmatched_donors)
        }
    return text


# --- for the reserves module: a release's delivery is a pipeline consignment ----------------


def record_consignment(session: Session, principal: Principal, data: dict[str, Any]) -> str:
    """Create or update a pipeline consignment (see ``pipeline.put_consignment``); returns its
    reference."""
    from iofs.programmes import pipeline

    return pipeline.put_consignment(session, principal, data).reference


def record_stage(
    session: Session, principal: Principal, reference: str, data: dict[str, Any]
) -> int:
    """Record a consignment stage tranche (tonnes; awaits approval); returns its id."""
    from iofs.programmes import pipeline

    return pipeline.add_stage(session, principal, reference, data).id


def stage_approvals(session: Session, stage_ids: list[int]) -> dict[int, str]:
    """Approval (pending, approved, rejected) of consignment stage records by id."""
    from iofs.programmes.models import ConsignmentStage

    return dict(
        session.execute(
            select(ConsignmentStage.id, ConsignmentStage.approval).where(
                ConsignmentStage.id.in_(stage_ids)
            )
        ).all()
    )


def record_appeal(session: Session, principal: Principal, data: dict[str, Any]) -> str:
    """Create or update an appeal by its code (see ``registry.put_appeal``); returns the code."""
    return registry.put_appeal(session, principal, data).code


def decide_stage(
    session: Session, principal: Principal, stage_id: int, decision: str, note: str = ""
) -> None:
    """Approve or reject a pending consignment stage (maker–checker, ``review.decide``)."""
    from iofs.programmes import review

    review.decide(session, principal, "stage", stage_id, decision, note)


from iofs.programmes.country_aid import appeal_coverage as appeal_coverage  # noqa: E402
from iofs.programmes.country_aid import country_aid as country_aid  # noqa: E402


def pending_figures(session: Session, principal: Principal) -> list[Any]:
    """Figures awaiting review that ``principal`` may see (:func:`review.pending`), oldest
    first within each kind; each has ``kind``, ``id``, ``entered_by``, ``summary``,
    ``country`` and ``version``."""
    from iofs.programmes import review

    return list(review.pending(session, principal))


def may_review(principal: Principal) -> bool:
    """Whether ``principal`` may approve figures at all (maker–checker still applies)."""
    from iofs.programmes import review

    return allows(principal, review.APPROVE)
