"""OCHA Financial Tracking Service (FTS): flow export (import: :mod:`.fts_import`;
reconciliation: :mod:`.fts_reconcile`).

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
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from iofs import countries, spreadsheets
from iofs.programmes import registry
from iofs.programmes import vocabulary as v
from iofs.programmes.contributions import history, usage_year_amounts
from iofs.programmes.exchange.hxl import ORGANISATION_TYPES
from iofs.programmes.models import Appeal, Contribution, Organisation, Programme, Project

ZERO = Decimal(0)
#: FTS global cluster of our OECD DAC purpose codes (all IOFS sectors are food security).
GLOBAL_CLUSTER = "Food Security"
EARMARKING_TYPES = {
    "unearmarked": "unearmarked",
    "softly": "softly earmarked",
    "earmarked": "earmarked",
    "tightly": "tightly earmarked",
}


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
    found = list(
        session.execute(
            select(Contribution)
            .where(*conditions)
            .order_by(Contribution.decided_on, Contribution.id)
        ).scalars()
    )
    organisations = {row.id: row for row in session.execute(select(Organisation)).scalars()}
    appeals = {row.id: row for row in session.execute(select(Appeal)).scalars()}
    programmes = {row.id: row for row in session.execute(select(Programme)).scalars()}
    projects = {row.id: row for row in session.execute(select(Project)).scalars()}
    iofs = next((row for row in organisations.values() if row.code == registry.IOFS_CODE), None)
    children: dict[int, list[int]] = {}
    for row in session.execute(
        select(Contribution).where(
            Contribution.parent_id.is_not(None), Contribution.approval == "approved"
        )
    ).scalars():
        children.setdefault(row.parent_id or 0, []).append(row.id)
    result = []
    for contribution in found:
        donor = organisations[contribution.donor_id]
        recipient = organisations.get(contribution.recipient_id or 0) or iofs
        years = _usage_years(session, contribution)
        steps = [
            step
            for step in history(session, contribution.id)
            if step.approval == "approved" and step.status == contribution.status
        ]
        sources: list[dict[str, Any]] = [
            {
                "type": "Organization",
                "id": donor.code,
                "name": donor.name,
                "behavior": "single",
                "organizationTypes": [ORGANISATION_TYPES.get(donor.kind, "Other")],
            }
        ]
        if donor.country:
            sources.append(
                {
                    "type": "Location",
                    "id": donor.country,
                    "iso3": donor.country,
                    "name": country_name(donor.country),
                    "behavior": "single",
                }
            )
        destinations: list[dict[str, Any]] = []
        if recipient is not None:
            destinations.append(
                {
                    "type": "Organization",
                    "id": recipient.code,
                    "name": recipient.name,
                    "behavior": "single",
                    "organizationTypes": [ORGANISATION_TYPES.get(recipient.kind, "Other")],
                }
            )
        appeal = appeals.get(contribution.appeal_id or 0)
        if appeal is not None:
            destinations.append(
                {"type": "Plan", "id": appeal.code, "name": appeal.title, "behavior": "single"}
            )
        programme = programmes.get(contribution.programme_id or 0)
        if programme is not None:
            destinations.append(
                {
                    "type": "Programme",
                    "id": programme.code,
                    "name": programme.title,
                    "behavior": "single",
                }
            )
        project = projects.get(contribution.project_id or 0)
        if project is not None:
            destinations.append(
                {
                    "type": "Project",
                    "id": project.code,
                    "code": project.code,
                    "name": project.title,
                    "behavior": "single",
                }
            )
        if contribution.sector_code:
            destinations.append(
                {
                    "type": "GlobalCluster",
                    "name": GLOBAL_CLUSTER,
                    "sectorCode": contribution.sector_code,
                    "behavior": "single",
                }
            )
        if contribution.country:
            destinations.append(
                {
                    "type": "Location",
                    "id": contribution.country,
                    "iso3": contribution.country,
                    "name": country_name(contribution.country),
                    "behavior": "single",
                }
            )
        result.append(
            {
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
                "childFlowIds": sorted(children[contribution.id])
                if contribution.id in children
                else None,
                "grandBargainEarmarkingType": [EARMARKING_TYPES[contribution.earmarking]],
                "sourceObjects": [*sources, *years],
                "destinationObjects": [*destinations, *years],
            }
        )
    return result


def flows_json(session: Session, appeal_code: str | None = None) -> str:
    """The flows as an FTS API v1 response: ``{"data": {"flows": [...]}}`` with totals."""
    found = flows(session, appeal_code)
    incoming = [row for row in found if row["boundary"] == "incoming"]
    funding = sum(
        (Decimal(str(row["amountUSD"])) for row in incoming if row["status"] in v.FUNDING_STATUSES),
        ZERO,
    )
    pledged = sum(
        (Decimal(str(row["amountUSD"])) for row in incoming if row["status"] == "pledge"), ZERO
    )
    return json.dumps(
        {
            "status": "ok",
            "data": {
                "incoming": {
                    "flowCount": len(incoming),
                    "fundingTotal": _number(funding),
                    "pledgeTotal": _number(pledged),
                },
                "internal": {"flowCount": len(found) - len(incoming)},
                "flows": found,
            },
            "meta": {
                "language": "en",
                "count": len(found),
                "source": "Islamic Organization for Food Security (IOFS), FTS-style export",
            },
        },
        ensure_ascii=False,
        indent=1,
    )


#: Columns of the flow CSV, named as in HDX's FTS funding files.
CSV_COLUMNS = (
    "id",
    "refCode",
    "date",
    "decisionDate",
    "description",
    "amountUSD",
    "originalAmount",
    "originalCurrency",
    "exchangeRate",
    "status",
    "contributionType",
    "flowType",
    "boundary",
    "newMoney",
    "parentFlowId",
    "srcOrganization",
    "srcOrganizationId",
    "srcOrganizationTypes",
    "srcLocations",
    "srcUsageYears",
    "destOrganization",
    "destOrganizationId",
    "destPlan",
    "destPlanCode",
    "destProject",
    "destProjectCode",
    "destGlobalClusters",
    "destLocations",
    "destUsageYears",
)


def _objects(objects: list[dict[str, Any]], kind: str, key: str = "name") -> str:
    return "|".join(str(item.get(key) or "") for item in objects if item["type"] == kind)


def flows_csv(session: Session, appeal_code: str | None = None) -> str:
    """The flows as CSV, one row per flow; several objects of a kind are joined by ``|``
    (written by the export writer: formula-like text quoted, numbers as numbers)."""
    rows: list[list[Any]] = []
    for row in flows(session, appeal_code):
        src, dest = row["sourceObjects"], row["destinationObjects"]
        org_types = [
            item.get("organizationTypes") or [] for item in src if item["type"] == "Organization"
        ]
        values: dict[str, Any] = {name: row.get(name) for name in CSV_COLUMNS}
        values.update(
            srcOrganization=_objects(src, "Organization"),
            srcOrganizationId=_objects(src, "Organization", "id"),
            srcOrganizationTypes="|".join(kind for kinds in org_types for kind in kinds),
            srcLocations=_objects(src, "Location", "iso3"),
            srcUsageYears=_objects(src, "UsageYear"),
            destOrganization=_objects(dest, "Organization"),
            destOrganizationId=_objects(dest, "Organization", "id"),
            destPlan=_objects(dest, "Plan"),
            destPlanCode=_objects(dest, "Plan", "id"),
            destProject=_objects(dest, "Project"),
            destProjectCode=_objects(dest, "Project", "code"),
            destGlobalClusters=_objects(dest, "GlobalCluster"),
            destLocations=_objects(dest, "Location", "iso3"),
            destUsageYears=_objects(dest, "UsageYear"),
        )
        rows.append([values[name] for name in CSV_COLUMNS])
    return spreadsheets.csv_text([CSV_COLUMNS], rows)
