"""Demonstration data: the three IOFS programmes of issue 5 with their public figures.

Sourced: the programmes, their backers, the Gaza appeal's target of 1,000 t of wheat flour and
its first phase (200 t to about 8,000 households in January 2025, funded by Kazakhstan,
Tajikistan, Bangladesh and Azerbaijan). No public source gives the USD amounts, exact dates,
partners or results, so every record holding such a figure is marked ``illustrative`` and says
which of its figures are; pages show the mark.

The loader enters the figures as the operator and approves them as a separate demo reviewer
(maker–checker), so that they count. A second load changes nothing.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from iofs.permissions import Principal
from iofs.programmes import contributions, pipeline, registry, results, review
from iofs.programmes.models import ConsignmentStage
from iofs.roles import Role

GAZA_SOURCE = (
    'IOFS, "Flour for Humanity" Gaza Emergency Appeal: target 1,000 t of wheat '
    "flour; phase 1 delivered 200 t to about 8,000 households in January 2025, "
    "funded by Kazakhstan, Tajikistan, Bangladesh and Azerbaijan (IOFS "
    "announcements, https://www.iofs.org.kz, as summarised in issue 5)"
)
AFSP_SOURCE = (
    "IOFS Afghanistan Food Security Programme: agricultural rehabilitation, seed "
    "and fertiliser, machinery and farmer training, backed by Kazakhstan, "
    "Tajikistan, Turkmenistan and Türkiye (https://www.iofs.org.kz, issue 5)"
)
AFSI_SOURCE = "IOFS Africa Food Security Initiative (https://www.iofs.org.kz, issue 5)"
ILLUSTRATIVE = "Illustrative figures for demonstration; not from a public source."
REVIEWER = Principal(roles={Role.SECRETARIAT: frozenset()}, label="demo:reviewer")

ORGANISATIONS: list[dict[str, Any]] = [
    {
        "code": "IOFS",
        "name": "Islamic Organization for Food Security",
        "name_ar": "المنظمة الإسلامية للأمن الغذائي",
        "name_fr": "Organisation islamique pour la sécurité alimentaire",
        "kind": "iofs",
        "country": "KAZ",
        "sources": "https://www.iofs.org.kz",
    },
    {
        "code": "KAZ",
        "name": "Kazakhstan",
        "name_ar": "كازاخستان",
        "name_fr": "Kazakhstan",
        "kind": "state",
    },
    {
        "code": "TJK",
        "name": "Tajikistan",
        "name_ar": "طاجيكستان",
        "name_fr": "Tadjikistan",
        "kind": "state",
    },
    {
        "code": "TKM",
        "name": "Turkmenistan",
        "name_ar": "تركمانستان",
        "name_fr": "Turkménistan",
        "kind": "state",
    },
    {"code": "TUR", "name": "Türkiye", "name_ar": "تركيا", "name_fr": "Türkiye", "kind": "state"},
    {
        "code": "AZE",
        "name": "Azerbaijan",
        "name_ar": "أذربيجان",
        "name_fr": "Azerbaïdjan",
        "kind": "state",
    },
    {
        "code": "BGD",
        "name": "Bangladesh",
        "name_ar": "بنغلاديش",
        "name_fr": "Bangladesh",
        "kind": "state",
    },
    {
        "code": "DEMO-PARTNER-GAZA",
        "name": "Implementing partner in Gaza (illustrative)",
        "kind": "ngo",
        "country": "PSE",
        "illustrative": True,
        "sources": ILLUSTRATIVE,
    },
]

PROGRAMMES: list[dict[str, Any]] = [
    {
        "code": "AFSP",
        "title": "Afghanistan Food Security Programme",
        "title_ar": "برنامج الأمن الغذائي في أفغانستان",
        "title_fr": "Programme de sécurité alimentaire pour l'Afghanistan",
        "description": "Agricultural rehabilitation, seed and fertiliser, machinery and farmer "
        "training.",
        "sector_code": "31161",
        "starts_on": date(2022, 1, 1),
        "sources": AFSP_SOURCE + ". Start date illustrative.",
        "illustrative": True,
    },
    {
        "code": "F4H",
        "title": "Flour for Humanity",
        "title_ar": "الطحين من أجل الإنسانية",
        "title_fr": "De la farine pour l'humanité",
        "description": "Emergency food aid: wheat flour for families in crisis.",
        "sector_code": "72040",
        "humanitarian": True,
        "starts_on": date(2024, 1, 1),
        "sources": GAZA_SOURCE + ". Start date illustrative.",
        "illustrative": True,
    },
    {
        "code": "AFSI",
        "title": "Africa Food Security Initiative",
        "title_ar": "مبادرة الأمن الغذائي في أفريقيا",
        "title_fr": "Initiative pour la sécurité alimentaire en Afrique",
        "description": "Food security in the African member states of IOFS.",
        "sector_code": "43071",
        "status": "pipeline",
        "sources": AFSI_SOURCE,
        "illustrative": False,
    },
]

PROJECTS: list[dict[str, Any]] = [
    {
        "programme": "AFSP",
        "code": "AFSP-AFG",
        "title": "Agricultural rehabilitation in Afghanistan",
        "country": "AFG",
        "sector_code": "31161",
        "starts_on": date(2022, 1, 1),
        "sources": AFSP_SOURCE + ". " + ILLUSTRATIVE,
        "illustrative": True,
    },
    {
        "programme": "F4H",
        "code": "F4H-PSE",
        "title": "Wheat flour for families in Gaza",
        "country": "PSE",
        "admin1": "Gaza Strip",
        "sector_code": "72040",
        "starts_on": date(2024, 11, 1),
        "implementer": "DEMO-PARTNER-GAZA",
        "sources": GAZA_SOURCE + ". Start date and implementer illustrative.",
        "illustrative": True,
    },
]

GAZA_APPEAL: dict[str, Any] = {
    "code": "F4H-GAZA",
    "title": '"Flour for Humanity" Gaza Emergency Appeal',
    "title_ar": 'نداء الطوارئ لغزة "الطحين من أجل الإنسانية"',
    "title_fr": "Appel d'urgence pour Gaza « De la farine pour l'humanité »",
    "programme": "F4H",
    "launched_on": date(2024, 11, 1),
    "commodity": "wheat flour",
    "sources": GAZA_SOURCE + ". Launch date and USD requirement illustrative.",
    "illustrative": True,
}
#: 1,000 t sourced; USD 500 per tonne delivered is an illustrative price.
GAZA_REQUIREMENT = {
    "number": 0,
    "issued_on": date(2024, 11, 1),
    "reason": "Original appeal (USD value illustrative: 1,000 t at USD 500/t)",
    "requirements": [
        {
            "country": "PSE",
            "sector_code": "72040",
            "year": 2025,
            "amount_usd": Decimal("500000"),
            "quantity_t": Decimal("1000"),
        }
    ],
}

#: (reference, donor, appeal, project, status, decided_on, amount USD) — amounts illustrative.
CONTRIBUTIONS: list[tuple[str, str, str | None, str, str, date, str]] = [
    ("F4H-GAZA-KAZ-1", "KAZ", "F4H-GAZA", "F4H-PSE", "paid", date(2024, 12, 2), "40000"),
    ("F4H-GAZA-TJK-1", "TJK", "F4H-GAZA", "F4H-PSE", "paid", date(2024, 12, 5), "25000"),
    ("F4H-GAZA-BGD-1", "BGD", "F4H-GAZA", "F4H-PSE", "paid", date(2024, 12, 9), "15000"),
    ("F4H-GAZA-AZE-1", "AZE", "F4H-GAZA", "F4H-PSE", "paid", date(2024, 12, 12), "20000"),
    ("AFSP-KAZ-1", "KAZ", None, "AFSP-AFG", "paid", date(2022, 6, 1), "300000"),
    ("AFSP-TJK-1", "TJK", None, "AFSP-AFG", "commitment", date(2023, 3, 1), "100000"),
    ("AFSP-TKM-1", "TKM", None, "AFSP-AFG", "pledge", date(2023, 9, 1), "150000"),
    ("AFSP-TUR-1", "TUR", None, "AFSP-AFG", "paid", date(2023, 5, 1), "200000"),
]
#: The phase-1 pipeline of the Gaza appeal: 200 t and January 2025 sourced, other dates not.
GAZA_STAGES = [
    ("procured", date(2024, 12, 20)),
    ("dispatched", date(2025, 1, 5)),
    ("received", date(2025, 1, 15)),
    ("distributed", date(2025, 1, 31)),
]


def _approve_all(session: Session) -> int:
    """Approve every pending demo figure as the demo reviewer; returns how many."""
    count = 0
    for figure in review.pending(session):
        record = session.get(review.REVIEWABLE[figure.kind], figure.id)
        if record is None or record.approval != "pending":
            continue  # approved with its contribution
        review.decide(session, REVIEWER, figure.kind, figure.id, "approved", "demo data")
        count += 1
    return count


def load(session: Session, principal: Principal) -> str:
    """Organisations, the three programmes, the Gaza appeal and its phase 1, AFSP results."""
    for organisation in ORGANISATIONS:
        registry.put_organisation(session, principal, organisation)
    for programme in PROGRAMMES:
        registry.put_programme(session, principal, programme)
    for entry in PROJECTS:
        registry.put_project(session, principal, entry)
    registry.put_appeal(session, principal, GAZA_APPEAL)
    registry.put_revision(session, principal, "F4H-GAZA", GAZA_REQUIREMENT)
    for reference, donor, appeal, project, status, decided, amount in CONTRIBUTIONS:
        contributions.put_contribution(
            session,
            principal,
            {
                "reference": reference,
                "donor": donor,
                "appeal": appeal,
                "project": project,
                "status": status,
                "decided_on": decided,
                "amount": amount,
                "description": (
                    "Phase 1 of the appeal (donor sourced; amount illustrative)"
                    if appeal
                    else "Programme contribution (illustrative)"
                ),
                "sources": (GAZA_SOURCE if appeal else AFSP_SOURCE) + ". " + ILLUSTRATIVE,
                "illustrative": True,
            },
        )
    # IOFS passes part of the Kazakh money to the implementing partner: not new money
    contributions.put_contribution(
        session,
        principal,
        {
            "reference": "F4H-GAZA-IOFS-PARTNER-1",
            "donor": "IOFS",
            "recipient": "DEMO-PARTNER-GAZA",
            "appeal": "F4H-GAZA",
            "project": "F4H-PSE",
            "status": "paid",
            "decided_on": date(2024, 12, 15),
            "amount": "30000",
            "parent": "F4H-GAZA-KAZ-1",
            "description": "Allocation for distribution costs",
            "sources": ILLUSTRATIVE,
            "illustrative": True,
        },
    )
    pipeline.put_consignment(
        session,
        principal,
        {
            "reference": "F4H-GAZA-P1",
            "appeal": "F4H-GAZA",
            "project": "F4H-PSE",
            "country": "PSE",
            "commodity": "wheat flour",
            "origin": "Kazakhstan",
            "destination": "Gaza Strip",
            "sources": GAZA_SOURCE + ". Stage dates illustrative.",
            "illustrative": True,
        },
    )
    consignment = pipeline.consignment(session, "F4H-GAZA-P1")
    recorded = set(
        session.execute(
            select(ConsignmentStage.stage).where(ConsignmentStage.consignment_id == consignment.id)
        ).scalars()
    )
    for stage, day in GAZA_STAGES:
        if stage not in recorded:
            pipeline.add_stage(
                session,
                principal,
                "F4H-GAZA-P1",
                {
                    "stage": stage,
                    "dated": day,
                    "quantity_t": "200",
                    "document": f"F4H-P1-{stage[:4].upper()}",
                },
            )
    pipeline.put_beneficiaries(
        session,
        principal,
        {
            "appeal": "F4H-GAZA",
            "project": "F4H-PSE",
            "consignment": "F4H-GAZA-P1",
            "country": "PSE",
            "measure": "reached",
            "unit": "households",
            "number": 8000,
            "as_of": date(2025, 1, 31),
            "sources": GAZA_SOURCE,
        },
    )
    pipeline.put_beneficiaries(
        session,
        principal,
        {
            "appeal": "F4H-GAZA",
            "project": "F4H-PSE",
            "country": "PSE",
            "measure": "targeted",
            "unit": "households",
            "number": 40000,
            "as_of": date(2024, 11, 1),
            "sources": ILLUSTRATIVE + " (8,000 households per 200 t scaled to 1,000 t)",
            "illustrative": True,
        },
    )
    indicator = results.put_indicator(
        session,
        principal,
        {
            "project": "AFSP-AFG",
            "code": "FARMERS-TRAINED",
            "title": "Farmers trained",
            "unit": "people",
            "baseline_year": 2022,
            "baseline_value": "0",
        },
    )
    session.flush()
    for kind, value in (("target", "1200"), ("actual", "950")):
        results.put_value(
            session,
            principal,
            indicator.id,
            {
                "period_start": date(2023, 1, 1),
                "period_end": date(2023, 12, 31),
                "kind": kind,
                "value": value,
            },
        )
    results.put_indicator(
        session,
        principal,
        {
            "programme": "AFSP",
            "code": "FARMERS-TRAINED",
            "title": "Farmers trained",
            "unit": "people",
        },
    )
    results.put_activity(
        session,
        principal,
        {
            "project": "AFSP-AFG",
            "title": "Farmer field school on wheat seed production",
            "starts_on": date(2023, 4, 10),
            "ends_on": date(2023, 4, 14),
            "location": "Mazar-i-Sharif",
            "participants_female": 60,
            "participants_male": 190,
            "sources": ILLUSTRATIVE,
            "illustrative": True,
        },
    )
    approved = _approve_all(session)
    return (
        f"{len(PROGRAMMES)} programmes, 1 appeal, {len(CONTRIBUTIONS) + 1} contributions; "
        f"{approved} figures approved by the demo reviewer"
    )
