"""Plain-data views of the reserves for the API, the pages and the CLI (one shape each)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from iofs.reserves import cover, ledger, registry, releases
from iofs.reserves.models import ReleaseRequest


def status_rows(session: Session, on: date | None = None) -> list[dict[str, Any]]:
    """Per system and commodity: pledged, held and target tonnes, pledged USD."""
    rows = []
    for found in registry.systems(session):
        for line in cover.system_position(session, found.id, on):
            rows.append(
                {
                    "system": found.code,
                    "name": found.name,
                    "kind": found.kind,
                    "commodity": line.commodity,
                    "pledged_t": line.pledged_t,
                    "pledged_usd": line.pledged_usd,
                    "held_t": line.held_t,
                    "target_t": line.target_t,
                    "held_percent_of_target": line.held_percent_of_target,
                    "illustrative": found.illustrative,
                }
            )
    return rows


def cover_rows(
    session: Session, analytics_dir: Path, on: date | None = None, country: str | None = None
) -> list[dict[str, Any]]:
    """Per state and commodity: tonnes held, annual food use, cover days, stocks-to-use."""
    return [
        {
            "iso3": row.iso3,
            "state": row.name,
            "commodity": row.commodity,
            "held_t": row.held_t,
            "food_use_t_per_year": row.food_t,
            "cover_days": row.cover_days,
            "stocks_to_use_percent": row.stocks_to_use_percent,
            "faostat_year": row.balance_year,
        }
        for row in cover.state_cover(session, analytics_dir, on, country)
    ]


def position_row(item: ledger.LotPosition) -> dict[str, Any]:
    """One lot with its warehouse, state and balance (tonnes)."""
    return {
        "lot": item.lot.code,
        "warehouse": item.warehouse.code,
        "warehouse_name": item.warehouse.name,
        "iso3": item.warehouse.country,
        "state": registry.state_name(item.warehouse.country),
        "commodity": item.lot.commodity,
        "grade": item.lot.grade,
        "received_on": item.lot.received_on,
        "rotation_due": item.lot.rotation_due,
        "best_before": item.lot.best_before,
        "balance_t": item.balance_t,
        "illustrative": item.lot.illustrative,
    }


def request_row(session: Session, row: ReleaseRequest) -> dict[str, Any]:
    """One request with its timeline, lots released, replenishment and delivery days."""
    owed = releases.replenishment(session, row.id)
    return {
        "reference": row.reference,
        "iso3": row.country,
        "state": registry.state_name(row.country),
        "commodity": row.commodity,
        "quantity_t": row.quantity_t,
        "tier": row.tier,
        "reason": row.reason,
        "people": row.people,
        "status": row.status,
        "origin": row.origin,
        "trigger_rule": row.trigger_rule,
        "sizing_note": row.sizing_note,
        "requested_on": row.requested_on,
        "requested_by": row.requested_by,
        "assessed_by": row.assessed_by,
        "decided_by": row.decided_by,
        "decision": row.decision,
        "decided_t": row.decided_t,
        "decision_reason": row.decision_reason,
        "appeal": row.appeal,
        "consignment": row.consignment,
        "delivered_t": row.delivered_t,
        "days_to_delivery": releases.request_to_delivery_days(session, row),
        "illustrative": row.illustrative,
        "timeline": [
            {
                "step": step.step,
                "dated": step.dated,
                "actor": step.actor,
                "quantity_t": step.quantity_t,
                "note": step.note,
            }
            for step in releases.timeline(session, row.id)
        ],
        "lots": [
            {"lot": code, "iso3": iso3, "quantity_t": tonnes}
            for code, iso3, tonnes in releases.lots_released(session, row.id)
        ],
        "replenishment": None
        if owed is None
        else {
            "form": owed.form,
            "quantity_t": owed.quantity_t,
            "amount": owed.amount,
            "currency": owed.currency,
            "due_on": owed.due_on,
            "settled_on": owed.settled_on,
        },
    }
