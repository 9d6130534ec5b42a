"""Focal point reports with evidence → secretariat asks for a correction or approves → locked;
scorecards and the "what is missing" list follow; every step is audited."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iofs.audit import service as audit
from iofs.strategy.models import KpiValue
from tests.conftest import ORIGIN, make_user, sign_in
from tests.strategy.conftest import Framework

EVIDENCE = "https://example.org/ministry/gene-bank-2026.pdf"


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _kaz_status(client: TestClient, kpi_code: str) -> str:
    card = client.get("/api/v1/strategy/states/KAZ/scorecard", params={"year": 2026}).json()
    return next(row["status"] for row in card if row["kpi_code"] == kpi_code)


def test_report_correct_approve_lock(
    client: TestClient, loaded_registry: sessionmaker[Session], results_framework: Framework
) -> None:
    _, focal = make_user(loaded_registry, "fp@kaz.example", "focal_point", ("KAZ",))
    _, secretariat = make_user(loaded_registry, "sec@iofs.example", "secretariat")
    kpi = results_framework.seeds
    body = {"kpi_id": kpi, "year": 2026, "value": "14000", "evidence_url": EVIDENCE}
    missing = {
        (g["iso3"], g["kpi_code"])
        for g in client.get("/api/v1/strategy/missing", params={"year": 2026, "iso3": "KAZ"}).json()
    }
    assert ("KAZ", "NGB.1") in missing
    assert _kaz_status(client, "NGB.1") == "no_data"

    # evidence is required; another state is refused; a fed KPI cannot be typed in
    no_evidence = client.post(
        "/api/v1/strategy/states/KAZ/values",
        headers=_auth(focal),
        json={**body, "evidence_url": ""},
    )
    assert no_evidence.status_code == 422
    assert no_evidence.json()["detail"][0]["field"] == "evidence_url"
    assert (
        client.post(
            "/api/v1/strategy/states/EGY/values", headers=_auth(focal), json=body
        ).status_code
        == 403
    )
    fed = client.post(
        "/api/v1/strategy/states/KAZ/values",
        headers=_auth(focal),
        json={**body, "kpi_id": results_framework.cereal},
    )
    assert fed.status_code == 422 and fed.json()["detail"][0]["field"] == "kpi_id"

    first = client.post("/api/v1/strategy/states/KAZ/values", headers=_auth(focal), json=body)
    assert first.status_code == 201, first.text
    value_id = first.json()["id"]
    assert first.json()["status"] == "submitted" and first.json()["value"] == "14000.0000"
    # submitted is not a gap any more, but not public and not counted yet
    assert ("KAZ", "NGB.1") not in {
        (g["iso3"], g["kpi_code"])
        for g in client.get("/api/v1/strategy/missing", params={"year": 2026}).json()
    }
    assert client.get("/api/v1/strategy/values", params={"iso3": "KAZ"}).json() == {
        "items": [],
        "next": None,
    }
    assert _kaz_status(client, "NGB.1") == "no_data"
    # a focal point cannot review
    assert (
        client.post(
            f"/api/v1/strategy/values/{value_id}/review",
            headers=_auth(focal),
            json={"decision": "approve", "version": 1},
        ).status_code
        == 403
    )

    # correction needs a comment; then the focal point corrects
    bare = client.post(
        f"/api/v1/strategy/values/{value_id}/review",
        headers=_auth(secretariat),
        json={"decision": "correct", "version": 1},
    )
    assert bare.status_code == 422 and bare.json()["detail"][0]["field"] == "comment"
    sent_back = client.post(
        f"/api/v1/strategy/values/{value_id}/review",
        headers=_auth(secretariat),
        json={"decision": "correct", "comment": "Use the year-end count", "version": 1},
    )
    assert sent_back.json()["status"] == "correction_requested"
    assert ("KAZ", "NGB.1") in {
        (g["iso3"], g["kpi_code"])
        for g in client.get("/api/v1/strategy/missing", params={"year": 2026}).json()
    }
    corrected = client.post(
        "/api/v1/strategy/states/KAZ/values", headers=_auth(focal), json={**body, "value": "15500"}
    )
    assert corrected.status_code == 201 and corrected.json()["id"] == value_id
    assert corrected.json()["status"] == "submitted"

    approved = client.post(
        f"/api/v1/strategy/values/{value_id}/review",
        headers=_auth(secretariat),
        json={"decision": "approve", "version": corrected.json()["version"]},
    )
    assert approved.json()["status"] == "approved"
    # 15 500 >= expected 15 000 for 2026 (line 10 000 in 2021 -> 20 000 in 2031)
    assert _kaz_status(client, "NGB.1") == "on_track"
    public = client.get("/api/v1/strategy/values", params={"iso3": "KAZ"}).json()
    assert [v["value"] for v in public["items"]] == ["15500.0000"] and public["next"] is None
    pillars = client.get("/api/v1/strategy/scorecard", params={"year": 2026}).json()
    assert pillars[0]["counts"]["on_track"] == 1

    # locked: neither the focal point nor the secretariat can change it, nor review it again
    # (a second review of a version is a conflict)
    for token in (focal, secretariat):
        again = client.post(
            "/api/v1/strategy/states/KAZ/values", headers=_auth(token), json={**body, "value": "1"}
        )
        assert again.status_code == 422 and again.json()["detail"][0]["field"] == "value"
    assert (
        client.post(
            f"/api/v1/strategy/values/{value_id}/review",
            headers=_auth(secretariat),
            json={"decision": "correct", "comment": "x", "version": approved.json()["version"]},
        ).status_code
        == 409
    )

    with loaded_registry() as session:
        row = session.get(KpiValue, value_id)
        assert row is not None and str(row.value) == "15500.0000"
        entries = audit.query(session, audit.AuditFilter(record_type="strategy_kpi_value"))
        assert [e.action for e in reversed(entries)] == ["create", "update", "update", "update"]
        assert {e.actor for e in entries} == {"fp@kaz.example", "sec@iofs.example"}
        assert audit.verify(session).ok


def test_off_track_value_and_overall_kpi(
    client: TestClient, loaded_registry: sessionmaker[Session], results_framework: Framework
) -> None:
    _, focal = make_user(loaded_registry, "fp@kaz.example", "focal_point", ("KAZ",))
    _, secretariat = make_user(loaded_registry, "sec@iofs.example", "secretariat")
    low = client.post(
        "/api/v1/strategy/states/KAZ/values",
        headers=_auth(focal),
        json={
            "kpi_id": results_framework.seeds,
            "year": 2026,
            "value": "12000",
            "evidence_url": EVIDENCE,
        },
    )
    client.post(
        f"/api/v1/strategy/values/{low.json()['id']}/review",
        headers=_auth(secretariat),
        json={"decision": "approve", "version": low.json()["version"]},
    )
    assert _kaz_status(client, "NGB.1") == "off_track"
    # overall values: the secretariat only, and not with a state
    overall = {
        "kpi_id": results_framework.flour,
        "year": 2026,
        "value": "50000",
        "evidence_url": EVIDENCE,
    }
    assert (
        client.post(
            "/api/v1/strategy/overall-values", headers=_auth(focal), json=overall
        ).status_code
        == 403
    )
    assert (
        client.post(
            "/api/v1/strategy/overall-values", headers=_auth(secretariat), json=overall
        ).status_code
        == 201
    )
    wrong = client.post(
        "/api/v1/strategy/states/KAZ/values", headers=_auth(secretariat), json=overall
    )
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["field"] == "iso3"


def test_closed_period_refuses_entries(
    client: TestClient, loaded_registry: sessionmaker[Session], results_framework: Framework
) -> None:
    _, focal = make_user(loaded_registry, "fp@kaz.example", "focal_point", ("KAZ",))
    _, secretariat = make_user(loaded_registry, "sec@iofs.example", "secretariat")
    closed = client.post(
        "/api/v1/strategy/periods/2026/status",
        headers=_auth(secretariat),
        json={"status": "closed"},
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    refused = client.post(
        "/api/v1/strategy/states/KAZ/values",
        headers=_auth(focal),
        json={
            "kpi_id": results_framework.seeds,
            "year": 2026,
            "value": "1",
            "evidence_url": EVIDENCE,
        },
    )
    assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "year"


def test_page_form_with_evidence_file_and_review(
    client: TestClient, loaded_registry: sessionmaker[Session], results_framework: Framework
) -> None:
    make_user(loaded_registry, "fp@kaz.example", "focal_point", ("KAZ",))
    make_user(loaded_registry, "sec@iofs.example", "secretariat")
    sign_in(client, "fp@kaz.example")
    page = client.get("/strategy/states/KAZ?year=2026")
    assert page.status_code == 200 and "value-form" in page.text
    assert "value-form" not in client.get("/strategy/states/EGY?year=2026").text
    pdf = b"%PDF-1.4 evidence"
    posted = client.post(
        "/strategy/states/KAZ/values",
        headers={"Origin": ORIGIN},
        data={
            "kpi_id": str(results_framework.seeds),
            "year": "2026",
            "value": "15000",
            "comment": "Year-end count",
        },
        files={"evidence_file": ("count.pdf", pdf, "application/pdf")},
        follow_redirects=False,
    )
    assert posted.status_code == 303, posted.text
    bad = client.post(
        "/strategy/states/KAZ/values",
        headers={"Origin": ORIGIN},
        data={
            "kpi_id": str(results_framework.policy),
            "year": "2026",
            "value": "yes",
            "evidence_url": EVIDENCE,
        },
    )
    assert bad.status_code == 422 and "must be a number" in bad.text
    with loaded_registry() as session:
        value_id, version = session.query(KpiValue.id, KpiValue.version).one()
    assert client.get(f"/strategy/values/{value_id}/evidence").content == pdf
    client.post("/signout", headers={"Origin": ORIGIN})
    assert client.get(f"/strategy/values/{value_id}/evidence").status_code == 404
    sign_in(client, "sec@iofs.example")
    approved = client.post(
        f"/strategy/states/KAZ/values/{value_id}/review",
        headers={"Origin": ORIGIN},
        data={"decision": "approve", "version": str(version)},
        follow_redirects=False,
    )
    assert approved.status_code == 303
    assert "on track" in client.get("/strategy/states/KAZ?year=2026").text
