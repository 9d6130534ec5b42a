"""A focal point of KAZ cannot touch EGY's data by any path; cross-site writes are refused."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iofs.accounts import service
from iofs.db import transaction
from iofs.members import figures
from iofs.members.models import CountryFigure
from tests.conftest import ORIGIN, make_user, sign_in

FIGURE = {
    "indicator": "cereal_production",
    "year": 2024,
    "value": "1234567.5",
    "source": "Ministry of Agriculture",
}


def _egypt_figure(factory: sessionmaker[Session]) -> int:
    with transaction(factory) as session:
        return figures.create_figure(
            session,
            service.cli_principal(),
            "EGY",
            figures.FigureInput("population", 2024, "116000000"),
        ).id


def test_focal_point_writes_own_country_only_through_the_api(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    _, token = make_user(loaded_registry, "fp@kaz.example", "focal_point", ("KAZ",))
    auth = {"Authorization": f"Bearer {token}"}
    egypt = _egypt_figure(loaded_registry)
    own = client.post("/api/v1/members/KAZ/figures", headers=auth, json=FIGURE)
    assert own.status_code == 201, own.text
    assert own.json()["published"] is False and own.json()["value"] == "1234567.5000"
    other = client.post("/api/v1/members/EGY/figures", headers=auth, json=FIGURE)
    assert other.status_code == 403
    assert "EGY" in other.json()["detail"]
    assert (
        client.put(
            f"/api/v1/figures/{egypt}", headers=auth, json={**FIGURE, "value": "1"}
        ).status_code
        == 403
    )
    assert client.delete(f"/api/v1/figures/{egypt}", headers=auth).status_code == 403
    assert (
        client.post(
            f"/api/v1/figures/{egypt}/publication", headers=auth, json={"published": True}
        ).status_code
        == 403
    )
    with loaded_registry() as session:
        row = session.get(CountryFigure, egypt)
        assert row is not None and str(row.value) == "116000000.0000"


def test_focal_point_cannot_change_egypt_through_pages_or_a_forged_form(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    make_user(loaded_registry, "fp@kaz.example", "focal_point", ("KAZ",))
    egypt = _egypt_figure(loaded_registry)
    sign_in(client, "fp@kaz.example")
    # the Egypt page offers no form to this user
    page = client.get("/members/EGY")
    assert 'id="figure-form"' not in page.text
    assert 'id="figure-form"' in client.get("/members/KAZ").text
    same_site = {"Origin": ORIGIN}
    posted = client.post(
        "/members/EGY/figures",
        headers=same_site,
        data={k: str(v) for k, v in FIGURE.items()},
        follow_redirects=False,
    )
    assert posted.status_code == 403
    # a forged form: KAZ in the URL, Egypt's figure id in the path
    forged = client.post(
        f"/members/KAZ/figures/{egypt}",
        headers=same_site,
        data={"action": "delete"},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    with loaded_registry() as session:
        assert session.get(CountryFigure, egypt) is not None
    accepted = client.post(
        "/members/KAZ/figures",
        headers=same_site,
        data={k: str(v) for k, v in FIGURE.items()},
        follow_redirects=False,
    )
    assert accepted.status_code == 303


def test_public_sees_published_figures_only(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    _, secretariat = make_user(loaded_registry, "sec@iofs.example", "secretariat")
    _, viewer = make_user(loaded_registry, "v@iofs.example", "viewer")
    egypt = _egypt_figure(loaded_registry)
    assert client.get("/api/v1/members/EGY/figures").json() == []
    seen = client.get("/api/v1/members/EGY/figures", headers={"Authorization": f"Bearer {viewer}"})
    assert [f["id"] for f in seen.json()] == [egypt]
    published = client.post(
        f"/api/v1/figures/{egypt}/publication",
        json={"published": True},
        headers={"Authorization": f"Bearer {secretariat}"},
    )
    assert published.status_code == 200
    assert [f["id"] for f in client.get("/api/v1/members/EGY/figures").json()] == [egypt]
    assert "116,000,000" in client.get("/members/EGY").text


def test_cross_origin_post_with_a_valid_session_is_refused(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    make_user(loaded_registry, "fp@kaz.example", "focal_point", ("KAZ",))
    sign_in(client, "fp@kaz.example")
    data = {k: str(v) for k, v in FIGURE.items()}
    for headers in (
        {"Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "cross-site", "Origin": ORIGIN},
        {"Referer": "https://evil.example/page"},
        {},
    ):
        refused = client.post(
            "/members/KAZ/figures", data=data, headers=headers, follow_redirects=False
        )
        assert refused.status_code == 403, headers
        assert "Cross-site request refused" in refused.text
    json_refused = client.post(
        "/api/v1/members/KAZ/figures", json=FIGURE, headers={"Origin": "https://evil.example"}
    )
    assert json_refused.status_code == 403
    with loaded_registry() as session:
        assert session.query(CountryFigure).count() == 0
    allowed = client.post(
        "/members/KAZ/figures",
        data=data,
        headers={"Sec-Fetch-Site": "same-origin"},
        follow_redirects=False,
    )
    assert allowed.status_code == 303


def test_validation_errors_name_the_field_in_the_users_language(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    _, token = make_user(loaded_registry, "sec@iofs.example", "secretariat")
    auth = {"Authorization": f"Bearer {token}", "Accept-Language": "fr"}
    bad = client.post(
        "/api/v1/members/KAZ/figures",
        headers=auth,
        json={"indicator": "population", "year": "soon", "value": "-3"},
    )
    assert bad.status_code == 422
    detail = {e["field"]: e["message"] for e in bad.json()["detail"]}
    assert detail["year"] == "Saisissez un nombre entier."
    assert detail["value"].startswith("Doit valoir au moins")
    unknown = client.post(
        "/api/v1/members/KAZ/figures",
        headers=auth,
        json={"indicator": "gdp", "year": 2024, "value": "1"},
    )
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["field"] == "indicator"
    assert unknown.json()["detail"][0]["message"].startswith("Chiffre gdp inconnu")
    broken = client.post(
        "/api/v1/members/KAZ/figures",
        headers={**auth, "Content-Type": "application/json"},
        content=b"{not json",
    )
    assert broken.status_code == 422
