"""Excel round trip (all-or-nothing, row and column in errors), reports, demo data."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from iofs.accounts.service import cli_principal
from iofs.audit import service as audit
from iofs.db import transaction
from iofs.permissions import Principal
from iofs.roles import Role
from iofs.strategy import reporting, workbook
from iofs.strategy.models import Kpi, KpiValue
from tests.conftest import make_user
from tests.strategy.conftest import Framework

CHECKER = Principal(user_id=9301, roles={Role.SECRETARIAT: frozenset()}, label="checker")


def _fill(content: bytes, rows: dict[str, tuple[object, object]]) -> bytes:
    book = load_workbook(io.BytesIO(content))
    sheet = book[workbook.SHEET]
    for r in range(workbook.HEADER_ROW + 1, sheet.max_row + 1):
        code = sheet.cell(r, 1).value
        if code in rows:
            sheet.cell(r, 6).value, sheet.cell(r, 7).value = rows[code]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _values(factory: sessionmaker[Session]) -> list[tuple[str | None, str]]:
    with factory() as session:
        return [
            (v.iso3, str(v.value))
            for v in session.execute(select(KpiValue).order_by(KpiValue.id)).scalars()
        ]


def test_excel_round_trip(
    client: TestClient, loaded_registry: sessionmaker[Session], results_framework: Framework
) -> None:
    _, focal = make_user(loaded_registry, "fp@kaz.example", "focal_point", ("KAZ",))
    auth = {"Authorization": f"Bearer {focal}"}
    template = client.get("/strategy/states/KAZ/report.xlsx?year=2026")
    assert template.status_code == 200
    codes = [c.value for c in load_workbook(io.BytesIO(template.content))[workbook.SHEET]["A"]]
    assert "NGB.1" in codes and "FSG.1" in codes and "FBD.1" not in codes  # fed: not typed

    bad = _fill(
        template.content,
        {"NGB.1": ("12,5OO", "https://example.org/a"), "FSG.1": (1, "ftp://nowhere")},
    )
    with transaction(loaded_registry) as session, pytest.raises(workbook.ImportFailed) as failed:
        workbook.import_report(session, cli_principal(), "KAZ", 2026, bad)
    problems = failed.value.problems
    assert any(p.startswith("row ") and "column F (value)" in p for p in problems), problems
    assert any("column G (evidence_url)" in p for p in problems), problems
    assert _values(loaded_registry) == []

    # one good row and one bad row: nothing is saved
    half = _fill(
        template.content,
        {"NGB.1": (12500, "https://example.org/a"), "FSG.1": ("x", "https://example.org/b")},
    )
    response = client.post(
        "/api/v1/strategy/states/KAZ/import",
        headers=auth,
        files={"file": ("r.xlsx", half, workbook.XLSX_TYPE)},
        data={"year": "2026"},
    )
    assert response.status_code == 422, response.text
    assert "column F (value)" in response.json()["detail"][0]["message"]
    assert _values(loaded_registry) == []

    good = _fill(
        template.content,
        {"NGB.1": (12500, "https://example.org/a"), "FSG.1": (1, "https://example.org/b")},
    )
    first = client.post(
        "/api/v1/strategy/states/KAZ/import",
        headers=auth,
        files={"file": ("r.xlsx", good, workbook.XLSX_TYPE)},
        data={"year": "2026"},
    )
    assert first.status_code == 200, first.text
    assert first.json() == {"changed": 2, "unchanged": 0}
    assert sorted(_values(loaded_registry)) == [("KAZ", "1.0000"), ("KAZ", "12500.0000")]
    with loaded_registry() as session:
        entries = audit.entry_count(session)
    again = client.post(
        "/api/v1/strategy/states/KAZ/import",
        headers=auth,
        files={"file": ("r.xlsx", good, workbook.XLSX_TYPE)},
        data={"year": "2026"},
    )
    assert again.json() == {"changed": 0, "unchanged": 2}
    with loaded_registry() as session:
        assert audit.entry_count(session) == entries
    other = client.post(
        "/api/v1/strategy/states/EGY/import",
        headers=auth,
        files={"file": ("r.xlsx", good, workbook.XLSX_TYPE)},
        data={"year": "2026"},
    )
    assert other.status_code == 403
    wrong_state = _fill(client.get("/strategy/states/EGY/report.xlsx?year=2026").content, {})
    _, secretariat = make_user(loaded_registry, "sec@iofs.example", "secretariat")
    mismatch = client.post(
        "/api/v1/strategy/states/KAZ/import",
        headers={"Authorization": f"Bearer {secretariat}"},
        files={"file": ("r.xlsx", wrong_state, workbook.XLSX_TYPE)},
        data={"year": "2026"},
    )
    assert mismatch.status_code == 422 and "row 2, column B" in mismatch.text
    junk = client.post(
        "/api/v1/strategy/states/KAZ/import",
        headers=auth,
        files={"file": ("r.xlsx", b"not a workbook", workbook.XLSX_TYPE)},
        data={"year": "2026"},
    )
    assert junk.status_code == 422


def test_report_formats_and_languages(
    loaded_registry: sessionmaker[Session],
    results_framework: Framework,
    tmp_path: object,
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
) -> None:
    from iofs.strategy import report

    admin = cli_principal()
    with transaction(loaded_registry) as session:
        row = reporting.report_value(
            session,
            admin,
            reporting.ValueInput(
                results_framework.seeds, "KAZ", 2026, "16000", "https://example.org/e"
            ),
        )
        reporting.review_value(session, CHECKER, row.id, "approve")  # not its maker
    with loaded_registry() as session:
        arabic = report.render_html(session, admin, "KAZ", 2026, "ar")
        french = report.render_html(session, admin, "KAZ", 2026, "fr")
        english = report.render_html(session, admin, "KAZ", 2026, "en")
    assert 'dir="rtl"' in arabic and "كازاخستان" in arabic and "<svg" in arabic
    assert "16,000.00" in english and "on track" in english
    assert "Kazakhstan" in french and "on track" not in french
    from iofs.cli import app

    monkeypatch.setenv("IOFS_DATABASE_URL", database_url)
    out = tmp_path / "kaz.pdf"  # type: ignore[operator]
    result = CliRunner().invoke(
        app,
        [
            "strategy",
            "report",
            "--state",
            "KAZ",
            "--period",
            "2026",
            "--format",
            "pdf",
            "--lang",
            "ar",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    xlsx = tmp_path / "kaz.xlsx"  # type: ignore[operator]
    CliRunner().invoke(
        app,
        [
            "strategy",
            "report",
            "--state",
            "KAZ",
            "--period",
            "2026",
            "--format",
            "xlsx",
            "--out",
            str(xlsx),
        ],
    )
    card = load_workbook(xlsx)["Scorecard"]
    rows = {r[0]: r for r in card.iter_rows(min_row=2, values_only=True)}
    assert (rows["NGB.1"][3], rows["NGB.1"][7]) == (16000, "on_track")
    assert rows["FBD.1"][7] == "no_data"
    unknown = CliRunner().invoke(
        app,
        [
            "strategy",
            "report",
            "--state",
            "XXX",
            "--period",
            "2026",
            "--format",
            "html",
            "--out",
            str(xlsx),
        ],
    )
    assert unknown.exit_code == 2


def test_demo_load_is_sourced_and_idempotent(loaded_registry: sessionmaker[Session]) -> None:
    from iofs.strategy import demo

    with transaction(loaded_registry) as session:
        demo.load(session, cli_principal())
    with loaded_registry() as session:
        before = audit.entry_count(session)
        kpis = list(session.execute(select(Kpi)).scalars())
        assert all(k.illustrative and "Illustrative" in k.sources for k in kpis)
    with transaction(loaded_registry) as session:
        demo.load(session, cli_principal())
    with loaded_registry() as session:
        assert audit.entry_count(session) == before
        assert audit.verify(session).ok
