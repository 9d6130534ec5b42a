"""What the briefs read from the strategy module, in one place.

Only this file of ``iofs.briefs`` imports the strategy module, through its public front
``iofs.strategy.service``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy.orm import Session

from iofs.labels import service as labels
from iofs.permissions import Principal
from iofs.strategy import service as strategy


def status_label(status: str) -> str:
    """The msgid of a scorecard status (achieved, on track, off track, no data, …)."""
    return strategy.STATUS_LABELS.get(status, status)


def state_view(session: Session, principal: Principal, iso3: str) -> dict[str, Any]:
    """A state's Strategic Vision view: ``year`` (latest reporting period, or None),
    ``statuses`` (status → KPIs), ``scorecard`` rows (KPI, value with unit, status msgid),
    ``owed`` (values still missing or sent back), ``agreements``, ``events`` and
    ``trainings`` (title, date) involving the state."""
    from iofs.i18n import gettext as _

    year = strategy.latest_period_year(session)
    view: dict[str, Any] = {"year": year, "statuses": Counter(), "scorecard": [], "owed": 0}
    if year is not None:
        for row in strategy.state_scorecard(session, iso3, year):
            status = row.assessment.status
            view["statuses"][status] += 1
            value = row.assessment.value
            view["scorecard"].append(
                (
                    labels.label("kpi", row.kpi.code, default=row.kpi.name, session=session),
                    "–" if value is None else f"{value:,} {row.kpi.unit}",
                    _(status_label(status)),
                )
            )
        view["owed"] = len(strategy.missing(session, year, iso3))
    agreements = []
    for agreement in strategy.list_agreements(session, principal):
        if any(party.country == iso3 for party in strategy.parties(session, agreement.id)):
            agreements.append((agreement.title, str(agreement.signed_on or "")))
    view["agreements"] = agreements
    view["events"] = [
        (event.name, str(event.starts_on or ""))
        for event in strategy.list_events(session)
        if event.country == iso3
    ]
    from iofs.members.service import get_member

    state = get_member(session, iso3)
    names = {state.name_en.lower(), state.name_fr.lower(), state.name_ar}
    view["trainings"] = [
        (activity.title, str(activity.starts_on or ""))
        for activity in strategy.list_activities(session)
        if activity.kind == "training"
        and any(n and n in (activity.place or "").lower() for n in names)
    ]
    return view
