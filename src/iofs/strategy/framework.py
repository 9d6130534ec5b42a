"""The results framework: pillars → programmes → outcomes → KPIs, baselines and targets.

Every change goes through :func:`put_record` (create or update by natural key), which checks
``strategy.framework.write`` and writes the audit log in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from iofs import feeds, records, validation
from iofs.audit import service as audit
from iofs.db import Base
from iofs.errors import InputError, NotFoundError
from iofs.i18n import gettext as _
from iofs.members import service as members
from iofs.permissions import Principal, authorize
from iofs.strategy import vocabulary as v
from iofs.strategy.models import Kpi, KpiPlan, Outcome, Pillar, Programme
from iofs.strategy.permissions import PERMISSIONS
from iofs.strategy.schemas import KpiIn, checked

for _model in (Pillar, Programme, Outcome, Kpi, KpiPlan):
    audit.audited(_model)

#: Strategic Vision 2031 ends in this year; targets run to it.
VISION_YEAR = 2031

M = TypeVar("M", bound=Base)

__all__ = [
    "PERMISSIONS",
    "put_kpi",
    "put_outcome",
    "put_pillar",
    "put_programme",
    "set_plan",
    "tree",
]


def put_record(
    session: Session,
    principal: Principal,
    model: type[M],
    key: dict[str, Any],
    values: dict[str, Any],
    permission: str = "strategy.framework.write",
    country: str | None = None,
) -> M:
    """Create the ``model`` row with ``key`` or update it to ``values``; audited."""
    return records.put_record(
        session, principal, model, key, values, permission=permission, country=country
    )


def _get(session: Session, model: type[M], record_id: int, field_name: str) -> M:
    row = session.get(model, record_id)
    if row is None:
        raise NotFoundError(_("No such record."), field_name)
    return row


def state_code(session: Session, iso3: str | None, field_name: str = "iso3") -> str:
    """An OIC member state's ISO3 code, checked against the registry."""
    code = (iso3 or "").strip().upper()
    if code not in members.iso3_codes(session):
        raise NotFoundError(
            _("%(code)s is not the ISO3 code of an OIC member state.") % {"code": code[:8]},
            field_name,
        )
    return code


def put_pillar(
    session: Session,
    principal: Principal,
    number: int,
    name: str,
    name_ar: str = "",
    name_fr: str = "",
    sources: str = "",
) -> Pillar:
    """Create or rename pillar ``number`` (1–9)."""
    if not 1 <= number <= 9:
        raise InputError(_("The pillar number must be between 1 and 9."), "number")
    return put_record(
        session,
        principal,
        Pillar,
        {"number": number},
        {
            "name": validation.text(name, "name", 200, required=True),
            "name_ar": validation.text(name_ar, "name_ar", 200),
            "name_fr": validation.text(name_fr, "name_fr", 200),
            "sources": validation.text(sources, "sources", 4000),
        },
    )


def put_programme(
    session: Session, principal: Principal, pillar_id: int, code: str, name: str, sources: str = ""
) -> Programme:
    """Create or update programme ``code`` under a pillar."""
    _get(session, Pillar, pillar_id, "pillar_id")
    return put_record(
        session,
        principal,
        Programme,
        {"code": validation.code(code)},
        {
            "pillar_id": pillar_id,
            "name": validation.text(name, "name", 200, required=True),
            "sources": validation.text(sources, "sources", 4000),
        },
    )


def put_outcome(
    session: Session,
    principal: Principal,
    programme_id: int,
    code: str,
    statement: str,
    illustrative: bool = False,
    sources: str = "",
) -> Outcome:
    """Create or update outcome ``code`` of a programme."""
    _get(session, Programme, programme_id, "programme_id")
    return put_record(
        session,
        principal,
        Outcome,
        {"code": validation.code(code)},
        {
            "programme_id": programme_id,
            "statement": validation.text(statement, "statement", 500, required=True),
            "illustrative": illustrative,
            "sources": validation.text(sources, "sources", 4000),
        },
    )


def pillar_id(session: Session, number: int, field_name: str = "pillar_number") -> int:
    """The id of pillar ``number``."""
    found = session.execute(select(Pillar.id).where(Pillar.number == number)).scalar_one_or_none()
    if found is None:
        raise NotFoundError(
            _("No pillar has the number %(number)d.") % {"number": number}, field_name
        )
    return found


def programme_id(session: Session, code: str, field_name: str = "programme_code") -> int:
    """The id of strategic programme ``code``."""
    found = session.execute(select(Programme.id).where(Programme.code == code)).scalar_one_or_none()
    if found is None:
        raise NotFoundError(
            _("No programme has the code %(code)s.") % {"code": code[:32]}, field_name
        )
    return found


def put_kpi(session: Session, principal: Principal, data: KpiIn | dict[str, Any]) -> Kpi:
    """Create or update KPI ``data.code``; a fed KPI must name a registered feed."""
    entry = checked(KpiIn, data)
    _get(session, Outcome, entry.outcome_id, "outcome_id")
    feed_name = (entry.feed or "").strip() or None
    if entry.data_source == "feed":
        if feed_name is None or feed_name not in {f.name for f in feeds.available_feeds()}:
            raise InputError(_("Choose a registered feed."), "feed")
    else:
        feed_name = None
    return put_record(
        session,
        principal,
        Kpi,
        {"code": entry.code},
        {
            "outcome_id": entry.outcome_id,
            "name": entry.name,
            "unit": entry.unit,
            "definition": entry.definition,
            "direction": entry.direction,
            "level": entry.level,
            "additive": entry.additive,
            "data_source": entry.data_source,
            "feed": feed_name,
            "illustrative": entry.illustrative,
            "sources": entry.sources,
        },
    )


def get_kpi(session: Session, kpi_id: int) -> Kpi:
    """One KPI; :class:`NotFoundError` when absent."""
    return _get(session, Kpi, kpi_id, "kpi_id")


def kpi_by_code(session: Session, code: str) -> Kpi | None:
    return session.execute(select(Kpi).where(Kpi.code == code)).scalar_one_or_none()


def set_plan(
    session: Session,
    principal: Principal,
    kpi_id: int,
    iso3: str | None,
    kind: str,
    year: int,
    value: str | Decimal,
    illustrative: bool = False,
    sources: str = "",
) -> KpiPlan:
    """Set a baseline or target of a KPI for ``iso3`` (None: overall) and ``year``.

    One baseline per KPI and scope: setting a baseline for another year replaces it.
    """
    kpi = get_kpi(session, kpi_id)
    kind = validation.choice(kind, "kind", v.PLAN_KINDS)
    code = state_code(session, iso3) if iso3 else None
    checked_year = validation.year(year)
    amount = validation.number(value)
    if kind == "baseline":
        for old in _plans(session, kpi.id, code, "baseline"):
            if old.year != checked_year:
                authorize(principal, "strategy.framework.write")
                audit.deleted(session, principal, old)
    return put_record(
        session,
        principal,
        KpiPlan,
        {"kpi_id": kpi.id, "iso3": code, "kind": kind, "year": checked_year},
        {
            "value": amount,
            "illustrative": bool(illustrative),
            "sources": validation.text(sources, "sources", 4000),
        },
    )


def _plans(session: Session, kpi_id: int, iso3: str | None, kind: str) -> list[KpiPlan]:
    query = select(KpiPlan).where(KpiPlan.kpi_id == kpi_id, KpiPlan.kind == kind)
    query = query.where(KpiPlan.iso3.is_(None) if iso3 is None else KpiPlan.iso3 == iso3)
    return list(session.execute(query.order_by(KpiPlan.year)).scalars())


@dataclass(frozen=True)
class Plan:
    """A KPI's baseline and targets for one scope (years ascending); illustrative if any is."""

    baseline: tuple[int, Decimal] | None
    targets: list[tuple[int, Decimal]]
    illustrative: bool


def plan_for(session: Session, kpi_id: int, iso3: str | None) -> Plan:
    """The baseline and targets of ``kpi_id`` for ``iso3`` (None: overall), in one query."""
    query = select(KpiPlan).where(
        KpiPlan.kpi_id == kpi_id, KpiPlan.kind.in_(("baseline", "target"))
    )
    query = query.where(KpiPlan.iso3.is_(None) if iso3 is None else KpiPlan.iso3 == iso3)
    rows = list(session.execute(query.order_by(KpiPlan.year, KpiPlan.kind)).scalars())
    baselines = [row for row in rows if row.kind == "baseline"]
    targets = [row for row in rows if row.kind == "target"]
    return Plan(
        baseline=(baselines[0].year, baselines[0].value) if baselines else None,
        targets=[(t.year, t.value) for t in targets],
        illustrative=any(p.illustrative for p in [*baselines, *targets]),
    )


def planned_states(session: Session, kpi_id: int) -> list[str]:
    """States with their own baseline or target for the KPI."""
    rows = session.execute(
        select(KpiPlan.iso3).where(KpiPlan.kpi_id == kpi_id, KpiPlan.iso3.is_not(None)).distinct()
    )
    return sorted(code for code in rows.scalars() if code)


@dataclass
class OutcomeNode:
    outcome: Outcome
    kpis: list[Kpi] = field(default_factory=list)


@dataclass
class ProgrammeNode:
    programme: Programme
    outcomes: list[OutcomeNode] = field(default_factory=list)


@dataclass
class PillarNode:
    pillar: Pillar
    programmes: list[ProgrammeNode] = field(default_factory=list)

    def kpis(self) -> list[Kpi]:
        return [k for p in self.programmes for o in p.outcomes for k in o.kpis]


def tree(session: Session) -> list[PillarNode]:
    """The whole framework, pillars by number, the rest by code."""
    pillars = {
        p.id: PillarNode(p)
        for p in session.execute(select(Pillar).order_by(Pillar.number)).scalars()
    }
    programmes: dict[int, ProgrammeNode] = {}
    for programme in session.execute(select(Programme).order_by(Programme.code)).scalars():
        programmes[programme.id] = ProgrammeNode(programme)
        pillars[programme.pillar_id].programmes.append(programmes[programme.id])
    outcomes: dict[int, OutcomeNode] = {}
    for outcome in session.execute(select(Outcome).order_by(Outcome.code)).scalars():
        outcomes[outcome.id] = OutcomeNode(outcome)
        programmes[outcome.programme_id].outcomes.append(outcomes[outcome.id])
    for kpi in session.execute(select(Kpi).order_by(Kpi.code)).scalars():
        outcomes[kpi.outcome_id].kpis.append(kpi)
    return list(pillars.values())


def pillar_of(session: Session, kpi: Kpi) -> Pillar:
    """The pillar a KPI belongs to."""
    outcome = _get(session, Outcome, kpi.outcome_id, "outcome_id")
    programme = _get(session, Programme, outcome.programme_id, "programme_id")
    return _get(session, Pillar, programme.pillar_id, "pillar_id")


def all_kpis(session: Session) -> list[Kpi]:
    return list(session.execute(select(Kpi).order_by(Kpi.code)).scalars())
