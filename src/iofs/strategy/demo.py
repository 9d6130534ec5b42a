"""Demonstration data: the Strategic Vision 2031 structure and the partnerships named in
issue 7, each with its public source. KPIs, baselines and targets that no public source gives
are marked ``illustrative`` in the data and on every page that shows them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from iofs.members import service as members
from iofs.permissions import Principal
from iofs.strategy import framework, partnerships, reporting
from iofs.strategy.schemas import AgreementIn, EventIn, PartnerIn

VISION = (
    "IOFS Strategic Vision 2031, adopted 2021: five pillars carrying 16 programmes "
    "(IOFS, 'IOFS Director General ... 50th CFS Session', 14 Oct 2022, "
    "https://www.iofs.org.kz/post/955)"
)
PILLAR_1 = "https://iofs.org.kz/program/food-security-governance"
PILLAR_2 = "https://www.iofs.org.kz/pillar/food-crisis-response"
PILLAR_3 = (
    "IOFS, meeting with NASEC, 15 Jul 2022, https://www.iofs.org.kz/post/842 (third "
    "pillar: strategic commodities, gene banks, water management, climate change "
    "impacts)"
)
INFERRED = "Pillar assignment inferred; not stated in the source."
ILLUSTRATIVE = "Illustrative value for demonstration; not from a public source."

PILLARS = [
    (
        1,
        "Governance Enablement",
        "تمكين الحوكمة",
        "Gouvernance de la sécurité alimentaire",
        f"{VISION}; {PILLAR_1}",
    ),
    (
        2,
        "Food Crisis Response",
        "الاستجابة للأزمات الغذائية",
        "Réponse aux crises alimentaires",
        f"{VISION}; {PILLAR_2}",
    ),
    (3, "Capacity Building", "بناء القدرات", "Renforcement des capacités", f"{VISION}; {PILLAR_3}"),
    (4, "Industry Development", "تنمية الصناعة", "Développement de l'industrie", VISION),
    (5, "Resource Mobilization", "تعبئة الموارد", "Mobilisation des ressources", VISION),
]
PROGRAMMES = [
    (1, "FSG", "Food Security Governance", PILLAR_1),
    (1, "FBD", "IOFS Food Balance Database", PILLAR_1),
    (2, "FSR", "OIC Food Security Reserves", PILLAR_2),
    (2, "F4H", "Flour for Humanity", PILLAR_2),
    (2, "QRB", "Qurbani Meat", PILLAR_2),
    (3, "STC", "Centres of excellence for strategic commodities", PILLAR_3),
    (3, "NGB", "Development of national gene banks", PILLAR_3),
    (3, "WMA", "Water management in agriculture", PILLAR_3),
    (3, "CCI", "Climate change impacts", PILLAR_3),
    (3, "TAL", "Talent development", f"Named in IOFS Strategic Vision 2031 (issue 7). {INFERRED}"),
    (5, "FUND", "IOFS Fund", f"Named in IOFS Strategic Vision 2031 (issue 7). {INFERRED}"),
]
#: (programme, outcome code, statement, illustrative, sources)
OUTCOMES = [
    (
        "FSG",
        "FSG.O1",
        "All member states have a food security policy framework and implementation mechanism",
        False,
        f"10-year strategic goal, {PILLAR_1}",
    ),
    (
        "FBD",
        "FBD.O1",
        "Member states' food security needs are assessed and monitored",
        False,
        f"Strategic objective 2 of pillar 1, {PILLAR_1}",
    ),
    (
        "FSR",
        "FSR.O1",
        "Food security reserves cover food shortages and support price stability",
        False,
        f"Strategic objective 1 of pillar 2, {PILLAR_2}",
    ),
    (
        "F4H",
        "F4H.O1",
        "Humanitarian food relief reaches crisis-hit member states",
        False,
        f"Strategic objective 2 of pillar 2, {PILLAR_2}",
    ),
    ("NGB", "NGB.O1", "National gene banks conserve plant genetic resources", True, ILLUSTRATIVE),
    ("TAL", "TAL.O1", "Specialists of member states are trained", True, ILLUSTRATIVE),
    ("FUND", "FUND.O1", "IOFS membership grows", True, ILLUSTRATIVE),
]
#: KPIs; all illustrative (their wording and targets are ours, for demonstration).
KPIS: list[dict[str, Any]] = [
    {
        "code": code,
        "name": name,
        "unit": unit,
        "definition": definition,
        "direction": "higher",
        "level": level,
        "additive": additive,
        "data_source": source,
        "feed": feed,
        "illustrative": True,
        "sources": ILLUSTRATIVE,
    }
    for code, name, unit, definition, level, additive, source, feed in (
        (
            "FSG.1",
            "National food security policy framework in place",
            "1 = yes",
            "1 when the state has adopted a food security policy framework with an "
            "implementation mechanism, else 0.",
            "state",
            True,
            "manual",
            None,
        ),
        (
            "FBD.1",
            "Cereal production reported",
            "t",
            "The state's published national figure 'cereal production' (members module), tonnes.",
            "state",
            True,
            "feed",
            "members.cereal_production",
        ),
        (
            "FSR.1",
            "Strategic grain reserve",
            "t",
            "The state's published national figure 'strategic grain reserve', tonnes.",
            "state",
            True,
            "feed",
            "members.strategic_grain_reserve",
        ),
        (
            "F4H.1",
            "Flour delivered under Flour for Humanity",
            "t",
            "Tonnes of flour delivered to beneficiaries in the year (IOFS-wide).",
            "overall",
            False,
            "manual",
            None,
        ),
        (
            "NGB.1",
            "Accessions conserved in the national gene bank",
            "accessions",
            "Accessions held in long-term storage at year end.",
            "state",
            True,
            "manual",
            None,
        ),
        (
            "TAL.1",
            "People trained in IOFS capacity building",
            "persons",
            "Participants of IOFS trainings, scholarships and workshops started in the year "
            "(partnerships module).",
            "overall",
            False,
            "feed",
            "strategy.people_trained",
        ),
        (
            "FUND.1",
            "IOFS member states",
            "states",
            "OIC states that have joined IOFS (members registry).",
            "overall",
            False,
            "feed",
            "members.iofs_member_count",
        ),
    )
]
KPI_OUTCOME = {
    "FSG.1": "FSG.O1",
    "FBD.1": "FBD.O1",
    "FSR.1": "FSR.O1",
    "F4H.1": "F4H.O1",
    "NGB.1": "NGB.O1",
    "TAL.1": "TAL.O1",
    "FUND.1": "FUND.O1",
}
#: Illustrative plans: (kpi, iso3 or None, baseline (year, value), targets).
PLANS: list[tuple[str, str | None, tuple[int, str], list[tuple[int, str]]]] = [
    ("FSG.1", "KAZ", (2021, "0"), [(2026, "1"), (2031, "1")]),
    ("FSG.1", "EGY", (2021, "0"), [(2028, "1"), (2031, "1")]),
    ("NGB.1", "KAZ", (2021, "10000"), [(2026, "14000"), (2031, "20000")]),
    ("NGB.1", "EGY", (2021, "5000"), [(2031, "12000")]),
    ("FBD.1", "KAZ", (2021, "16000000"), [(2031, "22000000")]),
    ("FSR.1", "KAZ", (2021, "1000000"), [(2031, "2000000")]),
    ("F4H.1", None, (2021, "0"), [(2026, "50000"), (2031, "150000")]),
    ("TAL.1", None, (2021, "0"), [(2026, "500"), (2031, "1500")]),
    ("FUND.1", None, (2021, "36"), [(2026, "42"), (2031, "50")]),
]

KOZYBAYEV = "M. Kozybayev North Kazakhstan University"
FORUM = "Named among the forums IOFS works through (issue 7)."
UNDATED = "Issue 7; dates not confirmed from a public source here, left blank."
EVENTS = [
    EventIn(
        name="Second UN Food Systems Summit Stocktake (UNFSS+4)",
        kind="summit",
        starts_on=date(2025, 7, 27),
        ends_on=date(2025, 7, 29),
        place="Addis Ababa",
        country="ETH",
        participation=FORUM,
        sources="Dates and place: Ethiopian News Agency via allAfrica, 30 Jul 2025, "
        "https://allafrica.com/stories/202507300035.html",
    ),
    EventIn(
        name="African Food Systems Summit, Dakar",
        kind="summit",
        place="Dakar",
        country="SEN",
        participation=FORUM,
        sources=UNDATED,
    ),
    EventIn(
        name="Global Green Week, Seoul",
        kind="forum",
        place="Seoul",
        country="KOR",
        participation=FORUM,
        sources=UNDATED,
    ),
]


def load(session: Session, principal: Principal) -> str:
    """The framework (sourced), illustrative KPIs and plans, a 2025 period, partnerships."""
    pillar_ids = {}
    for number, name, name_ar, name_fr, sources in PILLARS:
        pillar_ids[number] = framework.put_pillar(
            session, principal, number, name, name_ar, name_fr, sources
        ).id
    programme_ids = {}
    for pillar, code, name, sources in PROGRAMMES:
        programme_ids[code] = framework.put_programme(
            session, principal, pillar_ids[pillar], code, name, sources
        ).id
    outcome_ids = {}
    for programme, code, statement, illustrative, sources in OUTCOMES:
        outcome_ids[code] = framework.put_outcome(
            session, principal, programme_ids[programme], code, statement, illustrative, sources
        ).id
    kpi_ids = {}
    for data in KPIS:
        kpi_ids[data["code"]] = framework.put_kpi(
            session, principal, {**data, "outcome_id": outcome_ids[KPI_OUTCOME[data["code"]]]}
        ).id
    known = members.iso3_codes(session)
    plans = 0
    for kpi_code, iso3, (base_year, base_value), targets in PLANS:
        if iso3 is not None and iso3 not in known:
            continue
        framework.set_plan(
            session,
            principal,
            kpi_ids[kpi_code],
            iso3,
            "baseline",
            base_year,
            Decimal(base_value),
            True,
            ILLUSTRATIVE,
        )
        for year, value in targets:
            framework.set_plan(
                session,
                principal,
                kpi_ids[kpi_code],
                iso3,
                "target",
                year,
                Decimal(value),
                True,
                ILLUSTRATIVE,
            )
        plans += 1 + len(targets)
    reporting.put_period(session, principal, 2025, "open")
    university = partnerships.put_partner(
        session,
        principal,
        PartnerIn(
            name=KOZYBAYEV,
            kind="university",
            country="KAZ",
            sources="Issue 7: memorandum with IOFS on education, research and capacity development",
        ),
    )
    partnerships.put_agreement(
        session,
        principal,
        AgreementIn(
            title=f"Memorandum of understanding between IOFS and {KOZYBAYEV}",
            kind="mou",
            status="in_force",
            partner_ids=[university.id],
            areas="education, research, capacity development",
            sources="Issue 7 (IOFS partnerships); signature and expiry dates not confirmed "
            "from a public source here, left blank.",
        ),
    )
    for event in EVENTS:
        partnerships.put_event(session, principal, event)
    return (
        f"{len(PILLARS)} pillars, {len(PROGRAMMES)} programmes, {len(KPIS)} KPIs "
        f"(illustrative), {plans} plan values (illustrative), period 2025 open, "
        f"1 agreement, {len(EVENTS)} events"
    )
