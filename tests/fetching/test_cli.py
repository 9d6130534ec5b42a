"""`iofs fetch prices|ipc|inform|faostat`: summaries and exit codes (0 done, 1 network, 2 input)."""

from __future__ import annotations

import io
import json
import socket
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from iofs.cli import app
from iofs.config import Settings
from iofs.db import make_engine, make_session_factory
from iofs.fetching.runs import last_runs
from iofs.monitor.faostat.fetch import BULK_FILES, bulk_url
from tests.fetching.fixtures import ipc_csv, price_csv
from tests.fetching.server import HdxServer
from tests.monitor.faostat.helpers import FS_TEXT

AFG = "wfp-food-prices-for-afghanistan"
AFG_PATH = "/dataset/afg/resource/1/download/wfp_food_prices_afg.csv"


@pytest.fixture
def env(settings: Settings, hdx: HdxServer, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("IOFS_ENV", "development")
    monkeypatch.setenv("IOFS_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("IOFS_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("IOFS_FETCH_HDX_URL", hdx.base_url)
    monkeypatch.setenv("IOFS_FETCH_RETRIES", "0")
    monkeypatch.setenv("IOFS_FETCH_BACKOFF", "0")
    return settings


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["fetch", *args], terminal_width=200)
    return result.exit_code, " ".join(result.output.split())


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_fetch_prices_cli(env: Settings, hdx: HdxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    hdx.publish(AFG, "wfp_food_prices_afg.csv", AFG_PATH, price_csv())
    code, out = _invoke("prices", "--country", "AFG", "--country", "PSE")
    assert code == 0, out
    assert "1 fetched, 0 not modified, 0 failed; 48 rows added." in out
    assert "No dataset to fetch for 1: PSE." in out
    code, out = _invoke("prices", "--country", "AFG")
    assert code == 0 and "0 fetched, 1 not modified, 0 failed; 0 rows added." in out
    code, out = _invoke("prices", "--country", "AFG", "--force")
    assert code == 0 and "1 fetched" in out and "0 rows added" in out
    code, out = _invoke("prices", "--country", "ZZZ")
    assert code == 2 and "--country 'ZZZ' is not an ISO 3166-1 alpha-3 country code" in out
    monkeypatch.setenv("IOFS_FETCH_HDX_URL", f"http://127.0.0.1:{_closed_port()}")
    code, out = _invoke("prices", "--country", "AFG")
    assert code == 1 and "cannot be reached (connection refused" in out and "package_show" in out
    monkeypatch.setenv("IOFS_FETCH_HDX_URL", "ftp://hdx")
    code, out = _invoke("prices", "--country", "AFG")
    assert code == 2 and "IOFS_FETCH_HDX_URL" in out
    monkeypatch.setenv("IOFS_FETCH_HDX_URL", hdx.base_url)
    code, out = _invoke("runs")
    assert code == 0 and "prices:AFG" in out and "failed" in out, out
    listed = CliRunner().invoke(app, ["fetch", "runs", "prices:AFG", "--format", "json"])
    statuses = [run["status"] for run in json.loads(listed.stdout)]
    assert statuses == ["failed", "fetched", "not modified", "fetched"]
    factory = make_session_factory(make_engine(env.resolved_database_url))
    with factory() as session:
        (latest,) = last_runs(session)
        assert latest.status == "failed" and latest.job_id is None


def test_fetch_ipc_and_inform_cli(env: Settings, hdx: HdxServer) -> None:
    path = "/dataset/ipc/resource/2/download/ipc_global_national_long.csv"
    hdx.publish(env.fetch_ipc_dataset, "ipc_global_national_long.csv", path, ipc_csv())
    code, out = _invoke("ipc")
    assert code == 0 and "1 fetched" in out and "7 rows added" in out, out
    code, out = _invoke("inform")
    assert code == 2 and "set IOFS_FETCH_INFORM_URL" in out
    code, out = _invoke("inform", "--url", "file:///etc/passwd")
    assert code == 2 and "is not an http or https URL" in out
    code, out = _invoke("inform", "--url", hdx.base_url + "/inform/missing.csv")
    assert code == 1 and "not found on the server (HTTP 404)" in out


def test_fetch_faostat_cli(env: Settings, hdx: HdxServer) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "Food_Security_Data_E_All_Data_(Normalized).csv", FS_TEXT.encode("latin-1")
        )
    base = hdx.base_url + "/production"
    url = bulk_url("FS", base)
    hdx.put(
        url.removeprefix(hdx.base_url).replace("(", "%28").replace(")", "%29"), buffer.getvalue()
    )
    code, out = _invoke("faostat", "FS", "--base-url", base)
    assert code == 0 and "FAOSTAT FS (download only)" in out and "0 rows added" in out, out
    assert (env.data_dir / "downloads" / "faostat" / BULK_FILES["FS"]).is_file()
    # The download-only run does not stop the ingest: a separate source.
    code, out = _invoke("faostat", "FS", "--base-url", base, "--ingest")
    assert code == 0 and "1 fetched" in out, out
    assert "0 rows added" not in out
    code, out = _invoke("faostat", "FS", "--base-url", base, "--ingest")
    assert code == 0 and "1 not modified" in out and "0 rows added" in out
    code, out = _invoke("faostat", "XYZ")
    assert code == 2 and "unknown FAOSTAT domain 'XYZ'" in out
    assert Path(env.data_dir / "analytics" / "faostat").is_dir()
