"""Import/export through the CLI, the service rules and the API, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from iofs.audit.models import AuditEntry
from iofs.cli import app
from iofs.genebank import mcpd
from iofs.genebank.models import Accession, Lot
from tests.conftest import make_user

#: Small illustrative passport records (not real accessions).
RECORDS = [
    {
        "INSTCODE": "KAZ015",
        "ACCENUMB": "KZ-0001",
        "GENUS": "Triticum",
        "SPECIES": "aestivum",
        "SPAUTHOR": "L.",
        "CROPNAME": "wheat",
        "ACCENAME": "Kazakhstanskaya 10",
        "ACQDATE": "2019----",
        "ORIGCTY": "KAZ",
        "COLLSITE": "Akmola region, 12 km N of Astana",
        "DECLATITUDE": "51.2800",
        "LATITUDE": "511648N",
        "DECLONGITUDE": "71.4300",
        "LONGITUDE": "0712548E",
        "COORDUNCERT": "50",
        "COORDDATUM": "WGS84",
        "GEOREFMETH": "GPS",
        "ELEVATION": "347",
        "COLLDATE": "20180815",
        "SAMPSTAT": "300",
        "COLLSRC": "26",
        "STORAGE": "13",
        "MLSSTAT": "1",
        "AVAILABLE": "yes",
    },
    {
        "INSTCODE": "KAZ015",
        "ACCENUMB": "KZ-0002",
        "GENUS": "Hordeum",
        "SPECIES": "vulgare",
        "CROPNAME": "barley",
        "ORIGCTY": "UZB",
        "SAMPSTAT": "500",
        "STORAGE": "12;13",
        "MLSSTAT": "1",
        "REMARKS": "ACCENAME:local name unknown",
        "AVAILABLE": "no",
    },
    {
        "INSTCODE": "KAZ015",
        "ACCENUMB": "KZ-0003",
        "GENUS": "Cicer",
        "SPECIES": "arietinum",
        "CROPNAME": "chickpea",
        "ORIGCTY": "TUR",
        "SAMPSTAT": "300",
        "STORAGE": "13",
        "MLSSTAT": "0",
        "AVAILABLE": "yes",
        "OTHERNUMB": "ICARDA:IG 1234",
    },
]


def write_passport(path: Path, records: list[dict[str, str]]) -> Path:
    out = io.StringIO()
    columns = [*mcpd.MCPD_COLUMNS, mcpd.AVAILABLE]
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([record.get(c, "") for c in columns] for record in records)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def said(result: Any) -> str:
    """The command's output with Rich's line wrapping undone."""
    return " ".join(result.output.split())


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("IOFS_DATABASE_URL", database_url)
    monkeypatch.setenv("IOFS_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("IOFS_ENV", "test")
    return CliRunner()


def count(factory: sessionmaker[Session], model: Any) -> int:
    with factory() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def test_import_is_all_or_nothing_idempotent_and_round_trips(
    cli_env: CliRunner, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    bad = write_passport(
        tmp_path / "bad.csv",
        [
            *RECORDS,
            {
                "INSTCODE": "KAZ015",
                "ACCENUMB": "KZ-0004",
                "GENUS": "Zea",
                "MLSSTAT": "Y",
                "ACQDATE": "20190231",
            },
        ],
    )
    result = cli_env.invoke(app, ["genebank", "import", str(bad), "--dry-run"])
    assert result.exit_code == 2
    assert "line 5, MLSSTAT: error: 'Y' is not a MLSSTAT code (0, 1, 99)" in said(result)
    assert "line 5, ACQDATE: error" in said(result)
    result = cli_env.invoke(app, ["genebank", "import", str(bad)])
    assert result.exit_code == 2 and "Nothing was imported" in said(result)
    assert "bad.csv: line 5, column ACQDATE: '20190231': day 31 does not exist" in said(result)
    assert count(session_factory, Accession) == 0

    rejects = tmp_path / "rejects.csv"
    result = cli_env.invoke(app, ["genebank", "import", str(bad), "--reject-file", str(rejects)])
    assert result.exit_code == 0, result.output
    assert "3 inserted, 0 updated, 0 unchanged, 1 rejected" in said(result)
    lines = rejects.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and lines[1].startswith("5,") and "MLSSTAT: 'Y'" in lines[1]
    entries = count(session_factory, AuditEntry)

    good = write_passport(tmp_path / "good.csv", RECORDS)
    result = cli_env.invoke(app, ["genebank", "import", str(good)])
    assert "0 inserted, 0 updated, 3 unchanged" in said(result)
    assert count(session_factory, AuditEntry) == entries

    changed = [dict(RECORDS[0], CROPNAME="bread wheat"), *RECORDS[1:]]
    result = cli_env.invoke(
        app, ["genebank", "import", str(write_passport(tmp_path / "changed.csv", changed))]
    )
    assert "0 inserted, 1 updated, 2 unchanged" in said(result)
    result = cli_env.invoke(app, ["genebank", "import", str(good)])
    assert "1 updated" in said(result)

    exported = tmp_path / "export.csv"
    result = cli_env.invoke(app, ["genebank", "export", "--format", "mcpd", "--out", str(exported)])
    assert result.exit_code == 0, result.output
    plain = io.StringIO()
    mcpd.write_mcpd(RECORDS, plain)  # the same file without the AVAILABLE column
    mcpd_only = tmp_path / "mcpd_only.csv"
    mcpd_only.write_text(plain.getvalue(), encoding="utf-8")
    assert exported.read_bytes() == mcpd_only.read_bytes()

    result = cli_env.invoke(app, ["genebank", "export", "--format", "wiews"])
    assert "KAZ015,13,Long term,3,3,3" in said(result)
    assert "KAZ015,12,Medium term,1,1,1" in said(result)
    result = cli_env.invoke(app, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    result = cli_env.invoke(app, ["genebank", "reindex"])
    assert result.exit_code == 0 and "3 facet combinations counted" in said(result)


def test_mapping_file_for_non_mcpd_headers(
    cli_env: CliRunner, tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    source = tmp_path / "nbpgr.csv"
    source.write_text(
        "Holder,NationalID,BotanicalGenus,Epithet,SourceCountry,Junk\n"
        "IND001,IC 1001,Arachis,hypogaea,IND,x\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "mapping.csv"
    mapping.write_text(
        "source,target\nHolder,INSTCODE\nNationalID,ACCENUMB\n"
        "BotanicalGenus,GENUS\nEpithet,SPECIES\nSourceCountry,ORIGCTY\nJunk,\n",
        encoding="utf-8",
    )
    result = cli_env.invoke(app, ["genebank", "import", str(source), "--mapping", str(mapping)])
    assert result.exit_code == 0, result.output
    with session_factory() as session:
        accession = session.execute(select(Accession)).scalar_one()
        assert (accession.accenumb, accession.taxon) == ("IC 1001", "Arachis hypogaea")


@pytest.fixture
def stocked(
    cli_env: CliRunner, tmp_path: Path, loaded_registry: sessionmaker[Session]
) -> dict[str, Any]:
    cli_env.invoke(app, ["genebank", "import", str(write_passport(tmp_path / "p.csv", RECORDS))])
    _, curator = make_user(loaded_registry, "curator@iofs.example", "genebank_curator")
    _, viewer = make_user(loaded_registry, "viewer@iofs.example", "viewer")
    _, focal = make_user(loaded_registry, "fp@iofs.example", "focal_point", ("KAZ",))
    with loaded_registry() as session:
        ids = {a.accenumb: a.id for a in session.execute(select(Accession)).scalars()}
    return {
        "ids": ids,
        "curator": {"Authorization": f"Bearer {curator}"},
        "viewer": {"Authorization": f"Bearer {viewer}"},
        "focal": {"Authorization": f"Bearer {focal}"},
    }


def test_public_search_facets_and_curator_workflow(
    client: TestClient, stocked: dict[str, Any]
) -> None:
    ids, curator = stocked["ids"], stocked["curator"]
    public = client.get("/api/v1/genebank/accessions").json()
    assert public["total"] == 2  # barley is not available
    assert {f["value"] for f in public["facets"]["genus"]} == {"Triticum", "Cicer"}
    assert client.get(f"/api/v1/genebank/accessions/{ids['KZ-0002']}").status_code == 404
    inside = client.get("/api/v1/genebank/accessions", headers=stocked["viewer"]).json()
    assert inside["total"] == 3
    found = client.get("/api/v1/genebank/accessions", params={"q": "triticum"}).json()
    assert [a["accenumb"] for a in found["accessions"]] == ["KZ-0001"]
    assert client.get("/api/v1/genebank/accessions", params={"country": "tur"}).json()["total"] == 1

    wheat = ids["KZ-0001"]
    stored = (date.today() - timedelta(days=3650)).isoformat()
    response = client.post(
        f"/api/v1/genebank/accessions/{wheat}/lots",
        headers=curator,
        json={
            "lot_number": "L1",
            "collection": "active",
            "storage_temperature_c": 5,
            "moisture_content_pct": 8,
            "seed_count": 1000,
            "origin": "acquisition",
            "stored_on": stored,
            "reference_sample_seeds": 50,
            "seeds_per_sowing": 100,
        },
    )
    assert response.status_code == 201, response.text
    lot_id = response.json()["lot"]["id"]
    assert response.json()["warnings"]  # 8 % moisture is above the 3–7 % standard
    denied = client.post(
        f"/api/v1/genebank/lots/{lot_id}/germination-tests",
        headers=stocked["viewer"],
        json={"tested_on": stored, "sown": "50;50", "germinated": "49;48"},
    )
    assert denied.status_code == 403
    for tested_on, germinated in (
        (stored, "49;48;49;48"),
        (date.today().isoformat(), "30;32;31;29"),
    ):
        response = client.post(
            f"/api/v1/genebank/lots/{lot_id}/germination-tests",
            headers=curator,
            json={"tested_on": tested_on, "sown": "50;50;50;50", "germinated": germinated},
        )
        assert response.status_code == 201, response.text
    queue = client.get("/api/v1/genebank/regeneration-queue", headers=curator).json()["items"]
    entry = next(q for q in queue if q["lot"]["id"] == lot_id)
    assert "below_85pct_of_initial" in entry["reasons"]
    assert entry["prediction"]["method"] == "fitted"
    assert client.get("/api/v1/genebank/regeneration-queue").status_code == 401

    shipment = {
        "recipient_name": "Dr A. Researcher",
        "recipient_country": "UZB",
        "purpose": "research",
        "mta_type": "smta",
        "mta_identifier": "SMTA-KAZ015-1",
        "mta_date": date.today().isoformat(),
        "requested_on": date.today().isoformat(),
        "shipped_on": date.today().isoformat(),
    }
    response = client.post(
        f"/api/v1/genebank/lots/{lot_id}/distributions", headers=curator, json=shipment
    )
    assert response.status_code == 201, response.text
    # 50 viable seeds at the latest 61 % germination: ceil(50 / 0.61) = 82 seeds
    assert response.json()["seeds"] == 82
    lots = client.get(f"/api/v1/genebank/accessions/{wheat}/lots", headers=curator).json()
    assert lots[0]["lot"]["seed_count"] == 1000 - 82
    too_many = client.post(
        f"/api/v1/genebank/lots/{lot_id}/distributions",
        headers=curator,
        json={**shipment, "seeds": 900},
    )
    assert too_many.status_code == 422 and too_many.json()["detail"][0]["field"] == "seeds"
    assert (
        client.post(
            f"/api/v1/genebank/lots/{lot_id}/distributions", headers=stocked["focal"], json=shipment
        ).status_code
        == 403
    )
    report = client.get("/api/v1/genebank/smta-report", headers=curator).text.splitlines()
    assert report[1].startswith("SMTA-KAZ015-1,smta,") and ",82," in report[1]


def test_distribution_of_an_unavailable_accession_is_refused_and_changes_nothing(
    client: TestClient, stocked: dict[str, Any], session_factory: sessionmaker[Session]
) -> None:
    barley = stocked["ids"]["KZ-0002"]
    response = client.post(
        f"/api/v1/genebank/accessions/{barley}/lots",
        headers=stocked["curator"],
        json={
            "lot_number": "B1",
            "collection": "base",
            "storage_temperature_c": -18,
            "moisture_content_pct": 5,
            "seed_count": 100,
            "origin": "harvest",
            "stored_on": "2020-01-01",
            "reference_sample_seeds": 50,
        },
    )
    lot_id = response.json()["lot"]["id"]
    assert response.json()["warnings"] == []
    today = date.today().isoformat()
    refused = client.post(
        f"/api/v1/genebank/lots/{lot_id}/distributions",
        headers=stocked["curator"],
        json={
            "recipient_name": "X",
            "recipient_country": "KAZ",
            "purpose": "breeding",
            "mta_type": "own",
            "mta_identifier": "M1",
            "mta_date": today,
            "requested_on": today,
            "shipped_on": today,
            "seeds": 10,
        },
    )
    assert refused.status_code == 422
    with session_factory() as session:
        assert session.get_one(Lot, lot_id).seed_count == 100
    queue = client.get("/api/v1/genebank/regeneration-queue", headers=stocked["curator"]).json()[
        "items"
    ]
    reasons = next(q["reasons"] for q in queue if q["lot"]["id"] == lot_id)
    assert reasons == ["below_three_sowings", "never_tested"]


def test_api_import_validates_and_reports_rows(client: TestClient, stocked: dict[str, Any]) -> None:
    body = "INSTCODE,ACCENUMB,GENUS,SAMPSTAT\nKAZ015,KZ-9,Avena,301\n"
    response = client.post(
        "/api/v1/genebank/imports", headers=stocked["curator"], json={"csv": body}
    )
    assert response.status_code == 422
    dry = client.post(
        "/api/v1/genebank/imports", headers=stocked["curator"], json={"csv": body, "dry_run": True}
    ).json()
    assert dry["issues"][0] == {
        "line": 2,
        "column": "SAMPSTAT",
        "severity": "error",
        "reason": "'301' is not in the SAMPSTAT code list",
    }
    assert (
        client.post(
            "/api/v1/genebank/imports", json={"csv": body}, headers={"Origin": "http://testserver"}
        ).status_code
        == 401
    )


def test_pages_render_for_public_and_curator(client: TestClient, stocked: dict[str, Any]) -> None:
    from tests.conftest import sign_in

    page = client.get("/genebank?lang=fr")
    assert page.status_code == 200 and "Banque de gènes" in page.text and "<svg" in page.text
    wheat = stocked["ids"]["KZ-0001"]
    assert "511648N" in client.get(f"/genebank/accessions/{wheat}").text
    assert client.get(f"/genebank/accessions/{stocked['ids']['KZ-0002']}").status_code == 404
    assert (
        client.get(
            "/genebank/curator", follow_redirects=False, headers={"Accept": "text/html"}
        ).status_code
        == 303
    )
    sign_in(client, "curator@iofs.example")
    assert "lot-form" in client.get(f"/genebank/accessions/{wheat}").text
    assert client.get("/genebank/curator").status_code == 200
    from tests.conftest import ORIGIN

    bad = client.post(
        f"/genebank/accessions/{wheat}/safety-duplicates",
        headers={"Origin": ORIGIN},
        data={"site_code": "SVALBARD", "deposited_on": "2025-02-26", "seed_count": "500"},
    )
    assert bad.status_code == 422
    deposit = client.post(
        f"/genebank/accessions/{wheat}/safety-duplicates",
        headers={"Origin": ORIGIN},
        data={
            "site_code": "nor051",
            "site_name": "Svalbard Global Seed Vault",
            "box": "IOFS-1",
            "deposited_on": "2025-02-26",
            "seed_count": "500",
        },
        follow_redirects=True,
    )
    assert deposit.status_code == 200
    assert "NOR051 Svalbard Global Seed Vault" in deposit.text
    edited = client.post(
        f"/genebank/accessions/{wheat}/passport",
        headers={"Origin": ORIGIN},
        data={"CROPNAME": "spring bread wheat"},
        follow_redirects=True,
    )
    assert edited.status_code == 200 and "spring bread wheat" in edited.text
    wrong = client.post(
        f"/genebank/accessions/{wheat}/passport",
        headers={"Origin": ORIGIN},
        data={"ACQDATE": "20251340"},
    )
    assert wrong.status_code == 422 and "month 13 does not exist" in wrong.text
    renumbered = client.post(
        f"/genebank/accessions/{wheat}/passport",
        headers={"Origin": ORIGIN},
        data={"ACCENUMB": "KZ-9999"},
    )
    assert renumbered.status_code == 422
    assert "spring bread wheat" in client.get(f"/genebank/accessions/{wheat}").text


def test_distribution_goes_request_order_shipment(
    client: TestClient, stocked: dict[str, Any], session_factory: sessionmaker[Session]
) -> None:
    curator, wheat = stocked["curator"], stocked["ids"]["KZ-0001"]
    today = date.today().isoformat()
    lot_id = client.post(
        f"/api/v1/genebank/accessions/{wheat}/lots",
        headers=curator,
        json={
            "lot_number": "L9",
            "collection": "base",
            "storage_temperature_c": -18,
            "moisture_content_pct": 5,
            "seed_count": 500,
            "origin": "harvest",
            "stored_on": "2020-01-01",
            "reference_sample_seeds": 50,
        },
    ).json()["lot"]["id"]
    request = client.post(
        f"/api/v1/genebank/accessions/{wheat}/distribution-requests",
        headers=curator,
        json={
            "recipient_name": "Dr B. Breeder",
            "recipient_country": "uzb",
            "purpose": "breeding",
            "requested_on": today,
        },
    )
    assert request.status_code == 201, request.text
    assert request.json()["status"] == "requested" and request.json()["lot_id"] is None
    request_id = request.json()["id"]
    early = client.post(
        f"/api/v1/genebank/distributions/{request_id}/ship", headers=curator, json={"on": today}
    )
    assert early.status_code == 422 and early.json()["detail"][0]["field"] == "status"
    order = client.post(
        f"/api/v1/genebank/distributions/{request_id}/order",
        headers=curator,
        json={
            "lot_id": lot_id,
            "mta_type": "smta",
            "mta_identifier": "SMTA-KAZ015-9",
            "mta_date": today,
            "ordered_on": today,
        },
    )
    assert order.status_code == 200, order.text
    assert (order.json()["status"], order.json()["seeds"]) == ("ordered", 50)  # never tested
    with session_factory() as session:
        assert session.get_one(Lot, lot_id).seed_count == 500  # an order takes no stock
    assert "SMTA-KAZ015-9" not in client.get("/api/v1/genebank/smta-report", headers=curator).text
    shipped = client.post(
        f"/api/v1/genebank/distributions/{request_id}/ship", headers=curator, json={"on": today}
    )
    assert shipped.status_code == 200, shipped.text
    assert shipped.json()["status"] == "shipped" and shipped.json()["shipped_on"] == today
    with session_factory() as session:
        assert session.get_one(Lot, lot_id).seed_count == 450
    again = client.post(
        f"/api/v1/genebank/distributions/{request_id}/cancel", headers=curator, json={"on": today}
    )
    assert again.status_code == 422  # a shipped sample stays shipped
    report = client.get("/api/v1/genebank/smta-report", headers=curator).text.splitlines()
    assert report[0].endswith("requested_on,ordered_on,shipped_on")
    assert report[1].startswith("SMTA-KAZ015-9,smta,") and report[1].endswith(
        f",50,breeding,{today},{today},{today}"
    )

    other = client.post(
        f"/api/v1/genebank/accessions/{wheat}/distribution-requests",
        headers=curator,
        json={
            "recipient_name": "X",
            "recipient_country": "KAZ",
            "purpose": "research",
            "requested_on": today,
            "seeds": 10,
        },
    )
    other_id = other.json()["id"]
    cancelled = client.post(
        f"/api/v1/genebank/distributions/{other_id}/cancel", headers=curator, json={"on": today}
    )
    assert cancelled.json()["status"] == "cancelled"
    assert (
        client.post(
            f"/api/v1/genebank/distributions/{other_id}/order",
            headers=stocked["viewer"],
            json={
                "lot_id": lot_id,
                "mta_type": "own",
                "mta_identifier": "M",
                "mta_date": today,
                "ordered_on": today,
            },
        ).status_code
        == 403
    )
    statuses = {
        d["id"]: d["status"]
        for d in client.get("/api/v1/genebank/distributions", headers=curator).json()["items"]
    }
    assert statuses == {request_id: "shipped", other_id: "cancelled"}
    result = CliRunner().invoke(app, ["audit", "verify"])
    assert result.exit_code == 0, result.output


def test_demo_load_is_illustrative_and_idempotent(loaded_registry: sessionmaker[Session]) -> None:
    from iofs.accounts.service import cli_principal
    from iofs.audit import service as audit
    from iofs.db import transaction
    from iofs.genebank import demo, service
    from iofs.genebank.models import Distribution

    with transaction(loaded_registry) as session:
        summary = demo.load(session, cli_principal())
    assert summary.startswith("10 accessions (10 new)") and "illustrative" in summary
    with loaded_registry() as session:
        counts = (
            count(loaded_registry, Accession),
            count(loaded_registry, Lot),
            count(loaded_registry, AuditEntry),
        )
        accessions = list(session.execute(select(Accession)).scalars())
        assert all(
            a.remarks == demo.ILLUSTRATIVE and a.accenumb.startswith("DEMO-") for a in accessions
        )
        states = sorted(d.status for d in session.execute(select(Distribution)).scalars())
        assert states == ["ordered", "requested", "shipped"]
        queue = service.regeneration_queue(session, cli_principal())
        assert any("below_85pct_of_initial" in s.reasons for s in queue)
    with transaction(loaded_registry) as session:
        assert demo.load(session, cli_principal()).startswith("10 accessions (0 new)")
    assert (
        count(loaded_registry, Accession),
        count(loaded_registry, Lot),
        count(loaded_registry, AuditEntry),
    ) == counts
    with loaded_registry() as session:
        assert audit.verify(session).ok
