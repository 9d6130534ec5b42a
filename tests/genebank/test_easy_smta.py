"""Easy-SMTA reports of the demo's shipments: XML content, forms, what is left to report."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from iofs.accounts.service import cli_principal
from iofs.cli import app
from iofs.db import transaction
from iofs.genebank import demo, service
from iofs.genebank.models import Accession, Lot
from tests.conftest import make_user


def _demo(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        demo.load(session, cli_principal())


def test_demo_shipment_report_and_forms(
    session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IOFS_GLIS_PID", "00KZ99")
    monkeypatch.setenv("IOFS_GLIS_INSTITUTE", "Illustrative gene bank")
    _demo(session_factory)
    with transaction(session_factory) as session:
        todo = service.unreported(session, cli_principal())
        assert [d.mta_identifier for d in todo] == ["DEMO-SMTA-1"]
        # Two more samples: one shrink-wrap SMTA with two accessions, one under own MTA.
        lots = {
            session.get_one(Accession, lot.accession_id).accenumb: lot
            for lot in session.execute(select(Lot)).scalars()
        }
        for number in ("DEMO-0004", "DEMO-0007"):
            service.distribute(
                session,
                cli_principal(),
                lots[number].id,
                service.DistributionIn(
                    recipient_name="Illustrative person",
                    recipient_country="SEN",
                    purpose="research",
                    mta_type="smta",
                    mta_identifier="DEMO-SMTA-SW",
                    mta_date=date(2025, 3, 1),
                    requested_on=date(2025, 3, 1),
                    shipped_on=date(2025, 3, 2),
                    smta_form="shrink-wrap",
                    seeds=20,
                ),
            )
        service.distribute(
            session,
            cli_principal(),
            lots["DEMO-0003"].id,
            service.DistributionIn(
                recipient_name="Illustrative",
                recipient_country="TUR",
                purpose="research",
                mta_type="own",
                mta_identifier="OWN-1",
                mta_date=date(2025, 3, 1),
                requested_on=date(2025, 3, 1),
                shipped_on=date(2025, 3, 1),
                seeds=10,
            ),
        )
        xml = service.easy_smta_xml(session, cli_principal(), service.Provider.from_settings())
    root = ET.fromstring(xml)
    smtas = {s.findtext("symbol"): s for s in root.findall("smta")}
    assert set(smtas) == {"DEMO-SMTA-1", "DEMO-SMTA-SW"}  # the own MTA is not reported
    first = smtas["DEMO-SMTA-1"]
    assert first.findtext("type") == "si"
    assert first.findtext("provider/pid") == "00KZ99"
    assert first.findtext("provider/name") == "Illustrative gene bank"
    assert first.findtext("recipient/country") == "UZB"
    assert first.findtext("recipient/type") == "or"  # a person, no organisation
    assert [m.findtext("sampleID") for m in first.findall("annex1/material")] == ["DEMO-0001"]
    assert first.findtext("annex1/material/crop") == "wheat"
    shrink = smtas["DEMO-SMTA-SW"]
    assert shrink.findtext("type") == "sw" and shrink.findtext("date") == "2025-03-01"
    assert sorted(m.findtext("sampleID") for m in shrink.findall("annex1/material")) == [
        "DEMO-0004",
        "DEMO-0007",
    ]
    with transaction(session_factory) as session:
        ids = [d.id for d in service.unreported(session, cli_principal())]
        assert len(ids) == 3
        assert service.mark_reported(session, cli_principal(), ids[:1]) == 1
        assert service.mark_reported(session, cli_principal(), ids[:1]) == 0
        assert len(service.unreported(session, cli_principal())) == 2
        own = next(
            d
            for d in service.distributions(session, cli_principal(), status="shipped")
            if d.mta_type == "own"
        )
        with pytest.raises(service.GenebankError):
            service.mark_reported(session, cli_principal(), [own.id])


def test_api_page_and_cli(
    client: TestClient,
    loaded_registry: sessionmaker[Session],
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _demo(loaded_registry)
    _uid, curator = make_user(loaded_registry, "curator@iofs.example", "genebank_curator")
    _uid, viewer = make_user(loaded_registry, "viewer@iofs.example", "viewer")
    auth = {"Authorization": f"Bearer {curator}"}
    response = client.get("/api/v1/genebank/easy-smta", headers=auth)
    assert response.status_code == 200 and b"<symbol>DEMO-SMTA-1</symbol>" in response.content
    assert client.get("/api/v1/genebank/easy-smta").status_code == 401
    todo = client.get("/api/v1/genebank/smta-unreported", headers=auth).json()
    assert [d["mta_identifier"] for d in todo["items"]] == ["DEMO-SMTA-1"]
    assert todo["next"] is None
    refused = client.post(
        "/api/v1/genebank/smta-reported",
        json={"distribution_ids": [1]},
        headers={"Authorization": f"Bearer {viewer}"},
    )
    assert refused.status_code == 403
    page = client.get("/genebank/smta", headers=auth)
    assert page.status_code == 200 and "DEMO-SMTA-1" in page.text
    monkeypatch.setenv("IOFS_DATABASE_URL", database_url)
    monkeypatch.setenv("IOFS_DATA_DIR", str(tmp_path / "var"))
    out = tmp_path / "smta.xml"
    result = CliRunner().invoke(
        app, ["genebank", "easy-smta", "--out", str(out), "--mark-reported"]
    )
    assert result.exit_code == 0, result.output
    assert ET.parse(out).getroot().findtext("smta/symbol") == "DEMO-SMTA-1"
    assert client.get("/api/v1/genebank/smta-unreported", headers=auth).json() == {
        "items": [],
        "next": None,
    }
    result = CliRunner().invoke(app, ["genebank", "smta-unreported", "--format", "json"])
    assert result.exit_code == 0 and result.output.strip() == "[]"
