"""Aid block: appeals covering the state, requirement, funding and coverage, donors, tonnes
delivered, people reached, OCHA FTS flows (from ``programmes.service.country_aid``: the
programmes module computes every figure and decides what the principal may see).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from iofs.briefs.model import Block, Fact, Missing, Table, number, percent
from iofs.i18n import current_language
from iofs.i18n import gettext as _
from iofs.permissions import Principal


def _usd(value: Decimal) -> str:
    return number(float(value), 0, "USD")


def _tonnes(value: Decimal | None) -> str:
    return number(None if value is None else float(value), 1, "t")


def aid(session: Session, principal: Principal, iso3: str) -> Block:
    """Appeals covering the state (newest revision): requirement for the state (USD, t),
    funding against it and coverage (percent 0–100), unmet gap; funding received by the
    state from every appeal and project (USD), donors, tonnes delivered, people and
    households reached, and the OCHA FTS flows imported for it."""
    from iofs.programmes import service

    block = Block("aid", _("Aid"), "/programmes", _("Programmes"))
    found = service.country_aid(session, principal, iso3)
    language = current_language()
    if not found.has_data:
        block.missing.append(
            Missing(
                _("No appeal, contribution or delivery for this state is recorded."),
                command="iofs programmes import fts FILE",
                page="/programmes/entry",
            )
        )
        return block
    if found.has_country_page:
        block.link = f"/programmes/countries/{iso3}"
    elif found.appeals:
        block.link = f"/programmes/appeals/{found.appeals[0].code}"
    if found.appeals:
        block.facts += [
            Fact(_("Appeals covering the state"), len(found.appeals), number(len(found.appeals))),
            Fact(
                _("Requirement for the state (USD)"),
                float(found.required_usd),
                _usd(found.required_usd),
                "USD",
            ),
            Fact(
                _("Funded against the requirement (USD)"),
                float(found.appeal_funded_usd),
                _usd(found.appeal_funded_usd),
                "USD",
            ),
            Fact(
                _("Coverage"),
                None if found.coverage_percent is None else round(found.coverage_percent, 1),
                percent(found.coverage_percent),
                "%",
            ),
            Fact(_("Unmet requirement (USD)"), float(found.gap_usd), _usd(found.gap_usd), "USD"),
        ]
        if found.required_t is not None:
            block.facts.append(
                Fact(_("Required tonnes"), float(found.required_t), _tonnes(found.required_t), "t")
            )
    else:
        block.missing.append(
            Missing(
                _("No appeal states a requirement for this state."),
                page="/programmes/entry",
            )
        )
    block.facts += [
        Fact(
            _("Funding received, all appeals and projects (committed + paid, USD)"),
            float(found.funding.funded),
            _usd(found.funding.funded),
            "USD",
        ),
        Fact(
            _("Pledged, not yet counted (USD)"),
            float(found.funding.pledged),
            _usd(found.funding.pledged),
            "USD",
        ),
        Fact(_("Tonnes delivered"), float(found.delivered_t), _tonnes(found.delivered_t), "t"),
        Fact(
            _("People reached"),
            found.people_reached,
            number(found.people_reached),
            _("people"),
            "" if found.reached_as_of is None else found.reached_as_of.isoformat(),
        ),
    ]
    if found.households_reached:
        block.facts.append(
            Fact(
                _("Households reached"),
                found.households_reached,
                number(found.households_reached),
                _("households"),
                "" if found.reached_as_of is None else found.reached_as_of.isoformat(),
            )
        )
    if found.fts is not None:
        block.facts.append(
            Fact(
                _("OCHA FTS funding (committed + paid, USD)"),
                float(found.fts.funding.funded),
                _("%(usd)s in %(flows)d flows")
                % {"usd": _usd(found.fts.funding.funded), "flows": found.fts.flows},
                "USD",
                found.fts.imported_at,
            )
        )
    else:
        block.notes.append(
            _("No OCHA FTS flow to this state is imported (iofs programmes import fts FILE).")
        )
    if found.pending_usd is not None:
        block.facts.append(
            Fact(
                _("Awaiting review, not counted (USD)"),
                float(found.pending_usd),
                _usd(found.pending_usd),
                "USD",
            )
        )
    if found.appeals:
        block.tables.append(
            Table(
                _("Appeals covering the state"),
                (
                    _("Appeal"),
                    _("Revision"),
                    _("Requirement (USD)"),
                    _("Funded (USD)"),
                    _("Coverage"),
                    _("Delivered (t)"),
                    _("People reached"),
                ),
                tuple(
                    (
                        a.titles.get(language, a.titles["en"]),
                        f"{a.revision} ({a.issued_on.isoformat()})",
                        _usd(a.line.required_usd),
                        _usd(a.line.funding.funded),
                        percent(a.line.coverage_percent),
                        _tonnes(a.line.delivered_t),
                        number(a.people_reached),
                    )
                    for a in found.appeals
                ),
                tuple(f"/programmes/appeals/{a.code}" for a in found.appeals),
            )
        )
        block.tables.append(
            Table(
                _("Requirement by sector and year (newest revision)"),
                (_("Appeal"), _("Sector"), _("Year"), _("USD"), _("Tonnes")),
                tuple(
                    (
                        a.code,
                        _(r.sector_label),
                        str(r.year),
                        _usd(r.amount_usd),
                        _tonnes(r.quantity_t),
                    )
                    for a in found.appeals
                    for r in a.requirements
                ),
                tuple(
                    f"/programmes/appeals/{a.code}" for a in found.appeals for _r in a.requirements
                ),
            )
        )
    if found.donors:
        block.tables.append(
            Table(
                _("Donors"),
                (_("Donor"), _("Committed + paid (USD)"), _("Pledged (USD)")),
                tuple(
                    (
                        d.names.get(language, d.names["en"]),
                        _usd(d.funding.funded),
                        _usd(d.funding.pledged),
                    )
                    for d in found.donors
                ),
                tuple(f"/programmes/donors/{d.code}" for d in found.donors),
            )
        )
    return block
