"""Pages and API of notifications: own subscriptions only, the log for the secretariat,
input errors named, the form in Arabic; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from iofs.accounts.models import User
from iofs.audit import service as audit
from iofs.notifications.models import SentMail, Subscription
from tests.conftest import ORIGIN, make_user, sign_in


def _mail(factory: sessionmaker[Session], user_id: int | None, recipient: str) -> None:
    with factory.begin() as session:
        session.add(
            SentMail(
                user_id=user_id,
                recipient=recipient,
                subject=f"digest for {recipient}",
                topics="risk_watchlist",
                language="en",
                frequency="daily",
                period="2026-12-02",
                items=3,
                status="sent",
                error="",
                message_id=f"<{recipient}>",
                sent_at=datetime.now(UTC),
            )
        )


def test_api_each_user_reads_and_writes_only_their_own(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    viewer, viewer_token = make_user(loaded_registry, "viewer@iofs.example", "viewer")
    focal, focal_token = make_user(loaded_registry, "fp@iofs.example", "focal_point", ("KAZ",))
    _secretariat, secretariat_token = make_user(loaded_registry, "sec@iofs.example", "secretariat")
    as_viewer = {"Authorization": f"Bearer {viewer_token}"}
    as_focal = {"Authorization": f"Bearer {focal_token}"}
    as_secretariat = {"Authorization": f"Bearer {secretariat_token}"}

    assert client.get("/api/v1/notifications/subscriptions").status_code == 401
    body = {
        "subscriptions": [
            {"topic": "price_alerts", "states": ["afg", "YEM"], "frequency": "weekly"},
            {"topic": "partnership_deadlines"},
        ]
    }
    saved = client.put("/api/v1/notifications/subscriptions", json=body, headers=as_viewer)
    assert saved.status_code == 200, saved.text
    assert [(s["topic"], s["states"], s["frequency"]) for s in saved.json()] == [
        ("price_alerts", ["AFG", "YEM"], "weekly"),
        ("partnership_deadlines", [], "daily"),
    ]
    # the focal point sees none of the viewer's subscriptions, and sets their own
    assert client.get("/api/v1/notifications/subscriptions", headers=as_focal).json() == []
    client.put(
        "/api/v1/notifications/subscriptions",
        json={"subscriptions": [{"topic": "review_queue"}]},
        headers=as_focal,
    ).raise_for_status()
    mine = client.get("/api/v1/notifications/subscriptions", headers=as_viewer).json()
    assert [s["topic"] for s in mine] == ["price_alerts", "partnership_deadlines"]
    # replacing the set removes the topics left out; every change is in the audit log
    client.put(
        "/api/v1/notifications/subscriptions",
        json={"subscriptions": [{"topic": "price_alerts", "states": ["SDN"]}]},
        headers=as_viewer,
    ).raise_for_status()
    with loaded_registry() as session:
        rows = session.scalars(select(Subscription).order_by(Subscription.id)).all()
        assert sorted((r.user_id, r.topic, tuple(r.states)) for r in rows) == sorted(
            [(viewer, "price_alerts", ("SDN",)), (focal, "review_queue", ())]
        )
        assert audit.verify(session).ok

    _mail(loaded_registry, viewer, "viewer@iofs.example")
    _mail(loaded_registry, focal, "fp@iofs.example")
    own = client.get("/api/v1/notifications/sent", headers=as_viewer).json()
    assert [m["recipient"] for m in own["items"]] == ["viewer@iofs.example"]
    assert own["next"] is None
    assert client.get("/api/v1/notifications/sent?all=true", headers=as_viewer).status_code == 403
    everyone = client.get("/api/v1/notifications/sent?all=true", headers=as_secretariat).json()
    assert {m["recipient"] for m in everyone["items"]} == {"viewer@iofs.example", "fp@iofs.example"}


def test_api_names_the_field_of_a_bad_subscription(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    _user, token = make_user(loaded_registry, "viewer@iofs.example", "viewer")
    headers = {"Authorization": f"Bearer {token}"}

    def put(*entries: dict[str, object]) -> dict[str, object]:
        answer = client.put(
            "/api/v1/notifications/subscriptions",
            json={"subscriptions": list(entries)},
            headers=headers,
        )
        assert answer.status_code == 422, answer.text
        return dict(answer.json())

    assert "at least one state" in str(put({"topic": "price_alerts"}))
    assert "XXX" in str(put({"topic": "price_alerts", "states": ["XXX"]}))
    assert "takes no states" in str(put({"topic": "review_queue", "states": ["AFG"]}))
    assert "twice" in str(put({"topic": "review_queue"}, {"topic": "review_queue"}))
    put({"topic": "horoscope"})
    put({"topic": "review_queue", "frequency": "hourly"})
    assert client.get("/api/v1/notifications/subscriptions", headers=headers).json() == []


def test_pages_form_log_and_unsubscribe_errors(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    anonymous = client.get(
        "/notifications", headers={"Accept": "text/html"}, follow_redirects=False
    )
    assert anonymous.status_code == 303 and "/signin" in anonymous.headers["location"]
    make_user(loaded_registry, "viewer@iofs.example", "viewer")
    make_user(loaded_registry, "sec@iofs.example", "secretariat")
    sign_in(client, "viewer@iofs.example")
    page = client.get("/notifications?lang=ar")
    assert page.status_code == 200 and 'dir="rtl"' in page.text
    assert "أفغانستان" in page.text and "قائمة المراقبة للمخاطر" in page.text  # names, not codes
    saved = client.post(
        "/notifications",
        data={
            "topic": ["risk_watchlist", "price_alerts"],
            "frequency-risk_watchlist": "weekly",
            "states-price_alerts": ["AFG", "SOM"],
            "language": "fr",
        },
        headers={"Origin": ORIGIN},
    )
    assert saved.status_code == 200 and "حُفظت اشتراكاتك" in saved.text
    with loaded_registry() as session:
        rows = {r.topic: r for r in session.scalars(select(Subscription))}
        assert rows["risk_watchlist"].frequency == "weekly"
        assert rows["price_alerts"].states == ["AFG", "SOM"]
        # the digests are now written in French: the account's language changed, audited
        assert (
            session.scalar(
                select(User.preferred_language).where(User.email == "viewer@iofs.example")
            )
            == "fr"
        )
        assert audit.verify(session).ok
    refused = client.post(
        "/notifications?lang=en",
        data={"topic": ["price_alerts"]},
        headers={"Origin": ORIGIN},
    )
    assert refused.status_code == 422 and "Choose at least one state" in refused.text
    assert client.get("/notifications/log").status_code == 403
    broken = client.get("/notifications/unsubscribe?token=not-a-token&lang=en")
    assert broken.status_code == 400 and "not valid" in broken.text

    client.post("/signout", headers={"Origin": ORIGIN})
    sign_in(client, "sec@iofs.example")
    _mail(loaded_registry, None, "someone@iofs.example")
    log = client.get("/notifications/log?lang=fr")
    assert log.status_code == 200 and "someone@iofs.example" in log.text
    assert "Journal des courriels envoyés" in log.text
