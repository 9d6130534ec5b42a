"""Results framework of programmes and projects, and activities such as trainings.

An indicator belongs to a programme or to one country project; it has a unit, a baseline and,
per period, targets and actuals (optionally disaggregated, e.g. sex = female). Values count
once approved. A programme's indicator rolls up from the project indicators with the same
code: summed for counts (``sum``), averaged for rates (``mean``), period by period.
Trainings and other capacity building are activities with participants by sex.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from iofs.audit import service as audit
from iofs.errors import InputError, NotFoundError
from iofs.i18n import gettext as _
from iofs.permissions import Principal, authorize
from iofs.programmes import registry, review
from iofs.programmes.models import Activity, Indicator, IndicatorValue, Project
from iofs.programmes.schemas import ActivityIn, IndicatorIn, IndicatorValueIn, checked
from iofs.records import put_record

for _model in (Indicator, IndicatorValue, Activity):
    audit.audited(_model)

WRITE = "programmes.projects.write"
MANAGE = "programmes.manage"


def _indicator_country(session: Session, indicator: Indicator) -> str | None:
    if indicator.project_id is None:
        return None
    project = session.get(Project, indicator.project_id)
    return project.country if project else None


def put_indicator(
    session: Session, principal: Principal, data: IndicatorIn | dict[str, Any]
) -> Indicator:
    """Create or update an indicator of a programme (secretariat) or a project (its state)."""
    entry = checked(IndicatorIn, data)
    if (entry.programme is None) == (entry.project is None):
        raise InputError(_("An indicator belongs to a programme or to a project."), "project")
    key: dict[str, Any] = {"code": entry.code, "programme_id": None, "project_id": None}
    country = None
    permission = MANAGE
    if entry.project:
        project = registry.project(session, entry.project)
        key["project_id"] = project.id
        country, permission = project.country, WRITE
    else:
        key["programme_id"] = registry.programme(session, entry.programme or "").id
    values = entry.model_dump(exclude={"programme", "project", "code"})
    return put_record(
        session, principal, Indicator, key, values, permission=permission, country=country
    )


def indicator(session: Session, indicator_id: int) -> Indicator:
    """The indicator with ``indicator_id``."""
    found = session.get(Indicator, indicator_id)
    if found is None:
        raise NotFoundError(_("No such indicator."), "indicator_id")
    return found


def indicators(
    session: Session, *, programme_id: int | None = None, project_ids: list[int] | None = None
) -> list[Indicator]:
    """Result indicators (of a programme, of some projects, or all), by code."""
    query = select(Indicator).order_by(Indicator.code)
    if programme_id is not None:
        query = query.where(Indicator.programme_id == programme_id)
    if project_ids is not None:
        query = query.where(Indicator.project_id.in_(project_ids or [0]))
    return list(session.execute(query).scalars())


def put_value(
    session: Session,
    principal: Principal,
    indicator_id: int,
    data: IndicatorValueIn | dict[str, Any],
) -> IndicatorValue:
    """Record a target or actual for a period; a changed value waits for approval again."""
    entry = checked(IndicatorValueIn, data)
    target = indicator(session, indicator_id)
    country = _indicator_country(session, target)
    authorize(principal, WRITE if country else MANAGE, country=country)
    if entry.period_end < entry.period_start:
        raise InputError(_("The end date is before the start date."), "period_end")
    if bool(entry.dimension) != bool(entry.dimension_value):
        raise InputError(
            _("Give both the disaggregation and its value, or neither."), "dimension_value"
        )
    key = {
        "indicator_id": target.id,
        "period_start": entry.period_start,
        "period_end": entry.period_end,
        "kind": entry.kind,
        "dimension": entry.dimension,
        "dimension_value": entry.dimension_value,
    }
    existing = session.execute(select(IndicatorValue).filter_by(**key)).scalar_one_or_none()
    if existing is None:
        row = IndicatorValue(**key, value=entry.value)
        review.entered(row, principal)
        session.add(row)
        audit.created(session, principal, row)
        return row
    if existing.value == entry.value.quantize(Decimal("0.0001")):
        return existing
    before = audit.snapshot(existing)
    existing.value = entry.value
    review.entered(existing, principal)
    audit.updated(session, principal, existing, before)
    return existing


@dataclass(frozen=True)
class PeriodValues:
    """Target and actual of one indicator for one period (totals, approved values only)."""

    period_start: date
    period_end: date
    target: Decimal | None
    actual: Decimal | None

    @property
    def achieved_percent(self) -> float | None:
        """Actual ÷ target × 100, or None without both (or with a zero target)."""
        if self.target in (None, 0) or self.actual is None:
            return None
        return float(self.actual / self.target * 100)


def values(
    session: Session, indicator_id: int, *, approved_only: bool = True
) -> list[IndicatorValue]:
    """An indicator's values (approved only, unless asked), by period."""
    query = select(IndicatorValue).where(IndicatorValue.indicator_id == indicator_id)
    query = (
        query.where(IndicatorValue.approval == "approved")
        if approved_only
        else query.where(IndicatorValue.approval != "rejected")
    )
    return list(
        session.execute(query.order_by(IndicatorValue.period_start, IndicatorValue.kind)).scalars()
    )


def periods(rows: list[IndicatorValue]) -> list[PeriodValues]:
    """Totals (no disaggregation) of values per period."""
    table: dict[tuple[date, date], dict[str, Decimal]] = defaultdict(dict)
    for row in rows:
        if not row.dimension:
            table[(row.period_start, row.period_end)][row.kind] = row.value
    return [
        PeriodValues(start, end, kinds.get("target"), kinds.get("actual"))
        for (start, end), kinds in sorted(table.items())
    ]


def rolled_up(session: Session, programme_id: int, code: str) -> list[PeriodValues]:
    """A programme indicator's periods computed from its projects' indicators with ``code``:
    per period, summed or averaged as the indicators' aggregation says (approved values)."""
    project_indicators = (
        session.execute(
            select(Indicator)
            .join(Project, Project.id == Indicator.project_id)
            .where(Project.programme_id == programme_id, Indicator.code == code)
        )
        .scalars()
        .all()
    )
    if not project_indicators:
        return []
    aggregation = project_indicators[0].aggregation
    gathered: dict[tuple[date, date], dict[str, list[Decimal]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for item in project_indicators:
        for period in periods(values(session, item.id)):
            key = (period.period_start, period.period_end)
            if period.target is not None:
                gathered[key]["target"].append(period.target)
            if period.actual is not None:
                gathered[key]["actual"].append(period.actual)

    def combine(numbers: list[Decimal]) -> Decimal | None:
        if not numbers:
            return None
        total = sum(numbers, Decimal(0))
        return total if aggregation == "sum" else total / len(numbers)

    return [
        PeriodValues(start, end, combine(kinds["target"]), combine(kinds["actual"]))
        for (start, end), kinds in sorted(gathered.items())
    ]


def put_activity(
    session: Session, principal: Principal, data: ActivityIn | dict[str, Any]
) -> Activity:
    """Record a training or other activity of a project (by project, title and start date)."""
    entry = checked(ActivityIn, data)
    project = registry.project(session, entry.project)
    if entry.ends_on and entry.ends_on < entry.starts_on:
        raise InputError(_("The end date is before the start date."), "ends_on")
    return put_record(
        session,
        principal,
        Activity,
        {"project_id": project.id, "title": entry.title, "starts_on": entry.starts_on},
        entry.model_dump(exclude={"project", "title", "starts_on"}),
        permission=WRITE,
        country=project.country,
    )


def activities(session: Session, project_ids: list[int]) -> list[Activity]:
    """Activities of the given projects, newest first."""
    if not project_ids:
        return []
    return list(
        session.execute(
            select(Activity)
            .where(Activity.project_id.in_(project_ids))
            .order_by(Activity.starts_on.desc())
        ).scalars()
    )
