"""The IOFS risk index: panel rules, insufficient data, storage, watchlist, API, pages, CLI."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from iofs.config import Settings
from iofs.monitor.risk import demo, index, panel, service, views
from iofs.monitor.risk.cli import risk_app
from iofs.monitor.risk.tree import load_tree
from iofs.spreadsheets import records_csv, records_xlsx

TREE = load_tree("iofs")
OIC = sorted(index.oic_states())


def obs(rows: list[tuple[str, str, str, float]], detail: str = "") -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "iso3": i,
                "indicator": n,
                "month_index": panel.month_index(m),
                "value": v,
                "source": "test",
                "detail": detail,
            }
            for i, n, m, v in rows
        ]
    )


def test_panel_keeps_the_latest_valid_value_with_its_age_and_lets_it_lapse() -> None:
    frame = obs(
        [
            ("AFG", "undernourishment", "2020-01", 30.0),
            ("AFG", "undernourishment", "2020-04", 20.0),
            ("AFG", "ipc_p3_plus", "2020-02", 40.0),
        ]
    )
    grid = panel.build(
        frame,
        {"undernourishment": 3, "ipc_p3_plus": 1},
        ["AFG"],
        panel.month_index("2020-01"),
        panel.month_index("2020-07"),
    )
    values = grid.values["undernourishment"]
    assert list(values[:4]) == [30.0, 30.0, 30.0, 20.0]  # Jan value valid 3 months
    assert list(grid.ages["undernourishment"][:7]) == [0, 1, 2, 0, 1, 2, -1]
    assert np.isnan(values[6])  # lapsed after 3 months
    assert np.isnan(grid.values["ipc_p3_plus"][0]) and grid.values["ipc_p3_plus"][1] == 40
    assert np.isnan(grid.values["ipc_p3_plus"][2])  # valid its own month only


def full_month(iso3: str, month: str, level: float) -> list[tuple[str, str, str, float]]:
    """Every input of ``iso3`` in ``month`` at a level 0–1 of its goalposts."""
    rows = []
    for name, indicator in TREE.indicators.items():
        low, high = indicator.goalposts
        rows.append((iso3, name, month, low + level * (high - low)))
    return rows


def compute(
    rows: list[tuple[str, str, str, float]], signals: pd.DataFrame | None = None
) -> index.Stored:
    frame = index.compute_frame(TREE, obs(rows), signals)
    keys = tuple(dict.fromkeys(frame["iso3"]))
    months = len(frame) // len(keys)
    return index.Stored(
        frame,
        keys,
        int(frame["month_index"].iloc[0]),
        months,
        {k: i * months for i, k in enumerate(keys)},
    )


def test_every_oic_state_is_ranked_and_sparse_states_say_insufficient_data() -> None:
    rows = full_month("AFG", "2024-01", 0.8) + full_month("MLI", "2024-01", 0.3)
    rows.append(("SEN", "undernourishment", "2024-01", 30.0))  # 1 of 10 inputs
    ranking = views.ranking(compute(rows), TREE)
    assert len(ranking) == 57 and {r.iso3 for r in ranking} == set(OIC)
    assert [r.iso3 for r in ranking[:2]] == ["AFG", "MLI"]
    assert ranking[0].value == 8.0 and ranking[0].risk_class == "Very High"
    assert ranking[0].rank == 1 and ranking[1].rank == 2
    senegal = next(r for r in ranking if r.iso3 == "SEN")
    assert senegal.value is None and senegal.rank is None
    assert senegal.drivers == "insufficient data" and senegal.reliability == pytest.approx(0.1)


def test_drivers_name_the_inputs_that_push_risk_up() -> None:
    detail = json.dumps({"commodity": "Wheat flour", "alert": 3, "markets": 5})
    rows = full_month("AFG", "2024-01", 0.1)
    frame = obs(rows)
    frame.loc[frame["indicator"] == "price_ipa_alert", ["value", "detail"]] = [60.0, detail]
    frame.loc[frame["indicator"] == "drought_severe_area", "value"] = 42.0
    frame.loc[frame["indicator"] == "ipc_p3_plus", "value"] = 47.0
    stored = index.Stored(index.compute_frame(TREE, frame), (), 0, 0, {})
    keys = tuple(dict.fromkeys(stored.frame["iso3"]))
    stored = index.Stored(
        stored.frame,
        keys,
        int(stored.frame["month_index"].iloc[0]),
        1,
        {k: i for i, k in enumerate(keys)},
    )
    text = views.drivers(stored, TREE, stored.start["AFG"])
    # highest score first: IPA 60 % → 10, P3+ 47 % → 9.4, drought 42 % → 8.4
    assert text == (
        "IPA alert on wheat flour in 3 of 5 markets; P3+ 47 %; SPI-3 ≤ −1.5 over 42 % of the area"
    )


def test_watchlist_rules_latest_month_per_state_and_changes() -> None:
    rows = []
    for month, level in (("2024-01", 0.2), ("2024-02", 0.2), ("2024-03", 0.25), ("2024-04", 0.35)):
        rows += full_month("AFG", month, level)  # rises by more than 1 in 3 months
    monthly = ("drought_severe_area", "price_ipa_alert", "price_alps_crisis", "ipc_p3_plus")
    for month in ("2024-01", "2024-02"):  # high; monthly inputs end in February
        rows += [row for row in full_month("MLI", month, 0.7) if row[1] in monthly]
    rows += full_month("TCD", "2024-04", 0.0)  # no price alert, but an IPC signal
    signals = pd.DataFrame(
        [{"iso3": "TCD", "month_index": panel.month_index("2024-04"), "criteria": "P3+"}]
    )
    stored = compute(rows, signals)
    entries, left = views.watchlist(stored, TREE)
    by_state = {e.iso3: e for e in entries}
    # March: prices and drought still valid (2 months) but IPC lapsed: 3 of 10 inputs is
    # insufficient, so February is Mali's month, although April is the newest of any state
    assert by_state["MLI"].list == "high" and by_state["MLI"].month == "2024-02"
    assert by_state["AFG"].list == "watch" and "rise" in by_state["AFG"].reasons
    assert by_state["AFG"].month == "2024-04"
    assert by_state["TCD"].reasons == ("ipc",) and by_state["TCD"].change == "new on the list"
    assert entries[0].iso3 == "MLI"
    # one month for all: in April Mali has insufficient data; in March AFG had not risen yet
    april, _left = views.watchlist(stored, TREE, "2024-04")
    assert "MLI" not in {e.iso3 for e in april} and "AFG" in {e.iso3 for e in april}
    march, _left = views.watchlist(stored, TREE, "2024-03")
    assert next(e for e in march if e.iso3 == "AFG").reasons == ("ipa",)  # no rise yet
    assert left == [] and _left == ["MLI"]  # Mali left the list in March


def test_update_persists_atomically_and_recomputes_when_an_input_changes(tmp_path: Path) -> None:
    settings = Settings(env="test", data_dir=tmp_path, secret_key="k" * 40)
    assert index.current(settings) is None  # nothing at all: no index
    service.store_observations(
        obs(full_month("AFG", "2024-01", 0.6)), settings.analytics_dir, "t.parquet"
    )
    stored = index.current(settings)
    assert stored is not None and index.index_path(settings.analytics_dir).exists()
    assert [p.name for p in index.index_path(settings.analytics_dir).parent.iterdir()] == [
        "index.parquet"
    ]  # no temporary file left
    assert views.ranking(stored, TREE)[0].value == 6.0
    service.store_observations(
        obs(full_month("AFG", "2024-01", 0.9)), settings.analytics_dir, "t.parquet"
    )
    again = index.current(settings)
    assert again is not None and views.ranking(again, TREE)[0].value == 9.0
    assert not service.store_observations(
        obs(full_month("AFG", "2024-01", 0.9)), settings.analytics_dir, "t.parquet"
    )


def test_bad_observations_are_refused(tmp_path: Path) -> None:
    with pytest.raises(service.InputTableError, match='unknown input "rainfall"'):
        service.store_observations(obs([("AFG", "rainfall", "2024-01", 1.0)]), tmp_path, "x")
    bad = tmp_path / "o.csv"
    bad.write_text("iso3,indicator,month,value\nAFG,conflict,Jan 2024,3\n", encoding="utf-8")
    with pytest.raises(service.InputTableError, match=r"o\.csv, line 2"):
        service.import_observations(bad, tmp_path)
    assert not (tmp_path / "risk" / "observations").exists()


def test_exports_never_write_formulas() -> None:
    rows = [{"name": '=HYPERLINK("x")', "value": -1.5, "drivers": "+cmd", "x": "@a"}]
    text = records_csv(rows, ["name", "value", "drivers", "x"])
    assert list(csv.reader(io.StringIO(text)))[1] == ['\'=HYPERLINK("x")', "-1.5", "'+cmd", "'@a"]
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(records_xlsx(rows, ["name", "value", "drivers"], "t")))
    sheet = book.active
    assert sheet is not None
    # Text stays text (a formula-looking one marked with Excel's quote prefix); numbers stay.
    assert [c.value for c in sheet[2]] == ['=HYPERLINK("x")', -1.5, "+cmd"]
    assert [c.data_type for c in sheet[2]] == ["s", "n", "s"]
    assert sheet["A2"].quotePrefix and sheet["C2"].quotePrefix


def test_hungermap_json_import(shared_data: Path, tmp_path: Path) -> None:
    path = shared_data / "hungermap" / "hungermap_v1_foodsecurity_country_days_ago_0.OIC_ONLY.json"
    assert service.import_hungermap(path, tmp_path) == 39
    from iofs.monitor.risk import sources

    frame = sources.imported(tmp_path)
    afg = frame[frame["iso3"] == "AFG"].iloc[0]
    assert afg["value"] == pytest.approx(83.5998932887497) and afg["month_index"] == (
        panel.month_index("2023-10")
    )


@pytest.fixture
def demo_client(client: TestClient, settings: Settings) -> TestClient:
    service.store_observations(
        demo.illustrative_observations(OIC), settings.analytics_dir, demo.DEMO_FILE
    )
    return client


def test_api_pages_cli_feed_and_downloads_agree(
    demo_client: TestClient, settings: Settings
) -> None:
    client = demo_client
    api = client.get("/api/v1/risk/index").json()
    assert len(api) == 57 and {r["iso3"] for r in api} == set(OIC)
    values = [r["value"] for r in api if r["value"] is not None]
    assert values == sorted(values, reverse=True) and len(values) > 40
    assert all(r["drivers"] and r["name"] != r["iso3"] for r in api)
    top = api[0]
    page = client.get("/risk")
    assert page.status_code == 200
    assert f'data-iso3="{top["iso3"]}"' in page.text and top["name"] in page.text
    assert top["drivers"].split(";")[0].replace("'", "&#39;") in page.text
    assert "High risk: the state" in page.text  # the rules are stated
    country = client.get(f"/risk/{top['iso3']}")
    assert country.status_code == 200 and "<svg" in country.text
    assert 'data-input="drought_severe_area"' in country.text and demo.DEMO_SOURCE in country.text
    detail = client.get(f"/api/v1/risk/{top['iso3']}").json()
    assert detail["value"] == top["value"] and detail["nodes"][0]["name"] == "IOFS RISK"
    assert {i["name"] for i in detail["inputs"]} == set(TREE.indicators)
    assert len(detail["history"]) >= 30
    assert client.get("/api/v1/risk/NIC").status_code == 404
    watch = client.get("/api/v1/risk/watchlist").json()
    assert watch["rules"] and all(e["list"] in ("high", "watch") for e in watch["entries"])
    assert {e["iso3"] for e in watch["entries"] if e["list"] == "high"} == {
        r["iso3"] for r in api if r["class"] in ("High", "Very High")
    }
    french = client.get("/api/v1/risk/index", params={"lang": "fr"}).json()
    assert french[0]["iso3"] == top["iso3"]
    arabic = client.get("/risk", params={"lang": "ar"})
    assert 'dir="rtl"' in arabic.text and "المخاطر" in arabic.text
    feed = ElementTree.fromstring(client.get("/risk/watchlist.atom").content)
    assert feed.tag.endswith("feed")
    downloaded = list(csv.DictReader(io.StringIO(client.get("/risk/index.csv").text)))
    assert [r["iso3"] for r in downloaded] == [r["iso3"] for r in api]
    assert client.get("/risk/index.xlsx").content[:2] == b"PK"
    env = {
        **os.environ,
        "IOFS_DATABASE_URL": settings.resolved_database_url,
        "IOFS_DATA_DIR": str(settings.data_dir),
        "IOFS_SECRET_KEY": settings.secret_key or "",
    }
    runner = CliRunner()
    cli = runner.invoke(risk_app, ["index", "--format", "json"], env=env)
    assert cli.exit_code == 0, cli.output
    assert [(r["iso3"], r["value"]) for r in json.loads(cli.output)] == [
        (r["iso3"], r["value"]) for r in api
    ]
    explained = runner.invoke(risk_app, ["explain", top["iso3"], "--format", "json"], env=env)
    assert json.loads(explained.output)[0]["value"] == top["value"]
    table = runner.invoke(risk_app, ["explain", top["iso3"]], env=env)
    assert table.exit_code == 0 and top["name"] in table.output and "Hazard" in table.output
    listed = runner.invoke(risk_app, ["watchlist", "--format", "csv"], env=env)
    assert listed.exit_code == 0 and listed.output.startswith("list,iso3,name")
    bad = runner.invoke(risk_app, ["index", "--month", "2024-13"], env=env)
    assert bad.exit_code == 2 and "--month must look like" in bad.output
    updated = runner.invoke(risk_app, ["update"], env=env)
    assert updated.exit_code == 0 and "57 countries" in updated.output


def test_empty_installation(client: TestClient) -> None:
    page = client.get("/risk")
    assert page.status_code == 200 and "no input yet" in page.text
    assert client.get("/api/v1/risk/index").status_code == 404


def test_feed_counts_states_at_high_risk(
    demo_client: TestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iofs.monitor.risk import feeds

    monkeypatch.setattr(feeds, "get_settings", lambda: settings)
    api = demo_client.get("/api/v1/risk/index").json()
    expected = sum(1 for r in api if r["class"] in ("High", "Very High"))
    assert feeds.states_high_risk(None, None, 2025) == expected  # type: ignore[arg-type]
    assert feeds.states_high_risk(None, None, 1990) is None  # type: ignore[arg-type]
