"""Progress against Strategic Vision 2031: on/off track, scorecards, aggregates, gaps.

The on/off-track rule (stated on the pages too): the expected value in year *y* lies on the
straight line from the baseline (*y0*, *b*) to the next target (*yT*, *T*) with *yT* ≥ *y*
(the last target when *y* is past every target):

    expected(y) = b + (T − b) × (y − y0) / (yT − y0)        (expected = b when y ≤ y0)

A value *v* is **achieved** when it meets that target (*v* ≥ *T* when higher is better,
*v* ≤ *T* when lower is better), **on track** when it is at or beyond the expected value in
the better direction, and **off track** otherwise. Without a value: **no data**; without a
baseline and a target: **no plan**.

Values: approved values for manual KPIs, the feed's value for fed KPIs. The OIC aggregate of
an additive state-level KPI is the sum of the states' approved values.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from iofs import feeds
from iofs.i18n import N_
from iofs.members import service as members
from iofs.strategy import framework, reporting
from iofs.strategy.models import Kpi, KpiValue, ReportingPeriod

ACHIEVED, ON_TRACK, OFF_TRACK, NO_DATA, NO_PLAN = (
    "achieved",
    "on_track",
    "off_track",
    "no_data",
    "no_plan",
)
STATUSES = (ACHIEVED, ON_TRACK, OFF_TRACK, NO_DATA, NO_PLAN)
STATUS_LABELS = {
    ACHIEVED: N_("achieved"),
    ON_TRACK: N_("on track"),
    OFF_TRACK: N_("off track"),
    NO_DATA: N_("no data"),
    NO_PLAN: N_("no baseline or target"),
}
RULE = N_(
    "Expected value = baseline + (target − baseline) × (year − baseline year) / "
    "(target year − baseline year), towards the next target. On track: the value is at "
    "or beyond the expected value in the better direction; achieved: it meets the "
    "target; off track: otherwise."
)


@dataclass(frozen=True)
class Assessment:
    """Status of one value against the linear path; ``expected`` in the KPI's unit."""

    status: str
    value: Decimal | None
    expected: Decimal | None
    target: tuple[int, Decimal] | None


def _better_or_equal(direction: str, value: Decimal, reference: Decimal) -> bool:
    return value >= reference if direction == "higher" else value <= reference


def assess(
    direction: str,
    baseline: tuple[int, Decimal] | None,
    targets: list[tuple[int, Decimal]],
    year: int,
    value: Decimal | None,
) -> Assessment:
    """Apply the rule in the module docstring to ``value`` observed in ``year``."""
    if baseline is None or not targets:
        return Assessment(NO_PLAN, value, None, None)
    ahead = [t for t in sorted(targets) if t[0] >= year]
    target = ahead[0] if ahead else sorted(targets)[-1]
    y0, b = baseline
    y_t, t_value = target
    if year <= y0 or y_t <= y0:
        expected = b if year <= y0 else t_value
    else:
        fraction = Decimal(min(year, y_t) - y0) / Decimal(y_t - y0)
        expected = b + (t_value - b) * fraction
    expected = expected.quantize(Decimal("0.0001"))
    if value is None:
        return Assessment(NO_DATA, None, expected, target)
    if _better_or_equal(direction, value, t_value):
        status = ACHIEVED
    elif _better_or_equal(direction, value, expected):
        status = ON_TRACK
    else:
        status = OFF_TRACK
    return Assessment(status, value, expected, target)


def kpi_value(session: Session, kpi: Kpi, iso3: str | None, year: int) -> Decimal | None:
    """The value that counts: the feed's for fed KPIs, the approved one for manual KPIs."""
    if kpi.data_source == "feed" and kpi.feed:
        return feeds.feed_value(session, kpi.feed, iso3, year)
    return reporting.approved_value(session, kpi.id, iso3, year)


def kpi_assessment(
    session: Session,
    kpi: Kpi,
    iso3: str | None,
    year: int,
    plan: framework.Plan | None = None,
) -> Assessment:
    """The KPI's status for ``iso3`` (None: overall) in ``year``, against ``plan`` (read when
    not given)."""
    plan = plan or framework.plan_for(session, kpi.id, iso3)
    return assess(
        kpi.direction, plan.baseline, plan.targets, year, kpi_value(session, kpi, iso3, year)
    )


def iofs_members(session: Session) -> list[str]:
    """ISO3 codes of IOFS member states (the states expected to report)."""
    return sorted(
        state.iso3 for state in members.list_members(session) if state.iofs_status == "member"
    )


@dataclass
class ScorecardRow:
    kpi: Kpi
    assessment: Assessment
    illustrative_plan: bool
    pillar_number: int


def state_scorecard(session: Session, iso3: str, year: int) -> list[ScorecardRow]:
    """Every state-level KPI's status for one state and year."""
    code = framework.state_code(session, iso3)
    rows = []
    for node in framework.tree(session):
        for kpi in node.kpis():
            if kpi.level != "state":
                continue
            plan = framework.plan_for(session, kpi.id, code)
            rows.append(
                ScorecardRow(
                    kpi,
                    kpi_assessment(session, kpi, code, year, plan),
                    plan.illustrative,
                    node.pillar.number,
                )
            )
    return rows


@dataclass
class PillarScore:
    number: int
    name: str
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def assessed(self) -> int:
        return self.counts[ACHIEVED] + self.counts[ON_TRACK] + self.counts[OFF_TRACK]


def pillar_scorecard(session: Session, year: int) -> list[PillarScore]:
    """Per pillar, how many KPI assessments are achieved / on / off track / without data.

    Overall KPIs count once; state-level KPIs once per state that has a plan for them, plus
    the overall plan when there is one.
    """
    scores = []
    for node in framework.tree(session):
        score = PillarScore(node.pillar.number, node.pillar.name)
        for kpi in node.kpis():
            scopes: list[str | None] = [None]
            if kpi.level == "state":
                scopes = [*framework.planned_states(session, kpi.id)]
                if framework.plan_for(session, kpi.id, None).baseline is not None:
                    scopes.append(None)
            for scope in scopes:
                score.counts[kpi_assessment(session, kpi, scope, year).status] += 1
        scores.append(score)
    return scores


@dataclass(frozen=True)
class Aggregate:
    total: Decimal | None
    states: int


def oic_aggregate(session: Session, kpi: Kpi, year: int) -> Aggregate | None:
    """The OIC sum of an additive state-level KPI (approved values or the feed), else None."""
    if kpi.level != "state" or not kpi.additive:
        return None
    if kpi.data_source == "feed" and kpi.feed:
        per_state = [
            feeds.feed_value(session, kpi.feed, code, year)
            for code in sorted(members.iso3_codes(session))
        ]
        present = [v for v in per_state if v is not None]
        return Aggregate(sum(present, Decimal(0)) if present else None, len(present))
    rows = (
        session.execute(
            select(KpiValue.value)
            .join(ReportingPeriod, ReportingPeriod.id == KpiValue.period_id)
            .where(
                KpiValue.kpi_id == kpi.id,
                ReportingPeriod.year == year,
                KpiValue.iso3.is_not(None),
                KpiValue.status == "approved",
            )
        )
        .scalars()
        .all()
    )
    return Aggregate(sum(rows, Decimal(0)) if rows else None, len(rows))


@dataclass(frozen=True)
class Gap:
    """A value a state still owes for a period: ``missing`` or ``correction_requested``."""

    iso3: str
    kpi: Kpi
    reason: str


def missing(session: Session, year: int, iso3: str | None = None) -> list[Gap]:
    """Manual state-level KPIs not reported (or sent back for correction) by IOFS members.

    Submitted values awaiting review are not gaps; the state has done its part.
    """
    states = [framework.state_code(session, iso3)] if iso3 else iofs_members(session)
    kpis = [
        k for k in framework.all_kpis(session) if k.level == "state" and k.data_source == "manual"
    ]
    period = session.execute(
        select(ReportingPeriod).where(ReportingPeriod.year == year)
    ).scalar_one_or_none()
    reported: dict[tuple[int, str], str] = {}
    if period is not None:
        for value in session.execute(
            select(KpiValue).where(KpiValue.period_id == period.id, KpiValue.iso3.is_not(None))
        ).scalars():
            reported[(value.kpi_id, value.iso3 or "")] = value.status
    gaps = []
    for code in states:
        for kpi in kpis:
            status = reported.get((kpi.id, code))
            if status is None:
                gaps.append(Gap(code, kpi, "missing"))
            elif status == "correction_requested":
                gaps.append(Gap(code, kpi, "correction_requested"))
    return gaps


def series(
    session: Session, kpi: Kpi, iso3: str | None, years: range | None = None
) -> list[tuple[int, Decimal]]:
    """Observed values by year: approved values of every period, or the feed's per year."""
    if kpi.data_source == "feed" and kpi.feed:
        plan = framework.plan_for(session, kpi.id, iso3)
        first = plan.baseline[0] if plan.baseline else framework.VISION_YEAR - 10
        span = years or range(first, framework.VISION_YEAR + 1)
        found = [(y, feeds.feed_value(session, kpi.feed, iso3, y)) for y in span]
        return [(y, v) for y, v in found if v is not None]
    query = (
        select(ReportingPeriod.year, KpiValue.value)
        .join(ReportingPeriod, ReportingPeriod.id == KpiValue.period_id)
        .where(KpiValue.kpi_id == kpi.id, KpiValue.status == "approved")
    )
    query = query.where(KpiValue.iso3.is_(None) if iso3 is None else KpiValue.iso3 == iso3)
    return [(int(y), v) for y, v in session.execute(query.order_by(ReportingPeriod.year))]


def trend_spec(
    kpi: Kpi, plan: framework.Plan, observed: list[tuple[int, Decimal]], labels: dict[str, str]
) -> dict[str, Any]:
    """A Vega-Lite spec: observed values (solid) and the planned path (dashed)."""
    rows: list[dict[str, Any]] = []
    if plan.baseline:
        rows.append(
            {"year": plan.baseline[0], "value": float(plan.baseline[1]), "series": labels["plan"]}
        )
    rows += [{"year": y, "value": float(v), "series": labels["plan"]} for y, v in plan.targets]
    rows += [{"year": y, "value": float(v), "series": labels["observed"]} for y, v in observed]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": 520,
        "height": 220,
        "data": {"values": rows},
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {
                "field": "year",
                "type": "quantitative",
                "title": labels["year"],
                "axis": {"format": "d", "tickMinStep": 1},
            },
            "y": {"field": "value", "type": "quantitative", "title": kpi.unit},
            "color": {
                "field": "series",
                "type": "nominal",
                "title": None,
                "scale": {"range": ["#0b6e4f", "#8a94a0"]},
            },
            "strokeDash": {
                "field": "series",
                "type": "nominal",
                "legend": None,
                "scale": {"range": [[1, 0], [6, 4]]},
            },
        },
    }


STATUS_COLOURS = {
    ACHIEVED: "#0b6e4f",
    ON_TRACK: "#1a9850",
    OFF_TRACK: "#d73027",
    NO_DATA: "#c9d1d9",
    NO_PLAN: "#eef2f5",
}


def scorecard_spec(scores: list[PillarScore], labels: dict[str, str]) -> dict[str, Any]:
    """A Vega-Lite horizontal stacked bar per pillar, coloured by status."""
    rows = [
        {
            "pillar": f"{s.number}. {labels.get(f'pillar{s.number}', s.name)}",
            "status": labels[status],
            "order": STATUSES.index(status),
            "count": s.counts[status],
        }
        for s in scores
        for status in STATUSES
        if s.counts[status]
    ]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": 520,
        "height": {"step": 28},
        "data": {"values": rows},
        "mark": "bar",
        "encoding": {
            "y": {"field": "pillar", "type": "nominal", "title": None, "sort": None},
            "x": {
                "field": "count",
                "type": "quantitative",
                "title": labels["count"],
                "axis": {"tickMinStep": 1, "format": "d"},
            },
            "color": {
                "field": "status",
                "type": "nominal",
                "title": None,
                "scale": {
                    "domain": [labels[s] for s in STATUSES],
                    "range": [STATUS_COLOURS[s] for s in STATUSES],
                },
            },
            "order": {"field": "order", "type": "quantitative"},
        },
    }
