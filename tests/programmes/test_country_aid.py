"""Aid to one state (``service.country_aid``): appeals covering it in their newest revision,
requirement, funding and coverage, donors, tonnes delivered, people reached, FTS flows and
who sees pending figures. Every expected number is worked out by hand below."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from iofs.db import transaction
from iofs.permissions import ANONYMOUS, Principal
from iofs.programmes import contributions, pipeline, registry, review, service
from iofs.programmes.exchange import fts_import
from iofs.roles import Role

MAKER = Principal(user_id=9301, roles={Role.SECRETARIAT: frozenset()}, label="maker")
CHECKER = Principal(user_id=9302, roles={Role.SECRETARIAT: frozenset()}, label="checker")
AFG_FOCAL = Principal(user_id=9303, roles={Role.FOCAL_POINT: frozenset({"AFG"})}, label="afg")
KAZ_FOCAL = Principal(user_id=9304, roles={Role.FOCAL_POINT: frozenset({"KAZ"})}, label="kaz")

APPEAL = "TEST-AFG-WINTER"


def _requirement(country: str, sector: str, year: int, usd: str, t: str | None = None) -> Any:
    return {
        "country": country,
        "sector_code": sector,
        "year": year,
        "amount_usd": usd,
        "quantity_t": t,
    }


def _flow(fts_id: int, usd: int, status: str) -> dict[str, Any]:
    return {
        "id": str(fts_id),
        "amountUSD": usd,
        "status": status,
        "decisionDate": "2025-02-01",
        "date": "2025-02-01",
        "flowType": "Standard",
        "boundary": "incoming",
        "newMoney": True,
        "contributionType": "financial",
        "sourceObjects": [{"type": "Organization", "id": "9", "name": "Test donor"}],
        "destinationObjects": [{"type": "Location", "id": "1", "name": "Afghanistan"}],
    }


def add_approved_contribution(
    session: Session, reference: str, appeal: str, country: str | None, usd: str = "100000"
) -> None:
    """A paid contribution from Kazakhstan (sector 72040, 10 Feb 2025) to ``appeal`` for
    ``country``, entered by :data:`MAKER` and approved by :data:`CHECKER`."""
    contribution, _outcome = contributions.put_contribution(
        session,
        MAKER,
        {
            "reference": reference,
            "donor": "KAZ",
            "appeal": appeal,
            "country": country,
            "sector_code": "72040",
            "status": "paid",
            "decided_on": date(2025, 2, 10),
            "amount": usd,
        },
    )
    session.flush()
    review.decide(session, CHECKER, "contribution", contribution.id, "approved", "test")


def add_afghan_appeal(session: Session, maker: Principal, checker: Principal) -> None:
    """Hand-made records for Afghanistan on top of the programmes demo (illustrative):

    - appeal TEST-AFG-WINTER, revision 0: AFG 72040/2025 USD 600,000 (1,200 t), AFG 72010/2025
      USD 200,000, PSE 72040/2025 USD 100,000; revision 1 (newest): AFG 72040/2025 USD 800,000
      (1,500 t), AFG 72010/2026 USD 200,000, PSE unchanged → AFG requires USD 1,000,000, 1,500 t;
    - appeal TEST-AFG-OLD covered AFG in revision 0 only (revision 1: PSE): not covering;
    - to the winter appeal for AFG: KAZ paid 250,000, TUR commitment 150,000, TJK pledge
      100,000 (approved), BGD paid 50,000 (pending); for PSE: AZE paid 30,000;
    - consignment TEST-AFG-C1 to AFG: 300 t procured, distributed 250 t approved + 30 t pending;
    - reached in AFG under the appeal: 5,000 people (2025-01-31) then 9,000 (2025-03-31,
      cumulative), 1,500 households; under project AFSP-AFG 1,200 people; in PSE 700 people;
    - FTS flows to Afghanistan: commitment 70,000, paid 30,000, pledge 10,000.
    """
    registry.put_appeal(
        session,
        maker,
        {
            "code": APPEAL,
            "title": "Winter wheat for Afghanistan (test)",
            "title_fr": "Blé d'hiver pour l'Afghanistan (test)",
            "launched_on": date(2024, 12, 1),
            "commodity": "wheat",
            "illustrative": True,
        },
    )
    registry.put_revision(
        session,
        maker,
        APPEAL,
        {
            "number": 0,
            "issued_on": date(2024, 12, 1),
            "requirements": [
                _requirement("AFG", "72040", 2025, "600000", "1200"),
                _requirement("AFG", "72010", 2025, "200000"),
                _requirement("PSE", "72040", 2025, "100000"),
            ],
        },
    )
    registry.put_revision(
        session,
        maker,
        APPEAL,
        {
            "number": 1,
            "issued_on": date(2025, 2, 1),
            "requirements": [
                _requirement("AFG", "72040", 2025, "800000", "1500"),
                _requirement("AFG", "72010", 2026, "200000"),
                _requirement("PSE", "72040", 2025, "100000"),
            ],
        },
    )
    registry.put_appeal(session, maker, {"code": "TEST-AFG-OLD", "title": "Old appeal (test)"})
    for number, country in ((0, "AFG"), (1, "PSE")):
        registry.put_revision(
            session,
            maker,
            "TEST-AFG-OLD",
            {
                "number": number,
                "issued_on": date(2024, 1 + number, 1),
                "requirements": [_requirement(country, "72040", 2024, "50000")],
            },
        )
    approve: list[tuple[str, int]] = []
    for reference, donor, country, status, usd, approved in (
        ("TEST-AFG-W-KAZ", "KAZ", "AFG", "paid", "250000", True),
        ("TEST-AFG-W-TUR", "TUR", "AFG", "commitment", "150000", True),
        ("TEST-AFG-W-TJK", "TJK", "AFG", "pledge", "100000", True),
        ("TEST-AFG-W-BGD", "BGD", "AFG", "paid", "50000", False),
        ("TEST-AFG-W-AZE", "AZE", "PSE", "paid", "30000", True),
    ):
        contribution, _outcome = contributions.put_contribution(
            session,
            maker,
            {
                "reference": reference,
                "donor": donor,
                "appeal": APPEAL,
                "country": country,
                "sector_code": "72040",
                "status": status,
                "decided_on": date(2025, 1, 10),
                "amount": usd,
            },
        )
        if approved:
            approve.append(("contribution", contribution.id))
    pipeline.put_consignment(
        session,
        maker,
        {"reference": "TEST-AFG-C1", "appeal": APPEAL, "country": "AFG", "commodity": "wheat"},
    )
    for stage, tonnes, approved in (
        ("procured", "300", True),
        ("distributed", "250", True),
        ("distributed", "30", False),
    ):
        row = pipeline.add_stage(
            session,
            maker,
            "TEST-AFG-C1",
            {"stage": stage, "dated": date(2025, 3, 1), "quantity_t": tonnes},
        )
        if approved:
            approve.append(("stage", row.id))
    for scope, country, unit, number, day in (
        ({"appeal": APPEAL}, "AFG", "people", 5000, date(2025, 1, 31)),
        ({"appeal": APPEAL}, "AFG", "people", 9000, date(2025, 3, 31)),
        ({"appeal": APPEAL}, "AFG", "households", 1500, date(2025, 3, 31)),
        ({"project": "AFSP-AFG"}, "AFG", "people", 1200, date(2023, 12, 31)),
        ({"appeal": APPEAL}, "PSE", "people", 700, date(2025, 3, 31)),
    ):
        figure = pipeline.put_beneficiaries(
            session,
            maker,
            {**scope, "country": country, "measure": "reached", "unit": unit, "number": number}
            | {"as_of": day},
        )
        session.flush()
        approve.append(("beneficiaries", figure.id))
    session.flush()
    for kind, record_id in approve:
        review.decide(session, checker, kind, record_id, "approved", "test")
    payload = {
        "data": {
            "flows": [
                _flow(880001, 70000, "commitment"),
                _flow(880002, 30000, "paid"),
                _flow(880003, 10000, "pledge"),
            ]
        }
    }
    fts_import.import_flows(session, maker, APPEAL, json.dumps(payload))


@pytest.fixture
def afghan_aid(programme_data: sessionmaker[Session]) -> sessionmaker[Session]:
    with transaction(programme_data) as session:
        add_afghan_appeal(session, MAKER, CHECKER)
    return programme_data


def test_appeals_covering_the_state_in_their_newest_revision(
    afghan_aid: sessionmaker[Session],
) -> None:
    with transaction(afghan_aid) as session:
        aid = service.country_aid(session, ANONYMOUS, "afg")
    assert aid.iso3 == "AFG"
    # TEST-AFG-OLD covered AFG only in its first revision
    assert [a.code for a in aid.appeals] == [APPEAL]
    winter = aid.appeals[0]
    assert winter.revision == 1 and winter.issued_on == date(2025, 2, 1)
    assert [(r.sector_code, r.year, r.amount_usd, r.quantity_t) for r in winter.requirements] == [
        ("72010", 2026, Decimal("200000.00"), None),
        ("72040", 2025, Decimal("800000.00"), Decimal("1500.000")),
    ]
    # 800,000 + 200,000; funding 250,000 paid + 150,000 committed (pledge, PSE, pending out)
    assert aid.required_usd == Decimal("1000000.00")
    assert aid.required_t == Decimal("1500.000")
    assert winter.line.funding.paid == Decimal("250000.00")
    assert winter.line.funding.committed == Decimal("150000.00")
    assert winter.line.funding.pledged == Decimal("100000.00")
    assert aid.appeal_funded_usd == Decimal("400000.00")
    assert aid.coverage_percent == pytest.approx(40.0)  # 400,000 / 1,000,000
    assert aid.gap_usd == Decimal("600000.00")
    assert winter.line.delivered_t == Decimal("250.000")
    # 9,000 (newest of the appeal's cumulative figures) — PSE's 700 not counted
    assert (winter.people_reached, winter.households_reached) == (9000, 1500)
    assert winter.titles["fr"].startswith("Blé") and winter.titles["ar"] == winter.titles["en"]


def test_state_totals_donors_tonnes_people_and_fts(afghan_aid: sessionmaker[Session]) -> None:
    with transaction(afghan_aid) as session:
        aid = service.country_aid(session, ANONYMOUS, "AFG")
    # demo AFSP-AFG: KAZ paid 300,000, TUR paid 200,000, TJK commitment 100,000, TKM pledge
    # 150,000; appeal: KAZ paid 250,000, TUR commitment 150,000, TJK pledge 100,000
    assert aid.funding.paid == Decimal("750000.00")
    assert aid.funding.committed == Decimal("250000.00")
    assert aid.funding.funded == Decimal("1000000.00")
    assert aid.funding.pledged == Decimal("250000.00")
    assert aid.contributions == 7
    assert [(d.code, d.funding.funded, d.funding.pledged) for d in aid.donors] == [
        ("KAZ", Decimal("550000.00"), Decimal("0.00")),
        ("TUR", Decimal("350000.00"), Decimal("0.00")),
        ("TJK", Decimal("100000.00"), Decimal("100000.00")),
        ("TKM", Decimal("0.00"), Decimal("150000.00")),
    ]
    # only approved tranches: 250 t distributed (30 t pending), 300 t procured
    assert aid.delivered_t == Decimal("250.000")
    assert aid.stage_t["procured"] == Decimal("300.000")
    # 9,000 under the appeal + 1,200 under the project
    assert (aid.people_reached, aid.households_reached) == (10200, 1500)
    assert aid.reached_as_of == date(2025, 3, 31)
    assert aid.fts is not None and aid.fts.flows == 3
    assert aid.fts.funding.funded == Decimal("100000.00")  # 70,000 + 30,000
    assert aid.fts.funding.pledged == Decimal("10000.00")


@pytest.mark.parametrize(
    ("who", "pending"),
    [
        (ANONYMOUS, None),
        (KAZ_FOCAL, None),
        (AFG_FOCAL, Decimal("50000.00")),
        (CHECKER, Decimal("50000.00")),
    ],
)
def test_pending_money_only_for_those_allowed(
    afghan_aid: sessionmaker[Session], who: Principal, pending: Decimal | None
) -> None:
    with transaction(afghan_aid) as session:
        aid = service.country_aid(session, who, "AFG")
    assert aid.pending_usd == pending
    # approved figures are the same for everyone
    assert aid.funding.funded == Decimal("1000000.00")


def test_a_state_without_aid_has_no_data(programme_data: sessionmaker[Session]) -> None:
    with transaction(programme_data) as session:
        aid = service.country_aid(session, ANONYMOUS, "SUR")
    assert not aid.has_data
    assert aid.appeals == () and aid.coverage_percent is None and aid.fts is None
    assert aid.required_t is None and aid.delivered_t == Decimal(0)


def test_the_demo_gaza_appeal_covers_palestine(programme_data: sessionmaker[Session]) -> None:
    with transaction(programme_data) as session:
        aid = service.country_aid(session, ANONYMOUS, "PSE")
    (gaza,) = aid.appeals
    # 1,000 t at USD 500,000; four donors paid 100,000 (the IOFS allocation is not new money)
    assert (gaza.code, aid.required_usd, aid.required_t) == (
        "F4H-GAZA",
        Decimal("500000.00"),
        Decimal("1000.000"),
    )
    assert aid.coverage_percent == pytest.approx(20.0)
    assert aid.delivered_t == Decimal("200.000")
    assert (aid.people_reached, aid.households_reached) == (0, 8000)


def test_appeal_coverage_of_every_state_equals_country_aid(
    afghan_aid: sessionmaker[Session],
) -> None:
    with transaction(afghan_aid) as session:
        every = service.appeal_coverage(session)
        for iso3 in ("AFG", "PSE"):
            aid = service.country_aid(session, ANONYMOUS, iso3)
            assert every[iso3].appeals == len(aid.appeals)
            assert every[iso3].required_usd == aid.required_usd
            assert every[iso3].funded_usd == aid.appeal_funded_usd
            assert every[iso3].coverage_percent == aid.coverage_percent
    assert set(every) == {"AFG", "PSE"}  # the old appeal's first revision no longer counts
    # PSE: Gaza 500,000 + winter 100,000 + old appeal (newest revision) 50,000
    assert (every["PSE"].appeals, every["PSE"].required_usd) == (3, Decimal("650000.00"))
    assert every["AFG"].coverage_percent == pytest.approx(40.0)
