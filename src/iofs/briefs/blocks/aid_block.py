"""Aid block: appeals covering the state, requirement, funding and coverage, donors, tonnes
delivered, people reached, OCHA FTS flows (programmes service).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from iofs.briefs.model import Block, Fact, Missing, Table, number
from iofs.i18n import N_, current_language
from iofs.i18n import gettext as _
from iofs.permissions import Principal


def aid(session: Session, principal: Principal, iso3: str) -> Block:
    """Contributions to the state (USD by status), donors, tonnes given in kind, and the
    OCHA FTS flows among them; approved figures for everyone (the programmes service
    decides what ``principal`` may see)."""
    from iofs.programmes import service

    block = Block("aid", _("Aid"), "/programmes", _("Programmes"))
    seen = service.visible_contributions(session, principal, country=iso3)
    counted = [(c, d) for c, d in seen if c.approval == "approved" and c.new_money]
    if not counted:
        block.missing.append(
            Missing(
                _("No approved contribution to this state is recorded."),
                command="iofs programmes import fts FILE",
                page="/programmes/entry",
            )
        )
        return block
    block.link = f"/programmes/countries/{iso3}"
    by_status: dict[str, Decimal] = {}
    by_donor: dict[str, Decimal] = {}
    tonnes = Decimal(0)
    fts = Decimal(0)
    for contribution, donor in counted:
        by_status[contribution.status] = by_status.get(contribution.status, Decimal(0)) + (
            contribution.amount_usd
        )
        name = _localised_name(donor)
        by_donor[name] = by_donor.get(name, Decimal(0)) + contribution.amount_usd
        tonnes += contribution.quantity_t or Decimal(0)
        if contribution.fts_flow_id is not None:
            fts += contribution.amount_usd
    total = sum(by_status.values(), Decimal(0))
    block.facts += [
        Fact(_("Contributions (USD)"), float(total), number(float(total), 0, "USD")),
        *[
            Fact(_(STATUS_TEXT.get(status, status)), float(usd), number(float(usd), 0, "USD"))
            for status, usd in sorted(by_status.items())
        ],
        Fact(_("Given in kind (t)"), float(tonnes), number(float(tonnes), 1, "t")),
        Fact(_("Of which OCHA FTS flows (USD)"), float(fts), number(float(fts), 0, "USD")),
    ]
    block.tables.append(
        Table(
            _("Donors"),
            (_("Donor"), _("USD")),
            tuple(
                (name, number(float(usd)))
                for name, usd in sorted(by_donor.items(), key=lambda item: -item[1])
            ),
        )
    )
    block.missing.append(
        Missing(
            _(
                "Appeal requirements, coverage, tonnes delivered and people "
                "reached per state are not yet offered by the programmes "
                "service; see the programmes country page."
            ),
            page=f"/programmes/countries/{iso3}",
        )
    )
    return block


STATUS_TEXT = {
    "pledge": N_("Pledged (USD)"),
    "commitment": N_("Committed (USD)"),
    "paid": N_("Paid (USD)"),
}


def _localised_name(record: Any) -> str:
    language = current_language()
    return str(getattr(record, f"name_{language}", "") or record.name)
