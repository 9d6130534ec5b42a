"""``iofs risk`` commands through Typer's runner: output, errors (exit 2), import-inform."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from iofs.monitor.risk.cli import risk_app

runner = CliRunner()
HEADER = (
    "ISO3,COUNTRY,Earthquake,Flood,Tsunami,Tropical Cyclone,Drought,Epidemic,"
    "Projected Conflict Risk,Current Highly Violent Conflict Intensity,"
    "Development & Deprivation,Inequality,Aid Dependency,Uprooted people,"
    "Health Conditions,Children U5,Recent Shocks,Food Security,DRR,Governance,"
    "Communication,Physical infrastructure,Access to health care"
)


def components(path: Path, cell: str = "5") -> Path:
    path.write_text(
        HEADER + "\nAAA,A-land," + ",".join([cell] + ["5"] * 20) + "\n", encoding="utf-8"
    )
    return path


def test_compute_from_inputs_json(tmp_path: Path) -> None:
    result = runner.invoke(
        risk_app,
        [
            "compute",
            "--inputs",
            str(components(tmp_path / "t.csv")),
            "--levels",
            "inputs",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    (country,) = json.loads(result.output)
    # all components 5: human max(3.5, 5) = 5, every aggregation of equal scores gives 5
    assert country["value"] == 5.0 and country["class_label"] == "High"
    assert len(country["nodes"]) == 11 and country["reliability"] == 1.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tree", "nowhere.toml"], "tree nowhere.toml: no such file."),
        (["--levels", "all"], "--levels must be one of published, inputs, not 'all'."),
        (["--format", "xml"], "--format must be one of table, json, csv, not 'xml'."),
    ],
)
def test_bad_options_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = runner.invoke(
        risk_app,
        ["compute", "--inputs", str(components(tmp_path / "t.csv")), "--levels", "inputs", *args],
    )
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_bad_tables_exit_2(tmp_path: Path) -> None:
    bad = components(tmp_path / "bad.csv", cell="many")
    result = runner.invoke(risk_app, ["compute", "--inputs", str(bad), "--levels", "inputs"])
    assert result.exit_code == 2
    assert 'bad.csv, line 2, field "Earthquake": "many" is not a number.' in " ".join(
        result.output.split()
    )
    result = runner.invoke(risk_app, ["compute", "--inputs", str(components(tmp_path / "c.csv"))])
    assert result.exit_code == 2
    assert 'c.csv: column "Natural" is missing from the header.' in " ".join(result.output.split())
    toml = tmp_path / "broken.toml"
    toml.write_text("root = [", encoding="utf-8")
    result = runner.invoke(risk_app, ["compute", "--tree", str(toml), "--inputs", str(bad)])
    assert result.exit_code == 2 and "tree broken.toml: malformed TOML" in result.output


def test_compute_published_table(shared_data: Path) -> None:
    release = shared_data / "inform" / "inform_gri_2020_v040.csv"
    result = runner.invoke(risk_app, ["compute", "--inputs", str(release), "--format", "csv"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 192
    assert lines[1].startswith(
        "AFG,Afghanistan,8.0,8.9,6.6,10.0,8.2,7.6,8.8,7.4,7.2,7.2,7.1,Very High,1.0"
    )


def test_import_inform_all_or_nothing_and_idempotent(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyarrow.parquet as pq

    monkeypatch.setenv("IOFS_DATA_DIR", str(tmp_path / "var"))
    store = tmp_path / "var" / "analytics" / "risk" / "inform"
    release = shared_data / "inform" / "inform_gri_2020_v040.csv"
    result = runner.invoke(risk_app, ["import-inform", str(release)])
    assert result.exit_code == 0, result.output
    assert "Imported 191 countries" in result.output
    target = store / "inform_gri_2020_v040.parquet"
    frame = pq.read_table(target).to_pandas()
    assert frame.shape == (191, 35) and frame.loc[0, "INFORM RISK"] == 8.0
    assert frame["DRR"].isna().sum() == 40
    before = (target.stat().st_mtime_ns, target.read_bytes())
    again = runner.invoke(risk_app, ["import-inform", str(release)])
    assert again.exit_code == 0 and "Unchanged" in again.output
    assert (target.stat().st_mtime_ns, target.read_bytes()) == before
    # a broken copy under the same release name is refused and leaves the store as it was
    broken = tmp_path / "inform_gri_2020_v040.csv"
    text = release.read_bytes().decode("latin-1").splitlines()
    text[3] = text[3].replace(",Medium,", ",Low,", 1)
    broken.write_text("\n".join(text) + "\n", encoding="latin-1")
    refused = runner.invoke(risk_app, ["import-inform", str(broken)])
    assert refused.exit_code == 2
    assert 'line 4, field "RISK CLASS": "Low" contradicts INFORM RISK 4' in " ".join(
        refused.output.split()
    )
    assert (target.stat().st_mtime_ns, target.read_bytes()) == before
    assert sorted(os.listdir(store)) == ["inform_gri_2020_v040.parquet"]
