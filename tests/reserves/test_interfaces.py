"""API, pages and CLI of the reserves: the same service calls, permissions, formats."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from iofs.accounts.service import cli_principal
from iofs.cli import app as cli_app
from iofs.config import Settings
from iofs.db import transaction
from iofs.reserves import demo
from tests.conftest import make_user


def _demo(factory: sessionmaker[Session]) -> None:
    from iofs.programmes import demo as programmes_demo

    with transaction(factory) as session:
        programmes_demo.load(session, cli_principal())
        demo.load(session, cli_principal())


def test_api_reads_and_scoped_writes(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    _demo(loaded_registry)
    status = client.get("/api/v1/reserves/status").json()
    wheat = next(row for row in status if row["commodity"] == "wheat")
    assert wheat["held_t"] == "36500.000" and wheat["target_t"] == "60000.000"
    request = client.get("/api/v1/reserves/requests/AFG-2025-01").json()
    assert request["status"] == "replenished" and request["days_to_delivery"] == 28
    assert [step["step"] for step in request["timeline"]][-1] == "replenished"
    _, token = make_user(loaded_registry, "focal@kaz.example", "focal_point", ("KAZ",))
    headers = {"Authorization": f"Bearer {token}"}
    mine = client.post(
        "/api/v1/reserves/lots/KAZ-W-2024-02/movements",
        headers=headers,
        json={"kind": "loss", "dated": "2025-05-01", "quantity_t": "2", "reason": "moisture"},
    )
    assert mine.status_code == 200, mine.text
    assert mine.json()["balance_t"] == "2998.000"
    theirs = client.post(
        "/api/v1/reserves/lots/TUR-W-2024-01/movements",
        headers=headers,
        json={"kind": "receipt", "dated": "2025-05-01", "quantity_t": "2"},
    )
    assert theirs.status_code == 403
    decide = client.post(
        "/api/v1/reserves/requests/AFG-2025-01/decision",
        headers=headers,
        json={"decision": "approve", "dated": "2025-05-01", "reason": "x"},
    )
    assert decide.status_code == 403
    anonymous = client.put("/api/v1/reserves/warehouses", json={})
    assert anonymous.status_code in (401, 403, 422)


def test_pages_in_three_languages(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    _demo(loaded_registry)
    for language in ("en", "ar", "fr"):
        for path in (
            "/reserves",
            "/reserves/systems/OIC-PILOT",
            "/reserves/warehouses/KAZ-KOSTANAY",
            "/reserves/requests",
            "/reserves/requests/AFG-2025-01",
        ):
            answer = client.get(f"{path}?lang={language}")
            assert answer.status_code == 200, (path, language)
    page = client.get("/reserves/requests/AFG-2025-01?lang=fr").text
    assert "Reconstitué" in page and "Kazakhstan" in page
    assert "illustratifs" in client.get("/reserves?lang=fr").text


def test_cli_commands_and_formats(
    client: TestClient, settings: Settings, loaded_registry: sessionmaker[Session], tmp_path: Path
) -> None:
    _demo(loaded_registry)
    env = {
        **os.environ,
        "IOFS_DATABASE_URL": settings.resolved_database_url,
        "IOFS_DATA_DIR": str(settings.data_dir),
        "IOFS_SECRET_KEY": settings.secret_key or "",
    }
    runner = CliRunner()
    listed = runner.invoke(cli_app, ["reserves", "requests", "--format", "json"], env=env)
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.output)[0]["delivered_t"] == "1985.000"
    for command in (["status"], ["cover"], ["requests"], ["match", "TJK", "wheat", "3000"]):
        for fmt in ("table", "csv", "json"):
            result = runner.invoke(cli_app, ["reserves", *command, "--format", fmt], env=env)
            assert result.exit_code == 0, (command, fmt, result.output)
    matched = runner.invoke(
        cli_app, ["reserves", "match", "TJK", "wheat", "3000", "--format", "csv"], env=env
    )
    assert matched.output.splitlines()[1].startswith("1,reserve_lot,Türkiye,TUR-W-2024-01")
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "warehouse,lot,commodity,received_on,quantity_t,as_of\n"
        "KAZ-KOSTANAY,KAZ-X,wheat,2025-01-01,-5,2025-02-01\n"
    )
    failed = runner.invoke(cli_app, ["reserves", "import", str(bad)], env=env)
    assert failed.exit_code == 2
    assert "bad.csv, row 2, quantity_t" in failed.output
    good = tmp_path / "good.csv"
    good.write_text(
        "warehouse,lot,commodity,received_on,quantity_t,as_of\n"
        f"KAZ-KOSTANAY,KAZ-X,wheat,2025-01-01,5,{date(2025, 2, 1)}\n"
    )
    first = runner.invoke(cli_app, ["reserves", "import", str(good)], env=env)
    again = runner.invoke(cli_app, ["reserves", "import", str(good)], env=env)
    assert "1 lots created, 1 movements" in first.output
    assert "0 movements recorded, 1 unchanged" in again.output
    assert runner.invoke(cli_app, ["reserves", "status", "--format", "xml"], env=env).exit_code == 2
