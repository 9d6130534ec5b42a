"""Climate-smart search from a synthetic SPI-12 grid and a state's drought history, and the
production country shapes behind the coordinate check."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iofs.accounts.service import cli_principal
from iofs.config import Settings
from iofs.db import transaction
from iofs.genebank import demo, quality
from iofs.monitor.drought import service as drought
from tests.conftest import make_user

MONTHS = 120


def _spi_store(path: Path, scale: int = 12) -> Path:
    """SPI on a 1° grid (latitudes descending): north of 40° N and east of 60° E severe
    drought in 30 % of months, in the 10–20° N band in 10 %, elsewhere never."""
    lat = np.arange(60.0, -0.5, -1.0)
    lon = np.arange(-20.0, 100.5, 1.0)
    months = np.arange(MONTHS)
    spi = np.full((MONTHS, lat.size, lon.size), 0.5)
    central = (lat[:, None] >= 40) & (lon[None, :] >= 60)
    sahel = (lat[:, None] >= 10) & (lat[:, None] <= 20) & np.ones(lon.size, bool)[None, :]
    spi[:, central] = np.where(months % 10 < 3, -2.0, 0.5)[:, None]
    spi[:, sahel] = np.where(months % 10 < 1, -1.6, 0.5)[:, None]
    spi[:12] = np.nan  # the first months of SPI-12 have no value
    ds = xr.Dataset(
        {"spi": (("time", "lat", "lon"), spi)},
        coords={
            "time": pd.date_range("2001-01-01", periods=MONTHS, freq="MS"),
            "lat": lat,
            "lon": lon,
        },
        attrs={"scale": scale},
    )
    ds.to_zarr(path)
    return path


def _history(settings: Settings, iso3: str, severe_every: int) -> None:
    months = pd.date_range("2001-01-01", periods=MONTHS, freq="MS")
    mean = [-1.8 if i % severe_every == 0 else 0.2 for i in range(MONTHS)]
    drought.store_zonal(
        settings,
        pd.DataFrame(
            {
                "source": "test",
                "scale": 12,
                "level": "country",
                "area_id": iso3,
                "iso3": iso3,
                "month": months,
                "mean_spi": mean,
                "share_moderate": 0.0,
                "share_severe": 0.0,
                "share_extreme": 0.0,
                "coverage": 100.0,
                "pixels": 10,
            }
        ),
    )


def test_climate_smart_api_and_page(
    client: TestClient,
    settings: Settings,
    loaded_registry: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    with transaction(loaded_registry) as session:
        demo.load(session, cli_principal())
    assert client.get("/api/v1/genebank/climate-smart?state=KAZ").status_code == 404
    store = _spi_store(tmp_path / "spi12.zarr")
    monkeypatch.setenv("IOFS_GENEBANK_SPI12", str(store))
    _history(settings, "KAZ", 5)  # 24 of 120 months: 20 %
    body = client.get("/api/v1/genebank/climate-smart?state=KAZ").json()
    assert (body["state_months"], body["state_severe_months"]) == (MONTHS, 24)
    assert body["threshold"] == pytest.approx(0.2)
    assert [a["accenumb"] for a in body["accessions"]] == ["DEMO-0001", "DEMO-0002", "DEMO-0003"]
    valid = np.arange(12, MONTHS)  # months with a value
    assert body["accessions"][0]["drought_share"] == pytest.approx(
        np.mean(valid % 10 < 3), abs=1e-4
    )
    assert body["located"] == 7  # public: available accessions with coordinates on the grid
    # Without a history the threshold is the chance share of a normal SPI (6.7 %).
    sahel = client.get("/api/v1/genebank/climate-smart?state=NER").json()
    assert sahel["state_months"] == 0 and sahel["threshold"] == pytest.approx(0.0668)
    assert [a["accenumb"] for a in sahel["accessions"]][3:] == ["DEMO-0005", "DEMO-0006"]
    _uid, token = make_user(loaded_registry, "curator@iofs.example", "genebank_curator")
    auth = {"Authorization": f"Bearer {token}"}
    internal = client.get(
        "/api/v1/genebank/climate-smart?state=NER&sampstat=3", headers=auth
    ).json()
    assert "DEMO-0010" in [a["accenumb"] for a in internal["accessions"]]  # not available
    assert client.get("/api/v1/genebank/climate-smart?state=KAZ&min_share=0.5").json()["total"] == 0
    page = client.get("/genebank/climate-smart?state=KAZ&lang=en")
    assert page.status_code == 200 and 'id="state-history"' in page.text
    assert page.text.count("<tr data-accession=") == 3 and "24 of 120 months" in page.text
    assert client.get("/genebank/climate-smart?state=KAZ&min_share=abc").status_code == 422
    assert client.get("/genebank/climate-smart?lang=ar").status_code == 200


def test_spi_of_another_scale_is_refused(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IOFS_GENEBANK_SPI12", str(_spi_store(tmp_path / "spi3.zarr", 3)))
    response = client.get("/api/v1/genebank/climate-smart?state=KAZ")
    assert response.status_code == 422 and "SPI-3" in response.text


def test_production_country_shapes() -> None:
    shapes = quality.country_shapes()
    if not shapes:
        pytest.skip("world-atlas boundaries not installed (make install)")
    lon, lat = np.array([71.43, 32.85]), np.array([51.28, 39.93])  # Astana, Ankara
    assert quality.inside(shapes["KAZ"], lon, lat).tolist() == [True, False]
    assert quality.inside(shapes["TUR"], lon, lat).tolist() == [False, True]
