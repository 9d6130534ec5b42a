"""Strategic Vision 2031 block: KPI scorecard, reporting status, agreements, events, trainings
(strategy service).
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy.orm import Session

from iofs.briefs.model import Block, Fact, Missing, Table, number
from iofs.i18n import gettext as _
from iofs.permissions import Principal


def strategy(session: Session, principal: Principal, iso3: str) -> Block:
    """The state's KPI scorecard for the latest reporting period, values still owed,
    agreements it is party to, events held there and trainings held there."""
    from iofs.briefs import strategy_source

    block = Block("strategy", _("Strategic Vision 2031"), "/strategy", _("Strategic Vision 2031"))
    found = strategy_source.state_view(session, principal, iso3)
    if found["year"] is None:
        block.missing.append(
            Missing(
                _("No reporting period is defined."), command="iofs demo load", page="/strategy"
            )
        )
    else:
        block.link = f"/strategy/states/{iso3}"
        statuses: Counter[str] = found["statuses"]
        for status, count in sorted(statuses.items()):
            block.facts.append(
                Fact(
                    _(strategy_source.status_label(status)),
                    count,
                    number(count),
                    _("KPIs"),
                    str(found["year"]),
                )
            )
        block.facts.append(
            Fact(
                _("Values still owed"),
                found["owed"],
                number(found["owed"]),
                _("KPIs"),
                str(found["year"]),
            )
        )
        if found["scorecard"]:
            block.tables.append(
                Table(
                    _("Scorecard %(year)d") % {"year": found["year"]},
                    (_("KPI"), _("Value"), _("Status")),
                    tuple(found["scorecard"]),
                )
            )
    for caption, key in (
        (_("Agreements"), "agreements"),
        (_("Events held here"), "events"),
        (_("Trainings held here"), "trainings"),
    ):
        rows = found[key]
        if rows:
            block.tables.append(Table(caption, (_("Title"), _("Date")), tuple(rows)))
    if not (found["agreements"] or found["events"] or found["trainings"]):
        block.notes.append(_("No agreement, event or training involving this state."))
    return block
