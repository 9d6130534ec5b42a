"""The results framework edited through the API and the framework page (secretariat only)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import ORIGIN, make_user, sign_in


def test_api_builds_pillar_programme_outcome_kpi(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    _user, token = make_user(loaded_registry, "sv@iofs.example", "secretariat")
    _viewer, viewer = make_user(loaded_registry, "look@iofs.example", "viewer")
    auth = {"Authorization": f"Bearer {token}"}
    assert (
        client.put(
            "/api/v1/strategy/pillars",
            headers=auth,
            json={"number": 3, "name": "Capacity Building"},
        ).json()["key"]
        == "3"
    )
    assert (
        client.put(
            "/api/v1/strategy/programmes",
            headers=auth,
            json={"pillar_number": 7, "code": "X", "name": "x"},
        ).status_code
        == 404
    )
    assert (
        client.put(
            "/api/v1/strategy/programmes",
            headers=auth,
            json={"pillar_number": 3, "code": "NGB", "name": "National gene banks"},
        ).status_code
        == 200
    )
    outcome = client.put(
        "/api/v1/strategy/outcomes",
        headers=auth,
        json={"programme_code": "NGB", "code": "NGB.O1", "statement": "Gene banks conserve seed"},
    )
    assert outcome.status_code == 200
    kpi = client.put(
        "/api/v1/strategy/kpis",
        headers=auth,
        json={
            "outcome_id": outcome.json()["id"],
            "code": "NGB.1",
            "name": "Accessions",
            "unit": "accessions",
        },
    )
    assert kpi.status_code == 200, kpi.text
    tree = client.get("/api/v1/strategy/framework").json()
    assert tree[0]["programmes"][0]["outcomes"][0]["kpis"][0]["code"] == "NGB.1"
    assert (
        client.put(
            "/api/v1/strategy/pillars",
            headers={"Authorization": f"Bearer {viewer}"},
            json={"number": 1, "name": "x"},
        ).status_code
        == 403
    )


def test_framework_page_forms(client: TestClient, loaded_registry: sessionmaker[Session]) -> None:
    make_user(loaded_registry, "sv@iofs.example", "secretariat")
    assert "pillar-form" not in client.get("/strategy/framework").text
    assert sign_in(client, "sv@iofs.example").status_code == 303
    post = {"headers": {"Origin": ORIGIN}, "follow_redirects": False}
    assert (
        client.post(
            "/strategy/framework/pillars",
            data={"number": "2", "name": "Food Crisis Response"},
            **post,
        ).status_code
        == 303
    )
    assert (
        client.post(
            "/strategy/framework/programmes",
            data={"pillar_number": "2", "code": "F4H", "name": "Flour for Humanity"},
            **post,
        ).status_code
        == 303
    )
    bad = client.post(
        "/strategy/framework/programmes",
        data={"pillar_number": "2", "code": "bad code!", "name": "x"},
        **post,
    )
    assert bad.status_code == 422 and 'role="alert"' in bad.text
    assert (
        client.post(
            "/strategy/framework/outcomes",
            data={
                "programme_code": "F4H",
                "code": "F4H.O1",
                "statement": "Food relief reaches crisis-hit states",
            },
            **post,
        ).status_code
        == 303
    )
    page = client.get("/strategy/framework?lang=en")
    assert "Flour for Humanity" in page.text and "Food relief reaches" in page.text


def test_event_form_records_the_country(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    make_user(loaded_registry, "events@iofs.example", "secretariat")
    assert sign_in(client, "events@iofs.example").status_code == 303
    saved = client.post(
        "/partnerships/events",
        headers={"Origin": ORIGIN},
        data={
            "name": "IOFS General Assembly",
            "kind": "meeting",
            "place": "Astana",
            "country": "kaz",
        },
        follow_redirects=True,
    )
    assert saved.status_code == 200
    events = client.get("/api/v1/partnerships/events").json()
    assert [e["country"] for e in events if e["name"] == "IOFS General Assembly"] == ["KAZ"]
    assert "Astana (KAZ)" in client.get("/partnerships?lang=en").text
