"""Food reserves block: holdings in the state and release requests for it (reserves service)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from iofs.briefs.blocks.common import (
    as_float,
)
from iofs.briefs.model import Block, Fact, Missing, Table, number
from iofs.i18n import gettext as _


def reserves(session: Session, iso3: str) -> Block:
    """Reserve holdings in the state (t, per commodity, today) and release requests for it
    (t requested, decided, delivered; days from request to delivery)."""
    from iofs.reserves import service

    block = Block("reserves", _("Food reserves"), "/reserves", _("Food reserves"))
    held = {
        commodity: tonnes
        for (state, commodity), tonnes in service.held_by_state(session).items()
        if state == iso3 and tonnes
    }
    requests = service.request_summaries(session, country=iso3)
    if not held and not requests:
        block.missing.append(
            Missing(
                _("No reserve holdings in or releases to this state."),
                command="iofs reserves",
                page="/reserves",
            )
        )
        return block
    total = sum(held.values(), Decimal(0))
    block.facts.append(
        Fact(_("Reserve stocks held in the state"), float(total), number(float(total), 0, "t"))
    )
    if held:
        block.tables.append(
            Table(
                _("Holdings by commodity"),
                (_("Commodity"), _("Tonnes")),
                tuple((c, number(float(t))) for c, t in sorted(held.items())),
            )
        )
    delivered = sum((Decimal(r["delivered_t"] or 0) for r in requests), Decimal(0))
    block.facts.append(Fact(_("Release requests"), len(requests), number(len(requests))))
    block.facts.append(
        Fact(_("Released and delivered (t)"), float(delivered), number(float(delivered), 0, "t"))
    )
    if requests:
        block.tables.append(
            Table(
                _("Release requests"),
                (_("Request"), _("Commodity"), _("Requested (t)"), _("Delivered (t)"), _("Status")),
                tuple(
                    (
                        str(r["reference"]),
                        str(r["commodity"]),
                        number(as_float(r["quantity_t"])),
                        number(as_float(r["delivered_t"])),
                        str(r["status"]),
                    )
                    for r in requests[:8]
                ),
            )
        )
    return block
