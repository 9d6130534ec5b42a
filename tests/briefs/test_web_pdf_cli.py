"""Pages, API, PDF and CLI of the briefs on the test app."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iofs.briefs import pdf, service
from iofs.config import Settings
from iofs.permissions import ANONYMOUS

HTML = {"accept": "text/html"}


def test_every_state_has_a_brief_page_and_api(client: TestClient) -> None:
    from iofs.members.service import reference_member_states

    for row in reference_member_states()[:57:7]:
        page = client.get(f"/countries/{row['iso3']}", headers=HTML)
        assert page.status_code == 200, row["iso3"]
        for key in service.BLOCK_KEYS:
            assert f'data-block="{key}"' in page.text
        assert row["name_en"] in page.text
    record = client.get("/api/v1/countries/afg").json()
    assert record["iso3"] == "AFG" and len(record["blocks"]) == len(service.BLOCK_KEYS)
    assert all(b["link"].startswith("/") for b in record["blocks"])


def test_not_one_of_the_57_answers_404(client: TestClient) -> None:
    assert client.get("/countries/USA", headers=HTML).status_code == 404
    assert client.get("/api/v1/countries/FRA").status_code == 404
    assert client.get("/api/v1/countries/KAZ?month=2025-99").status_code == 422


def test_names_not_codes_in_arabic(client: TestClient) -> None:
    page = client.get("/countries/KAZ?lang=ar", headers=HTML)
    assert 'dir="rtl"' in page.text and "<h1>كازاخستان</h1>" in page.text


def test_member_page_links_to_the_brief(client: TestClient) -> None:
    page = client.get("/members/KAZ", headers=HTML)
    assert 'href="/countries/KAZ"' in page.text


@pytest.mark.parametrize(
    ("language", "title"),
    [
        ("en", "OIC monthly bulletin"),
        ("ar", "النشرة الشهرية لمنظمة التعاون الإسلامي"),
        ("fr", "Bulletin mensuel de l'OCI"),
    ],
)
def test_bulletin_renders_in_three_languages(client: TestClient, language: str, title: str) -> None:
    page = client.get(f"/bulletin/2025-01?lang={language}", headers=HTML)
    assert page.status_code == 200
    assert f"<h1>{title} — 2025-01</h1>" in page.text
    assert client.get("/api/v1/bulletin/2025-01").json()["month"] == "2025-01"
    values = client.get("/api/v1/bulletin/2025-01/map").json()
    assert len(values) == 57


def test_aid_vs_need_page_states_the_rule_and_downloads(client: TestClient) -> None:
    page = client.get("/aid-vs-need", headers=HTML)
    assert page.status_code == 200 and 'id="rule"' in page.text and "median" in page.text
    assert page.text.count("<tr data-iso3=") == 57
    download = client.get("/aid-vs-need/download?format=csv")
    assert download.headers["content-type"].startswith("text/csv")
    assert download.text.splitlines()[0].startswith("rank,iso3,name")
    assert client.get("/aid-vs-need/download?format=xlsx").content[:2] == b"PK"
    assert client.get("/api/v1/aid-vs-need").json()["rule"]


def test_arabic_pdf_brief_is_right_to_left_with_png_charts(
    settings: Settings, filled: sessionmaker[Session]
) -> None:
    with filled() as session:
        html = pdf.brief_html(session, settings, ANONYMOUS, "AFG", None, "ar")
        body = pdf.brief_pdf(session, settings, ANONYMOUS, "AFG", None, "ar")
    assert '<html lang="ar" dir="rtl">' in html
    assert "أفغانستان" in html
    assert "data:image/png;base64," in html and "<svg" not in html
    assert body.startswith(b"%PDF")
    assert 2 <= pdf.page_count(html) <= 4


def test_cli_brief_and_bulletin(
    settings: Settings,
    loaded_registry: sessionmaker[Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from typer.testing import CliRunner

    from iofs.cli import app

    monkeypatch.setenv("IOFS_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("IOFS_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("IOFS_SECRET_KEY", settings.resolved_secret_key())
    runner = CliRunner()
    out = tmp_path / "kaz.pdf"
    result = runner.invoke(app, ["brief", "KAZ", "--lang", "fr", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    html = tmp_path / "bulletin.html"
    result = runner.invoke(
        app, ["bulletin", "--month", "2025-02", "--lang", "ar", "--out", str(html)]
    )
    assert result.exit_code == 0, result.output
    assert 'dir="rtl"' in html.read_text(encoding="utf-8")
    result = runner.invoke(app, ["brief", "USA", "--out", str(out)])
    assert result.exit_code == 2
