"""A focal point signing in lands on their state's page, the header links to their state's
report, and submitting a value says it was saved."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import ORIGIN, PASSWORD, make_user, sign_in


def test_focal_point_lands_on_their_state_with_a_link_to_the_report(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    make_user(loaded_registry, "focal@landing.example", "focal_point", ("KAZ",))
    make_user(loaded_registry, "viewer@landing.example", "viewer")
    response = sign_in(client, "focal@landing.example")
    assert response.status_code == 303
    assert response.headers["location"] == "/countries/KAZ"
    page = client.get("/countries/KAZ", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert 'class="my-report"' in page.text and 'href="/strategy/states/KAZ#report"' in page.text
    asked = client.post(
        "/signin",
        data={"email": "focal@landing.example", "password": PASSWORD, "next": "/members"},
        headers={"Origin": ORIGIN},
        follow_redirects=False,
    )
    assert asked.headers["location"] == "/members"  # a page asked for is kept
    client.post("/signout", headers={"Origin": ORIGIN})
    assert sign_in(client, "viewer@landing.example").headers["location"] == "/"


def test_a_saved_value_is_confirmed(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    from iofs.accounts.service import cli_principal
    from iofs.db import transaction
    from iofs.strategy import demo

    with transaction(loaded_registry) as session:
        demo.load(session, cli_principal())
    make_user(loaded_registry, "focal@saved.example", "focal_point", ("KAZ",))
    sign_in(client, "focal@saved.example")
    page = client.get("/strategy/states/KAZ?lang=en", headers={"Accept": "text/html"})
    assert page.status_code == 200
    kpi = page.text.split('name="kpi_id" value="', 1)[1].split('"', 1)[0]
    year = page.text.split('name="year" value="', 1)[1].split('"', 1)[0]
    posted = client.post(
        "/strategy/states/KAZ/values",
        data={"kpi_id": kpi, "year": year, "value": "12", "evidence_url": "https://example.org/e"},
        headers={"Origin": ORIGIN},
        follow_redirects=False,
    )
    assert posted.status_code == 303, posted.text[:500]
    assert f"saved={kpi}" in posted.headers["location"]
    shown = client.get(posted.headers["location"].split("#")[0] + "&lang=en")
    assert 'role="status">Value saved.' in shown.text
