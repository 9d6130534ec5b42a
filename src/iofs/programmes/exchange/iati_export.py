"""IATI 2.03 activity export of the programmes (the checks the IATI Validator applies are in
:mod:`iofs.programmes.exchange.iati_checks`).

Standard: IATI Activity Standard, version 2.03
(https://iatistandard.org/en/iati-standard/203/activity-standard/); element order as the
official schema ``iati-activities-schema.xsd`` (IATI-Schemas, branch version-2.03) requires;
codes from the 2.03 codelists (https://iatistandard.org/en/iati-standard/203/codelists/);
rules from the IATI Validator's ruleset ``standard.json`` (IATI-Rulesets, version-2.03).

What is published:

* every programme is an activity with ``hierarchy="1"``, every country project an activity
  with ``hierarchy="2"``, linked by ``related-activity`` (type 1 parent, type 2 child);
* the reporting organisation is IOFS. Its identifier is the IOFS organisation record's
  ``iati_org_id`` when set, else :data:`IOFS_ORG_REF` ``XI-IATI-IOFS`` — **provisional**: IOFS
  has not registered an IATI organisation identifier yet; once it has, enter it as the IOFS
  record's ``iati_org_id`` and every identifier follows. Type 40 (multilateral);
* ``iati-identifier`` is the reporting organisation's identifier, a hyphen and the code;
* titles and descriptions in English, with ``xml:lang="ar"``/``"fr"`` narratives when the
  Arabic/French titles exist; ``activity-status`` (ActivityStatus), ``activity-date``
  (ActivityDateType: 1 planned start, 2 actual start, 3 planned end, 4 actual end — a date is
  "actual" only once the activity is under way or closed and the date has passed);
* ``participating-org``: donors role 1 (Funding) with their OrganisationType, IOFS role 2
  (Accountable), implementers role 4 (Implementing). A ``ref`` is given only for a real IATI
  organisation identifier (the record's ``iati_org_id``, or a code that is one such as
  ``XM-DAC-41140``); a state's ISO3 code is not one, so states appear by name only;
* ``recipient-country`` of a project in ISO 3166-1 alpha-2 (Country codelist; Palestine PSE →
  PS); ``sector`` in vocabulary 1 (OECD DAC 5-digit purpose code), 100 %;
* humanitarian programmes and their projects: ``humanitarian="1"`` and ``humanitarian-scope``:
  the emergency as type 1 in vocabulary 1-2 (GLIDE) when it is a GLIDE number, else in
  vocabulary 99 (reporting organisation); each IOFS appeal of the activity as type 2 (Appeal)
  in vocabulary 99 with :data:`APPEAL_VOCABULARY_URI` and the appeal's title;
* ``transaction``: approved steps of approved contributions only (maker–checker), in the
  original currency with the step's date as ``value-date``. New money received by IOFS:
  pledge → 13 Incoming Pledge, commitment → 11 Incoming Commitment, paid → 1 Incoming Funds
  (provider the donor, receiver IOFS). Allocations passed on by IOFS (child contributions):
  12 Outgoing Pledge, 2 Outgoing Commitment, 3 Disbursement — or 4 Expenditure when paid to
  a private company (payment for goods and services). A contribution with a project goes on
  the project's activity, else on the programme's. Steps dated after the export are left out
  (rule 11.2.1), as are contributions that are neither received nor passed on by IOFS;
* ``result`` per indicator: ResultType, IndicatorMeasure, ``ascending``, baseline (year,
  value) and per period the approved target and actual, disaggregated values as
  ``dimension``. A programme indicator without values of its own carries the roll-up of its
  projects' indicators, marked ``aggregation-status="0"`` so that it is not added to them.

An activity needs a start date (XSD: at least one ``activity-date``; rule 6.11.1): one without
any (nor a project to take it from) is left out, with an XML comment saying so.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from iofs import countries
from iofs.programmes import results as results_service
from iofs.programmes import vocabulary as v
from iofs.programmes.models import (
    Appeal,
    AppealRevision,
    Contribution,
    ContributionStatus,
    Indicator,
    IndicatorValue,
    Organisation,
    Programme,
    Project,
    Requirement,
)

IATI_VERSION = "2.03"
#: Provisional reporting-organisation identifier of IOFS (prefix XI-IATI: identifiers issued by
#: the IATI Secretariat), used until IOFS registers one and it is entered as the IOFS record's
#: ``iati_org_id``.
IOFS_ORG_REF = "XI-IATI-IOFS"
#: OrganisationType 40 (multilateral): IOFS is an OIC specialised institution.
IOFS_ORG_TYPE = "40"
IOFS_NAME = "Islamic Organization for Food Security"
#: Where the IOFS appeal codes used as humanitarian-scope vocabulary 99 are published.
APPEAL_VOCABULARY_URI = "https://www.iofs.org.kz"
DEFAULT_CURRENCY = "USD"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

#: GLIDE numbers: hazard type, year, six-digit number, ISO3 (e.g. EQ-2015-000048-NPL).
GLIDE = re.compile(r"^[A-Z]{2}-\d{4}-\d{6}-[A-Z]{3}$")
#: An IATI organisation identifier: registration-agency prefix (country or XI/XM, agency) and
#: the number it issued, e.g. XM-DAC-41140 or GB-GOV-1.
ORG_IDENTIFIER = re.compile(r"^[A-Z]{2}-[A-Z0-9]+-[^\s/&|?]+$")

#: TransactionType for each contribution status: money IOFS receives …
INCOMING = {"pledge": "13", "commitment": "11", "paid": "1"}
#: … and money IOFS passes on (paid to a private company: 4 Expenditure).
OUTGOING = {"pledge": "12", "commitment": "2", "paid": "3"}
EXPENDITURE = "4"
#: OrganisationRole codes.
FUNDING, ACCOUNTABLE, IMPLEMENTING = "1", "2", "4"
#: RelatedActivityType codes.
PARENT, CHILD = "1", "2"
#: HumanitarianScopeType and HumanitarianScopeVocabulary codes.
EMERGENCY, APPEAL = "1", "2"
GLIDE_VOCABULARY, OWN_VOCABULARY = "1-2", "99"
#: Statuses in which an activity has started / ended once its date has passed.
STARTED = ("implementation", "finalisation", "closed", "suspended")
ENDED = ("finalisation", "closed")


@dataclass
class _Export:
    """What the export reads once: organisations, approved contributions and their steps."""

    today: date
    reporting_ref: str
    iofs: Organisation | None
    organisations: dict[int, Organisation]
    contributions: list[Contribution]
    steps: dict[int, list[ContributionStatus]]
    comments: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, session: Session, today: date) -> _Export:
        organisations = {
            org.id: org
            for org in session.execute(select(Organisation).order_by(Organisation.id)).scalars()
        }
        iofs = next((org for org in organisations.values() if org.kind == "iofs"), None)
        contributions = list(
            session.execute(
                select(Contribution)
                .where(Contribution.approval == "approved")
                .order_by(Contribution.decided_on, Contribution.reference)
            ).scalars()
        )
        steps: dict[int, list[ContributionStatus]] = defaultdict(list)
        for step in session.execute(
            select(ContributionStatus)
            .where(ContributionStatus.approval == "approved")
            .order_by(ContributionStatus.dated, ContributionStatus.id)
        ).scalars():
            steps[step.contribution_id].append(step)
        return cls(
            today=today,
            reporting_ref=(iofs.iati_org_id if iofs and iofs.iati_org_id else IOFS_ORG_REF),
            iofs=iofs,
            organisations=organisations,
            contributions=contributions,
            steps=steps,
        )

    def identifier(self, code: str) -> str:
        return f"{self.reporting_ref}-{code}"

    def is_iofs(self, org_id: int | None) -> bool:
        org = self.organisations.get(org_id) if org_id is not None else None
        return org is not None and org.kind == "iofs"

    def flow(self, contribution: Contribution) -> str | None:
        """How money moves for IOFS: ``incoming`` (new money IOFS receives), ``outgoing``
        (an allocation IOFS passes on), ``expenditure`` (one paid to a private company), or
        None when IOFS neither receives nor passes it on."""
        if contribution.parent_id is not None:
            if not self.is_iofs(contribution.donor_id):
                return None
            recipient = self.organisations.get(contribution.recipient_id or 0)
            return (
                "expenditure"
                if recipient is not None and recipient.kind == "private"
                else "outgoing"
            )
        if contribution.new_money and (
            contribution.recipient_id is None or self.is_iofs(contribution.recipient_id)
        ):
            return "incoming"
        return None


def transaction_type(flow: str, status: str) -> str:
    """The IATI TransactionType of a contribution step (see :meth:`_Export.flow`)."""
    if flow == "incoming":
        return INCOMING[status]
    if flow == "expenditure" and status == "paid":
        return EXPENDITURE
    return OUTGOING[status]


def activities_xml(session: Session, *, generated_at: datetime | None = None) -> bytes:
    """The programmes and projects as an IATI 2.03 ``iati-activities`` document (UTF-8).

    ``generated_at`` (default now, UTC) is the document's ``generated-datetime``; its date is
    "today" for deciding whether a date is actual or planned and which steps are in the future.
    """
    moment = (generated_at or datetime.now(UTC)).replace(microsecond=0)
    export = _Export.load(session, moment.date())
    root = etree.Element(
        "iati-activities", {"version": IATI_VERSION, "generated-datetime": moment.isoformat()}
    )
    programmes = session.execute(select(Programme).order_by(Programme.code)).scalars().all()
    for programme in programmes:
        projects = (
            session.execute(
                select(Project).where(Project.programme_id == programme.id).order_by(Project.code)
            )
            .scalars()
            .all()
        )
        dated_projects = [p for p in projects if p.starts_on is not None]
        for project in projects:
            if project.starts_on is None:
                export.comments.append(f"{project.code} left out: no start date")
        start = programme.starts_on or min(
            (p.starts_on for p in dated_projects if p.starts_on), default=None
        )
        if start is None:
            export.comments.append(f"{programme.code} left out: no start date")
            continue
        appeals = list(
            session.execute(
                select(Appeal).where(Appeal.programme_id == programme.id).order_by(Appeal.code)
            ).scalars()
        )
        root.append(_programme_activity(session, export, programme, start, dated_projects, appeals))
        for project in dated_projects:
            root.append(
                _project_activity(
                    session, export, programme, project, _project_appeals(session, project, appeals)
                )
            )
    for comment in export.comments:  # "--" may not occur in an XML comment
        root.append(etree.Comment(f" {comment} ".replace("--", "- -")))
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _project_appeals(session: Session, project: Project, appeals: list[Appeal]) -> list[Appeal]:
    """The programme's appeals that ask for the project's country or fund the project."""
    found = []
    for appeal in appeals:
        asks = session.execute(
            select(Requirement.id)
            .join(AppealRevision, AppealRevision.id == Requirement.revision_id)
            .where(AppealRevision.appeal_id == appeal.id, Requirement.country == project.country)
        ).first()
        funds = session.execute(
            select(Contribution.id).where(
                Contribution.appeal_id == appeal.id, Contribution.project_id == project.id
            )
        ).first()
        if asks or funds:
            found.append(appeal)
    return found


def _activity_element(export: _Export, code: str, hierarchy: str, humanitarian: bool) -> Any:
    attributes = {"default-currency": DEFAULT_CURRENCY, XML_LANG: "en", "hierarchy": hierarchy}
    if humanitarian:
        attributes["humanitarian"] = "1"
    activity = etree.Element("iati-activity", attributes)
    etree.SubElement(activity, "iati-identifier").text = export.identifier(code)
    reporting = etree.SubElement(
        activity, "reporting-org", {"ref": export.reporting_ref, "type": IOFS_ORG_TYPE}
    )
    _org_narratives(reporting, export.iofs)
    return activity


def _programme_activity(
    session: Session,
    export: _Export,
    programme: Programme,
    start: date,
    projects: list[Project],
    appeals: list[Appeal],
) -> Any:
    activity = _activity_element(export, programme.code, "1", programme.humanitarian)
    _narratives(
        etree.SubElement(activity, "title"), programme.title, programme.title_ar, programme.title_fr
    )
    _narratives(
        etree.SubElement(activity, "description", type="1"),
        programme.description or programme.title,
    )
    project_ids = {project.id for project in projects}
    mine = [
        c
        for c in export.contributions
        if c.programme_id == programme.id and (c.project_id is None or c.project_id in project_ids)
    ]
    implementers = [p.implementer_id for p in projects if p.implementer_id is not None]
    _participants(export, activity, mine, implementers)
    etree.SubElement(activity, "activity-status", code=v.IATI_ACTIVITY_STATUS[programme.status])
    _dates(activity, programme.status, start, programme.ends_on, export.today)
    etree.SubElement(
        activity, "sector", vocabulary="1", code=programme.sector_code, percentage="100"
    )
    if programme.humanitarian:
        _humanitarian_scope(activity, programme.emergency, appeals)
    _transactions(export, activity, programme.code, [c for c in mine if c.project_id is None])
    for project in projects:
        etree.SubElement(
            activity, "related-activity", ref=export.identifier(project.code), type=CHILD
        )
    _results(session, activity, programme_id=programme.id)
    return activity


def _project_activity(
    session: Session, export: _Export, programme: Programme, project: Project, appeals: list[Appeal]
) -> Any:
    activity = _activity_element(export, project.code, "2", programme.humanitarian)
    _narratives(
        etree.SubElement(activity, "title"), project.title, project.title_ar, project.title_fr
    )
    description = project.description or project.title
    if project.admin1:
        description = f"{description} ({project.admin1})"
    _narratives(etree.SubElement(activity, "description", type="1"), description)
    mine = [c for c in export.contributions if c.project_id == project.id]
    _participants(
        export,
        activity,
        mine,
        [project.implementer_id] if project.implementer_id is not None else [],
    )
    etree.SubElement(activity, "activity-status", code=v.IATI_ACTIVITY_STATUS[project.status])
    assert project.starts_on is not None
    _dates(activity, project.status, project.starts_on, project.ends_on, export.today)
    country = alpha2(project.country)
    if country:
        etree.SubElement(activity, "recipient-country", code=country, percentage="100")
    etree.SubElement(activity, "sector", vocabulary="1", code=project.sector_code, percentage="100")
    if programme.humanitarian:
        _humanitarian_scope(activity, programme.emergency, appeals)
    _transactions(export, activity, project.code, mine)
    etree.SubElement(
        activity, "related-activity", ref=export.identifier(programme.code), type=PARENT
    )
    _results(session, activity, project_id=project.id)
    return activity


def alpha2(iso3: str) -> str | None:
    """The ISO 3166-1 alpha-2 code IATI uses for an ISO3 code (PSE → PS), None if unknown."""
    return countries.iso2(iso3)


def _narratives(parent: Any, english: str, arabic: str = "", french: str = "") -> None:
    """English narrative (the activity's default language) and Arabic/French ones if any."""
    etree.SubElement(parent, "narrative").text = english
    for language, text in (("ar", arabic), ("fr", french)):
        if text:
            etree.SubElement(parent, "narrative", {XML_LANG: language}).text = text


def _org_narratives(parent: Any, org: Organisation | None) -> None:
    if org is None:
        _narratives(parent, IOFS_NAME)
    else:
        _narratives(parent, org.name, org.name_ar, org.name_fr)


def _org_ref(export: _Export, org: Organisation) -> str | None:
    """A real IATI organisation identifier of ``org``, or None (never an invented one)."""
    if org.kind == "iofs":
        return export.reporting_ref
    if org.iati_org_id:
        return org.iati_org_id
    return org.code if ORG_IDENTIFIER.match(org.code) else None


def _org_attributes(export: _Export, org: Organisation | None) -> dict[str, str]:
    if org is None or org.kind == "iofs":
        return {"ref": export.reporting_ref, "type": IOFS_ORG_TYPE}
    ref = _org_ref(export, org)
    return {**({"ref": ref} if ref else {}), "type": org.iati_org_type}


def _participants(
    export: _Export, activity: Any, contributions: list[Contribution], implementer_ids: list[int]
) -> None:
    funders: list[int] = []
    for contribution in contributions:
        flow = export.flow(contribution)
        if flow == "incoming" and contribution.donor_id not in funders:
            funders.append(contribution.donor_id)
        if (
            flow == "outgoing"
            and contribution.recipient_id is not None
            and contribution.recipient_id not in implementer_ids
        ):
            implementer_ids = [*implementer_ids, contribution.recipient_id]
    roles = (
        [(FUNDING, export.organisations[org_id]) for org_id in funders]
        + [(ACCOUNTABLE, export.iofs)]
        + [
            (IMPLEMENTING, export.organisations[org_id])
            for org_id in dict.fromkeys(implementer_ids)
        ]
    )
    for role, org in roles:
        element = etree.SubElement(
            activity, "participating-org", {**_org_attributes(export, org), "role": role}
        )
        _org_narratives(element, org)


def _dates(activity: Any, status: str, starts: date, ends: date | None, today: date) -> None:
    started = status in STARTED and starts <= today
    etree.SubElement(
        activity, "activity-date", type="2" if started else "1", **{"iso-date": starts.isoformat()}
    )
    if ends is not None:
        ended = status in ENDED and ends <= today
        etree.SubElement(
            activity, "activity-date", type="4" if ended else "3", **{"iso-date": ends.isoformat()}
        )


def _humanitarian_scope(activity: Any, emergency: str, appeals: list[Appeal]) -> None:
    if emergency and GLIDE.match(emergency.strip().upper()):
        etree.SubElement(
            activity,
            "humanitarian-scope",
            type=EMERGENCY,
            vocabulary=GLIDE_VOCABULARY,
            code=emergency.strip().upper(),
        )
    elif emergency:
        scope = etree.SubElement(
            activity,
            "humanitarian-scope",
            {
                "type": EMERGENCY,
                "vocabulary": OWN_VOCABULARY,
                "vocabulary-uri": APPEAL_VOCABULARY_URI,
                "code": emergency.strip(),
            },
        )
        _narratives(scope, emergency.strip())
    for appeal in appeals:
        scope = etree.SubElement(
            activity,
            "humanitarian-scope",
            {
                "type": APPEAL,
                "vocabulary": OWN_VOCABULARY,
                "vocabulary-uri": APPEAL_VOCABULARY_URI,
                "code": appeal.code,
            },
        )
        _narratives(scope, appeal.title, appeal.title_ar, appeal.title_fr)


def _money(amount: Decimal) -> str:
    return f"{amount:f}"


def _number(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros (1200.0000 → 1200)."""
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def _transactions(
    export: _Export, activity: Any, code: str, contributions: list[Contribution]
) -> None:
    rows: list[tuple[date, str, str, str, Contribution]] = []
    for contribution in contributions:
        flow = export.flow(contribution)
        if flow is None:
            continue
        for step in export.steps.get(contribution.id, []):
            if step.dated > export.today:
                export.comments.append(
                    f"{contribution.reference} {step.status} of "
                    f"{step.dated.isoformat()} left out: in the future"
                )
                continue
            rows.append(
                (
                    step.dated,
                    contribution.reference,
                    flow,
                    transaction_type(flow, step.status),
                    contribution,
                )
            )
    for dated, reference, flow, type_code, contribution in sorted(rows, key=lambda r: r[:2]):
        transaction = etree.SubElement(activity, "transaction", ref=reference)
        etree.SubElement(transaction, "transaction-type", code=type_code)
        etree.SubElement(transaction, "transaction-date", {"iso-date": dated.isoformat()})
        etree.SubElement(
            transaction,
            "value",
            {"currency": contribution.currency, "value-date": dated.isoformat()},
        ).text = _money(contribution.amount)
        description = _transaction_description(contribution)
        if description:
            _narratives(etree.SubElement(transaction, "description"), description)
        incoming = flow == "incoming"
        donor = export.organisations.get(contribution.donor_id)
        recipient = (
            export.organisations.get(contribution.recipient_id)
            if contribution.recipient_id is not None
            else export.iofs
        )
        this_activity = export.identifier(code)
        provider = etree.SubElement(transaction, "provider-org", _org_attributes(export, donor))
        if not incoming:
            provider.set("provider-activity-id", this_activity)
        _org_narratives(provider, donor)
        receiver = etree.SubElement(transaction, "receiver-org", _org_attributes(export, recipient))
        if incoming:
            receiver.set("receiver-activity-id", this_activity)
        _org_narratives(receiver, recipient)


def _transaction_description(contribution: Contribution) -> str:
    parts = [contribution.description.strip()] if contribution.description.strip() else []
    if contribution.modality == "in_kind" and contribution.commodity:
        quantity = (
            f"{_number(contribution.quantity)} {contribution.unit} "
            if contribution.quantity is not None
            else ""
        )
        parts.append(
            f"In kind: {quantity}{contribution.commodity}, valued by "
            f"{contribution.valuation_method.replace('_', ' ')}"
        )
    return ". ".join(parts)


def _results(
    session: Session,
    activity: Any,
    *,
    programme_id: int | None = None,
    project_id: int | None = None,
) -> None:
    query = select(Indicator).order_by(Indicator.code)
    query = (
        query.where(Indicator.project_id == project_id)
        if project_id is not None
        else query.where(Indicator.programme_id == programme_id)
    )
    for indicator in session.execute(query).scalars():
        values = results_service.values(session, indicator.id)
        rolled_up: list[results_service.PeriodValues] = []
        if not values and indicator.programme_id is not None:
            rolled_up = results_service.rolled_up(session, indicator.programme_id, indicator.code)
        attributes = {"type": v.IATI_RESULT_TYPE[indicator.result_type]}
        if rolled_up:
            attributes["aggregation-status"] = "0"
        result = etree.SubElement(activity, "result", attributes)
        _narratives(etree.SubElement(result, "title"), indicator.title)
        element = etree.SubElement(
            result,
            "indicator",
            {
                "measure": v.IATI_INDICATOR_MEASURE[indicator.measure],
                "ascending": "1" if indicator.ascending else "0",
            },
        )
        _narratives(etree.SubElement(element, "title"), indicator.title)
        note = f"Unit: {indicator.unit}."
        if rolled_up:
            note += (
                f" Rolled up from the projects' indicators {indicator.code} "
                f"({indicator.aggregation})."
            )
        _narratives(etree.SubElement(element, "description"), note)
        if indicator.baseline_year and indicator.baseline_value is not None:
            etree.SubElement(
                element,
                "baseline",
                year=str(indicator.baseline_year),
                value=_number(indicator.baseline_value),
            )
        if rolled_up:
            _rolled_up_periods(element, rolled_up)
        else:
            _periods(element, values)


def _periods(indicator: Any, values: Iterable[IndicatorValue]) -> None:
    by_period: dict[tuple[date, date], list[IndicatorValue]] = defaultdict(list)
    for value in values:
        by_period[(value.period_start, value.period_end)].append(value)
    for (start, end), rows in sorted(by_period.items()):
        period = _period(indicator, start, end)
        for kind in v.VALUE_KINDS:  # all targets, then all actuals (XSD order)
            for row in sorted(
                (r for r in rows if r.kind == kind), key=lambda r: (r.dimension, r.dimension_value)
            ):
                element = etree.SubElement(period, kind, value=_number(row.value))
                if row.dimension:
                    etree.SubElement(
                        element, "dimension", name=row.dimension, value=row.dimension_value
                    )


def _rolled_up_periods(indicator: Any, periods: list[results_service.PeriodValues]) -> None:
    for item in periods:
        period = _period(indicator, item.period_start, item.period_end)
        for kind, number in (("target", item.target), ("actual", item.actual)):
            if number is not None:
                etree.SubElement(period, kind, value=_number(number))


def _period(indicator: Any, start: date, end: date) -> Any:
    period = etree.SubElement(indicator, "period")
    etree.SubElement(period, "period-start", {"iso-date": start.isoformat()})
    etree.SubElement(period, "period-end", {"iso-date": end.isoformat()})
    return period
