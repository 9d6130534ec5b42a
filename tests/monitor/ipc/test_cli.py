"""The commands on small files: exit statuses, messages, formats, no tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from iofs.monitor.ipc.cli import ingest_ipc, ipc_app

runner = CliRunner()


def _text(result: Result) -> str:
    """Output with Rich's line wrapping undone (the test terminal is 80 columns wide)."""
    return " ".join(result.output.split())


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"IOFS_DATA_DIR": str(tmp_path / "var"), "IOFS_SECRET_KEY": "x" * 48}


def _ingest_app() -> typer.Typer:
    app = typer.Typer()
    app.command()(ingest_ipc)
    return app


def test_ingest_then_latest_and_signals(sudan_file: Path, env: dict[str, str]) -> None:
    result = runner.invoke(_ingest_app(), [str(sudan_file)], env=env)
    assert result.exit_code == 0, result.output
    assert "✓ ipc_sdn_national_long.csv (HDX IPC long (national)): 28 rows, 4 analyses" in (
        _text(result)
    )
    assert "7 rows of 1 country outside the 57 OIC states (KEN)" in _text(result)
    again = runner.invoke(_ingest_app(), [str(sudan_file)], env=env)
    assert "unchanged, already ingested" in _text(again)
    rows = json.loads(runner.invoke(ipc_app, ["latest", "--format", "json"], env=env).output)
    assert [(r["country"], r["analysis_date"], r["phase_p3_plus_share"]) for r in rows] == [
        ("SDN", "2022-03", 0.3)
    ]
    csv_out = runner.invoke(
        ipc_app, ["latest", "--format", "csv", "--include-non-oic"], env=env
    ).output.splitlines()
    assert csv_out[0].startswith("country,analysis_date,kind") and len(csv_out) == 3
    signals = runner.invoke(ipc_app, ["signals", "--format", "json"], env=env)
    [signal] = json.loads(signals.output)
    assert signal["criteria"] == "phase 5, P4+, P3+"


def test_bad_rows_exit_2_without_traceback(sudan_file: Path, env: dict[str, str]) -> None:
    sudan_file.write_text(sudan_file.read_text().replace("Mar 2022,SDN", "March 20222,SDN", 1))
    result = runner.invoke(_ingest_app(), [str(sudan_file)], env=env)
    assert result.exit_code == 2
    assert "line 17: Date of analysis: 'March 20222' is not a month" in _text(result)
    assert "nothing was written" in _text(result) and "Traceback" not in _text(result)
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_unknown_layout_exit_2(tmp_path: Path, env: dict[str, str]) -> None:
    other = tmp_path / "notes.csv"
    other.write_text("a,b\n1,2\n")
    result = runner.invoke(_ingest_app(), [str(other)], env=env)
    assert result.exit_code == 2 and "notes.csv is not a known IPC layout" in _text(result)


def test_usage_errors(env: dict[str, str], sudan_file: Path) -> None:
    empty = runner.invoke(ipc_app, ["latest"], env=env)
    assert empty.exit_code == 1 and "No IPC analyses ingested yet" in empty.output
    runner.invoke(_ingest_app(), [str(sudan_file)], env=env)
    month = runner.invoke(ipc_app, ["signals", "--month", "March"], env=env)
    assert month.exit_code == 2 and "--month must look like 2022-03" in month.output
    fmt = runner.invoke(ipc_app, ["latest", "--format", "xml"], env=env)
    assert fmt.exit_code == 2
    absent = runner.invoke(ipc_app, ["latest", "KEN"], env=env)
    assert absent.exit_code == 1 and "among the OIC states" in absent.output
