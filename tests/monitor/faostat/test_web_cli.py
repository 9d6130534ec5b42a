"""API, pages, downloads and the `iofs indicators` CLI on hand-made FAOSTAT files."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from iofs.config import Settings
from iofs.monitor.faostat.ingest import ingest
from tests.monitor.faostat.helpers import FS_TEXT, write_fbs


def _ingest(analytics: Path, tmp_path: Path) -> None:
    fs = tmp_path / "Food_Security_Data_E_All_Data_(Normalized).csv"
    fs.write_bytes(FS_TEXT.encode("latin-1"))
    ingest([write_fbs(tmp_path / "FoodBalanceSheets_E_All_Data_(Normalized).csv"), fs], analytics)


def test_api_pages_downloads(client: TestClient, settings: Settings, tmp_path: Path) -> None:
    _ingest(settings.analytics_dir, tmp_path)
    rows = client.get("/api/v1/faostat/indicators/EGY", params={"year": 2015}).json()
    assert {
        "indicator": "dietary_energy_supply",
        "item": None,
        "year": 2015,
        "value": 3300.0,
        "unit": "kcal/capita/day",
        "source": "computed",
        "area": "EGY",
        "flag": None,
    } in rows
    ranked = client.get("/api/v1/faostat/compare/dietary_energy_supply").json()
    assert [r["iso3"] for r in ranked] == ["EGY", "SEN"]
    values = client.get("/api/v1/faostat/map/dietary_energy_supply").json()
    assert len(values) == 57 and {v["category"] for v in values} == {"q1", "q5", "nodata"}
    growth = client.get(
        "/api/v1/faostat/growth/EGY",
        params={
            "indicator": "self_sufficiency_ratio",
            "item": "Cereals - Excluding Beer",
            "start_year": 2014,
            "end_year": 2016,
        },
    ).json()
    assert growth["ratio"] == pytest.approx((22000 / 38000) / (20000 / 34000))
    assert client.get("/api/v1/faostat/indicators/FRA").status_code == 404
    assert client.get("/api/v1/faostat/compare/gdp").status_code == 422
    assert client.get("/api/v1/faostat/indicators/EGY", params={"year": "x"}).status_code == 422
    assert client.get("/api/v1/faostat/slices").json()[0]["domain"] == "FBS"
    page = client.get("/faostat", params={"indicator": "dietary_energy_supply"})
    assert page.status_code == 200 and 'data-values="/api/v1/faostat/map/' in page.text
    assert "Egypt" in page.text and "<script>" not in page.text
    profile = client.get("/faostat/EGY")
    assert (
        profile.status_code == 200
        and "<svg" in profile.text
        and "style=" not in profile.text.split("<svg", 1)[0]
    )
    assert client.get("/faostat/OIC").status_code == 200
    csv_text = client.get("/faostat/EGY/download", params={"format": "csv"}).text
    assert csv_text.splitlines()[0].startswith("indicator,item,year,value,unit,source")
    xlsx = client.get(
        "/faostat/compare/download", params={"indicator": "dietary_energy_supply", "format": "xlsx"}
    )
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and sheet["B2"].value == "EGY"
    assert client.get("/faostat/EGY/download", params={"format": "pdf"}).status_code == 422


def test_cli_indicators(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from iofs.cli import app

    monkeypatch.setenv("IOFS_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("IOFS_ENV", "development")
    runner = CliRunner()
    fbs = write_fbs(tmp_path / "FoodBalanceSheets_E_All_Data_(Normalized).csv")
    result = runner.invoke(app, ["ingest", "faostat", str(fbs)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["indicators", "EGY", "--year", "2015", "--format", "json"])
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert {
        "indicator": "self_sufficiency_ratio",
        "item": "Cereals - Excluding Beer",
        "year": 2015,
        "value": pytest.approx(100 * 21000 / 36000),
        "unit": "%",
        "source": "computed",
    } in records
    assert all(set(r) == {"indicator", "item", "year", "value", "unit", "source"} for r in records)
    result = runner.invoke(
        app, ["indicators", "compare", "dietary_energy_supply", "--format", "csv"]
    )
    assert result.exit_code == 0 and result.stdout.splitlines()[1].startswith("1,EGY,Egypt")
    growth = [
        "indicators",
        "growth",
        "EGY",
        "self_sufficiency_ratio",
        "--item",
        "Cereals - Excluding Beer",
        "--from",
        "2014",
        "--to",
        "2016",
    ]
    result = runner.invoke(app, [*growth, "--format", "json"])
    assert result.exit_code == 0, result.output
    [grown] = json.loads(result.stdout)
    assert grown["ratio"] == pytest.approx((22000 / 38000) / (20000 / 34000))
    assert (grown["start_year"], grown["end_year"]) == (2014, 2016)
    result = runner.invoke(app, growth)
    assert result.exit_code == 0 and "× from 2014 to 2016" in result.stdout
    result = runner.invoke(app, ["indicators", "growth", "EGY", "self_sufficiency_ratio"])
    assert result.exit_code == 2 and "--from Y1 --to Y2" in result.output
    result = runner.invoke(app, ["indicators", "XYZ"])
    assert result.exit_code == 2 and "neither an OIC member" in result.output
    bad = tmp_path / "FoodBalanceSheets_bad.csv"
    bad.write_text(fbs.read_text(encoding="latin-1").replace('"20000"', '"2O000"'))
    result = runner.invoke(app, ["ingest", "faostat", str(bad)])
    assert result.exit_code == 2 and "line 2: Value: 2O000 is not a number" in result.output
