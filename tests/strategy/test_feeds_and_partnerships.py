"""Fed KPIs equal their sources; reminders fire for near-expiry agreements and obligations."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from iofs import feeds
from iofs.accounts.service import cli_principal
from iofs.db import transaction
from iofs.members import figures
from iofs.members.models import IofsStatus, MemberState
from iofs.strategy import framework, partnerships, progress
from iofs.strategy.schemas import AgreementIn, ObligationIn, PartnerIn
from tests.conftest import make_user
from tests.strategy.conftest import Framework


def test_fed_kpi_matches_published_national_figure(
    client: TestClient, loaded_registry: sessionmaker[Session], results_framework: Framework
) -> None:
    admin = cli_principal()
    with transaction(loaded_registry) as session:
        kaz = figures.create_figure(
            session, admin, "KAZ", figures.FigureInput("cereal_production", 2026, "19500000.5")
        )
        figures.create_figure(
            session, admin, "EGY", figures.FigureInput("cereal_production", 2026, "23000000")
        )
        kaz_id = kaz.id
    card = client.get("/api/v1/strategy/states/KAZ/scorecard", params={"year": 2026}).json()
    row = next(r for r in card if r["kpi_code"] == "FBD.1")
    assert row["value"] is None  # unpublished figures do not feed public scorecards
    with transaction(loaded_registry) as session:
        figures.set_published(session, admin, kaz_id, True)
    card = client.get("/api/v1/strategy/states/KAZ/scorecard", params={"year": 2026}).json()
    row = next(r for r in card if r["kpi_code"] == "FBD.1")
    assert row["value"] == "19500000.5000"
    # expected 2026: 16e6 + 6e6 * 5/10 = 19e6 -> on track
    assert row["expected"] == "19000000.0000" and row["status"] == "on_track"
    with loaded_registry() as session:
        kpi = framework.get_kpi(session, results_framework.cereal)
        aggregate = progress.oic_aggregate(session, kpi, 2026)
        assert aggregate == progress.Aggregate(Decimal("19500000.5000"), 1)
        assert feeds.feed_value(session, "members.cereal_production", None, 2026) == Decimal(
            "19500000.5000"
        )


def test_member_count_feed_counts_the_registry(loaded_registry: sessionmaker[Session]) -> None:
    with loaded_registry() as session:
        members = session.execute(
            select(func.count())
            .select_from(MemberState)
            .where(MemberState.iofs_status == IofsStatus.MEMBER)
        ).scalar_one()
        assert members > 30
        this_year = date.today().year
        assert feeds.feed_value(session, "members.iofs_member_count", None, this_year) == Decimal(
            members
        )
        assert feeds.feed_value(session, "members.iofs_member_count", None, 1990) == 0
        assert "strategy.people_trained" in {f.name for f in feeds.available_feeds()}


def test_reminders_fire_for_near_expiry_and_obligations(
    client: TestClient,
    loaded_registry: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
) -> None:
    admin = cli_principal()
    today = date.today()
    with transaction(loaded_registry) as session:
        partner = partnerships.put_partner(
            session, admin, PartnerIn(name="Test University", kind="university")
        )
        near = partnerships.put_agreement(
            session,
            admin,
            AgreementIn(
                title="Near-expiry MoU",
                kind="mou",
                partner_ids=[partner.id],
                expires_on=today + timedelta(days=30),
                notice_days=10,
            ),
        )
        partnerships.put_agreement(
            session,
            admin,
            AgreementIn(
                title="Far MoU", kind="mou", expires_on=today + timedelta(days=400), notice_days=90
            ),
        )
        partnerships.put_agreement(
            session,
            admin,
            AgreementIn(
                title="Draft MoU", kind="mou", status="draft", expires_on=today + timedelta(days=5)
            ),
        )
        partnerships.add_obligation(
            session,
            admin,
            near.id,
            ObligationIn(
                description="Joint work plan",
                due_on=today - timedelta(days=2),
                owner="Programmes directorate",
            ),
        )
        reminders = partnerships.due(session, admin, today, 60)
        assert [(r.kind, r.agreement.title, r.days_left) for r in reminders] == [
            ("obligation", "Near-expiry MoU", -2),
            ("renewal_notice", "Near-expiry MoU", 20),
            ("expiry", "Near-expiry MoU", 30),
        ]
        assert partnerships.due(session, admin, today, 10)[0].overdue
    api = client.get("/api/v1/partnerships/due", params={"days": 60}).json()
    assert [r["kind"] for r in api] == ["obligation", "renewal_notice", "expiry"]
    atom = client.get("/partnerships/due.atom")
    assert atom.headers["content-type"].startswith("application/atom+xml")
    entries = ElementTree.fromstring(atom.content).findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == 3
    page = client.get("/partnerships")
    assert "3 due" in page.text and "Draft MoU" not in page.text
    _, viewer = make_user(loaded_registry, "v@iofs.example", "viewer")
    titles = [
        a["title"]
        for a in client.get(
            "/api/v1/partnerships/agreements", headers={"Authorization": f"Bearer {viewer}"}
        ).json()
    ]
    assert "Draft MoU" in titles

    from iofs.cli import app

    monkeypatch.setenv("IOFS_DATABASE_URL", database_url)
    result = CliRunner().invoke(app, ["partnerships", "due", "--days", "60", "--json"])
    assert result.exit_code == 0, result.output
    assert "Near-expiry MoU" in result.output and "Far MoU" not in result.output
    narrow = CliRunner().invoke(app, ["partnerships", "due", "--days", "0", "--json"])
    assert '"obligation"' in narrow.output and '"expiry"' not in narrow.output


def test_events_and_capacity_building_feed_people_trained(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    _, secretariat = make_user(loaded_registry, "sec@iofs.example", "secretariat")
    auth = {"Authorization": f"Bearer {secretariat}"}
    event = client.put(
        "/api/v1/partnerships/events",
        headers=auth,
        json={"name": "Forum", "kind": "forum", "starts_on": "2026-03-02", "ends_on": "2026-03-01"},
    )
    assert event.status_code == 422 and event.json()["detail"][0]["field"] == "ends_on"
    activity = {
        "title": "Seed testing course",
        "kind": "training",
        "starts_on": "2026-05-01",
        "participants_female": 12,
        "participants_male": 9,
    }
    assert (
        client.put("/api/v1/partnerships/activities", headers=auth, json=activity).status_code
        == 200
    )
    assert (
        client.put(
            "/api/v1/partnerships/activities",
            json=activity,
            headers={"Origin": "http://testserver"},
        ).status_code
        == 401
    )
    with loaded_registry() as session:
        assert feeds.feed_value(session, "strategy.people_trained", None, 2026) == 21
        assert feeds.feed_value(session, "strategy.people_trained", "KAZ", 2026) is None


@pytest.mark.parametrize("partner", [2**70, 2_147_483_648, 0, -1])
def test_a_partner_id_out_of_range_is_refused_not_a_server_error(
    client: TestClient, loaded_registry: sessionmaker[Session], partner: int
) -> None:
    """Found by ``make fuzz``: an id beyond 64 bits reached SQLite's driver (OverflowError, 500)."""
    _, admin = make_user(loaded_registry, "admin@iofs.example", "admin")
    answer = client.put(
        "/api/v1/partnerships/agreements",
        headers={"Authorization": f"Bearer {admin}"},
        json={"title": "Out of range", "kind": "mou", "partner_ids": [partner]},
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["field"].startswith("partner_ids")
