"""`iofs data list|remove`, the data API and the /data page on hand-made slices."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from iofs.audit.models import AuditEntry
from iofs.config import Settings
from iofs.monitor.data import service
from iofs.monitor.prices.ingest import ingest_file
from iofs.monitor.risk import service as risk
from iofs.slices import UnknownSlice
from tests.conftest import ORIGIN, make_user, sign_in

PRICES = "prices:wfp_food_prices_afg"
CONFLICT = "risk:observations/conflict"


def _load(analytics: Path, tmp_path: Path) -> None:
    prices = tmp_path / "wfp_food_prices_afg.csv"
    prices.write_text(
        "date,market,commodity,unit,pricetype,currency,price\n"
        + "".join(f"2021-{m:02d}-15,Kabul,Wheat,KG,Retail,AFN,{20 + m}\n" for m in range(1, 7)),
        encoding="utf-8",
    )
    ingest_file(prices, analytics)
    conflict = tmp_path / "conflict.csv"
    conflict.write_text("iso3,indicator,month,value\nAFG,conflict,2024-01,3\n", encoding="utf-8")
    risk.import_observations(conflict, analytics)


def _entries(factory: sessionmaker[Session]) -> list[AuditEntry]:
    with factory() as session:
        return list(
            session.execute(
                select(AuditEntry).where(AuditEntry.record_type == service.RECORD_TYPE)
            ).scalars()
        )


def test_service_lists_every_dataset_and_refuses_unknown_ids(
    settings: Settings, tmp_path: Path
) -> None:
    _load(settings.analytics_dir, tmp_path)
    assert [s.id for s in service.list_slices(settings.analytics_dir)] == [PRICES, CONFLICT]
    for bad in ("nothing", "genebank:x", "prices:", "prices:../../etc/passwd"):
        with pytest.raises(UnknownSlice):
            service.get_slice(settings.analytics_dir, bad)
    [prices] = [s for s in service.list_slices(settings.analytics_dir) if s.id == PRICES]
    assert service.span(prices) == "2021-01-15–2021-06-15"
    assert service.kind_label(prices) == "observations"
    assert service.human_size(1234) == "1.2 kB" and service.human_size(12) == "12 B"


def test_cli_list_and_remove(
    settings: Settings, loaded_registry: sessionmaker[Session], tmp_path: Path
) -> None:
    from iofs.cli import app

    _load(settings.analytics_dir, tmp_path)
    env = {
        **os.environ,
        "IOFS_DATABASE_URL": settings.resolved_database_url,
        "IOFS_DATA_DIR": str(settings.data_dir),
        "IOFS_SECRET_KEY": settings.secret_key or "",
        "IOFS_ENV": "test",
    }
    runner = CliRunner()
    listed = runner.invoke(app, ["data", "list", "--format", "json"], env=env)
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert [r["id"] for r in rows] == [PRICES, CONFLICT]
    assert rows[0] | {"ingested_at": None, "size": None} == {
        "id": PRICES,
        "dataset": "prices",
        "source": "wfp_food_prices_afg.csv",
        "kind": "observations",
        "rows": 6,
        "countries": 1,
        "first": "2021-01-15",
        "last": "2021-06-15",
        "span": "2021-01-15–2021-06-15",
        "ingested_at": None,
        "size": None,
    }
    csv_text = runner.invoke(app, ["data", "list", "--format", "csv"], env=env).stdout
    assert csv_text.splitlines()[0] == (
        "id,dataset,source,kind,rows,countries,span,ingested_at,size"
    )
    table = runner.invoke(app, ["data", "list"], env=env)
    assert table.exit_code == 0 and "Slices of the analytics store" in table.stdout
    assert runner.invoke(app, ["data", "list", "--format", "xml"], env=env).exit_code == 2

    unknown = runner.invoke(app, ["data", "remove", "prices:nothing", "--yes"], env=env)
    assert unknown.exit_code == 2
    assert "No slice prices:nothing is stored" in unknown.output
    assert "Traceback" not in unknown.output
    declined = runner.invoke(app, ["data", "remove", PRICES], input="n\n", env=env)
    assert declined.exit_code == 1 and "nothing was removed" in declined.output
    assert len(service.list_slices(settings.analytics_dir)) == 2
    removed = runner.invoke(app, ["data", "remove", PRICES], input="y\n", env=env)
    assert removed.exit_code == 0, removed.output
    assert "removed prices:wfp_food_prices_afg: wfp_food_prices_afg.csv, 6 rows" in removed.stdout
    assert [s.id for s in service.list_slices(settings.analytics_dir)] == [CONFLICT]
    quiet = runner.invoke(app, ["data", "remove", CONFLICT, "--yes"], env=env)
    assert quiet.exit_code == 0, quiet.output
    assert service.list_slices(settings.analytics_dir) == []
    entries = _entries(loaded_registry)
    assert [(e.action, e.record_id) for e in entries] == [("delete", PRICES), ("delete", CONFLICT)]
    assert entries[0].actor.startswith("cli:") and entries[0].after is None
    assert json.loads(entries[0].before or "{}")["rows"] == 6


def test_api_and_page(
    client: TestClient, settings: Settings, loaded_registry: sessionmaker[Session], tmp_path: Path
) -> None:
    _load(settings.analytics_dir, tmp_path)
    tokens = {
        role: make_user(
            loaded_registry, f"{role}@iofs.example", role, ("KAZ",) if role == "focal_point" else ()
        )[1]
        for role in ("secretariat", "viewer", "focal_point")
    }

    def bearer(role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[role]}"}

    assert client.get("/api/v1/data/slices").status_code == 401
    assert client.get("/api/v1/data/slices", headers=bearer("focal_point")).status_code == 403
    listed = client.get("/api/v1/data/slices", headers=bearer("viewer")).json()
    assert [s["id"] for s in listed] == [PRICES, CONFLICT] and listed[0]["rows"] == 6
    assert (
        client.delete(
            "/api/v1/data/slices", params={"id": PRICES}, headers=bearer("viewer")
        ).status_code
        == 403
    )
    missing = client.delete(
        "/api/v1/data/slices", params={"id": "prices:none"}, headers=bearer("secretariat")
    )
    assert missing.status_code == 404 and "prices:none" in missing.text
    gone = client.delete(
        "/api/v1/data/slices", params={"id": CONFLICT}, headers=bearer("secretariat")
    )
    assert gone.status_code == 200 and gone.json()["source"] == "conflict.csv"
    assert [e.record_id for e in _entries(loaded_registry)] == [CONFLICT]

    anonymous = client.get("/data", follow_redirects=False)
    assert anonymous.status_code in (302, 303, 401)
    sign_in(client, "focal_point@iofs.example")
    assert client.get("/data").status_code == 403
    client.cookies.clear()
    sign_in(client, "viewer@iofs.example")
    page = client.get("/data")
    assert page.status_code == 200 and "wfp_food_prices_afg.csv" in page.text
    assert "Food prices" in page.text and 'action="/data/remove"' not in page.text
    assert (
        client.post(
            "/data/remove", data={"slice_id": PRICES}, headers={"Origin": ORIGIN}
        ).status_code
        == 403
    )
    client.cookies.clear()
    sign_in(client, "secretariat@iofs.example")
    page = client.get("/data", params={"lang": "fr"})
    assert "Données chargées" in page.text and "Prix alimentaires" in page.text
    page = client.get("/data", params={"lang": "en"})
    assert 'action="/data/remove"' in page.text
    cross_site = client.post(
        "/data/remove",
        data={"slice_id": PRICES, "confirm": "yes"},
        headers={"Origin": "https://evil.example"},
    )
    assert cross_site.status_code == 403
    asked = client.post("/data/remove", data={"slice_id": PRICES}, headers={"Origin": ORIGIN})
    assert asked.status_code == 200 and 'name="confirm" value="yes"' in asked.text
    assert len(service.list_slices(settings.analytics_dir)) == 1  # only asked, not removed
    done = client.post(
        "/data/remove",
        data={"slice_id": PRICES, "confirm": "yes"},
        headers={"Origin": ORIGIN},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].startswith("/data?removed=")
    after = client.get(done.headers["location"])
    assert "Removed prices:wfp_food_prices_afg." in after.text
    assert "Nothing has been loaded yet." in after.text
    assert [e.record_id for e in _entries(loaded_registry)] == [CONFLICT, PRICES]
    unknown = client.post(
        "/data/remove", data={"slice_id": PRICES, "confirm": "yes"}, headers={"Origin": ORIGIN}
    )
    assert unknown.status_code == 404
