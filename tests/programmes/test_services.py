"""Programme services: figures, maker–checker, money, pipeline, results, permissions, audit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from iofs.accounts.service import cli_principal
from iofs.audit import service as audit
from iofs.db import transaction
from iofs.errors import InputError
from iofs.permissions import PermissionDenied, Principal
from iofs.programmes import contributions, figures, pipeline, registry, results, review
from iofs.programmes.models import Contribution
from iofs.roles import Role

MAKER = Principal(user_id=9001, roles={Role.SECRETARIAT: frozenset()}, label="maker")
CHECKER = Principal(user_id=9002, roles={Role.SECRETARIAT: frozenset()}, label="checker")
KAZ_FOCAL = Principal(user_id=9003, roles={Role.FOCAL_POINT: frozenset({"KAZ"})}, label="kaz")
PSE_FOCAL = Principal(user_id=9004, roles={Role.FOCAL_POINT: frozenset({"PSE"})}, label="pse")
DONOR_KAZ = Principal(user_id=9005, roles={Role.DONOR: frozenset({"KAZ"})}, label="donor-kaz")


def _gaza(session: Session) -> figures.AppealFigures:
    return figures.appeal_figures(session, registry.appeal(session, "F4H-GAZA"))


def test_gaza_appeal_shows_200_of_1000_tonnes_and_its_donors(
    programme_data: sessionmaker[Session],
) -> None:
    with transaction(programme_data) as session:
        gaza = _gaza(session)
    assert gaza.total.required_t == Decimal("1000")
    assert gaza.total.delivered_t == Decimal("200")
    assert gaza.total.gap_t == Decimal("800")
    assert gaza.households_reached == 8000
    assert {line.key for line in gaza.by_donor} == {"KAZ", "TJK", "BGD", "AZE"}
    # the IOFS → partner allocation (30 000 of Kazakhstan's 40 000) is not new money
    assert gaza.total.funding.paid == Decimal("100000.00")
    assert gaza.total.coverage_percent == pytest.approx(20.0)
    assert gaza.total.gap_usd == Decimal("400000.00")


def test_pledges_are_shown_but_never_counted(programme_data: sessionmaker[Session]) -> None:
    with transaction(programme_data) as session:
        contribution, _ = contributions.put_contribution(
            session,
            MAKER,
            {
                "donor": "TKM",
                "appeal": "F4H-GAZA",
                "status": "pledge",
                "decided_on": date(2025, 2, 1),
                "amount": "50000",
            },
        )
        review.decide(session, CHECKER, "contribution", contribution.id, "approved")
        gaza = _gaza(session)
    assert gaza.total.funding.pledged == Decimal("50000")
    assert gaza.total.funding.funded == Decimal("100000.00")
    assert gaza.total.coverage_percent == pytest.approx(20.0)


def test_a_figure_counts_only_once_a_second_person_approves_it(
    programme_data: sessionmaker[Session],
) -> None:
    with transaction(programme_data) as session:
        contribution, _ = contributions.put_contribution(
            session,
            MAKER,
            {
                "donor": "TUR",
                "appeal": "F4H-GAZA",
                "status": "paid",
                "decided_on": date(2025, 2, 1),
                "amount": "25000",
            },
        )
        assert _gaza(session).total.funding.paid == Decimal("100000.00")
        assert _gaza(session).pending_usd == Decimal("25000.00")
        with pytest.raises(PermissionDenied, match="someone other"):
            review.decide(session, MAKER, "contribution", contribution.id, "approved")
        with pytest.raises(InputError, match="why"):
            review.decide(session, CHECKER, "contribution", contribution.id, "rejected")
        with pytest.raises(PermissionDenied):
            review.decide(session, KAZ_FOCAL, "contribution", contribution.id, "approved")
        review.decide(session, CHECKER, "contribution", contribution.id, "approved")
        assert _gaza(session).total.funding.paid == Decimal("125000.00")
        with pytest.raises(InputError, match="already"):
            review.decide(session, CHECKER, "contribution", contribution.id, "approved")


def test_status_moves_forward_and_each_step_is_approved(
    programme_data: sessionmaker[Session],
) -> None:
    with transaction(programme_data) as session:
        contribution, _ = contributions.put_contribution(
            session,
            MAKER,
            {
                "reference": "T-1",
                "donor": "AZE",
                "appeal": "F4H-GAZA",
                "status": "pledge",
                "decided_on": date(2025, 3, 1),
                "amount": "10000",
            },
        )
        review.decide(session, CHECKER, "contribution", contribution.id, "approved")
        with pytest.raises(InputError, match="before the previous step"):
            contributions.add_status(
                session, MAKER, "T-1", {"status": "paid", "dated": date(2025, 2, 1)}
            )
        step = contributions.add_status(
            session,
            MAKER,
            "T-1",
            {"status": "paid", "dated": date(2025, 4, 1), "document": "SWIFT 123"},
        )
        assert contribution.status == "pledge"  # not yet approved
        review.decide(session, CHECKER, "status", step.id, "approved")
        assert contribution.status == "paid"
        with pytest.raises(InputError, match="forward"):
            contributions.add_status(
                session, MAKER, "T-1", {"status": "commitment", "dated": date(2025, 5, 1)}
            )
        conversion = {line.donor: line for line in figures.pledge_conversion(session)}
        assert conversion["AZE"].pledged_usd == Decimal("10000.00")
        assert conversion["AZE"].conversion_percent == pytest.approx(100.0)
        assert [s.status for s in contributions.history(session, contribution.id)] == [
            "pledge",
            "paid",
        ]


def test_cash_in_another_currency_keeps_rate_date_source_and_exact_usd(
    programme_data: sessionmaker[Session],
) -> None:
    with transaction(programme_data) as session:
        with pytest.raises(InputError) as missing:
            contributions.put_contribution(
                session,
                MAKER,
                {
                    "donor": "KAZ",
                    "appeal": "F4H-GAZA",
                    "decided_on": date(2025, 1, 1),
                    "currency": "KZT",
                    "amount": "1234567.89",
                },
            )
        assert missing.value.field == "exchange_rate"
        contribution, _ = contributions.put_contribution(
            session,
            MAKER,
            {
                "donor": "KAZ",
                "appeal": "F4H-GAZA",
                "decided_on": date(2025, 1, 1),
                "currency": "kzt",
                "amount": "1234567.89",
                "exchange_rate": "0.0019234",
                "rate_date": date(2025, 1, 1),
                "rate_source": "National Bank of Kazakhstan",
            },
        )
        session.flush()
        session.expire(contribution)
        assert contribution.amount == Decimal("1234567.89")
        assert contribution.exchange_rate == Decimal("0.0019234000")
        # 1,234,567.89 × 0.0019234 = 2374.57 (half-even to the cent)
        assert contribution.amount_usd == Decimal("2374.57")
        assert isinstance(contribution.amount_usd, Decimal)


def test_in_kind_needs_goods_and_a_value(programme_data: sessionmaker[Session]) -> None:
    with transaction(programme_data) as session:
        base = {
            "donor": "KAZ",
            "appeal": "F4H-GAZA",
            "country": "PSE",
            "modality": "in_kind",
            "decided_on": date(2025, 1, 1),
        }
        with pytest.raises(InputError) as no_goods:
            contributions.put_contribution(session, MAKER, base)
        assert no_goods.value.field == "commodity"
        goods = {**base, "commodity": "wheat flour", "quantity": "50000", "unit": "kg"}
        with pytest.raises(InputError, match="No market price") as no_price:
            contributions.put_contribution(session, MAKER, goods)
        assert no_price.value.field == "amount"
        contribution, _ = contributions.put_contribution(
            session, MAKER, {**goods, "amount": "21000", "valuation_source": "Supplier invoice 17"}
        )
        assert contribution.quantity_t == Decimal("50.000")
        assert contribution.valuation_method == "donor_declared"
        assert contribution.amount_usd == Decimal("21000.00")


def test_allocations_never_double_count_nor_exceed_their_parent(
    programme_data: sessionmaker[Session],
) -> None:
    with transaction(programme_data) as session:
        with pytest.raises(InputError, match="exceed") as error:
            contributions.put_contribution(
                session,
                MAKER,
                {
                    "donor": "IOFS",
                    "recipient": "DEMO-PARTNER-GAZA",
                    "appeal": "F4H-GAZA",
                    "decided_on": date(2025, 1, 1),
                    "amount": "10000.01",
                    "parent": "F4H-GAZA-KAZ-1",
                    "status": "paid",
                },
            )
        assert error.value.field == "amount"
        child = session.execute(
            select(Contribution).where(Contribution.reference == "F4H-GAZA-IOFS-PARTNER-1")
        ).scalar_one()
        assert child.new_money is False
        assert child.approval == "approved"
        assert all(line.key != "IOFS" for line in _gaza(session).by_donor)


def test_usage_years_must_add_up(programme_data: sessionmaker[Session]) -> None:
    with transaction(programme_data) as session:
        with pytest.raises(InputError) as error:
            contributions.put_contribution(
                session,
                MAKER,
                {
                    "donor": "TUR",
                    "programme": "AFSP",
                    "decided_on": date(2025, 1, 1),
                    "amount": "1000",
                    "years": {2025: "600", 2026: "300"},
                },
            )
        assert error.value.field == "years"
        contribution, _ = contributions.put_contribution(
            session,
            MAKER,
            {
                "donor": "TUR",
                "programme": "AFSP",
                "decided_on": date(2025, 1, 1),
                "amount": "1000",
                "years": {2025: "600", 2026: "400"},
            },
        )
        assert contributions.usage_year_amounts(session, contribution) == {
            2025: Decimal("600.00"),
            2026: Decimal("400.00"),
        }


def test_same_entry_twice_changes_nothing_and_a_change_needs_approval_again(
    programme_data: sessionmaker[Session],
) -> None:
    entry = {
        "reference": "F4H-GAZA-KAZ-1",
        "donor": "KAZ",
        "appeal": "F4H-GAZA",
        "project": "F4H-PSE",
        "status": "paid",
        "decided_on": date(2024, 12, 2),
        "amount": "40000",
        "description": "Phase 1 of the appeal (donor sourced; amount illustrative)",
        "illustrative": True,
    }
    with transaction(programme_data) as session:
        before = audit.entry_count(session)
        row = contributions.by_reference(session, "F4H-GAZA-KAZ-1")
        entry["sources"] = row.sources
        _, changed = contributions.put_contribution(session, MAKER, entry)
        assert not changed
        assert audit.entry_count(session) == before
        _, changed = contributions.put_contribution(session, MAKER, {**entry, "amount": "45000"})
        assert changed
        assert row.approval == "pending"
        assert _gaza(session).total.funding.paid == Decimal("60000.00")


def test_writes_say_whether_they_created_changed_or_left_a_record(
    programme_data: sessionmaker[Session],
) -> None:
    consignment = {
        "reference": "P9",
        "appeal": "F4H-GAZA",
        "country": "PSE",
        "commodity": "wheat flour",
    }
    people = {
        "appeal": "F4H-GAZA",
        "country": "PSE",
        "measure": "reached",
        "unit": "people",
        "number": 100,
        "as_of": date(2025, 3, 1),
    }
    with transaction(programme_data) as session:
        outcomes = [
            pipeline.put_consignment_outcome(session, MAKER, values)[1]
            for values in (consignment, consignment, {**consignment, "commodity": "rice"})
        ]
        assert outcomes == ["created", "unchanged", "changed"]
        outcomes = [
            pipeline.put_beneficiaries_outcome(session, MAKER, values)[1]
            for values in (people, people, {**people, "number": 120})
        ]
        assert outcomes == ["created", "unchanged", "changed"]
        gift = {
            "reference": "C-P9",
            "donor": "KAZ",
            "appeal": "F4H-GAZA",
            "status": "pledge",
            "decided_on": date(2025, 1, 5),
            "amount": "1000",
        }
        outcomes = [
            contributions.put_contribution_outcome(session, MAKER, values)[1]
            for values in (gift, gift, {**gift, "amount": "1200"})
        ]
        assert outcomes == ["created", "unchanged", "changed"]


def test_revised_requirement_replaces_the_original_for_coverage(
    programme_data: sessionmaker[Session],
) -> None:
    with transaction(programme_data) as session:
        with pytest.raises(InputError, match="before"):
            registry.put_revision(
                session,
                MAKER,
                "F4H-GAZA",
                {
                    "number": 1,
                    "issued_on": date(2024, 10, 1),
                    "reason": "x",
                    "requirements": [
                        {
                            "country": "PSE",
                            "sector_code": "72040",
                            "year": 2025,
                            "amount_usd": "1",
                            "quantity_t": "1",
                        }
                    ],
                },
            )
        registry.put_revision(
            session,
            MAKER,
            "F4H-GAZA",
            {
                "number": 1,
                "issued_on": date(2025, 3, 1),
                "reason": "Second phase priced",
                "requirements": [
                    {
                        "country": "PSE",
                        "sector_code": "72040",
                        "year": 2025,
                        "amount_usd": "400000",
                        "quantity_t": "1000",
                    }
                ],
            },
        )
        gaza = _gaza(session)
    assert gaza.original_usd == Decimal("500000.00")
    assert gaza.total.required_usd == Decimal("400000.00")
    assert gaza.total.coverage_percent == pytest.approx(25.0)


def test_pipeline_stages_cannot_exceed_the_stage_before(
    programme_data: sessionmaker[Session],
) -> None:
    with transaction(programme_data) as session:
        pipeline.put_consignment(
            session,
            MAKER,
            {"reference": "P2", "appeal": "F4H-GAZA", "country": "PSE", "commodity": "wheat flour"},
        )
        pipeline.add_stage(
            session,
            MAKER,
            "P2",
            {"stage": "dispatched", "dated": date(2025, 3, 1), "quantity_t": "100"},
        )
        with pytest.raises(InputError, match="exceed") as error:
            pipeline.add_stage(
                session,
                MAKER,
                "P2",
                {"stage": "received", "dated": date(2025, 3, 5), "quantity_t": "95", "loss_t": "6"},
            )
        assert error.value.field == "quantity_t"
        pipeline.add_stage(
            session,
            MAKER,
            "P2",
            {"stage": "received", "dated": date(2025, 3, 5), "quantity_t": "95", "loss_t": "5"},
        )
        with pytest.raises(InputError, match="before an earlier stage"):
            pipeline.add_stage(
                session,
                MAKER,
                "P2",
                {"stage": "distributed", "dated": date(2025, 2, 1), "quantity_t": "10"},
            )


def test_focal_points_write_only_their_states_deliveries_and_donors_do_not_write(
    programme_data: sessionmaker[Session],
) -> None:
    with transaction(programme_data) as session:
        with pytest.raises(PermissionDenied, match="PSE"):
            pipeline.add_stage(
                session,
                KAZ_FOCAL,
                "F4H-GAZA-P1",
                {"stage": "pledged", "dated": date(2024, 11, 1), "quantity_t": "1"},
            )
        pipeline.put_beneficiaries(
            session,
            PSE_FOCAL,
            {
                "appeal": "F4H-GAZA",
                "country": "PSE",
                "measure": "reached",
                "unit": "people",
                "sex": "female",
                "age_group": "5-17",
                "number": 1200,
                "as_of": date(2025, 1, 31),
            },
        )
        with pytest.raises(PermissionDenied):
            contributions.put_contribution(
                session,
                DONOR_KAZ,
                {
                    "donor": "KAZ",
                    "appeal": "F4H-GAZA",
                    "decided_on": date(2025, 1, 1),
                    "amount": "1",
                },
            )
        with pytest.raises(PermissionDenied):
            registry.put_project(
                session,
                KAZ_FOCAL,
                {
                    "programme": "F4H",
                    "code": "F4H-PSE",
                    "title": "Moved",
                    "country": "PSE",
                    "sector_code": "72040",
                },
            )


def test_results_roll_up_from_projects_to_the_programme(
    programme_data: sessionmaker[Session],
) -> None:
    with transaction(programme_data) as session:
        registry.put_project(
            session,
            MAKER,
            {
                "programme": "AFSP",
                "code": "AFSP-AFG-2",
                "title": "Second province",
                "country": "AFG",
                "sector_code": "31161",
            },
        )
        indicator = results.put_indicator(
            session,
            MAKER,
            {
                "project": "AFSP-AFG-2",
                "code": "FARMERS-TRAINED",
                "title": "Farmers trained",
                "unit": "people",
            },
        )
        session.flush()
        value = results.put_value(
            session,
            MAKER,
            indicator.id,
            {
                "period_start": date(2023, 1, 1),
                "period_end": date(2023, 12, 31),
                "kind": "actual",
                "value": "50",
            },
        )
        programme = registry.programme(session, "AFSP")
        assert results.rolled_up(session, programme.id, "FARMERS-TRAINED")[0].actual == 950
        review.decide(session, CHECKER, "indicator_value", value.id, "approved")
        period = results.rolled_up(session, programme.id, "FARMERS-TRAINED")[0]
        assert (period.target, period.actual) == (Decimal("1200"), Decimal("1000"))
        assert period.achieved_percent == pytest.approx(1000 / 1200 * 100)


def test_every_write_is_audited_and_the_chain_verifies(
    programme_data: sessionmaker[Session],
) -> None:
    with transaction(programme_data) as session:
        assert audit.verify(session).ok
        entries = audit.entry_count(session)
        contributions_count = session.execute(
            select(func.count()).select_from(Contribution)
        ).scalar_one()
        demo_again = cli_principal()
        from iofs.programmes import demo

        demo.load(session, demo_again)
        assert audit.entry_count(session) == entries
        assert (
            session.execute(select(func.count()).select_from(Contribution)).scalar_one()
            == contributions_count
        )


def test_strategy_feeds_read_approved_programme_figures(
    programme_data: sessionmaker[Session],
) -> None:
    from iofs.feeds import feed_value

    with transaction(programme_data) as session:
        assert feed_value(session, "programmes.tonnes_distributed", None, 2025) == Decimal("200")
        assert feed_value(session, "programmes.tonnes_distributed", "PSE", 2025) == Decimal("200")
        assert feed_value(session, "programmes.tonnes_distributed", "AFG", 2025) is None
        assert feed_value(session, "programmes.people_trained", "AFG", 2023) == Decimal(250)
        # 2024: the four Gaza payments (100 000); the IOFS allocation is not new money
        assert feed_value(session, "programmes.funding_received", "PSE", 2024) == Decimal(
            "100000.00"
        )
        pipeline.put_consignment(
            session,
            MAKER,
            {"reference": "P9", "appeal": "F4H-GAZA", "country": "PSE", "commodity": "wheat flour"},
        )
        pipeline.add_stage(
            session,
            MAKER,
            "P9",
            {"stage": "distributed", "dated": date(2025, 5, 1), "quantity_t": "50"},
        )
        # pending: not counted
        assert feed_value(session, "programmes.tonnes_distributed", None, 2025) == Decimal("200")
