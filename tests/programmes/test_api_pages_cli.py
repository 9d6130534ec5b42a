"""Programmes through the API, the pages and the CLI, as their users run them."""

from __future__ import annotations

import json
import os
import re
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from iofs.cli import app as cli_app
from iofs.config import Settings
from tests.conftest import ORIGIN, make_user, sign_in


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_gaza_appeal_api_and_page(
    client: TestClient, programme_data: sessionmaker[Session]
) -> None:
    summary = client.get("/api/v1/programmes/appeals/F4H-GAZA").json()
    assert summary["delivered_t"] == "200.000" and summary["required_t"] == "1000.000"
    assert summary["gap_t"] == "800.000"
    assert summary["households_reached"] == 8000
    assert {d["code"] for d in summary["donors"]} == {"KAZ", "TJK", "BGD", "AZE"}
    page = client.get("/programmes/appeals/F4H-GAZA")
    assert page.status_code == 200
    # Numbers sit in <bdi> isolates (iofs.http.formatting): compare the text a reader sees.
    assert "200 t of 1,000 t of wheat flour delivered" in re.sub(r"<[^>]+>", "", page.text)
    assert "illustrative" in page.text
    assert "Bangladesh" in page.text and "Azerbaijan" in page.text
    assert ' style="' not in page.text  # the CSP forbids inline styles
    assert client.get("/programmes/appeals/NOPE").status_code == 404
    for path in (
        "/programmes",
        "/programmes/AFSP",
        "/programmes/donors/KAZ",
        "/programmes/countries/PSE",
        "/programmes?lang=ar",
        "/programmes/F4H?lang=fr",
    ):
        assert client.get(path).status_code == 200, path
    assert client.get("/programmes/countries/NOR").status_code == 404
    for path, expected in (
        (
            "/programmes/donors/TUR?lang=en",
            "Türkiye → Afghanistan Food Security Programme: 200,000 USD",
        ),
        ("/programmes/countries/PSE?lang=en", "Bangladesh → "),
        (
            "/programmes/AFSP?lang=en",
            "Kazakhstan → Afghanistan Food Security Programme: 300,000 USD",
        ),
    ):
        assert expected in client.get(path).text, path


def test_entry_counts_only_after_another_person_approves(
    client: TestClient, programme_data: sessionmaker[Session]
) -> None:
    _maker, maker = make_user(programme_data, "maker@iofs.example", "secretariat")
    _checker, checker = make_user(programme_data, "checker@iofs.example", "secretariat")
    created = client.post(
        "/api/v1/programmes/contributions",
        headers=_bearer(maker),
        json={
            "donor": "TKM",
            "appeal": "F4H-GAZA",
            "status": "paid",
            "decided_on": "2025-02-01",
            "currency": "EUR",
            "amount": "10000",
            "exchange_rate": "1.08",
            "rate_date": "2025-02-01",
            "rate_source": "ECB reference rate",
        },
    )
    assert created.status_code == 201, created.text
    figure = created.json()
    assert figure["approval"] == "pending"
    gaza = client.get("/api/v1/programmes/appeals/F4H-GAZA").json()
    assert gaza["paid_usd"] == "100000.00" and gaza["pending_usd"] == "10800.00"
    # pending figures are hidden from the public, shown to the secretariat
    public = client.get("/api/v1/programmes/contributions?donor=TKM").json()["items"]
    assert all(row["approval"] == "approved" for row in public)
    internal = client.get(
        "/api/v1/programmes/contributions?donor=TKM", headers=_bearer(checker)
    ).json()["items"]
    assert any(row["approval"] == "pending" for row in internal)
    own = client.post(
        f"/api/v1/programmes/review/contribution/{figure['id']}",
        headers=_bearer(maker),
        json={"decision": "approved", "version": figure["version"]},
    )
    assert own.status_code == 403
    approved = client.post(
        f"/api/v1/programmes/review/contribution/{figure['id']}",
        headers=_bearer(checker),
        json={"decision": "approved", "version": figure["version"]},
    )
    assert approved.status_code == 200, approved.text
    gaza = client.get("/api/v1/programmes/appeals/F4H-GAZA").json()
    assert gaza["paid_usd"] == "110800.00"


def test_scopes_focal_points_and_donors(
    client: TestClient, programme_data: sessionmaker[Session]
) -> None:
    _kaz, kaz = make_user(programme_data, "kaz@iofs.example", "focal_point", ("KAZ",))
    _pse, pse = make_user(programme_data, "pse@iofs.example", "focal_point", ("PSE",))
    _donor, donor = make_user(programme_data, "tkm@iofs.example", "donor", ("TKM",))
    stage = {"stage": "pledged", "dated": "2024-11-01", "quantity_t": "5"}
    refused = client.post(
        "/api/v1/programmes/consignments/F4H-GAZA-P1/stages", headers=_bearer(kaz), json=stage
    )
    assert refused.status_code == 403 and "PSE" in refused.text
    allowed = client.post(
        "/api/v1/programmes/consignments/F4H-GAZA-P1/stages", headers=_bearer(pse), json=stage
    )
    assert allowed.status_code == 201, allowed.text
    assert (
        client.post(
            "/api/v1/programmes/contributions",
            headers=_bearer(donor),
            json={"donor": "TKM", "decided_on": "2025-01-01", "amount": "1"},
        ).status_code
        == 403
    )
    # the donor sees its own pending contribution, not others'
    _sec, secretariat = make_user(programme_data, "sec@iofs.example", "secretariat")
    for donor_code in ("TKM", "TUR"):
        assert (
            client.post(
                "/api/v1/programmes/contributions",
                headers=_bearer(secretariat),
                json={
                    "donor": donor_code,
                    "programme": "AFSP",
                    "decided_on": "2025-01-01",
                    "amount": "7",
                },
            ).status_code
            == 201
        )
    seen = client.get("/api/v1/programmes/contributions", headers=_bearer(donor)).json()["items"]
    pending = {(row["donor"], row["approval"]) for row in seen if row["approval"] == "pending"}
    assert pending == {("TKM", "pending")}
    queue = client.get("/api/v1/programmes/review", headers=_bearer(pse)).json()["items"]
    assert {row["country"] for row in queue} <= {"PSE"} and queue


def test_forms_enter_and_review_in_the_browser_flow(
    client: TestClient, programme_data: sessionmaker[Session]
) -> None:
    make_user(programme_data, "maker@iofs.example", "secretariat")
    assert client.get(
        "/programmes/entry", follow_redirects=False, headers={"Accept": "text/html"}
    ).status_code in (302, 303)
    assert sign_in(client, "maker@iofs.example").status_code == 303
    bad = client.post(
        "/programmes/entry/contribution",
        headers={"Origin": ORIGIN},
        data={
            "donor": "KAZ",
            "appeal": "F4H-GAZA",
            "status": "paid",
            "modality": "cash",
            "decided_on": "2025-03-01",
            "currency": "KZT",
            "amount": "1000000",
        },
    )
    assert bad.status_code == 422 and "exchange rate" in bad.text
    good = client.post(
        "/programmes/entry/contribution",
        headers={"Origin": ORIGIN},
        data={
            "donor": "KAZ",
            "appeal": "F4H-GAZA",
            "status": "paid",
            "modality": "cash",
            "decided_on": "2025-03-01",
            "currency": "USD",
            "amount": "5000",
        },
        follow_redirects=True,
    )
    assert good.status_code == 200 and "counts once someone else approves it" in good.text
    queue = client.get("/programmes/review")
    assert "You entered this" in queue.text


def test_cli_appeals_and_exports(
    client: TestClient, settings: Settings, programme_data: sessionmaker[Session], tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "IOFS_DATABASE_URL": settings.resolved_database_url,
        "IOFS_DATA_DIR": str(settings.data_dir),
        "IOFS_SECRET_KEY": settings.secret_key or "",
    }
    runner = CliRunner()
    listed = runner.invoke(cli_app, ["programmes", "appeals", "--format", "json"], env=env)
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    api = client.get("/api/v1/programmes/appeals").json()
    assert [row["code"] for row in rows] == [row["code"] for row in api]
    assert rows[0]["delivered_t"] == api[0]["delivered_t"] == "200.000"
    for fmt, name in (
        ("iati", "a.xml"),
        ("hxl", "c.csv"),
        ("3w", "w.csv"),
        ("fts", "f.json"),
        ("fts", "f.csv"),
    ):
        out = tmp_path / name
        result = runner.invoke(cli_app, ["programmes", "export", fmt, "--out", str(out)], env=env)
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 100
    assert b"<iati-activities" in (tmp_path / "a.xml").read_bytes()
    assert b"<iati-activities" in client.get("/api/v1/programmes/exports/iati.xml").content
    template = tmp_path / "t.xlsx"
    assert (
        runner.invoke(
            cli_app, ["programmes", "template", "--out", str(template)], env=env
        ).exit_code
        == 0
    )
    assert template.read_bytes()[:2] == b"PK"
    missing = runner.invoke(cli_app, ["programmes", "import", "fts", str(template)], env=env)
    assert missing.exit_code == 2 and "--appeal" in missing.output


def test_excel_upload_through_the_api_is_all_or_nothing(
    client: TestClient, settings: Settings, programme_data: sessionmaker[Session]
) -> None:
    import io

    import openpyxl

    from iofs.jobs.worker import run_pending

    _user, token = make_user(programme_data, "sheet@iofs.example", "secretariat")
    book = openpyxl.load_workbook(
        io.BytesIO(client.get("/api/v1/programmes/template.xlsx").content)
    )
    sheet = book["contributions"]
    headers = [cell.value for cell in sheet[1]]

    def add(**values: object) -> None:
        sheet.append([values.get(str(name)) for name in headers])

    add(
        reference="XL-1",
        donor="KAZ",
        appeal="F4H-GAZA",
        status="paid",
        decided_on="2025-04-01",
        currency="USD",
        amount="1000",
    )
    add(
        reference="XL-2",
        donor="NOBODY",
        appeal="F4H-GAZA",
        status="paid",
        decided_on="2025-04-01",
        currency="USD",
        amount="2000",
    )

    def upload() -> dict[str, object]:
        """Upload through the API (202 and the job's URL), run the queue, read the job."""
        buffer = io.BytesIO()
        book.save(buffer)
        queued = client.post(
            "/api/v1/programmes/upload",
            headers=_bearer(token),
            files={"file": ("sheet.xlsx", buffer.getvalue())},
        )
        assert queued.status_code == 202, queued.text
        url = queued.headers["Location"]
        assert url == queued.json()["url"] == f"/api/v1/jobs/{queued.json()['job']}"
        assert run_pending(settings) == [queued.json()["job"]]
        job: dict[str, object] = client.get(url, headers=_bearer(token)).json()
        return job

    before = client.get("/api/v1/programmes/contributions", headers=_bearer(token)).json()
    refused = upload()
    assert refused["state"] == "failed"
    problems = refused["result"]["errors"]  # type: ignore[index]
    assert [(p["sheet"], p["row"], p["column"]) for p in problems] == [
        ("contributions", 3, "donor")
    ]
    assert client.get("/api/v1/programmes/contributions", headers=_bearer(token)).json() == before
    sheet.delete_rows(3)
    accepted = upload()
    assert accepted["state"] == "succeeded", accepted
    assert accepted["result"]["sheets"]["contributions"]["created"] == 1  # type: ignore[index]
    again = upload()
    assert again["result"]["sheets"]["contributions"] == {  # type: ignore[index]
        "created": 0,
        "changed": 0,
        "unchanged": 1,
    }


def test_fts_import_and_reconciliation_page(
    client: TestClient, shared_data: Path, programme_data: sessionmaker[Session]
) -> None:
    import pytest

    source = shared_data / "fts" / "v1-fts-flow-custom-search-locationid-171-year-2020.TRIMMED.json"
    if not source.exists():
        pytest.skip(f"real FTS response not present at {source}")
    make_user(programme_data, "fts@iofs.example", "secretariat")
    assert sign_in(client, "fts@iofs.example").status_code == 303
    imported = client.post(
        "/programmes/appeals/F4H-GAZA/fts",
        headers={"Origin": ORIGIN},
        files={"file": (source.name, source.read_bytes())},
    )
    assert imported.status_code == 200, imported.text
    assert "8 FTS flows read for F4H-GAZA: 3 kept" in imported.text
    page = client.get("/programmes/appeals/F4H-GAZA/reconciliation")
    assert page.status_code == 200
    api = client.get("/api/v1/programmes/appeals/F4H-GAZA/reconciliation").json()
    assert api["summary"]["counts"]["missing_in_iofs"] == 3
    assert api["summary"]["counts"]["missing_in_fts"] == 4  # the four demo donors
    again = client.post(
        "/programmes/appeals/F4H-GAZA/fts",
        headers={"Origin": ORIGIN},
        files={"file": (source.name, source.read_bytes())},
    )
    assert "0 new, 0 updated, 3 unchanged" in again.text
    broken = client.post(
        "/programmes/appeals/F4H-GAZA/fts",
        headers={"Origin": ORIGIN},
        files={"file": ("x.json", b"{not json")},
    )
    assert broken.status_code == 422


def test_focal_point_edits_own_projects_results_and_trainings_from_the_page(
    client: TestClient, programme_data: sessionmaker[Session]
) -> None:
    from sqlalchemy import select

    from iofs.db import transaction
    from iofs.programmes.models import Activity, Indicator, IndicatorValue

    with transaction(programme_data) as session:
        indicator_id = session.execute(
            select(Indicator.id).where(
                Indicator.code == "FARMERS-TRAINED", Indicator.project_id.is_not(None)
            )
        ).scalar_one()
    make_user(programme_data, "focal.afg@iofs.example", "focal_point", ("AFG",))
    assert sign_in(client, "focal.afg@iofs.example").status_code == 303
    page = client.get("/programmes/entry")
    assert "project-form" in page.text and "contribution-form" not in page.text
    post = {"headers": {"Origin": ORIGIN}, "follow_redirects": False}
    value = client.post(
        "/programmes/entry/indicator-value",
        data={
            "indicator": str(indicator_id),
            "period_start": "2024-01-01",
            "period_end": "2024-12-31",
            "kind": "actual",
            "value": "1100",
        },
        **post,
    )
    assert value.status_code == 303, value.text
    bad = client.post(
        "/programmes/entry/indicator-value",
        data={
            "indicator": str(indicator_id),
            "period_start": "2024-12-31",
            "period_end": "2024-01-01",
            "kind": "actual",
            "value": "1",
        },
        **post,
    )
    assert bad.status_code == 422 and "before the start" in bad.text
    activity = client.post(
        "/programmes/entry/activity",
        data={
            "project": "AFSP-AFG",
            "kind": "training",
            "title": "Seed cleaning course",
            "starts_on": "2024-05-02",
            "participants_female": "18",
            "participants_male": "22",
        },
        **post,
    )
    assert activity.status_code == 303, activity.text
    elsewhere = client.post(
        "/programmes/entry/project",
        data={
            "programme": "F4H",
            "code": "F4H-PSE",
            "title": "Taken over",
            "country": "PSE",
            "sector_code": "72040",
            "status": "implementation",
        },
        **post,
    )
    assert elsewhere.status_code == 403
    with transaction(programme_data) as session:
        stored = session.execute(
            select(IndicatorValue).where(
                IndicatorValue.indicator_id == indicator_id,
                IndicatorValue.period_start == date(2024, 1, 1),
            )
        ).scalar_one()
        assert stored.value == 1100 and stored.approval == "pending"
        assert (
            session.execute(select(Activity).where(Activity.title == "Seed cleaning course"))
            .scalar_one()
            .participants_female
            == 18
        )


def test_secretariat_sets_up_an_appeal_from_the_page(
    client: TestClient, programme_data: sessionmaker[Session]
) -> None:
    make_user(programme_data, "setup@iofs.example", "secretariat")
    assert sign_in(client, "setup@iofs.example").status_code == 303
    post = {"headers": {"Origin": ORIGIN}, "follow_redirects": False}
    assert (
        client.post(
            "/programmes/entry/organisation",
            data={"code": "SAU", "name": "Saudi Arabia", "kind": "state"},
            **post,
        ).status_code
        == 303
    )
    assert (
        client.post(
            "/programmes/entry/programme",
            data={
                "code": "SDN-FS",
                "title": "Sudan food security",
                "sector_code": "72040",
                "status": "implementation",
                "humanitarian": "on",
            },
            **post,
        ).status_code
        == 303
    )
    assert (
        client.post(
            "/programmes/entry/indicator",
            data={
                "programme": "SDN-FS",
                "code": "HH-REACHED",
                "title": "Households reached",
                "unit": "households",
            },
            **post,
        ).status_code
        == 303
    )
    both = client.post(
        "/programmes/entry/indicator",
        data={"programme": "SDN-FS", "project": "F4H-PSE", "code": "X", "title": "x", "unit": "t"},
        **post,
    )
    assert both.status_code == 422 and "programme or to a project" in both.text
    programmes = {p["code"]: p for p in client.get("/api/v1/programmes").json()}
    assert programmes["SDN-FS"]["humanitarian"] is True
    assert (
        client.post(
            "/programmes/entry/appeal",
            data={
                "code": "SDN-2025",
                "title": "Sudan food emergency",
                "programme": "SDN-FS",
                "launched_on": "2025-03-01",
                "commodity": "sorghum",
            },
            **post,
        ).status_code
        == 303
    )
    bad = client.post(
        "/programmes/entry/revision",
        data={
            "appeal": "SDN-2025",
            "number": "0",
            "issued_on": "2025-03-01",
            "reason": "Original",
            "requirements": "SDN; 72040; 2025; 900000; 1500\nSDN 72040 2026",
        },
        **post,
    )
    assert bad.status_code == 422 and "Line 2" in bad.text
    good = client.post(
        "/programmes/entry/revision",
        data={
            "appeal": "SDN-2025",
            "number": "0",
            "issued_on": "2025-03-01",
            "reason": "Original",
            "requirements": "SDN; 72040; 2025; 900000; 1500\nSDN; 52010; 2026; 100000",
        },
        **post,
    )
    assert good.status_code == 303, good.text
    summary = client.get("/api/v1/programmes/appeals/SDN-2025").json()
    assert summary["required_usd"] == "1000000.00" and summary["required_t"] == "1500.000"
    _viewer_id, viewer = make_user(programme_data, "look@iofs.example", "viewer")
    assert (
        client.put(
            "/api/v1/programmes/appeals", headers=_bearer(viewer), json={"code": "X", "title": "x"}
        ).status_code
        == 403
    )
