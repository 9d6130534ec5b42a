"""Aid against need: for every OIC state, funding received against need, and the neglected
crises ranked by a stated rule.

Funding is approved new money recorded in iofs (contributions, by the year of decision),
split into iofs-entered contributions and imported OCHA FTS flows. Need is the state's risk
class (when the risk index is published), its people in IPC phase 3 or worse (latest current
analysis) and the requirements of appeals covering it (``programmes.service.country_aid``:
the newest revision's rows for the state, all years; coverage = the appeals' funding for the
state ÷ that requirement). The rule is :data:`RULE`.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from iofs.briefs import blocks
from iofs.briefs.charts import SCHEMA
from iofs.config import Settings
from iofs.i18n import N_
from iofs.i18n import gettext as _
from iofs.members import service as members
from iofs.permissions import Principal
from iofs.spreadsheets import records_csv, records_xlsx

#: People in IPC phase 3 or worse from which need is high (persons).
P3_PLUS_HIGH = 500_000
#: Share of the analysed population in IPC phase 3 or worse from which need is high (0–1).
P3_SHARE_HIGH = 0.20
HIGH_RISK = frozenset({"High", "Very High"})
RULE = N_(
    "Need is high when the state's risk class is High or Very High, or when at least "
    "500,000 people or 20 % of the population analysed are in IPC phase 3 or worse. A "
    "high-need state is a neglected crisis when the funding it received per person in "
    "phase 3 or worse is below the median of the high-need states (or, when appeal "
    "requirements are known, when coverage is below 50 %). Neglected crises are "
    "ranked by funding per person in phase 3 or worse, lowest first, then by people "
    "in phase 3 or worse, most first."
)
COVERAGE_LOW = 50.0


@dataclass
class StateNeed:
    """One state's funding and need. USD as floats (summed Decimals); ``p3_plus`` persons;
    ``per_person_usd`` USD per person in P3+; ``coverage`` percent 0–100 of requirements."""

    iso3: str
    name: str
    risk_class: str = ""
    p3_plus: int | None = None
    p3_share: float | None = None
    ipc_period: str = ""
    funding_usd: float = 0.0
    iofs_usd: float = 0.0
    fts_usd: float = 0.0
    by_year: dict[int, float] = field(default_factory=dict)
    requirement_usd: float | None = None
    coverage: float | None = None
    per_person_usd: float | None = None
    high_need: bool = False
    neglected: bool = False
    rank: int | None = None

    @property
    def risk_class_label(self) -> str:
        """The risk class as the reader's language names it (empty when unknown)."""
        from iofs.monitor.risk import service as risk_service

        return risk_service.class_label(self.risk_class)


@dataclass
class AidAgainstNeed:
    """Every state (``states``, neglected first by rank, then by name), the ``year`` asked
    for (None: all years), the median used by the rule and what is missing."""

    year: int | None
    states: list[StateNeed]
    median_per_person_usd: float | None
    missing: list[str]

    @property
    def neglected(self) -> list[StateNeed]:
        """The neglected crises, ranked."""
        return [s for s in self.states if s.neglected]


def rule_text() -> str:
    """The ranking rule in the current language."""
    return _(RULE)


def _funding(session: Session, principal: Principal, year: int | None) -> dict[str, dict[str, Any]]:
    """Approved new-money USD per recipient state: total, iofs-entered, FTS, by year."""
    from iofs.programmes import service

    found: dict[str, dict[str, Any]] = {}
    for contribution, _donor in service.visible_contributions(session, principal):
        if contribution.approval != "approved" or not contribution.new_money:
            continue
        if not contribution.country:
            continue
        when = contribution.decided_on.year
        usd = Decimal(contribution.amount_usd)
        entry = found.setdefault(
            contribution.country,
            {"total": Decimal(0), "iofs": Decimal(0), "fts": Decimal(0), "by_year": {}},
        )
        entry["by_year"][when] = entry["by_year"].get(when, Decimal(0)) + usd
        if year is not None and when != year:
            continue
        entry["total"] += usd
        entry["fts" if contribution.fts_flow_id is not None else "iofs"] += usd
    return found


def _p3_plus(settings: Settings) -> dict[str, tuple[int | None, float | None, str]]:
    from iofs.monitor.ipc import service

    try:
        latest = service.latest(settings.analytics_dir)
    except service.NoIpcData:
        return {}
    return {
        a.country: (
            a.p3_plus_people,
            a.share("P3+"),
            f"{a.period_from:%Y-%m} – {a.period_to:%Y-%m}",
        )
        for a in latest
    }


def _requirements(session: Session) -> dict[str, tuple[float, float | None]]:
    """Per state covered by an appeal (newest revision): the appeals' requirement for it (USD)
    and their coverage (percent 0–100, funding for the state ÷ requirement), from the
    programmes service (all years of the appeals)."""
    from iofs.programmes import service

    return {
        iso3: (float(found.required_usd), found.coverage_percent)
        for iso3, found in service.appeal_coverage(session).items()
    }


def _risk_classes(settings: Settings) -> dict[str, str]:
    from iofs.monitor.risk import service as risk_service

    return {row.iso3: row.risk_class for row in risk_service.risk_ranking(settings)}


def compute(
    session: Session, settings: Settings, principal: Principal, year: int | None = None
) -> AidAgainstNeed:
    """Funding against need for the 57 states, with the rule of :data:`RULE` applied."""
    funding = _funding(session, principal, year)
    need = _p3_plus(settings)
    classes = _risk_classes(settings)
    requirements = _requirements(session)
    missing = []
    if not classes:
        missing.append(
            _(
                "Risk classes: the risk module does not publish its index to other "
                "modules yet; need uses IPC only."
            )
        )
    if not need:
        missing.append(_("No IPC analyses ingested: run `iofs ingest ipc FILE`."))
    if not funding:
        missing.append(
            _(
                "No approved contribution recorded: import FTS flows with "
                "`iofs programmes import fts FILE` or enter them on /programmes/entry."
            )
        )
    states: list[StateNeed] = []
    for member in members.reference_member_states():
        iso3 = member["iso3"]
        row = StateNeed(iso3, blocks.state_name(iso3), classes.get(iso3, ""))
        if iso3 in need:
            row.p3_plus, row.p3_share, row.ipc_period = need[iso3]
        money = funding.get(iso3)
        if money:
            row.funding_usd = float(money["total"])
            row.iofs_usd = float(money["iofs"])
            row.fts_usd = float(money["fts"])
            row.by_year = {y: float(v) for y, v in sorted(money["by_year"].items())}
        covered = requirements.get(iso3)
        if covered is not None:
            row.requirement_usd, row.coverage = covered
        if row.p3_plus:
            row.per_person_usd = row.funding_usd / row.p3_plus
        row.high_need = (
            row.risk_class in HIGH_RISK
            or (row.p3_plus or 0) >= P3_PLUS_HIGH
            or (row.p3_share or 0.0) >= P3_SHARE_HIGH
        )
        states.append(row)
    high = [s for s in states if s.high_need and s.per_person_usd is not None]
    median = (
        statistics.median(s.per_person_usd for s in high if s.per_person_usd is not None)
        if high
        else None
    )
    for state in states:
        if not state.high_need:
            continue
        low_coverage = state.coverage is not None and state.coverage < COVERAGE_LOW
        below = (
            state.per_person_usd is not None
            and median is not None
            and state.per_person_usd <= median
        )
        state.neglected = low_coverage or below
    ranked = sorted(
        (s for s in states if s.neglected),
        key=lambda s: (s.per_person_usd or 0.0, -(s.p3_plus or 0)),
    )
    for rank, state in enumerate(ranked, 1):
        state.rank = rank
    others = sorted(
        (s for s in states if not s.neglected),
        key=lambda s: (not s.high_need, -(s.p3_plus or 0), s.name),
    )
    return AidAgainstNeed(year, ranked + others, median, missing)


def record(found: AidAgainstNeed) -> dict[str, Any]:
    """JSON-ready data: the rule, the median, every state, what is missing."""
    return {
        "year": found.year,
        "rule": rule_text(),
        "median_per_person_usd": found.median_per_person_usd,
        "missing": found.missing,
        "states": [asdict(s) for s in found.states],
    }


COLUMNS = (
    "rank",
    "iso3",
    "name",
    "risk_class",
    "p3_plus",
    "p3_share_percent",
    "ipc_period",
    "funding_usd",
    "iofs_usd",
    "fts_usd",
    "per_person_usd",
    "requirement_usd",
    "coverage_percent",
    "high_need",
    "neglected",
)


def rows(found: AidAgainstNeed) -> list[dict[str, Any]]:
    """The table as flat rows (:data:`COLUMNS`), for downloads."""
    return [
        {
            "rank": s.rank,
            "iso3": s.iso3,
            "name": s.name,
            "risk_class": s.risk_class,
            "p3_plus": s.p3_plus,
            "p3_share_percent": None if s.p3_share is None else round(100 * s.p3_share, 1),
            "ipc_period": s.ipc_period,
            "funding_usd": round(s.funding_usd, 2),
            "iofs_usd": round(s.iofs_usd, 2),
            "fts_usd": round(s.fts_usd, 2),
            "per_person_usd": None if s.per_person_usd is None else round(s.per_person_usd, 4),
            "requirement_usd": s.requirement_usd,
            "coverage_percent": s.coverage,
            "high_need": s.high_need,
            "neglected": s.neglected,
        }
        for s in found.states
    ]


def export(found: AidAgainstNeed, fmt: str) -> tuple[bytes, str]:
    """(body, media type) of the table as ``csv`` or ``xlsx``; text cells never become
    formulas."""
    table = rows(found)
    if fmt == "xlsx":
        return (
            records_xlsx(table, COLUMNS, "Aid against need"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    return records_csv(table, COLUMNS).encode("utf-8"), "text/csv; charset=utf-8"


def scatter(found: AidAgainstNeed) -> dict[str, Any]:
    """Vega-Lite spec: people in IPC phase 3+ (x, log) against funding received (y, USD,
    symlog), neglected crises in red, labelled by name."""
    values = [
        {
            "name": s.name,
            "p3": s.p3_plus,
            "usd": s.funding_usd,
            "group": _("neglected crisis")
            if s.neglected
            else (_("high need") if s.high_need else _("other")),
        }
        for s in found.states
        if s.p3_plus
    ]
    return {
        "$schema": SCHEMA,
        "width": 560,
        "height": 320,
        "title": _("Funding received against people in IPC phase 3 or worse"),
        "data": {"values": values},
        "layer": [
            {
                "mark": {"type": "circle", "size": 90, "opacity": 0.85},
                "encoding": {
                    "x": {
                        "field": "p3",
                        "type": "quantitative",
                        "scale": {"type": "log"},
                        "title": _("People in IPC phase 3 or worse"),
                    },
                    "y": {
                        "field": "usd",
                        "type": "quantitative",
                        "scale": {"type": "symlog"},
                        "title": _("Funding received (USD)"),
                    },
                    "color": {
                        "field": "group",
                        "type": "nominal",
                        "title": None,
                        "scale": {"range": ["#a50026", "#f46d43", "#4575b4"]},
                    },
                    "tooltip": [{"field": "name"}, {"field": "p3"}, {"field": "usd"}],
                },
            },
            {
                "mark": {"type": "text", "dy": -10, "fontSize": 10},
                "encoding": {
                    "x": {"field": "p3", "type": "quantitative", "scale": {"type": "log"}},
                    "y": {"field": "usd", "type": "quantitative", "scale": {"type": "symlog"}},
                    "text": {"field": "name"},
                },
            },
        ],
    }
