"""OCHA Financial Tracking Service (FTS): flow import.

**Import** (:func:`import_flows`): an FTS API v1 flow response (``{"data": {"flows": […]}}``)
for one of our appeals. Every flow is validated before anything is written; a malformed
flow raises :class:`~iofs.errors.InputError` naming its position, FTS id and field, and
nothing is stored (all-or-nothing). Which flows are kept, per the FTS glossary
(https://fts.unocha.org/content/fts-glossary):

- ``boundary`` *incoming* flows only: money entering the plan/location the search was made
  for. *Internal* flows (e.g. a pooled fund or agency passing money on inside the response)
  and *outgoing* flows (money leaving it) would count the same money twice or not at all;
- not *Parked* flows: a parked parent holds money not yet assigned, which FTS counts through
  its child flows (the parent's ``amountUSD`` is 0 or would double count them);
- only ``newMoney`` flows: *carry-over* and other flows that are not new money were counted
  when they first came in (FTS excludes them from totals to avoid double counting), just as
  our figures count only new-money contributions;
- pledges are kept with status ``pledge`` (FTS shows pledges apart and never counts them as
  funding; the reconciliation compares statuses);
- not flows without an amount (``amountUSD`` null or absent): FTS counts no funding for
  them. Flows FTS counts although a part is not reported are kept with the gap marked
  (:data:`GAPS`): no source organisation (donor stored as "donor not reported", as FTS shows
  it), no destination (recipient not reported). A malformed value is still an error that
  stops the whole file.

A kept flow is stored as an :class:`~iofs.programmes.models.FtsFlow` of the appeal, keyed by
its FTS id: its donor (the first source ``Organization``; FTS name kept) is mapped to our
organisation code when one matches by code or name (case-insensitive) or, for a government,
by its country (``"Kazakhstan, Government of"`` → ``KAZ``, :mod:`iofs.countries`). Importing
the same payload again changes nothing; flows absent from a payload are left as they are (a payload
may be one page of a search). Writes are audited and need ``programmes.exchange``.
"""

from __future__ import annotations

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
from iofs.programmes.models import FtsFlow, Organisation
from iofs.validation import MAX_RECORD_ID

audit.audited(FtsFlow)

EXCHANGE = "programmes.exchange"
BOUNDARIES = ("incoming", "outgoing", "internal")

#: Why a flow of a payload was not kept.
SKIP_REASONS = {
    "outgoing": N_("outgoing flow"),
    "internal": N_("internal flow"),
    "parked": N_("parked parent flow"),
    "not_new_money": N_("not new money (e.g. carry-over)"),
    "no_amount": N_("no amount reported (FTS counts no funding for it)"),
}

#: The donor stored for a flow whose source names no organisation, as FTS shows it.
DONOR_NOT_REPORTED = "donor not reported"
#: Gaps of kept flows (FTS counts such flows), by kind.
GAPS = {
    "donor_not_reported": N_("donor not reported"),
    "recipient_not_reported": N_("recipient not reported"),
}


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
    #: what the flow lacks but FTS still counts it with (see :data:`GAPS`)
    gaps: list[str] = field(default_factory=list)


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
    kept_usd: Decimal = Decimal(0)
    unmatched_donors: list[str] = field(default_factory=list)
    #: kept flows with a gap marked, by gap (see :data:`GAPS`)
    gaps: dict[str, int] = field(default_factory=dict)

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
        isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit())
    ):
        raise _FlowError(
            name,
            _("%(field)s must be a whole number, not %(value)s.")
            % {"field": name, "value": json.dumps(value, default=str)},
        )
    number = int(value)
    if not 1 <= number <= MAX_RECORD_ID:
        raise _FlowError(name, _("%(field)s is out of range.") % {"field": name})
    return number


def _amount(flow: dict[str, Any], name: str, required: bool) -> Decimal | None:
    value = flow.get(name)
    if value is None:
        if required:
            raise _FlowError(name, _("%(field)s is missing.") % {"field": name})
        return None
    problem = _("%(field)s must be a number of 0 or more, not %(value)s.") % {
        "field": name,
        "value": json.dumps(value, default=str),
    }
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
        raise _FlowError(
            name,
            _("%(field)s must be a date (YYYY-MM-DD…), not %(value)s.")
            % {"field": name, "value": json.dumps(value, default=str)},
        ) from None


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
        isinstance(item, dict) and isinstance(item.get("type"), str) for item in value
    ):
        raise _FlowError(
            name, _("%(field)s must be a list of objects with a type.") % {"field": name}
        )
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
    amount = _amount(flow, "amountUSD", required=False)
    _amount(flow, "originalAmount", required=False)
    _amount(flow, "exchangeRate", required=False)
    _integer(flow, "parentFlowId", required=False)
    status = flow.get("status")
    if status not in v.CONTRIBUTION_STATUSES:
        raise _FlowError(
            "status",
            _("status must be one of %(choices)s, not %(value)s.")
            % {
                "choices": ", ".join(v.CONTRIBUTION_STATUSES),
                "value": json.dumps(status, default=str),
            },
        )
    boundary = flow.get("boundary") or "incoming"
    if boundary not in BOUNDARIES:
        raise _FlowError(
            "boundary",
            _("boundary must be one of %(choices)s, not %(value)s.")
            % {"choices": ", ".join(BOUNDARIES), "value": json.dumps(boundary, default=str)},
        )
    new_money = flow.get("newMoney", True)
    if new_money is None:
        new_money = True
    if not isinstance(new_money, bool):
        raise _FlowError("newMoney", _("%(field)s must be true or false.") % {"field": "newMoney"})
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
    elif amount is None:
        skip = "no_amount"
    gaps = []
    if donor is None:
        gaps.append("donor_not_reported")
    if not any(item["type"] in ("Location", "Organization", "Plan") for item in destinations):
        gaps.append("recipient_not_reported")
    donor_types = (donor or {}).get("organizationTypes") or []
    return ParsedFlow(
        position=position,
        fts_id=fts_id,
        amount_usd=amount or Decimal(0),
        status=status,
        decided_on=decided,
        boundary=boundary,
        flow_type=flow_type,
        new_money=new_money,
        donor=str((donor or {}).get("name") or "")[:300],
        donor_id=str((donor or {}).get("id") or ""),
        donor_types=[str(kind) for kind in donor_types] if isinstance(donor_types, list) else [],
        donor_country=_location(sources),
        destination_country=_location(destinations),
        description=description[:1000],
        skip=skip,
        gaps=gaps,
    )


def parse_payload(payload: str | bytes) -> list[ParsedFlow]:
    """Validate an FTS API v1 flow response; raises InputError at the first bad flow."""
    try:
        document = json.loads(payload, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as error:
        raise InputError(
            _("The file is not valid JSON: %(error)s") % {"error": error}, "payload"
        ) from None
    data = document.get("data") if isinstance(document, dict) else None
    raw = data.get("flows") if isinstance(data, dict) else None
    if not isinstance(raw, list):
        raise InputError(
            _("This is not an FTS flow response: data.flows is missing."), "data.flows"
        )
    parsed: list[ParsedFlow] = []
    seen: dict[int, int] = {}
    for index, flow in enumerate(raw):
        raw_id = flow.get("id") if isinstance(flow, dict) else None
        try:
            item = _parse(index + 1, flow)
        except _FlowError as error:
            raise InputError(
                _("Flow %(number)d (FTS id %(id)s): %(problem)s")
                % {
                    "number": index + 1,
                    "id": raw_id if raw_id is not None else "—",
                    "problem": error.problem,
                },
                f"flows.{index}.{error.name}" if error.name else f"flows.{index}",
            ) from None
        if item.fts_id in seen:
            raise InputError(
                _("Flow %(number)d (FTS id %(id)s): %(problem)s")
                % {
                    "number": index + 1,
                    "id": item.fts_id,
                    "problem": _("the same FTS id is already flow %(other)d.")
                    % {"other": seen[item.fts_id]},
                },
                f"flows.{index}.id",
            )
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
    government = "Government" in flow.donor_types or flow.donor.strip().lower().endswith(
        countries.GOVERNMENT_SUFFIX
    )
    if government:
        iso3 = country_code(flow.donor) or flow.donor_country
        for organisation in organisations:
            if organisation.kind == "state" and organisation.code.upper() == iso3:
                return organisation.code
    return ""


def import_flows(
    session: Session, principal: Principal, appeal_code: str, payload: str | bytes
) -> ImportReport:
    """Store the incoming, new-money flows of an FTS v1 flow response for ``appeal_code``.

    All-or-nothing: every flow is validated first (InputError naming the flow's position,
    FTS id and field). See the module documentation for which flows are kept.
    """
    authorize(principal, EXCHANGE)
    appeal = registry.appeal(session, appeal_code)
    parsed = parse_payload(payload)
    organisations = list(session.execute(select(Organisation).order_by(Organisation.id)).scalars())
    existing = {
        row.fts_id: row
        for row in session.execute(select(FtsFlow).where(FtsFlow.appeal_id == appeal.id)).scalars()
    }
    report = ImportReport(appeal=appeal.code, flows=len(parsed))
    skipped: Counter[str] = Counter()
    gaps: Counter[str] = Counter()
    now = datetime.now(UTC)
    for flow in parsed:
        if flow.skip is not None:
            skipped[flow.skip] += 1
            continue
        for gap in flow.gaps:
            gaps[gap] += 1
        donor = flow.donor if flow.donor else DONOR_NOT_REPORTED
        code = _donor_code(organisations, flow) if flow.donor else ""
        if not code and flow.donor and flow.donor not in report.unmatched_donors:
            report.unmatched_donors.append(flow.donor)
        report.kept_usd += flow.amount_usd
        values: dict[str, Any] = {
            "donor": donor,
            "donor_code": code,
            "status": flow.status,
            "amount_usd": flow.amount_usd.quantize(Decimal("0.01")),
            "decided_on": flow.decided_on,
            "destination_country": flow.destination_country,
            "description": flow.description,
        }
        row = existing.get(flow.fts_id)
        if row is None:
            row = FtsFlow(appeal_id=appeal.id, fts_id=flow.fts_id, imported_at=now, **values)
            session.add(row)
            session.flush()
            audit.created(session, principal, row)
            existing[flow.fts_id] = row
            report.created += 1
            continue
        changes = {name: value for name, value in values.items() if getattr(row, name) != value}
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
    report.gaps = dict(sorted(gaps.items()))
    return report
