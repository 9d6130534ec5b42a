"""Done-when checks on the published HDX IPC / HAPI files (skipped when they are absent).

Afghanistan, current analysis of March 2022 (IPC, published on HDX): 19,650,163 people in
phase 3+ (47 %) and 20,324 in phase 5, where the October 2021 analysis had none.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from iofs.monitor.ipc import service
from iofs.monitor.ipc.cli import ingest_ipc, ipc_app


def _text(result: Result) -> str:
    """Output with Rich's line wrapping undone (the test terminal is 80 columns wide)."""
    return " ".join(result.output.split())


@pytest.fixture(scope="module")
def ipc_files(shared_data: Path) -> list[Path]:
    return sorted((shared_data / "ipc").glob("*.csv"))


@pytest.fixture(scope="module")
def analytics(ipc_files: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("ipc-analytics")
    service.ingest(ipc_files, folder)
    return folder


def test_every_published_file_ingests(ipc_files: list[Path], tmp_path: Path) -> None:
    reports = {r.source: r for r in service.ingest(ipc_files, tmp_path)}
    assert set(reports) == {p.name for p in ipc_files} and len(reports) == 6
    assert reports["ipc_global_national_long.csv"].rows == 399
    assert reports["ipc_global_national_wide.csv"].rows == 399
    assert reports["ipc_global_area_long.csv"].layout == "HDX IPC long (area)"
    hapi = reports["hdx_hapi_food_security_global.csv"]
    assert hapi.rows + hapi.skipped == 21158
    assert reports["ipc_global_national_long.csv"].non_oic_countries == ["AGO", "CAF", "ETH"]
    assert all(r.unchanged for r in service.ingest(ipc_files, tmp_path))


def test_afghanistan_march_2022(analytics: Path) -> None:
    [afg] = service.latest(analytics, "2022-04", iso3="AFG")
    assert (afg.analysis_date, afg.kind) == (date(2022, 3, 1), "current")
    assert afg.p3_plus_people == 19_650_163
    assert round(afg.p3_plus_people / 1e6, 2) == 19.65
    assert round((afg.p3_plus_share or 0) * 100) == 47
    assert afg.people_in("5") == 20_324
    assert afg.population_analysed == 41_727_303
    share = service.p3_plus_share(analytics, "AFG", "2022-04")
    assert share is not None and round(share.share, 2) == 0.47
    assert share.analysis_date == date(2022, 3, 1)


def test_phase_5_in_march_2022_is_a_signal(analytics: Path) -> None:
    found = service.signals(analytics, "2022-03", iso3="AFG")
    current = [s for s in found if s.analysis.kind == "current"]
    assert len(current) == 1
    signal = current[0]
    assert "phase 5" in signal.criteria
    assert signal.previous is not None and signal.previous.analysis_date == date(2021, 10, 1)
    assert signal.reason.startswith(
        "20,324 people in phase 5 where the October 2021 analysis had none"
    )


def test_latest_is_per_country_and_oic_only(analytics: Path) -> None:
    assert [a.country for a in service.latest(analytics)] == ["AFG"]
    everyone = {a.country: a for a in service.latest(analytics, include_non_oic=True)}
    assert set(everyone) == {"AFG", "AGO", "CAF", "ETH"}
    # each country's own latest current analysis, not the newest month of any country
    assert everyone["AGO"].analysis_date == date(2021, 6, 1)
    assert everyone["AFG"].analysis_date == date(2023, 4, 1)
    projected = service.projections(analytics, iso3="AFG")
    assert [(a.kind, a.analysis_date) for a in projected] == [("projected", date(2023, 4, 1))]


def test_area_phases_of_afghanistan(analytics: Path) -> None:
    areas = service.area_phases(analytics, "AFG", "2022-04")
    assert len(areas) > 30
    assert {a.area_phase for a in areas} <= {1, 2, 3, 4, 5}
    for area in areas:  # the 20 % rule against the stored shares
        shares = {p: area.share(str(p)) or 0 for p in range(1, 6)}
        worst = max(p for p in range(1, 6) if sum(shares[q] for q in range(p, 6)) >= 0.2)
        assert area.area_phase == worst


def test_cli_on_the_published_files(
    ipc_files: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iofs.cli_support import console

    monkeypatch.setattr(console, "width", 200)
    app = typer.Typer()
    app.command()(ingest_ipc)
    env = {"IOFS_DATA_DIR": str(tmp_path), "IOFS_SECRET_KEY": "x" * 48}
    runner = CliRunner()
    first = runner.invoke(app, [str(p) for p in ipc_files], env=env)
    assert first.exit_code == 0, first.output
    assert "rows of 3 countries outside the 57 OIC states (AGO, CAF, ETH)" in _text(first)
    again = runner.invoke(app, [str(p) for p in ipc_files], env=env)
    assert again.exit_code == 0 and _text(again).count("unchanged, already ingested") == 6
    latest = runner.invoke(
        ipc_app, ["latest", "AFG", "--month", "2022-04", "--format", "json"], env=env
    )
    assert latest.exit_code == 0, latest.output
    [record] = json.loads(latest.output)
    assert record["phase_p3_plus_people"] == 19_650_163 and record["phase_5_people"] == 20_324
    table = runner.invoke(ipc_app, ["latest", "AFG", "--month", "2022-04"], env=env)
    assert "19,650,163" in _text(table) and "47.1 %" in _text(table)
    signals = runner.invoke(ipc_app, ["signals", "--month", "2022-03", "--format", "csv"], env=env)
    assert signals.exit_code == 0
    assert "20,324 people in phase 5 where the October 2021 analysis had none" in _text(signals)
