"""Demonstration data: an OIC pilot reserve in the region IOFS named, with ILLUSTRATIVE tonnages.

The pilot region (Afghanistan, Iran, Tajikistan, Türkiye, Kazakhstan, Azerbaijan, Albania,
Uzbekistan, Turkmenistan, Kyrgyzstan) is IOFS's; every tonnage, price, warehouse, date and
the release below are illustrative, not from a public source, and marked so. One request is
carried from request to delivery and replenishment: Afghanistan asks for wheat, the committee
(a second person, the demo committee) approves a reduced release, lots in Kazakhstan and
Uzbekistan are dispatched, the delivery is a consignment of the programmes pipeline (approved
by the programmes demo reviewer), and Afghanistan replenishes grain for grain. A second load
changes nothing.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from iofs.permissions import Principal
from iofs.programmes import service as programmes
from iofs.reserves import ledger, registry, releases
from iofs.reserves.models import Movement, ReleaseRequest
from iofs.roles import Role

ILLUSTRATIVE = (
    "ILLUSTRATIVE tonnages, prices, places and dates for demonstration; the pilot "
    "region is IOFS's (Strategic Vision 2031, programme 3), nothing else is "
    "from a public source."
)
COMMITTEE = Principal(roles={Role.SECRETARIAT: frozenset()}, label="demo:committee")
PROGRAMMES_REVIEWER = Principal(roles={Role.SECRETARIAT: frozenset()}, label="demo:reviewer")
PILOT = ["AFG", "IRN", "TJK", "TUR", "KAZ", "AZE", "ALB", "UZB", "TKM", "KGZ"]

#: (code, name, state, place, latitude, longitude, capacity t)
WAREHOUSES = [
    ("KAZ-KOSTANAY", "Kostanay grain terminal", "KAZ", "Kostanay", 53.21, 63.62, 50000),
    ("UZB-TERMEZ", "Termez river port store", "UZB", "Termez", 37.22, 67.28, 20000),
    ("TUR-KONYA", "Konya silo", "TUR", "Konya", 37.87, 32.48, 40000),
    ("AZE-BAKU", "Baku port store", "AZE", "Baku", 40.41, 49.87, 15000),
    ("AFG-MAZAR", "Mazar-i-Sharif strategic store", "AFG", "Mazar-i-Sharif", 36.71, 67.11, 10000),
]
#: (lot code, warehouse, commodity, grade, received, rotation due, best before, tonnes)
LOTS = [
    (
        "KAZ-W-2024-01",
        "KAZ-KOSTANAY",
        "wheat",
        "class 3 milling",
        date(2024, 9, 15),
        date(2026, 9, 15),
        date(2027, 9, 15),
        12000,
    ),
    (
        "KAZ-W-2024-02",
        "KAZ-KOSTANAY",
        "wheat",
        "class 4",
        date(2024, 10, 1),
        date(2025, 10, 1),
        date(2026, 4, 1),
        3000,
    ),
    (
        "UZB-W-2024-01",
        "UZB-TERMEZ",
        "wheat",
        "class 3 milling",
        date(2024, 8, 20),
        date(2026, 8, 20),
        date(2027, 8, 20),
        5000,
    ),
    (
        "TUR-W-2024-01",
        "TUR-KONYA",
        "wheat",
        "durum",
        date(2024, 7, 10),
        date(2026, 7, 10),
        date(2027, 7, 10),
        15000,
    ),
    (
        "AZE-R-2024-01",
        "AZE-BAKU",
        "rice",
        "long grain",
        date(2024, 11, 5),
        date(2025, 11, 5),
        date(2026, 5, 5),
        2000,
    ),
    (
        "AFG-W-2024-01",
        "AFG-MAZAR",
        "wheat",
        "class 3 milling",
        date(2024, 9, 1),
        date(2026, 9, 1),
        date(2027, 9, 1),
        1500,
    ),
]
PLEDGES: list[tuple[str, str, str, str, int | None, int | None]] = [
    # (reference, state, commodity, form, tonnes, USD)
    ("PILOT-KAZ-W", "KAZ", "wheat", "physical", 20000, None),
    ("PILOT-UZB-W", "UZB", "wheat", "physical", 6000, None),
    ("PILOT-TUR-W", "TUR", "wheat", "physical", 20000, None),
    ("PILOT-AZE-R", "AZE", "rice", "physical", 3000, None),
    ("PILOT-AFG-W", "AFG", "wheat", "physical", 2000, None),
    ("PILOT-TUR-F", "TUR", "wheat", "financial", None, 5000000),
    ("PILOT-IRN-F", "IRN", "wheat", "financial", None, 3000000),
]
REQUEST = "AFG-2025-01"
APPEAL = "RES-AFG-2025"


def _base(**values: Any) -> dict[str, Any]:
    return {**values, "sources": ILLUSTRATIVE, "illustrative": True}


def load(session: Session, principal: Principal) -> str:
    """The pilot system, a humanitarian reserve, warehouses, lots, pledges, one release."""
    registry.put_system(
        session,
        principal,
        _base(
            code="OIC-PILOT",
            name="OIC pilot regional food security reserve",
            name_ar="الاحتياطي الإقليمي التجريبي للأمن الغذائي لمنظمة التعاون الإسلامي",
            name_fr="Réserve régionale pilote de sécurité alimentaire de l'OCI",
            kind="regional",
            description="Earmarked stocks owned and stored by each member on its territory "
            "(after APTERR); pilot region named by IOFS.",
            members=PILOT,
        ),
    )
    registry.put_system(
        session,
        principal,
        _base(
            code="IOFS-HUM",
            name="IOFS humanitarian reserve",
            name_ar="الاحتياطي الإنساني للمنظمة الإسلامية للأمن الغذائي",
            name_fr="Réserve humanitaire de l'OISA",
            kind="humanitarian",
            description="Funded by donations, held for emergencies.",
            members=["KAZ", "TUR"],
        ),
    )
    for commodity, tonnes in (("wheat", 60000), ("rice", 5000)):
        registry.put_target(
            session,
            principal,
            _base(
                system="OIC-PILOT", commodity=commodity, quantity_t=tonnes, set_on=date(2024, 6, 1)
            ),
        )
    for reference, country, commodity, form, pledged_t, usd in PLEDGES:
        registry.put_pledge(
            session,
            principal,
            _base(
                reference=reference,
                system="OIC-PILOT",
                country=country,
                commodity=commodity,
                form=form,
                quantity_t=pledged_t,
                amount=usd,
                amount_usd=usd,
                currency="USD",
                grade="milling" if form == "physical" else "",
                pledged_on=date(2024, 6, 1),
            ),
        )
    for code, name, country, place, lat, lon, capacity in WAREHOUSES:
        registry.put_warehouse(
            session,
            principal,
            _base(
                code=code,
                name=name,
                country=country,
                place=place,
                latitude=lat,
                longitude=lon,
                capacity_t=capacity,
                system="OIC-PILOT",
            ),
        )
    for code, store, commodity, grade, received, rotation, best, tonnes in LOTS:
        lot = ledger.put_lot(
            session,
            principal,
            _base(
                code=code,
                warehouse=store,
                commodity=commodity,
                grade=grade,
                received_on=received,
                rotation_due=rotation,
                best_before=best,
            ),
        )
        session.flush()
        reference = f"demo:{code}:receipt"
        if not session.execute(select(Movement.id).where(Movement.reference == reference)).first():
            ledger.append(
                session,
                principal,
                lot,
                "receipt",
                received,
                Decimal(tonnes),
                document="demo receipt",
                reference=reference,
            )
            ledger.add_quality_test(
                session,
                principal,
                code,
                {
                    "tested_on": received,
                    "moisture_percent": "12.5",
                    "result": "pass",
                    "note": "illustrative",
                },
            )
    carried = _release(session, principal)
    return (
        f"2 reserve systems, {len(WAREHOUSES)} warehouses, {len(LOTS)} lots "
        f"(illustrative tonnages); request {REQUEST} {carried}"
    )


def _release(session: Session, principal: Principal) -> str:
    if session.execute(
        select(ReleaseRequest.id).where(ReleaseRequest.reference == REQUEST)
    ).first():
        return "already carried through"
    programmes.record_appeal(
        session,
        principal,
        _base(
            code=APPEAL,
            title="Afghanistan wheat release from the OIC pilot reserve (illustrative)",
            launched_on=date(2025, 3, 3),
            commodity="wheat",
        ),
    )
    releases.create_request(
        session,
        principal,
        _base(
            reference=REQUEST,
            country="AFG",
            commodity="wheat",
            quantity_t="2500",
            tier=3,
            people=150000,
            requested_on=date(2025, 3, 3),
            system="OIC-PILOT",
            appeal=APPEAL,
            reason="Drought and high wheat flour prices in the north (illustrative).",
        ),
    )
    releases.assess(
        session,
        principal,
        REQUEST,
        {
            "dated": date(2025, 3, 6),
            "quantity_t": "2500",
            "note": "Monthly import gap of the northern provinces over two months (illustrative).",
        },
    )
    releases.decide(
        session,
        COMMITTEE,
        REQUEST,
        {
            "decision": "reduce",
            "dated": date(2025, 3, 10),
            "quantity_t": "2000",
            "reason": "Reduced to what the pilot lots can spare before rotation (illustrative).",
        },
    )
    releases.dispatch(
        session,
        principal,
        REQUEST,
        {
            "dated": date(2025, 3, 14),
            "destination": "Mazar-i-Sharif",
            "document": "DEMO-WB-001",
            "lots": [
                {"lot": "KAZ-W-2024-01", "quantity_t": "1200"},
                {"lot": "UZB-W-2024-01", "quantity_t": "800"},
            ],
        },
    )
    target = releases.deliver(
        session,
        principal,
        REQUEST,
        {
            "dated": date(2025, 3, 31),
            "quantity_t": "1985",
            "loss_t": "15",
            "document": "DEMO-GRN-001",
        },
    )
    for stage_id in releases.pipeline_stage_ids(session, target):
        programmes.decide_stage(session, PROGRAMMES_REVIEWER, stage_id, "approved", "demo data")
    releases.oblige_replenishment(
        session, principal, REQUEST, {"form": "grain", "due_on": date(2026, 3, 31)}
    )
    releases.settle_replenishment(
        session,
        principal,
        REQUEST,
        {"dated": date(2025, 10, 20), "lot": "KAZ-W-2024-01", "document": "DEMO-REPL-001"},
    )
    return "carried from request to delivery and replenishment"
