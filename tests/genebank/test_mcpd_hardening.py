"""#20, the MCPD holes, each reproduced as the attack or crash found it (CLI and API), on
SQLite and PostgreSQL. Every test here failed on the code before the fix (commit bd84624):
an over-long cell answered 500 / a traceback, a BOM was misread by the API, ``javascript:``
was stored in ACCEURL, a 10⁶-column file printed 10⁶ warnings, the MCPD export wrote
formulas, a workbook declaring 20,000 × 16,384 cells was loaded."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from iofs.cli import app
from iofs.config import Settings
from iofs.genebank import mcpd
from iofs.genebank.models import Accession
from tests.genebank import test_genebank_store as store
from tests.genebank.test_genebank_store import RECORDS, count, said, write_passport

cli_env = store.cli_env  # the fixtures of the store's tests
stocked = store.stocked

HEADER = "INSTCODE,ACCENUMB,GENUS,SPECIES,REMARKS\n"


def test_an_mcpd_cell_over_131072_characters_is_a_422_naming_row_and_column(
    client: TestClient, stocked: dict[str, Any]
) -> None:
    body = HEADER + "KAZ015,KZ-77,Avena,sativa,\n" + "KAZ015,KZ-78,Avena,sativa," + "x" * 140_000
    response = client.post(
        "/api/v1/genebank/imports", headers=stocked["curator"], json={"csv": body}
    )
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert "line 3" in detail and "REMARKS" in detail and "10000 characters" in detail, detail


def test_an_mcpd_cell_over_131072_characters_in_the_cli_is_exit_2(
    cli_env: CliRunner, tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    path = tmp_path / "long.csv"
    path.write_text(HEADER + "KAZ015,KZ-1,Avena,sativa," + "x" * 140_000 + "\n", "utf-8")
    result = cli_env.invoke(app, ["genebank", "import", str(path)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "long.csv: line 2, column REMARKS: longer than 10000 characters" in said(result)
    assert count(session_factory, Accession) == 0


def test_the_api_reads_a_utf8_bom_as_the_cli_does(
    client: TestClient,
    settings: Settings,
    stocked: dict[str, Any],
    cli_env: CliRunner,
    tmp_path: Path,
) -> None:
    from iofs.jobs.worker import run_pending

    text = "\ufeff" + HEADER + "KAZ015,KZ-BOM,Avena,sativa,\n"
    response = client.post(
        "/api/v1/genebank/imports", headers=stocked["curator"], json={"csv": text}
    )
    assert response.status_code == 202, response.text  # valid: written by a job
    assert run_pending(settings) == [response.json()["job"]]
    job = client.get(response.headers["Location"], headers=stocked["curator"]).json()
    assert job["state"] == "succeeded", job
    assert job["result"]["inserted"] == 1
    path = tmp_path / "bom.csv"
    path.write_bytes(text.replace("KZ-BOM", "KZ-BOM2").encode("utf-8"))
    result = cli_env.invoke(app, ["genebank", "import", str(path)])
    assert result.exit_code == 0 and "1 inserted" in said(result), result.output


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "JavaScript:alert(document.cookie)", "data:text/html,x"]
)
def test_acceurl_takes_http_and_https_only(url: str) -> None:
    row = mcpd.validate_row(2, {**RECORDS[2], "ACCEURL": url})
    reasons = [i.reason for i in row.issues if i.column == "ACCEURL"]
    assert not row.ok and reasons, row.issues
    assert "only http:// and https://" in reasons[0]
    good = mcpd.validate_row(2, {**RECORDS[2], "ACCEURL": "https://genesys-pgr.org/a/1"})
    assert good.ok and good.values["ACCEURL"] == "https://genesys-pgr.org/a/1"


def test_acceurl_javascript_is_refused_by_the_api_too(
    client: TestClient, stocked: dict[str, Any]
) -> None:
    body = "INSTCODE,ACCENUMB,GENUS,ACCEURL\nKAZ015,KZ-JS,Avena,javascript:alert(1)\n"
    response = client.post(
        "/api/v1/genebank/imports", headers=stocked["curator"], json={"csv": body}
    )
    assert response.status_code == 422
    assert "ACCEURL" in response.text and "http" in response.text


def test_a_million_unknown_columns_give_one_warning(cli_env: CliRunner, tmp_path: Path) -> None:
    columns = 1_000_000
    path = tmp_path / "wide.csv"
    extra = ",".join(f"c{i}" for i in range(columns))
    path.write_text(f"INSTCODE,ACCENUMB,GENUS,{extra}\nKAZ015,KZ-W,Avena{',' * columns}\n", "utf-8")
    result = cli_env.invoke(app, ["genebank", "import", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output[-2000:]
    assert len(result.output.splitlines()) < 40
    assert "1,000,000 unknown columns: 'c0', 'c1', 'c2' … (and 999,997 more)" in said(result)


def test_the_mcpd_export_neutralises_formulas_and_keeps_numbers(
    cli_env: CliRunner, tmp_path: Path
) -> None:
    record = {
        **RECORDS[2],
        "ACCENUMB": "KZ-F",
        "ACCENAME": '=HYPERLINK("http://x.example","y")',
        "COLLSITE": "@SUM(A1:A9)",
        "DECLATITUDE": "-12.5",
        "DECLONGITUDE": "-40.25",
        "ELEVATION": "-20",
    }
    result = cli_env.invoke(
        app, ["genebank", "import", str(write_passport(tmp_path / "f.csv", [record]))]
    )
    assert result.exit_code == 0, result.output
    out = tmp_path / "export.csv"
    result = cli_env.invoke(app, ["genebank", "export", "--format", "mcpd", "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text("utf-8")
    assert "'=HYPERLINK" in text and "'@SUM(A1:A9)" in text
    assert ",-12.5," in text and ",-40.25," in text and ",-20," in text
    assert not any(
        cell.startswith(("=", "@")) for line in text.splitlines() for cell in line.split(",")
    )
    with_available = tmp_path / "again.csv"  # availability is not MCPD: add it back
    lines = text.splitlines()
    with_available.write_text(
        "\n".join([lines[0] + ",AVAILABLE", *(line + ",yes" for line in lines[1:])]) + "\n"
    )
    result = cli_env.invoke(app, ["genebank", "import", str(with_available)])
    assert "0 inserted, 0 updated, 1 unchanged" in said(result), result.output  # as it was


def _bomb(path: Path) -> Path:
    """A small workbook whose DATA sheet declares A1:XFD20000 (20,000 × 16,384 cells)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "DATA"
    sheet.append(["INSTCODE", "ACCENUMB", "GENUS"])
    sheet.append(["KAZ015", "KZ-X", "Avena"])
    buffer = io.BytesIO()
    book.save(buffer)
    with (
        zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<dimension ref="A1:C2"/>', b'<dimension ref="A1:XFD20000"/>')
                assert b"XFD20000" in data
            target.writestr(item, data)
    return path


def test_an_mcpd_workbook_is_read_through_the_bounded_reader(
    cli_env: CliRunner, tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    path = _bomb(tmp_path / "bomb.xlsx")
    result = cli_env.invoke(app, ["genebank", "import", str(path)])
    assert result.exit_code == 2, result.output
    assert "bomb.xlsx" in said(result) and "16,384 columns" in said(result), said(result)
    assert count(session_factory, Accession) == 0


def test_the_mcpd_workbook_export_stores_text_and_imports_back_unchanged(
    cli_env: CliRunner, tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    from openpyxl import load_workbook

    record = {
        **RECORDS[2],
        "ACCENUMB": "KZ-X",
        "ACCENAME": "=1+2",
        "DECLATITUDE": "-12.5",
        "DECLONGITUDE": "40.25",
    }
    result = cli_env.invoke(
        app, ["genebank", "import", str(write_passport(tmp_path / "x.csv", [*RECORDS, record]))]
    )
    assert result.exit_code == 0, result.output
    out = tmp_path / "export.xlsx"
    result = cli_env.invoke(app, ["genebank", "export", "--format", "mcpd-xlsx", "--out", str(out)])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out)["MCPD"]
    cells = {c.value: c for row in sheet.iter_rows() for c in row if c.value}
    assert cells["=1+2"].data_type == "s" and cells["-12.5"].data_type == "s"
    from sqlalchemy import select

    from iofs.genebank.accessions import mcpd_values

    def passports() -> dict[str, dict[str, str]]:
        with session_factory() as session:
            return {
                a.accenumb: mcpd_values(a) for a in session.execute(select(Accession)).scalars()
            }

    before = passports()
    result = cli_env.invoke(app, ["genebank", "import", str(out)])
    assert result.exit_code == 0, result.output
    assert "0 inserted" in said(result)  # (availability is not MCPD: it is not exported)
    assert passports() == before and before["KZ-X"]["ACCENAME"] == "=1+2"
    result = cli_env.invoke(app, ["genebank", "export", "--format", "mcpd-xlsx"])
    assert result.exit_code == 2 and "--out" in said(result)
