"""Food-price signals: the published Gaza IPA, the methods, ingest rules, CLI/API/pages."""

from __future__ import annotations

import json
import os
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from iofs.config import Settings
from iofs.monitor.prices import anomalies, ingest, service

HEADER = (
    "date,admin1,admin2,market,market_id,latitude,longitude,category,commodity,"
    "commodity_id,unit,priceflag,pricetype,currency,price,usdprice"
)


def _write_series(path: Path, months: int = 96, spike: float = 1.0, hxl: bool = False) -> Path:
    """A synthetic country file: two markets of wheat flour with a season, last month x spike."""
    rng = np.random.default_rng(3)
    lines = [HEADER]
    if hxl:
        lines.append(
            "#date,#adm1+name,#adm2+name,#loc+market+name,#loc+market+code,#geo+lat,"
            "#geo+lon,#item+type,#item+name,#item+code,#item+unit,#item+price+flag,"
            "#item+price+type,#currency,#value,#value+usd"
        )
    for market in ("North", "South"):
        for m in range(months):
            year, month = 2010 + m // 12, m % 12 + 1
            price = 10 * (1.004**m) * (1 + 0.05 * np.sin(2 * np.pi * month / 12))
            price *= 1 + rng.normal(0, 0.01)
            if m == months - 1:
                price *= spike
            lines.append(
                f"{year}-{month:02d}-15,Region,District,{market},1,0,0,cereals,"
                f"Wheat flour,1,KG,actual,Retail,AFN,{price:.4f},{price / 70:.4f}"
            )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_gaza_wheat_flour_december_2018_matches_giews(shared_data: Path, tmp_path: Path) -> None:
    """Published check: Gaza, Wheat flour, KG, retail, ILS, Dec 2018 → Z_Q 2.627, Z_A 0.455,
    IPA 1.324 (alert)."""
    ingest.ingest_file(shared_data / "wfp/country/wfp_food_prices_pse.csv", tmp_path)
    result = service.signals(tmp_path)
    rows = service.anomalies_for(result, "PSE", "2018-12")
    row = rows[
        (rows["market"] == "Gaza")
        & (rows["commodity"] == "Wheat flour")
        & (rows["unit"] == "KG")
        & (rows["price_type"] == "retail")
        & (rows["currency"] == "ILS")
    ].iloc[0]
    assert round(row["z_quarterly"], 3) == 2.627
    assert round(row["z_annual"], 3) == 0.455
    assert round(row["ipa"], 3) == 1.324
    assert row["ipa_class"] == "alert" and row["k"] >= anomalies.MIN_EARLIER_YEARS


def _direct_z(values: np.ndarray, t: int) -> tuple[float, int]:
    """The GIEWS standardisation written out for one value (independent of the kernel)."""
    earlier = [values[j] for j in range(t % 12, t, 12) if not np.isnan(values[j])]
    k = len(earlier)
    if k < 5 or np.isnan(values[t]):
        return float("nan"), k
    w = np.arange(1, k + 1) / (k * (k + 1) / 2)
    x = np.asarray(earlier)
    mean = (w * x).sum() / w.sum()
    sd = np.sqrt((w * (x - mean) ** 2).sum() / (((k - 1) / k) * w.sum()))
    return float((values[t] - mean) / sd), k


def test_vectorised_standardisation_equals_the_formula_with_gaps() -> None:
    rng = np.random.default_rng(11)
    values = rng.normal(0, 1, size=(6, 150))
    values[rng.random(values.shape) < 0.2] = np.nan
    z, k = anomalies.seasonal_z(values, first_month=1)
    for s in range(values.shape[0]):
        for t in range(values.shape[1]):
            expected, expected_k = _direct_z(values[s], t)
            if np.isnan(expected):
                assert np.isnan(z[s, t]), (s, t)
            else:
                assert z[s, t] == pytest.approx(expected, rel=1e-12), (s, t)
                assert k[s, t] == expected_k


def test_growth_is_not_computed_across_missing_months() -> None:
    prices = np.array([[10.0, 11.0, np.nan, 12.0, 13.0, 14.0]])
    quarterly = anomalies.growth(prices, 3)
    assert np.isnan(quarterly[0, 5])  # t−3 is the missing month
    assert quarterly[0, 3] == pytest.approx((12 / 10) ** (1 / 3) - 1)


def test_alps_recovers_trend_and_season_and_flags_a_spike() -> None:
    months = 72
    t = np.arange(months)
    season = np.tile([0.0, 0.5, 1.0, 0.5, 0.0, -0.5, -1.0, -0.5, 0.0, 0.3, 0.2, 0.1], 6)
    noise = np.random.default_rng(5).normal(0, 0.05, months)
    calm = 20 + 0.05 * t + season + noise
    spiked = calm.copy()
    spiked[-1] += 3.0
    short = np.full(months, np.nan)
    short[-20:] = calm[-20:]
    sparse = calm.copy()
    sparse[::2] = np.nan
    stale = calm.copy()
    stale[-8:] = np.nan
    result = anomalies.alps(np.vstack([calm, spiked, short, sparse, stale]), first_month=1)
    assert result.eligible.tolist() == [True, True, False, False, False]
    assert np.nanmax(np.abs(result.alps[0])) < 4
    assert result.alps[1, -1] > 2 and anomalies.alps_class(result.alps[1, -1]) == "crisis"
    assert "months of data" in result.reason[2]
    assert "of months observed" in result.reason[3]
    assert "last 6 months" in result.reason[4]
    assert np.abs(result.fitted[0] - (20 + 0.05 * t + season)).max() < 0.1


@pytest.mark.parametrize(
    ("value", "ipa_class", "alps_class"),
    [
        (0.49, "normal", "stress"),
        (0.5, "watch", "stress"),
        (1.0, "alert", "alert"),
        (-1.0, "low", "normal"),
        (0.2, "normal", "normal"),
        (2.0, "alert", "crisis"),
    ],
)
def test_classes(value: float, ipa_class: str, alps_class: str) -> None:
    assert anomalies.ipa_class(value) == ipa_class
    assert anomalies.alps_class(value) == alps_class


def test_volatility_is_sd_of_log_changes() -> None:
    prices = np.array([[100.0 * 1.1 ** (i % 2) for i in range(14)]])
    vol = anomalies.volatility(prices)
    changes = np.diff(np.log(prices[0]))[-12:]
    assert vol[0, -1] == pytest.approx(np.std(changes, ddof=1))


def test_ingest_accepts_the_hxl_row_and_is_idempotent(tmp_path: Path) -> None:
    path = _write_series(tmp_path / "wfp_food_prices_afg.csv", hxl=True)
    first = ingest.ingest_file(path, tmp_path / "store")
    again = ingest.ingest_file(path, tmp_path / "store")
    assert first.rows == again.rows == 192 and first.series == 2 and first.countries == ["AFG"]
    assert len(list(ingest.store_dir(tmp_path / "store").glob("*.parquet"))) == 1
    result = service.signals(tmp_path / "store")
    assert len(result.table) == 192


def test_bad_rows_are_named_and_nothing_is_written(tmp_path: Path) -> None:
    path = _write_series(tmp_path / "wfp_food_prices_afg.csv")
    lines = path.read_text().splitlines()
    lines[3] = lines[3].replace("2010-03-15", "2010-13-45")
    lines[5] = lines[5].replace(",AFN,", ",afghani,")
    fields = lines[7].split(",")
    fields[14] = "ten"
    lines[7] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ingest.PriceFileError) as error:
        ingest.ingest_file(path, tmp_path / "store")
    assert error.value.problems == [
        "line 4: date '2010-13-45' is not YYYY-MM-DD",
        "line 6: currency must be an ISO 4217 code",
        "line 8: price 'ten' is not a number",
    ]
    assert not ingest.store_dir(tmp_path / "store").exists() or not list(
        ingest.store_dir(tmp_path / "store").glob("*")
    )


def test_missing_columns_and_unknown_country(tmp_path: Path) -> None:
    path = tmp_path / "prices.csv"
    path.write_text("date,market,price\n2020-01-15,X,1\n")
    with pytest.raises(ingest.PriceFileError, match="missing column"):
        ingest.ingest_file(path, tmp_path)
    _write_series(path)
    with pytest.raises(ingest.PriceFileError, match="give --country"):
        ingest.ingest_file(path, tmp_path)
    assert ingest.ingest_file(path, tmp_path, country="AFG").countries == ["AFG"]


def test_cli_api_pages_and_feed_agree(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    from iofs.cli import app

    path = _write_series(tmp_path / "wfp_food_prices_afg.csv", spike=1.3)
    env = {
        **os.environ,
        "IOFS_DATABASE_URL": settings.resolved_database_url,
        "IOFS_DATA_DIR": str(settings.data_dir),
        "IOFS_SECRET_KEY": settings.secret_key or "",
    }
    runner = CliRunner()
    assert client.get("/api/v1/prices/alerts").status_code == 404  # nothing ingested yet
    ingested = runner.invoke(app, ["ingest", "prices", str(path)], env=env)
    assert ingested.exit_code == 0, ingested.output
    cli = json.loads(
        runner.invoke(
            app, ["prices", "anomalies", "--country", "AFG", "--format", "json"], env=env
        ).output
    )
    api = client.get("/api/v1/prices/anomalies", params={"country": "AFG"}).json()["items"]
    assert cli == api and len(api) == 2
    assert {r["date"] for r in api} == {"2017-12"}
    assert all(r["ipa_class"] == "alert" for r in api)
    alerts = client.get("/api/v1/prices/alerts").json()
    assert alerts[0]["country"] == "AFG" and alerts[0]["ipa_alert"] == 2
    assert alerts[0]["new_alerts"] == 2
    assert client.get("/api/v1/prices/map").json()[0]["category"] == "crisis"
    assert client.get("/api/v1/prices/anomalies", params={"month": "2017-13"}).status_code == 422
    overview = client.get("/prices")
    assert overview.status_code == 200 and 'data-country="AFG"' in overview.text
    country = client.get("/prices/AFG")
    assert country.status_code == 200 and "Wheat flour" in country.text
    series = client.get(f"/prices/series/{api[0]['series']}")
    assert series.status_code == 200 and "<svg" in series.text
    feed = ElementTree.fromstring(client.get("/prices/alerts.atom").content)
    titles = [e.text for e in feed.iter("{http://www.w3.org/2005/Atom}title")]
    assert any("AFG 2017-12: 2 series in IPA alert" in (t or "") for t in titles)
    bad = runner.invoke(app, ["prices", "anomalies", "--month", "Dec"], env=env)
    assert bad.exit_code == 2 and "--month must look like" in bad.output


def test_generic_csv_with_a_column_mapping(tmp_path: Path) -> None:
    path = tmp_path / "ministry_prices.csv"
    path.write_text(
        "Country,Month,Town,Product,Measure,Kind,Money,Value\n"
        "EGY,2024-01-15,Cairo,Wheat flour,KG,Retail,EGP,12.5\n"
        "EGY,2024-02-15,Cairo,Wheat flour,KG,Retail,EGP,13.0\n"
    )
    mapping = tmp_path / "mapping.csv"
    mapping.write_text(
        "source,target\nCountry,countryiso3\nMonth,date\nTown,market\n"
        "Product,commodity\nMeasure,unit\nKind,pricetype\nMoney,currency\n"
        "Value,price\n"
    )
    report = ingest.ingest_file(path, tmp_path / "store", mapping=ingest.read_mapping(mapping))
    assert (report.rows, report.series, report.countries) == (2, 1, ["EGY"])
    bad = tmp_path / "bad_mapping.csv"
    bad.write_text("source,target\nValue,cost\n")
    with pytest.raises(ingest.PriceFileError, match="'cost' is not a WFP price column"):
        ingest.read_mapping(bad)


def test_reference_files_are_recognised(shared_data: Path, tmp_path: Path) -> None:
    markets = ingest.ingest_file(shared_data / "wfp/country/wfp_markets_pse.csv", tmp_path)
    assert markets.path is not None and markets.path.name.startswith("markets-")
    assert markets.countries == ["PSE"] and markets.rows > 10
    currencies = ingest.ingest_file(
        shared_data / "wfp/global_subset/wfp_currencies_global.csv", tmp_path
    )
    assert currencies.path is not None and currencies.path.name.startswith("currencies-")
    # reference tables do not enter the price signals
    assert not list(ingest.store_dir(tmp_path).glob("*.parquet"))
