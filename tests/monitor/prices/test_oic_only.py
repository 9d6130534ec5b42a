"""Only the 57 OIC states in OIC views of prices, drought and risk (issue #14, part 5).

Ingests WFP's global 2023 file (SYR, PSE, and non-OIC Nicaragua and Congo) and checks every
OIC page and API of prices, drought and risk; ``include_non_oic`` brings the others back.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from iofs.config import Settings
from iofs.monitor.prices import ingest, service

NON_OIC = ("NIC", "COG")


def _ingest(shared_data: Path, settings: Settings) -> ingest.IngestReport:
    path = shared_data / "wfp" / "global_subset" / "wfp_food_prices_global_2023.csv"
    return ingest.ingest_file(path, settings.analytics_dir)


def test_price_ingest_reports_rows_outside_the_57(shared_data: Path, tmp_path: Path) -> None:
    path = shared_data / "wfp" / "global_subset" / "wfp_food_prices_global_2023.csv"
    report = ingest.ingest_file(path, tmp_path)
    counts = pd.read_csv(path, usecols=["countryiso3"])["countryiso3"]  # no HXL row here
    expected = int(counts.isin(NON_OIC).sum())
    assert report.non_oic_countries == sorted(NON_OIC)
    assert report.non_oic_rows == expected and expected > 0
    everything = service.signals(tmp_path)
    assert set(NON_OIC) <= set(everything.table["country"].astype(str))  # stored all the same
    assert set(service.oic_only(everything).table["country"].astype(str)) <= ingest.oic_states()


def test_staples_leave_out_wages_fuel_and_livestock() -> None:
    assert service.is_staple("cereals and tubers", "Wheat flour")
    assert service.is_staple("oil and fats", "Oil (vegetable)")
    assert service.is_staple(None, "Rice (imported)")
    assert not service.is_staple("non-food", "Fuel (diesel)")
    assert not service.is_staple("non-food", "Wage (non-qualified labour)")
    assert not service.is_staple("meat, fish and eggs", "Livestock (sheep, one-year-old)")
    assert not service.is_staple(None, "Sheep (live)")


def test_every_oic_view_shows_only_the_57(
    client: TestClient, settings: Settings, shared_data: Path
) -> None:
    from iofs.monitor.drought import service as drought
    from iofs.monitor.prices.cli import prices_app
    from iofs.monitor.risk.cli import risk_app

    _ingest(shared_data, settings)
    zonal = pd.DataFrame(
        [
            {
                "source": "t",
                "scale": 3,
                "level": "country",
                "area_id": code,
                "iso3": code,
                "month": "2023-06-01",
                "mean_spi": -1.8,
                "share_moderate": 70.0,
                "share_severe": 50.0,
                "share_extreme": 10.0,
                "coverage": 100.0,
                "pixels": 9,
            }
            for code in ("SYR", *NON_OIC)
        ]
    )
    drought.store_zonal(settings, zonal)
    names = ("Nicaragua", "Congo", "NIC", "COG")
    views = [
        "/prices",
        "/prices?month=2023-06",
        "/prices/alerts.atom",
        "/api/v1/prices/alerts",
        "/api/v1/prices/map",
        "/api/v1/prices/anomalies",
        "/drought",
        "/api/v1/drought/latest",
        "/api/v1/drought/map",
        "/risk",
        "/api/v1/risk/index",
        "/api/v1/risk/map",
        "/api/v1/risk/watchlist",
        "/risk/index.csv",
        "/risk/watchlist.atom",
    ]
    for url in views:
        response = client.get(url)
        assert response.status_code == 200, url
        assert not any(
            f'"{n}"' in response.text
            or f">{n}<" in response.text
            or f"/{n}" in response.text
            or f",{n}," in response.text
            for n in names
        ), url
    assert {r["iso3"] for r in client.get("/api/v1/risk/index").json()} == ingest.oic_states()
    for url in (
        "/prices/NIC",
        "/api/v1/prices/anomalies?country=NIC",
        "/drought/NIC",
        "/api/v1/drought/countries/COG",
        "/risk/NIC",
        "/api/v1/risk/COG",
    ):
        response = client.get(url)
        assert response.status_code == 404 or "Managua" not in response.text, url
    # asked for, the others come back
    alerts = client.get("/api/v1/prices/alerts", params={"include_non_oic": 1}).json()
    assert "NIC" in {a["country"] for a in alerts}  # Congo has no price that month
    assert "NIC" in {
        r["iso3"]
        for r in client.get("/api/v1/drought/latest", params={"include_non_oic": 1}).json()
    }
    assert "NIC" in {
        r["iso3"] for r in client.get("/api/v1/risk/index", params={"include_non_oic": 1}).json()
    }
    env = {
        **os.environ,
        "IOFS_DATABASE_URL": settings.resolved_database_url,
        "IOFS_DATA_DIR": str(settings.data_dir),
        "IOFS_SECRET_KEY": settings.secret_key or "",
    }
    runner = CliRunner()
    oic = runner.invoke(prices_app, ["alerts", "--format", "csv"], env=env)
    assert oic.exit_code == 0 and "NIC" not in oic.output and "SYR" in oic.output
    every = runner.invoke(prices_app, ["alerts", "--format", "csv", "--include-non-oic"], env=env)
    assert "NIC" in every.output
    risk = runner.invoke(risk_app, ["index", "--format", "csv"], env=env)
    assert risk.exit_code == 0 and "Nicaragua" not in risk.output


@pytest.mark.parametrize("code", NON_OIC)
def test_drought_country_series_is_empty_outside_the_57(settings: Settings, code: str) -> None:
    from iofs.monitor.drought import service as drought

    drought.store_zonal(
        settings,
        pd.DataFrame(
            [
                {
                    "source": "t",
                    "scale": 3,
                    "level": "country",
                    "area_id": code,
                    "iso3": code,
                    "month": "2023-06-01",
                    "mean_spi": -1.0,
                    "share_moderate": 1.0,
                    "share_severe": 0.0,
                    "share_extreme": 0.0,
                    "coverage": 100.0,
                    "pixels": 1,
                }
            ]
        ),
    )
    assert drought.country_series(settings, code, 3).empty
    assert len(drought.country_series(settings, code, 3, include_non_oic=True)) == 1
