"""A CSV of a hundred thousand columns (#20): every importer refuses it in a few lines that say
why, exit status 2, instead of a memory error, a traceback or one warning per column."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from iofs.cli import app as cli_app
from iofs.ingest_files import MAX_CSV_COLUMNS, FileShapeError, read_csv_header

PRICE_COLUMNS = ["date", "market", "commodity", "unit", "pricetype", "currency", "price"]
EXTRA = 100_000


def _wide(path: Path, columns: list[str]) -> Path:
    names = columns + [f"x{i}" for i in range(EXTRA)]
    values = ["2024-01-15", "Cairo", "Rice", "KG", "Retail", "EGP", "20"][: len(columns)]
    path.write_text(",".join(names) + "\n" + ",".join(values + [""] * EXTRA) + "\n")
    return path


def test_the_shared_header_reader_refuses_thousands_of_columns(tmp_path: Path) -> None:
    narrow = tmp_path / "narrow.csv"
    narrow.write_text(",".join(f"c{i}" for i in range(MAX_CSV_COLUMNS)) + "\n")
    assert len(read_csv_header(narrow).names) == MAX_CSV_COLUMNS
    with pytest.raises(FileShapeError, match=r"wide\.csv line 1: the header has 100,007 columns"):
        read_csv_header(_wide(tmp_path / "wide.csv", PRICE_COLUMNS))


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        (["ingest", "prices"], "the header has 100,007 columns"),
        (["ingest", "faostat", "--domain", "FBS"], "not a FAOSTAT file"),
        (["ingest", "ipc"], "is not a known IPC layout"),
    ],
    ids=["prices", "faostat", "ipc"],
)
def test_every_csv_importer_answers_in_a_few_lines(
    tmp_path: Path, command: list[str], reason: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IOFS_DATA_DIR", str(tmp_path / "var"))
    path = _wide(tmp_path / "wfp_food_prices_egy.csv", PRICE_COLUMNS)
    result = CliRunner().invoke(cli_app, [*command, str(path)])
    assert result.exit_code == 2, result.output
    assert not isinstance(result.exception, MemoryError)
    assert "Traceback" not in result.output and "Memory" not in result.output
    assert reason in " ".join(result.output.split())
    assert len(result.output.splitlines()) <= 12, result.output[:2000]
    assert "wfp_food_prices_egy.csv" in result.output
    assert not (tmp_path / "var" / "analytics" / "prices").exists() or not any(
        (tmp_path / "var" / "analytics" / "prices").rglob("*.parquet")
    )
