"""OCHA Financial Tracking Service (FTS): flow export, flow import and reconciliation.

FTS (https://fts.unocha.org) records humanitarian funding as *flows* from sources (donor
organisations, locations, usage years) to destinations (organisations, plans, projects,
clusters, locations). Terms below follow the FTS glossary
(https://fts.unocha.org/content/fts-glossary) and the flow objects of the HPC API v1
(``https://api.hpc.tools/v1/public/fts/flow``, as in ``shared/data/fts/*.json``).

**Export** (:func:`flows`, :func:`flows_json`, :func:`flows_csv`): every approved
contribution becomes a flow object. ``id`` is our contribution's numeric id (the contribution
reference goes to ``refCode``, the FTS field for the donor's reference); ``parentFlowId`` /
``childFlowIds`` link allocations (IOFS → partner) to the contribution they come from.
New money is an *incoming* flow; a child allocation is an *internal* flow with ``newMoney``
false (it moves money already counted). ``exchangeRate`` follows FTS: units of the original
currency per USD (``amountUSD = originalAmount ÷ exchangeRate``), the inverse of
``Contribution.exchange_rate``. Amounts are JSON numbers (integers when whole). Source and
destination objects carry our codes as ``id`` (ISO3 for states, appeal and project codes) and
``iso3`` on locations; the appeal is the ``Plan``; a ``Programme`` object (not an FTS type)
names the IOFS programme; every IOFS sector maps to the ``Food Security`` global cluster.

**Import** (:func:`import_flows`): an FTS API v1 flow response (``{"data": {"flows": […]}}``)
for one of our appeals. Every flow is validated before anything is written; a malformed
flow raises :class:`~iofs.errors.InputError` naming its position, FTS id and field, and
nothing is stored (all-or-nothing). Which flows are kept, per the glossary:

- ``boundary`` *incoming* flows only: money entering the plan/location the search was made
  for. *Internal* flows (e.g. a pooled fund or agency passing money on inside the response)
  and *outgoing* flows (money leaving it) would count the same money twice or not at all;
- not *Parked* flows: a parked parent holds money not yet assigned, which FTS counts through
  its child flows (the parent's ``amountUSD`` is 0 or would double count them);
- only ``newMoney`` flows: *carry-over* and other flows that are not new money were counted
  when they first came in (FTS excludes them from totals to avoid double counting), just as
  our figures count only new-money contributions;
- pledges are kept with status ``pledge`` (FTS shows pledges apart and never counts them as
  funding; the reconciliation compares statuses).

A kept flow is stored as an :class:`~iofs.programmes.models.FtsFlow` of the appeal, keyed by
its FTS id: its donor (the first source ``Organization``; FTS name kept) is mapped to our
organisation code when one matches by code or name (case-insensitive) or, for a government,
by its country (``"Kazakhstan, Government of"`` → ``KAZ``, :mod:`iofs.countries`). Importing
the same payload again changes nothing; flows absent from a payload are left as they are (a payload
may be one page of a search). Writes are audited and need ``programmes.exchange``.

**Reconciliation** (:func:`reconcile`): the appeal's approved new-money contributions
against its imported flows, paired first by ``Contribution.fts_flow_id`` = FTS id, then by
donor code + status + amount within 1 USD (FTS publishes whole dollars).
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from iofs import countries
from iofs.audit import service as audit
from iofs.errors import InputError
from iofs.i18n import N_
from iofs.i18n import gettext as _
from iofs.permissions import Principal, authorize
from iofs.programmes import registry
from iofs.programmes import vocabulary as v
from iofs.programmes.contributions import history, usage_year_amounts
from iofs.programmes.exchange.hxl import ORGANISATION_TYPES
from iofs.programmes.figures import counted
from iofs.programmes.models import (
    Appeal,
    Contribution,
    FtsFlow,
    Organisation,
    Programme,
    Project,
)

audit.audited(FtsFlow)

EXCHANGE = "programmes.exchange"
#: Differences of more than this many USD make two amounts differ (FTS rounds to the dollar).
TOLERANCE_USD = Decimal(1)
ZERO = Decimal(0)
BOUNDARIES = ("incoming", "outgoing", "internal")
#: FTS global cluster of our OECD DAC purpose codes (all IOFS sectors are food security).
GLOBAL_CLUSTER = "Food Security"
EARMARKING_TYPES = {"unearmarked": "unearmarked", "softly": "softly earmarked",
                    "earmarked": "earmarked", "tightly": "tightly earmarked"}

#: Why a flow of a payload was not kept.
SKIP_REASONS = {
    "outgoing": N_("outgoing flow"),
    "internal": N_("internal flow"),
    "parked": N_("parked parent flow"),
    "not_new_money": N_("not new money (e.g. carry-over)"),
}
#: Reconciliation line statuses.
RECONCILIATION_STATUSES = {
    "match": N_("match"),
    "differ": N_("differ"),
    "missing_in_fts": N_("missing in FTS"),
    "missing_in_iofs": N_("missing in IOFS"),
}
DIFFERENCES = {"amount": N_("amount"), "status": N_("status"), "date": N_("date"),
               "donor": N_("donor")}


# --- export -------------------------------------------------------------------------------

def _number(value: Decimal | None) -> int | float | None:
    """A Decimal as a JSON number: an integer when whole (as FTS publishes amounts)."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def _timestamp(day: date | None) -> str | None:
    return f"{day.isoformat()}T00:00:00Z" if day else None


def country_name(iso3: str) -> str:
    """The English short name of a country (its code when unknown)."""
    return countries.name(iso3, "en")


def _fts_rate(contribution: Contribution) -> int | float | None:
    """FTS exchange rate: original currency units per USD (ours is USD per unit)."""
    if contribution.currency == "USD" or not contribution.exchange_rate:
        return 1 if contribution.currency == "USD" else None
    return float(round(Decimal(1) / contribution.exchange_rate, 6))


def _usage_years(session: Session, contribution: Contribution) -> list[dict[str, Any]]:
    years = sorted(usage_year_amounts(session, contribution))
    behaviour = "shared" if len(years) > 1 else "single"
    return [{"type": "UsageYear", "name": str(year), "behavior": behaviour} for year in years]


def flows(session: Session, appeal_code: str | None = None) -> list[dict[str, Any]]:
    """Approved contributions (of one appeal, or all) as FTS v1 flow objects, JSON-ready."""
    conditions: list[Any] = [Contribution.approval == "approved"]
    if appeal_code is not None:
        conditions.append(Contribution.appeal_id == registry.appeal(session, appeal_code).id)
    found = list(session.execute(select(Contribution).where(*conditions).order_by(
        Contribution.decided_on, Contribution.id)).scalars())
    organisations = {row.id: row for row in session.execute(select(Organisation)).scalars()}
    appeals = {row.id: row for row in session.execute(select(Appeal)).scalars()}
    programmes = {row.id: row for row in session.execute(select(Programme)).scalars()}
    projects = {row.id: row for row in session.execute(select(Project)).scalars()}
    iofs = next((row for row in organisations.values() if row.code == registry.IOFS_CODE),
                None)
    children: dict[int, list[int]] = {}
    for row in session.execute(select(Contribution).where(
            Contribution.parent_id.is_not(None), Contribution.approval == "approved")
            ).scalars():
        children.setdefault(row.parent_id or 0, []).append(row.id)
    result = []
    for contribution in found:
        donor = organisations[contribution.donor_id]
        recipient = organisations.get(contribution.recipient_id or 0) or iofs
        years = _usage_years(session, contribution)
        steps = [step for step in history(session, contribution.id)
                 if step.approval == "approved" and step.status == contribution.status]
        sources: list[dict[str, Any]] = [{
            "type": "Organization", "id": donor.code, "name": donor.name, "behavior": "single",
            "organizationTypes": [ORGANISATION_TYPES.get(donor.kind, "Other")]}]
        if donor.country:
            sources.append({"type": "Location", "id": donor.country, "iso3": donor.country,
                            "name": country_name(donor.country), "behavior": "single"})
        destinations: list[dict[str, Any]] = []
        if recipient is not None:
            destinations.append({
                "type": "Organization", "id": recipient.code, "name": recipient.name,
                "behavior": "single",
                "organizationTypes": [ORGANISATION_TYPES.get(recipient.kind, "Other")]})
        appeal = appeals.get(contribution.appeal_id or 0)
        if appeal is not None:
            destinations.append({"type": "Plan", "id": appeal.code, "name": appeal.title,
                                 "behavior": "single"})
        programme = programmes.get(contribution.programme_id or 0)
        if programme is not None:
            destinations.append({"type": "Programme", "id": programme.code,
                                 "name": programme.title, "behavior": "single"})
        project = projects.get(contribution.project_id or 0)
        if project is not None:
            destinations.append({"type": "Project", "id": project.code, "code": project.code,
                                 "name": project.title, "behavior": "single"})
        if contribution.sector_code:
            destinations.append({"type": "GlobalCluster", "name": GLOBAL_CLUSTER,
                                 "sectorCode": contribution.sector_code, "behavior": "single"})
        if contribution.country:
            destinations.append({"type": "Location", "id": contribution.country,
                                 "iso3": contribution.country,
                                 "name": country_name(contribution.country),
                                 "behavior": "single"})
        result.append({
            "id": str(contribution.id),
            "refCode": contribution.reference,
            "amountUSD": _number(contribution.amount_usd),
            "originalAmount": _number(contribution.amount),
            "originalCurrency": contribution.currency,
            "exchangeRate": _fts_rate(contribution),
            "status": contribution.status,
            "date": _timestamp(steps[-1].dated if steps else contribution.decided_on),
            "decisionDate": _timestamp(contribution.decided_on),
            "description": contribution.description,
            "contributionType": "financial" if contribution.modality == "cash" else "in kind",
            "flowType": "Standard",
            "method": "Traditional aid",
            "newMoney": contribution.new_money,
            "boundary": "incoming" if contribution.new_money else "internal",
            "onBoundary": "single",
            "parentFlowId": contribution.parent_id,
            "childFlowIds": sorted(children[contribution.id]) if contribution.id in children
            else None,
            "grandBargainEarmarkingType": [EARMARKING_TYPES[contribution.earmarking]],
            "sourceObjects": [*sources, *years],
            "destinationObjects": [*destinations, *years],
        })
    return result


def flows_json(session: Session, appeal_code: str | None = None) -> str:
    """The flows as an FTS API v1 response: ``{"data": {"flows": [...]}}`` with totals."""
    found = flows(session, appeal_code)
    incoming = [row for row in found if row["boundary"] == "incoming"]
    funding = sum((Decimal(str(row["amountUSD"])) for row in incoming
                   if row["status"] in v.FUNDING_STATUSES), ZERO)
    pledged = sum((Decimal(str(row["amountUSD"])) for row in incoming
                   if row["status"] == "pledge"), ZERO)
    return json.dumps({
        "status": "ok",
        "data": {
            "incoming": {"flowCount": len(incoming), "fundingTotal": _number(funding),
                         "pledgeTotal": _number(pledged)},
            "internal": {"flowCount": len(found) - len(incoming)},
            "flows": found,
        },
        "meta": {"language": "en", "count": len(found),
                 "source": "Islamic Organization for Food Security (IOFS), FTS-style export"},
    }, ensure_ascii=False, indent=1)


#: Columns of the flow CSV, named as in HDX's FTS funding files.
CSV_COLUMNS = ("id", "refCode", "date", "decisionDate", "description", "amountUSD",
               "originalAmount", "originalCurrency", "exchangeRate", "status",
               "contributionType", "flowType", "boundary", "newMoney", "parentFlowId",
               "srcOrganization", "srcOrganizationId", "srcOrganizationTypes", "srcLocations",
               "srcUsageYears", "destOrganization", "destOrganizationId", "destPlan",
               "destPlanCode", "destProject", "destProjectCode", "destGlobalClusters",
               "destLocations", "destUsageYears")


def _objects(objects: list[dict[str, Any]], kind: str, key: str = "name") -> str:
    return "|".join(str(item.get(key) or "") for item in objects if item["type"] == kind)


def flows_csv(session: Session, appeal_code: str | None = None) -> str:
    """The flows as CSV, one row per flow; several objects of a kind are joined by ``|``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in flows(session, appeal_code):
        src, dest = row["sourceObjects"], row["destinationObjects"]
        org_types = [item.get("organizationTypes") or [] for item in src
                     if item["type"] == "Organization"]
        values: dict[str, Any] = {name: row.get(name) for name in CSV_COLUMNS}
        values.update(
            srcOrganization=_objects(src, "Organization"),
            srcOrganizationId=_objects(src, "Organization", "id"),
            srcOrganizationTypes="|".join(kind for kinds in org_types for kind in kinds),
            srcLocations=_objects(src, "Location", "iso3"),
            srcUsageYears=_objects(src, "UsageYear"),
            destOrganization=_objects(dest, "Organization"),
            destOrganizationId=_objects(dest, "Organization", "id"),
            destPlan=_objects(dest, "Plan"), destPlanCode=_objects(dest, "Plan", "id"),
            destProject=_objects(dest, "Project"),
            destProjectCode=_objects(dest, "Project", "code"),
            destGlobalClusters=_objects(dest, "GlobalCluster"),
            destLocations=_objects(dest, "Location", "iso3"),
            destUsageYears=_objects(dest, "UsageYear"))
        writer.writerow(["" if values[name] is None else
                         ("true" if values[name] is True else "false" if values[name] is False
                          else values[name]) for name in CSV_COLUMNS])
    return out.getvalue()


# --- import -------------------------------------------------------------------------------

@dataclass
class ParsedFlow:
    """A validated FTS flow, with whether and why it is not kept."""

    position: int
    fts_id: int
    amount_usd: Decimal
    status: str
    decided_on: date | None
    boundary: str
    flow_type: str
    new_money: bool
    donor: str
    donor_id: str
    donor_types: list[str]
    donor_country: str
    destination_country: str
    description: str
    skip: str | None = None


@dataclass
class ImportReport:
    """What an import did: flows in the payload, kept flows created/updated/unchanged,
    flows not kept by reason, the USD kept, and FTS donors that matched no organisation."""

    appeal: str
    flows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    kept_usd: Decimal = ZERO
    unmatched_donors: list[str] = field(default_factory=list)

    @property
    def kept(self) -> int:
        return self.created + self.updated + self.unchanged


class _FlowError(Exception):
    def __init__(self, name: str, problem: str) -> None:
        super().__init__(problem)
        self.name = name
        self.problem = problem


def _integer(flow: dict[str, Any], name: str, required: bool) -> int | None:
    value = flow.get(name)
    if value is None:
        if required:
            raise _FlowError(name, _("%(field)s is missing.") % {"field": name})
        return None
    if isinstance(value, bool) or not (
            isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit())):
        raise _FlowError(name, _("%(field)s must be a whole number, not %(value)s.")
                         % {"field": name, "value": json.dumps(value, default=str)})
    number = int(value)
    if not 1 <= number <= 2_147_483_647:
        raise _FlowError(name, _("%(field)s is out of range.") % {"field": name})
    return number


def _amount(flow: dict[str, Any], name: str, required: bool) -> Decimal | None:
    value = flow.get(name)
    if value is None:
        if required:
            raise _FlowError(name, _("%(field)s is missing.") % {"field": name})
        return None
    problem = _("%(field)s must be a number of 0 or more, not %(value)s.") % {
        "field": name, "value": json.dumps(value, default=str)}
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise _FlowError(name, problem)
    try:
        number = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise _FlowError(name, problem) from None
    if not number.is_finite() or number < 0 or number >= Decimal("1e17"):
        raise _FlowError(name, problem)
    return number


def _day(flow: dict[str, Any], name: str) -> date | None:
    value = flow.get(name)
    if value is None or value == "":
        return None
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return date.fromisoformat(value[:10])
    except ValueError:
        raise _FlowError(name, _("%(field)s must be a date (YYYY-MM-DD…), not %(value)s.")
                         % {"field": name, "value": json.dumps(value, default=str)}) from None


def _text(flow: dict[str, Any], name: str) -> str:
    value = flow.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _FlowError(name, _("%(field)s must be text.") % {"field": name})
    return value


def _objects_of(flow: dict[str, Any], name: str) -> list[dict[str, Any]]:
    value = flow.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(
            isinstance(item, dict) and isinstance(item.get("type"), str) for item in value):
        raise _FlowError(name, _("%(field)s must be a list of objects with a type.")
                         % {"field": name})
    return value


def country_code(name: str) -> str:
    """ISO3 of an FTS location or government name; empty when unknown."""
    return countries.lookup(name) or ""


def _location(objects: list[dict[str, Any]]) -> str:
    for item in objects:
        if item["type"] == "Location":
            iso3 = item.get("iso3")
            if isinstance(iso3, str) and len(iso3) == 3:
                return iso3.upper()
            found = country_code(str(item.get("name") or ""))
            if found:
                return found
    return ""


def _parse(position: int, flow: Any) -> ParsedFlow:
    if not isinstance(flow, dict):
        raise _FlowError("", _("A flow must be an object."))
    fts_id = _integer(flow, "id", required=True)
    assert fts_id is not None
    amount = _amount(flow, "amountUSD", required=True)
    assert amount is not None
    _amount(flow, "originalAmount", required=False)
    _amount(flow, "exchangeRate", required=False)
    _integer(flow, "parentFlowId", required=False)
    status = flow.get("status")
    if status not in v.CONTRIBUTION_STATUSES:
        raise _FlowError("status", _("status must be one of %(choices)s, not %(value)s.") % {
            "choices": ", ".join(v.CONTRIBUTION_STATUSES),
            "value": json.dumps(status, default=str)})
    boundary = flow.get("boundary") or "incoming"
    if boundary not in BOUNDARIES:
        raise _FlowError("boundary", _("boundary must be one of %(choices)s, not %(value)s.")
                         % {"choices": ", ".join(BOUNDARIES),
                            "value": json.dumps(boundary, default=str)})
    new_money = flow.get("newMoney", True)
    if new_money is None:
        new_money = True
    if not isinstance(new_money, bool):
        raise _FlowError("newMoney", _("%(field)s must be true or false.")
                         % {"field": "newMoney"})
    flow_type = _text(flow, "flowType")
    decided = _day(flow, "decisionDate")
    _day(flow, "date")
    description = _text(flow, "description")
    sources = _objects_of(flow, "sourceObjects")
    destinations = _objects_of(flow, "destinationObjects")
    donor = next((item for item in sources if item["type"] == "Organization"), None)
    skip = None
    if boundary != "incoming":
        skip = boundary
    elif flow_type.lower() == "parked":
        skip = "parked"
    elif not new_money:
        skip = "not_new_money"
    if donor is None and skip is None:
        raise _FlowError("sourceObjects", _("sourceObjects name no Organization (the donor)."))
    donor_types = (donor or {}).get("organizationTypes") or []
    return ParsedFlow(
        position=position, fts_id=fts_id, amount_usd=amount, status=status,
        decided_on=decided, boundary=boundary, flow_type=flow_type, new_money=new_money,
        donor=str((donor or {}).get("name") or "")[:300],
        donor_id=str((donor or {}).get("id") or ""),
        donor_types=[str(kind) for kind in donor_types] if isinstance(donor_types, list)
        else [], donor_country=_location(sources),
        destination_country=_location(destinations), description=description[:1000],
        skip=skip)


def parse_payload(payload: str | bytes) -> list[ParsedFlow]:
    """Validate an FTS API v1 flow response; raises InputError at the first bad flow."""
    try:
        document = json.loads(payload, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as error:
        raise InputError(_("The file is not valid JSON: %(error)s") % {"error": error},
                         "payload") from None
    data = document.get("data") if isinstance(document, dict) else None
    raw = data.get("flows") if isinstance(data, dict) else None
    if not isinstance(raw, list):
        raise InputError(_("This is not an FTS flow response: data.flows is missing."),
                         "data.flows")
    parsed: list[ParsedFlow] = []
    seen: dict[int, int] = {}
    for index, flow in enumerate(raw):
        raw_id = flow.get("id") if isinstance(flow, dict) else None
        try:
            item = _parse(index + 1, flow)
        except _FlowError as error:
            raise InputError(_("Flow %(number)d (FTS id %(id)s): %(problem)s") % {
                "number": index + 1, "id": raw_id if raw_id is not None else "—",
                "problem": error.problem},
                f"flows.{index}.{error.name}" if error.name else f"flows.{index}") from None
        if item.fts_id in seen:
            raise InputError(_("Flow %(number)d (FTS id %(id)s): %(problem)s") % {
                "number": index + 1, "id": item.fts_id,
                "problem": _("the same FTS id is already flow %(other)d.")
                % {"other": seen[item.fts_id]}}, f"flows.{index}.id")
        seen[item.fts_id] = index + 1
        parsed.append(item)
    return parsed


def _donor_code(organisations: list[Organisation], flow: ParsedFlow) -> str:
    """Our code of the flow's donor: by code or name (case-insensitive), else a government
    by its country."""
    names = {flow.donor.strip().casefold(), flow.donor_id.strip().casefold()} - {""}
    for organisation in organisations:
        if {organisation.code.casefold(), organisation.name.casefold()} & names:
            return organisation.code
    government = ("Government" in flow.donor_types
                  or flow.donor.strip().lower().endswith(countries.GOVERNMENT_SUFFIX))
    if government:
        iso3 = country_code(flow.donor) or flow.donor_country
        for organisation in organisations:
            if organisation.kind == "state" and organisation.code.upper() == iso3:
                return organisation.code
    return ""


def import_flows(session: Session, principal: Principal, appeal_code: str,
                 payload: str | bytes) -> ImportReport:
    """Store the incoming, new-money flows of an FTS v1 flow response for ``appeal_code``.

    All-or-nothing: every flow is validated first (InputError naming the flow's position,
    FTS id and field). See the module documentation for which flows are kept.
    """
    authorize(principal, EXCHANGE)
    appeal = registry.appeal(session, appeal_code)
    parsed = parse_payload(payload)
    organisations = list(session.execute(select(Organisation).order_by(Organisation.id))
                         .scalars())
    existing = {row.fts_id: row for row in session.execute(select(FtsFlow).where(
        FtsFlow.appeal_id == appeal.id)).scalars()}
    report = ImportReport(appeal=appeal.code, flows=len(parsed))
    skipped: Counter[str] = Counter()
    now = datetime.now(UTC)
    for flow in parsed:
        if flow.skip is not None:
            skipped[flow.skip] += 1
            continue
        code = _donor_code(organisations, flow)
        if not code and flow.donor not in report.unmatched_donors:
            report.unmatched_donors.append(flow.donor)
        report.kept_usd += flow.amount_usd
        values: dict[str, Any] = {
            "donor": flow.donor, "donor_code": code, "status": flow.status,
            "amount_usd": flow.amount_usd.quantize(Decimal("0.01")),
            "decided_on": flow.decided_on, "destination_country": flow.destination_country,
            "description": flow.description}
        row = existing.get(flow.fts_id)
        if row is None:
            row = FtsFlow(appeal_id=appeal.id, fts_id=flow.fts_id, imported_at=now, **values)
            session.add(row)
            session.flush()
            audit.created(session, principal, row)
            existing[flow.fts_id] = row
            report.created += 1
            continue
        changes = {name: value for name, value in values.items()
                   if getattr(row, name) != value}
        if not changes:
            report.unchanged += 1
            continue
        before = audit.snapshot(row)
        for name, value in changes.items():
            setattr(row, name, value)
        row.imported_at = now
        audit.updated(session, principal, row, before)
        report.updated += 1
    report.skipped = dict(sorted(skipped.items()))
    return report


# --- reconciliation -----------------------------------------------------------------------

@dataclass(frozen=True)
class ReconciliationLine:
    """One contribution and/or FTS flow: ``status`` is ``match``, ``differ`` (with
    ``differences`` among amount, status, date, donor), ``missing_in_fts`` or
    ``missing_in_iofs``; ``matched_by`` is ``fts_flow_id`` or ``donor_status_amount``."""

    status: str
    differences: tuple[str, ...]
    matched_by: str
    reference: str | None = None
    donor_code: str | None = None
    donor_name: str | None = None
    iofs_status: str | None = None
    iofs_usd: Decimal | None = None
    iofs_date: date | None = None
    fts_id: int | None = None
    fts_donor: str | None = None
    fts_donor_code: str | None = None
    fts_status: str | None = None
    fts_usd: Decimal | None = None
    fts_date: date | None = None

    @property
    def difference_usd(self) -> Decimal | None:
        """IOFS USD − FTS USD when both sides are present."""
        if self.iofs_usd is None or self.fts_usd is None:
            return None
        return self.iofs_usd - self.fts_usd


@dataclass(frozen=True)
class ReconciliationSummary:
    """Lines per status and USD totals of each side."""

    counts: dict[str, int]
    iofs_usd: Decimal
    fts_usd: Decimal

    @property
    def difference_usd(self) -> Decimal:
        return self.iofs_usd - self.fts_usd


def _line(contribution: Contribution | None, donor: Organisation | None, flow: FtsFlow | None,
          matched_by: str) -> ReconciliationLine:
    differences: list[str] = []
    if contribution is not None and flow is not None:
        if abs(contribution.amount_usd - flow.amount_usd) > TOLERANCE_USD:
            differences.append("amount")
        if contribution.status != flow.status:
            differences.append("status")
        if flow.decided_on is not None and flow.decided_on != contribution.decided_on:
            differences.append("date")
        if donor is None or flow.donor_code.upper() != donor.code.upper():
            differences.append("donor")
        status = "differ" if differences else "match"
    else:
        status = "missing_in_fts" if flow is None else "missing_in_iofs"
    return ReconciliationLine(
        status=status, differences=tuple(differences), matched_by=matched_by,
        reference=contribution.reference if contribution else None,
        donor_code=donor.code if donor else None, donor_name=donor.name if donor else None,
        iofs_status=contribution.status if contribution else None,
        iofs_usd=contribution.amount_usd if contribution else None,
        iofs_date=contribution.decided_on if contribution else None,
        fts_id=flow.fts_id if flow else None, fts_donor=flow.donor if flow else None,
        fts_donor_code=(flow.donor_code or None) if flow else None,
        fts_status=flow.status if flow else None, fts_usd=flow.amount_usd if flow else None,
        fts_date=flow.decided_on if flow else None)


def reconcile(session: Session, appeal_code: str) -> list[ReconciliationLine]:
    """The appeal's approved new-money contributions against its imported FTS flows.

    Pairs first by ``Contribution.fts_flow_id`` = FTS id (then any difference in amount
    beyond 1 USD, status, decision date or donor makes the line ``differ``), then the rest by
    donor code + status + amount within 1 USD (closest amount, then closest date; the date
    may still differ). Unpaired contributions are ``missing_in_fts``, unpaired flows
    ``missing_in_iofs``. Contributions first in date order, then the unpaired flows.
    """
    appeal = registry.appeal(session, appeal_code)
    contributions = counted(session, Contribution.appeal_id == appeal.id)
    organisations = {row.id: row for row in session.execute(select(Organisation)).scalars()}
    remaining = {row.fts_id: row for row in session.execute(select(FtsFlow).where(
        FtsFlow.appeal_id == appeal.id).order_by(FtsFlow.fts_id)).scalars()}
    paired: dict[int, tuple[FtsFlow, str]] = {}
    for contribution in contributions:
        flow = remaining.get(contribution.fts_flow_id or 0)
        if flow is not None:
            paired[contribution.id] = (flow, "fts_flow_id")
            del remaining[flow.fts_id]
    for contribution in contributions:
        if contribution.id in paired:
            continue
        donor = organisations[contribution.donor_id]
        candidates = [flow for flow in remaining.values()
                      if flow.donor_code and flow.donor_code.upper() == donor.code.upper()
                      and flow.status == contribution.status
                      and abs(flow.amount_usd - contribution.amount_usd) <= TOLERANCE_USD]
        if candidates:
            best = min(candidates, key=lambda flow: (
                abs(flow.amount_usd - contribution.amount_usd),
                abs(((flow.decided_on or contribution.decided_on)
                     - contribution.decided_on).days), flow.fts_id))
            paired[contribution.id] = (best, "donor_status_amount")
            del remaining[best.fts_id]
    lines = []
    for contribution in contributions:
        flow, how = paired.get(contribution.id, (None, ""))
        lines.append(_line(contribution, organisations[contribution.donor_id], flow, how))
    lines.extend(_line(None, None, flow, "") for flow in remaining.values())
    return lines


def summary(lines: list[ReconciliationLine]) -> ReconciliationSummary:
    """Counts per status (every status present, 0 when none) and USD totals of each side."""
    counts = {status: 0 for status in RECONCILIATION_STATUSES}
    counts.update(Counter(line.status for line in lines))
    return ReconciliationSummary(
        counts=counts,
        iofs_usd=sum((line.iofs_usd for line in lines if line.iofs_usd is not None), ZERO),
        fts_usd=sum((line.fts_usd for line in lines if line.fts_usd is not None), ZERO))


__all__ = ["DIFFERENCES", "EXCHANGE", "RECONCILIATION_STATUSES", "SKIP_REASONS",
           "ImportReport", "ReconciliationLine", "ReconciliationSummary", "flows",
           "flows_csv", "flows_json", "import_flows", "parse_payload", "reconcile", "summary"]
