"""Progenitors (GLIS progdoi) through the API and the accession page's form."""

from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from iofs.accounts.service import cli_principal
from iofs.db import transaction
from iofs.genebank import demo, service
from iofs.genebank.models import Accession, GlisRegistration
from tests.conftest import make_user


def _ids(factory: sessionmaker[Session]) -> dict[str, int]:
    with transaction(factory) as session:
        demo.load(session, cli_principal())
        return {a.accenumb: a.id for a in session.execute(select(Accession)).scalars()}


def test_api_records_progenitors(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    ids = _ids(loaded_registry)
    _uid, token = make_user(loaded_registry, "curator@iofs.example", "genebank_curator")
    _uid, viewer = make_user(loaded_registry, "viewer@iofs.example", "viewer")
    auth = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/genebank/accessions/{ids['DEMO-0002']}/progenitors"
    assert (
        client.post(
            url, json={"accenumb": "DEMO-0001"}, headers={"Authorization": f"Bearer {viewer}"}
        ).status_code
        == 403
    )
    added = client.post(url, json={"accenumb": "KAZ900 DEMO-0001"}, headers=auth)
    assert added.status_code == 201, added.text
    assert [(p["progenitor"], p["doi"]) for p in added.json()] == [("KAZ900 DEMO-0001", "")]
    both = client.post(url, json={"doi": "10.18730/ABC"}, headers=auth).json()
    assert [p["doi"] for p in both] == ["", "10.18730/ABC"]
    again = client.post(url, json={"accenumb": "DEMO-0001"}, headers=auth)
    assert again.status_code == 422  # already recorded
    cycle = client.post(
        f"/api/v1/genebank/accessions/{ids['DEMO-0001']}/progenitors",
        json={"progenitor_id": ids["DEMO-0002"]},
        headers=auth,
    )
    assert cycle.status_code == 422
    assert client.post(url, json={"accenumb": "NOPE"}, headers=auth).status_code == 422
    assert client.post(url, json={"doi": "doi:x"}, headers=auth).status_code == 422
    with transaction(loaded_registry) as session:
        session.add(
            GlisRegistration(
                accession_id=ids["DEMO-0001"],
                doi="10.18730/KZ1",
                passport_sha256="",
                registered_at=datetime(2026, 1, 1),
                updated_at=datetime(2026, 1, 1),
            )
        )
    listed = client.get(url).json()
    assert [p["doi"] for p in listed] == ["10.18730/KZ1", "10.18730/ABC"]
    with loaded_registry() as session:
        assert service.progenitor_dois(session, ids["DEMO-0002"]) == [
            "10.18730/ABC",
            "10.18730/KZ1",
        ]


def test_accession_page_form(client: TestClient, loaded_registry: sessionmaker[Session]) -> None:
    ids = _ids(loaded_registry)
    _uid, token = make_user(loaded_registry, "curator@iofs.example", "genebank_curator")
    auth = {"Authorization": f"Bearer {token}"}
    page = f"/genebank/accessions/{ids['DEMO-0003']}"
    assert 'id="progenitor-form"' not in client.get(page).text
    assert 'id="progenitor-form"' in client.get(page, headers=auth).text
    done = client.post(
        f"{page}/progenitors", data={"accenumb": "DEMO-0008"}, headers=auth, follow_redirects=False
    )
    assert done.status_code == 303
    shown = client.get(page + "?lang=en", headers=auth).text
    assert f'href="/genebank/accessions/{ids["DEMO-0008"]}">KAZ900 DEMO-0008</a>' in shown
    wrong = client.post(f"{page}/progenitors?lang=fr", data={"doi": "x"}, headers=auth)
    assert wrong.status_code == 422 and 'role="alert"' in wrong.text
