"""Attacks of issue 20 on the strategy module, reproduced: hostile report workbooks (item 2),
a stale or second review (5), self-approval (6), a focal point's comment becoming a formula in
the secretariat's Excel copy (7)."""

from __future__ import annotations

import io
import os
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from iofs.accounts.service import cli_principal
from iofs.cli import app as cli_app
from iofs.config import Settings
from iofs.strategy import report, workbook
from tests.conftest import make_user
from tests.strategy.conftest import Framework
from tests.test_spreadsheets import LAUGHS, XXE, dimension_bomb, xml_attack, zip_bomb

EVIDENCE = "https://example.org/ministry/gene-bank-2026.pdf"
FORMULA = '=HYPERLINK("http://evil.example","click")'


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _filled_report(client: TestClient, focal: str) -> bytes:
    template = client.get("/strategy/states/KAZ/report.xlsx?year=2026", headers=_auth(focal))
    book = load_workbook(io.BytesIO(template.content))
    sheet = book[workbook.SHEET]
    for r in range(workbook.HEADER_ROW + 1, sheet.max_row + 1):
        if sheet.cell(r, 1).value == "NGB.1":
            sheet.cell(r, 6).value, sheet.cell(r, 7).value = 15000, EVIDENCE
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


HOSTILE: dict[str, tuple[Callable[[bytes], bytes], int, str]] = {
    "dimension": (dimension_bomb, 413, "declares 20,000 rows and 16,384 columns"),
    "zip-bomb": (zip_bomb, 413, "unpacks to 100 MB"),
    "xxe": (lambda data: xml_attack(data, XXE), 422, "document type declaration"),
    "billion-laughs": (lambda data: xml_attack(data, LAUGHS), 422, "document type declaration"),
}


@pytest.mark.parametrize("attack", list(HOSTILE))
def test_hostile_report_workbooks_are_refused_in_one_sentence(
    attack: str,
    client: TestClient,
    settings: Settings,
    loaded_registry: sessionmaker[Session],
    results_framework: Framework,
    tmp_path: Path,
) -> None:
    build, status, sentence = HOSTILE[attack]
    _, focal = make_user(loaded_registry, "fp@kaz.example", "focal_point", ("KAZ",))
    hostile = build(_filled_report(client, focal))
    tracemalloc.start()
    answer = client.post(
        "/api/v1/strategy/states/KAZ/import",
        headers=_auth(focal),
        data={"year": "2026"},
        files={"file": ("report.xlsx", hostile)},
    )
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert answer.status_code == status, answer.text
    assert sentence in str(answer.json()["detail"])
    assert peak < 200 * 2**20
    page = client.post(
        "/strategy/states/KAZ/report.xlsx",
        headers={**_auth(focal), "Accept": "text/html"},
        data={"year": "2026"},
        files={"file": ("report.xlsx", hostile)},
    )
    assert page.status_code == status and sentence in page.text
    path = tmp_path / "report.xlsx"
    path.write_bytes(hostile)
    env = {
        **os.environ,
        "IOFS_DATABASE_URL": settings.resolved_database_url,
        "IOFS_DATA_DIR": str(settings.data_dir),
        "IOFS_SECRET_KEY": settings.secret_key or "",
    }
    result = CliRunner().invoke(
        cli_app, ["strategy", "import", "--state", "KAZ", "--period", "2026", str(path)], env=env
    )
    assert result.exit_code == 2, result.output
    assert sentence in " ".join(result.output.split()) and "Traceback" not in result.output


def _submitted(
    client: TestClient, token: str, framework: Framework, comment: str = ""
) -> dict[str, object]:
    posted = client.post(
        "/api/v1/strategy/states/KAZ/values",
        headers=_auth(token),
        json={
            "kpi_id": framework.seeds,
            "year": 2026,
            "value": "15000",
            "evidence_url": EVIDENCE,
            "comment": comment,
        },
    )
    assert posted.status_code == 201, posted.text
    body: dict[str, object] = posted.json()
    return body


def test_the_secretariat_user_who_entered_a_value_cannot_approve_it(
    client: TestClient, loaded_registry: sessionmaker[Session], results_framework: Framework
) -> None:
    _, secretariat = make_user(loaded_registry, "sec@iofs.example", "secretariat")
    _, other = make_user(loaded_registry, "other@iofs.example", "secretariat")
    value = _submitted(client, secretariat, results_framework)
    own = client.post(
        f"/api/v1/strategy/values/{value['id']}/review",
        headers=_auth(secretariat),
        json={"decision": "approve", "version": value["version"]},
    )
    assert own.status_code == 403, own.text
    assert "someone other" in own.text
    by_other = client.post(
        f"/api/v1/strategy/values/{value['id']}/review",
        headers=_auth(other),
        json={"decision": "approve", "version": value["version"]},
    )
    assert by_other.status_code == 200, by_other.text


def test_a_review_names_the_version_seen_and_happens_once(
    client: TestClient, loaded_registry: sessionmaker[Session], results_framework: Framework
) -> None:
    _, focal = make_user(loaded_registry, "fp@kaz.example", "focal_point", ("KAZ",))
    _, secretariat = make_user(loaded_registry, "sec@iofs.example", "secretariat")
    seen = _submitted(client, focal, results_framework)
    changed = client.post(
        "/api/v1/strategy/states/KAZ/values",
        headers=_auth(focal),
        json={
            "kpi_id": results_framework.seeds,
            "year": 2026,
            "value": "999999",
            "evidence_url": EVIDENCE,
        },
    ).json()
    assert changed["version"] == int(str(seen["version"])) + 1
    stale = client.post(
        f"/api/v1/strategy/values/{seen['id']}/review",
        headers=_auth(secretariat),
        json={"decision": "approve", "version": seen["version"]},
    )
    assert stale.status_code == 409 and "changed since" in stale.text
    approved = client.post(
        f"/api/v1/strategy/values/{seen['id']}/review",
        headers=_auth(secretariat),
        json={"decision": "approve", "version": changed["version"]},
    )
    assert approved.status_code == 200 and approved.json()["value"] == "999999.0000"
    twice = client.post(
        f"/api/v1/strategy/values/{seen['id']}/review",
        headers=_auth(secretariat),
        json={"decision": "approve", "version": changed["version"]},
    )
    assert twice.status_code == 409


def test_a_focal_points_comment_is_text_in_the_secretariats_excel_copy(
    client: TestClient, loaded_registry: sessionmaker[Session], results_framework: Framework
) -> None:
    _, focal = make_user(loaded_registry, "fp@kaz.example", "focal_point", ("KAZ",))
    _, secretariat = make_user(loaded_registry, "sec@iofs.example", "secretariat")
    _submitted(client, focal, results_framework, comment=FORMULA)
    page = client.get("/strategy/states/KAZ/report.xlsx?year=2026", headers=_auth(secretariat))
    assert page.status_code == 200
    with loaded_registry() as session:
        full = report.build(session, cli_principal(), "KAZ", 2026, "xlsx")
    for content in (page.content, full):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            assert not [
                name
                for name in archive.namelist()
                if name.startswith("xl/worksheets/") and b"<f>" in archive.read(name)
            ]
        sheet = load_workbook(io.BytesIO(content))[workbook.SHEET]
        cell = next(c for row in sheet.iter_rows() for c in row if c.value == FORMULA)
        assert cell.data_type == "s"
    # and the round trip reads the comment back unchanged: nothing to save
    template = client.get("/strategy/states/KAZ/report.xlsx?year=2026", headers=_auth(focal))
    again = client.post(
        "/api/v1/strategy/states/KAZ/import",
        headers=_auth(focal),
        data={"year": "2026"},
        files={"file": ("r.xlsx", template.content)},
    )
    assert again.status_code == 200 and again.json()["changed"] == 0
