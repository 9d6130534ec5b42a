"""Stock-position sheets as hostile or damaged files (#20): bounded workbook reading, CSV
that is not UTF-8 or has stray cells — each refused with a sentence naming the file and row,
exit status 2 in the CLI, 413/422 with every problem in the API, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from iofs.cli import app as cli_app
from iofs.config import Settings
from iofs.reserves.models import Lot, Movement
from tests.conftest import make_user
from tests.test_spreadsheets import dimension_bomb, plain_workbook, zip_bomb

HEADER = ["warehouse", "lot", "commodity", "received_on", "quantity_t", "as_of"]
ROW = ["KAZ-1", "KAZ-NEW", "wheat", "2025-01-01", "12", "2025-02-01"]


def _counts(factory: sessionmaker[Session]) -> tuple[int, int]:
    with factory() as session:
        lots = session.scalar(select(func.count()).select_from(Lot)) or 0
        movements = session.scalar(select(func.count()).select_from(Movement)) or 0
        return lots, movements


def _cli(settings: Settings, path: Path) -> tuple[int, str]:
    env = {
        "IOFS_DATABASE_URL": settings.resolved_database_url,
        "IOFS_DATA_DIR": str(settings.data_dir),
        "IOFS_SECRET_KEY": settings.secret_key or "",
    }
    result = CliRunner().invoke(cli_app, ["reserves", "import", str(path)], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (
            "latin1.csv",
            (
                ",".join(HEADER)
                + "\n"
                + ",".join(ROW)
                + "\nKAZ-1,KAZ-É,wheat,2025-01-01,1,2025-02-01\n"
            )
            .replace("É", "\xc9")
            .encode("latin-1"),
            "latin1.csv, row 3, file: The file is not UTF-8 text",
        ),
        (
            "stray.csv",
            (",".join(HEADER) + "\n" + ",".join(ROW) + ",surplus\n").encode(),
            "stray.csv, row 2, file: This row has more cells than the header has columns.",
        ),
        (
            "bomb.xlsx",
            dimension_bomb(plain_workbook([HEADER, ROW])),
            "bomb.xlsx, row 1, file:",
        ),
        ("fake.xlsx", b"PK\x03\x04 not really a workbook", "fake.xlsx, row 1, file:"),
    ],
)
def test_damaged_sheets_are_refused_by_the_cli_naming_file_and_row(
    reserve: sessionmaker[Session],
    settings: Settings,
    tmp_path: Path,
    name: str,
    content: bytes,
    expected: str,
) -> None:
    before = _counts(reserve)
    path = tmp_path / name
    path.write_bytes(content)
    status, output = _cli(settings, path)
    assert status == 2, output
    assert expected in " ".join(output.split()), output
    assert "Traceback" not in output
    assert _counts(reserve) == before


def test_a_good_workbook_imports_and_a_second_import_changes_nothing(
    reserve: sessionmaker[Session], settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "positions.xlsx"
    path.write_bytes(plain_workbook([HEADER, ROW]))
    status, output = _cli(settings, path)
    assert status == 0, output
    assert "1 lots created, 1 movements recorded" in output
    again = _cli(settings, path)
    assert again[0] == 0 and "0 movements recorded, 1 unchanged" in again[1]


def test_the_api_answers_413_for_a_bomb_and_its_job_every_problem(
    client: TestClient, settings: Settings, reserve: sessionmaker[Session]
) -> None:
    from iofs.jobs.worker import run_pending

    _, token = make_user(reserve, "stock@secretariat.example", "secretariat")
    headers = {"Authorization": f"Bearer {token}"}
    before = _counts(reserve)
    bombs = {
        "declared.xlsx": dimension_bomb(plain_workbook([HEADER, ROW])),
        "zip.xlsx": zip_bomb(plain_workbook([HEADER, ROW])),
    }
    for name, content in bombs.items():
        answer = client.post(
            "/api/v1/reserves/import", headers=headers, files={"file": (name, content)}
        )
        assert answer.status_code == 413, (name, answer.text)
        assert answer.json()["errors"][0]["file"] == name
    bad = ",".join(HEADER) + "\n" + ",".join([*ROW[:4], "-5", ROW[5]]) + "\n"
    answer = client.post(
        "/api/v1/reserves/import", headers=headers, files={"file": ("bad.csv", bad.encode())}
    )
    assert answer.status_code == 202, answer.text  # queued: the job checks every row
    assert run_pending(settings) == [answer.json()["job"]]
    job = client.get(answer.headers["Location"], headers=headers).json()
    assert job["state"] == "failed", job
    problem = job["result"]["errors"][0]
    assert (problem["file"], problem["row"], problem["field"]) == ("bad.csv", 2, "quantity_t")
    assert _counts(reserve) == before
    good = ",".join(HEADER) + "\n" + ",".join(ROW) + "\n"
    answer = client.post(
        "/api/v1/reserves/import", headers=headers, files={"file": ("good.csv", good.encode())}
    )
    assert answer.status_code == 202, answer.text
    run_pending(settings)
    job = client.get(answer.headers["Location"], headers=headers).json()
    assert job["state"] == "succeeded", job
    assert (job["result"]["lots_created"], job["result"]["movements"]) == (1, 1)
