"""What other modules (briefs, strategy) read from the reserves module: plain data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from iofs.reserves import ledger, releases


def held_by_state(session: Session, on: date | None = None) -> dict[tuple[str, str], Decimal]:
    """Reserve tonnes held on ``on`` per (state ISO3, commodity code)."""
    return ledger.held_by_state(session, on)


def request_summaries(session: Session, country: str | None = None) -> list[dict[str, Any]]:
    """Release requests (newest first) as JSON-ready rows: reference, state, commodity,
    tonnes requested / decided / delivered, status, request-to-delivery days."""
    return [
        {
            "reference": row.reference,
            "country": row.country,
            "commodity": row.commodity,
            "quantity_t": row.quantity_t,
            "decided_t": row.decided_t,
            "delivered_t": row.delivered_t,
            "status": row.status,
            "tier": row.tier,
            "requested_on": row.requested_on,
            "days_to_delivery": releases.request_to_delivery_days(session, row),
        }
        for row in releases.requests(session, country=country)
    ]
