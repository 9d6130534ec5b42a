"""Aid to one state, for the country brief and aid against need: the appeals covering it,
their requirement and funding for it, donors, tonnes delivered, people reached and the OCHA
FTS flows imported for it.

Every figure reuses the definitions of :mod:`iofs.programmes.figures` (OCHA FTS glossary):

- an appeal *covers* a state when its newest revision has requirement rows for the state
  (country × sector × year); the state's requirement is the sum of those rows (USD, t);
- the state's appeal funding is the appeal's country line (:func:`figures.appeal_figures`):
  approved new-money commitments and payments to the appeal for the state (pledges shown,
  not counted); *coverage* (percent 0–100) = appeal funding ÷ requirement × 100 and the
  *unmet gap* (USD) = requirement − funding, at least 0, summed over the appeals;
- *funding* of the state (appeals and projects) = :func:`figures.country_funding`; donors are
  the same counted contributions by donor;
- *delivered* (t) = approved ``distributed`` tranches of consignments to the state
  (:func:`figures.country_delivered_t`);
- *people (households) reached*: approved "reached" totals (sex and age ``all``) recorded for
  the state; each is cumulative as of its date within its appeal (or project, when it names
  no appeal), so the newest per appeal or project counts and those are summed;
- *FTS funding*: imported FTS flows whose destination is the state, by status (pledges apart),
  as FTS publishes them (not reviewed here, so seen by everyone).

Visibility follows :func:`iofs.programmes.service.visible_contributions`: approved figures for
everyone; ``pending_usd`` is the USD of the new-money contributions to the state awaiting
review that the principal may see (``programmes.read_pending``: the secretariat and viewers,
the state's focal point, a donor for its own), None when it sees none.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from iofs.permissions import Principal
from iofs.programmes import figures, pipeline, registry
from iofs.programmes.models import (
    Appeal,
    AppealRevision,
    Beneficiaries,
    Contribution,
    FtsFlow,
    Organisation,
    Requirement,
)
from iofs.programmes.vocabulary import SECTORS

ZERO = figures.ZERO


@dataclass(frozen=True)
class RequirementLine:
    """One requirement row of the newest revision for the state: sector (DAC 5-digit code and
    its English label, a message id), year, USD and tonnes (None when the row states none)."""

    sector_code: str
    sector_label: str
    year: int
    amount_usd: Decimal
    quantity_t: Decimal | None


@dataclass(frozen=True)
class AppealAid:
    """One appeal covering the state: its code, titles (en, ar, fr), newest revision (number,
    date), the state's requirement rows and the state's line of the appeal's figures
    (requirement, funding, coverage, gap in USD and tonnes, delivered tonnes), and the people
    and households reached in the state under it."""

    code: str
    titles: dict[str, str]
    revision: int
    issued_on: date
    requirements: tuple[RequirementLine, ...]
    line: figures.Line
    people_reached: int
    households_reached: int
    illustrative: bool


@dataclass(frozen=True)
class DonorAid:
    """A donor's counted USD to the state (all appeals and projects), by status."""

    code: str
    names: dict[str, str]
    funding: figures.Funding


@dataclass(frozen=True)
class FtsAid:
    """Imported OCHA FTS flows to the state: how many, USD by status, the newest import."""

    flows: int
    funding: figures.Funding
    imported_at: str


@dataclass(frozen=True)
class CountryAid:
    """Everything the programmes module knows of aid to ``iso3`` (USD, tonnes, persons)."""

    iso3: str
    appeals: tuple[AppealAid, ...]
    funding: figures.Funding
    donors: tuple[DonorAid, ...]
    stage_t: dict[str, Decimal]
    people_reached: int
    households_reached: int
    reached_as_of: date | None
    fts: FtsAid | None
    pending_usd: Decimal | None = None
    contributions: int = 0
    projects: int = 0
    consignments: int = 0

    @property
    def has_country_page(self) -> bool:
        """Whether ``/programmes/countries/{iso3}`` shows the state (it has a project or a
        consignment)."""
        return bool(self.projects or self.consignments)

    @property
    def required_usd(self) -> Decimal:
        """Requirement of the covering appeals for the state (USD)."""
        return sum((a.line.required_usd for a in self.appeals), ZERO)

    @property
    def required_t(self) -> Decimal | None:
        """Required tonnes for the state, None when no covering appeal states tonnes."""
        stated = [a.line.required_t for a in self.appeals if a.line.required_t is not None]
        return sum(stated, ZERO) if stated else None

    @property
    def appeal_funded_usd(self) -> Decimal:
        """Commitments and payments to the covering appeals for the state (USD)."""
        return sum((a.line.funding.funded for a in self.appeals), ZERO)

    @property
    def coverage_percent(self) -> float | None:
        """Appeal funding ÷ requirement × 100 (None without a requirement)."""
        return figures.percent(self.appeal_funded_usd, self.required_usd)

    @property
    def gap_usd(self) -> Decimal:
        """Unmet requirement summed over the covering appeals (USD, each at least 0)."""
        return sum((a.line.gap_usd for a in self.appeals), ZERO)

    @property
    def delivered_t(self) -> Decimal:
        """Tonnes distributed in the state (approved tranches)."""
        return self.stage_t.get("distributed", ZERO)

    @property
    def has_data(self) -> bool:
        """Whether any figure is recorded for the state."""
        return bool(
            self.appeals
            or self.contributions
            or self.donors
            or any(self.stage_t.values())
            or self.people_reached
            or self.households_reached
            or self.fts
        )


def _newest_revisions(session: Session, iso3: str) -> dict[int, AppealRevision]:
    """Per appeal with a requirement row for ``iso3`` in any revision, its newest revision."""
    appeal_ids = set(
        session.execute(
            select(AppealRevision.appeal_id)
            .join(Requirement, Requirement.revision_id == AppealRevision.id)
            .where(Requirement.country == iso3)
        ).scalars()
    )
    return {appeal_id: registry.revisions(session, appeal_id)[-1] for appeal_id in appeal_ids}


def _reached(rows: list[Beneficiaries]) -> tuple[int, int, date | None]:
    """(people, households, newest date) of cumulative "reached" totals: the newest figure
    per appeal (or project) and unit counts, summed."""
    newest: dict[tuple[str, int | None, str], Beneficiaries] = {}
    for row in rows:
        scope = ("appeal", row.appeal_id, row.unit)
        if row.appeal_id is None:
            scope = ("project", row.project_id, row.unit)
        if scope not in newest or row.as_of > newest[scope].as_of:
            newest[scope] = row
    totals: dict[str, int] = defaultdict(int)
    for row in newest.values():
        totals[row.unit] += row.number
    latest = max((row.as_of for row in newest.values()), default=None)
    return totals["people"], totals["households"], latest


def _reached_rows(session: Session, iso3: str) -> list[Beneficiaries]:
    return list(
        session.execute(
            select(Beneficiaries).where(
                Beneficiaries.country == iso3,
                Beneficiaries.approval == "approved",
                Beneficiaries.measure == "reached",
                Beneficiaries.sex == "all",
                Beneficiaries.age_group == "all",
            )
        ).scalars()
    )


def _names(record: Organisation) -> dict[str, str]:
    return {
        "en": record.name,
        "ar": record.name_ar or record.name,
        "fr": record.name_fr or record.name,
    }


def _titles(record: Appeal) -> dict[str, str]:
    return {
        "en": record.title,
        "ar": record.title_ar or record.title,
        "fr": record.title_fr or record.title,
    }


def _fts(session: Session, iso3: str) -> FtsAid | None:
    flows = list(
        session.execute(select(FtsFlow).where(FtsFlow.destination_country == iso3)).scalars()
    )
    if not flows:
        return None
    funding = figures.Funding()
    for flow in flows:
        # Funding.add reads only ``status`` and ``amount_usd``, which a flow has as well
        funding.add(cast(Contribution, flow))
    newest = max(flow.imported_at for flow in flows)
    return FtsAid(len(flows), funding, newest.date().isoformat())


def country_aid(session: Session, principal: Principal, iso3: str) -> CountryAid:
    """Aid to ``iso3`` as :class:`CountryAid` (see the module documentation for every
    definition); approved figures for everyone, pending USD only for those allowed."""
    from iofs.programmes import service

    code = iso3.upper()
    reached = _reached_rows(session, code)
    appeals: list[AppealAid] = []
    for appeal_id, revision in _newest_revisions(session, code).items():
        rows = [row for row in registry.requirements(session, revision.id) if row.country == code]
        if not rows:  # the newest revision no longer covers the state
            continue
        appeal = session.get(Appeal, appeal_id)
        if appeal is None:
            continue
        found = figures.appeal_figures(session, appeal)
        line = next(line for line in found.by_country if line.key == code)
        people, households, _latest = _reached([r for r in reached if r.appeal_id == appeal_id])
        appeals.append(
            AppealAid(
                appeal.code,
                _titles(appeal),
                revision.number,
                revision.issued_on,
                tuple(
                    RequirementLine(
                        r.sector_code,
                        SECTORS.get(r.sector_code, r.sector_code),
                        r.year,
                        r.amount_usd,
                        r.quantity_t,
                    )
                    for r in rows
                ),
                line,
                people,
                households,
                appeal.illustrative,
            )
        )
    appeals.sort(key=lambda a: (a.issued_on, a.code), reverse=True)

    organisations = {row.id: row for row in registry.organisations(session)}
    counted = figures.counted(session, Contribution.country == code)
    by_donor: dict[int, figures.Funding] = defaultdict(figures.Funding)
    for contribution in counted:
        by_donor[contribution.donor_id].add(contribution)
    donors = sorted(
        (
            DonorAid(organisations[donor_id].code, _names(organisations[donor_id]), funding)
            for donor_id, funding in by_donor.items()
        ),
        key=lambda d: (-(d.funding.funded + d.funding.pledged), d.code),
    )

    seen = service.visible_contributions(session, principal, country=code)
    pending = [c for c, _donor in seen if c.approval == "pending" and c.new_money]
    people, households, as_of = _reached(reached)
    return CountryAid(
        iso3=code,
        appeals=tuple(appeals),
        funding=figures.country_funding(session, code),
        donors=tuple(donors),
        stage_t=figures.country_delivered_t(session, code),
        people_reached=people,
        households_reached=households,
        reached_as_of=as_of,
        fts=_fts(session, code),
        pending_usd=sum((c.amount_usd for c in pending), ZERO) if pending else None,
        contributions=len(counted),
        projects=len(registry.projects(session, country=code)),
        consignments=len(pipeline.consignments(session, country=code)),
    )


@dataclass(frozen=True)
class AppealCoverage:
    """The appeals covering one state, summed: how many, requirement for the state and the
    funding for it (USD, as in :class:`CountryAid`)."""

    appeals: int
    required_usd: Decimal
    funded_usd: Decimal

    @property
    def coverage_percent(self) -> float | None:
        """Funding ÷ requirement × 100 (None without a requirement)."""
        return figures.percent(self.funded_usd, self.required_usd)


def appeal_coverage(session: Session) -> dict[str, AppealCoverage]:
    """Per state covered by an appeal's newest revision: the appeals' requirement for it and
    their approved funding for it — :attr:`CountryAid.required_usd` and
    :attr:`CountryAid.appeal_funded_usd` of every state at once (one
    :func:`figures.appeal_figures` per appeal, for aid against need)."""
    summed: dict[str, tuple[int, Decimal, Decimal]] = {}
    for appeal in registry.appeals(session):
        revisions = registry.revisions(session, appeal.id)
        if not revisions:
            continue
        covered = {row.country for row in registry.requirements(session, revisions[-1].id)}
        for line in figures.appeal_figures(session, appeal).by_country:
            if line.key in covered:
                count, required, funded = summed.get(line.key, (0, ZERO, ZERO))
                summed[line.key] = (
                    count + 1,
                    required + line.required_usd,
                    funded + line.funding.funded,
                )
    return {iso3: AppealCoverage(*values) for iso3, values in sorted(summed.items())}


__all__ = [
    "AppealAid",
    "AppealCoverage",
    "CountryAid",
    "DonorAid",
    "FtsAid",
    "RequirementLine",
    "appeal_coverage",
    "country_aid",
]
