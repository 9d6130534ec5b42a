"""Traits through the API, the CLI and the pages: definitions, all-or-nothing observation
imports (CSV and XLSX) with row-named errors, export and trait search."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from iofs.accounts.service import cli_principal
from iofs.cli import app
from iofs.db import transaction
from iofs.genebank import demo
from iofs.genebank.models import Observation
from tests.conftest import make_user

HEADER = "INSTCODE,ACCENUMB,TRAIT,VALUE,DATE,SITE,ENVIRONMENT,OBSERVER\n"
GOOD = (
    HEADER + "KAZ900,DEMO-0001,DTH,104,2024-06-20,Astana,rainfed,A. B.\n"
    "KAZ900,DEMO-0001,DRT,7,,,,\nKAZ900,DEMO-0002,DRT,9,,,,\n"
    "KAZ900,DEMO-0002,DTH,121,,,,\n"
)
BAD = GOOD + "KAZ900,DEMO-0001,DTH,400,,,,\nKAZ900,NOPE,DRT,7,,,,\n"
TRAITS: list[dict[str, Any]] = [
    {
        "code": "DTH",
        "name": "Days to heading",
        "crop": "wheat",
        "scale": "numeric",
        "unit": "d",
        "minimum": 30,
        "maximum": 250,
    },
    {
        "code": "DRT",
        "name": "Drought tolerance",
        "scale": "ordinal",
        "categories": "1=very low;3=low;5=intermediate;7=high;9=very high",
    },
]


def _xlsx(text: str) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for line in text.splitlines():
        sheet.append([float(c) if c.isdigit() else c for c in line.split(",")])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _count(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return int(session.execute(select(func.count()).select_from(Observation)).scalar_one())


def test_api_defines_imports_exports_and_searches(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    with transaction(loaded_registry) as session:
        demo.load(session, cli_principal())
    _uid, token = make_user(loaded_registry, "curator@iofs.example", "genebank_curator")
    _uid, viewer = make_user(loaded_registry, "viewer@iofs.example", "viewer")
    auth = {"Authorization": f"Bearer {token}"}
    for trait in TRAITS:
        assert (
            client.put(
                "/api/v1/genebank/traits", json=trait, headers={"Authorization": f"Bearer {viewer}"}
            ).status_code
            == 403
        )
        response = client.put("/api/v1/genebank/traits", json=trait, headers=auth)
        assert response.status_code == 200, response.text
    listed = client.get("/api/v1/genebank/traits").json()
    assert [t["code"] for t in listed["items"]] == ["DRT", "DTH"] and listed["next"] is None
    refused = client.post(
        "/api/v1/genebank/observations",
        headers=auth,
        files={"file": ("o.csv", BAD.encode(), "text/csv")},
    )
    assert refused.status_code == 422
    assert {(i["line"], i["column"]) for i in refused.json()["issues"]} == {
        (6, "VALUE"),
        (7, "ACCENUMB"),
    }
    assert _count(loaded_registry) == 0  # all or nothing
    done = client.post(
        "/api/v1/genebank/observations",
        headers=auth,
        files={"file": ("o.xlsx", _xlsx(GOOD), "application/octet-stream")},
    )
    assert done.status_code == 200 and done.json() == {"inserted": 4, "unchanged": 0}
    again = client.post(
        "/api/v1/genebank/observations",
        headers=auth,
        files={"file": ("o.csv", GOOD.encode(), "text/csv")},
    )
    assert again.json() == {"inserted": 0, "unchanged": 4}
    broken = client.post(
        "/api/v1/genebank/observations",
        headers=auth,
        files={"file": ("o.xlsx", b"PK not a workbook", "x")},
    )
    assert broken.status_code == 422
    exported = client.get("/api/v1/genebank/observations", headers=auth).text
    assert exported.splitlines()[0] == HEADER.strip()
    assert "KAZ900,DEMO-0001,DTH,104,2024-06-20,Astana,rainfed,A. B." in exported
    found = client.get(
        "/api/v1/genebank/trait-search", params={"where": ["DRT>=7", "DTH<=110"]}, headers=auth
    ).json()
    assert [a["accenumb"] for a in found["accessions"]] == ["DEMO-0001"]
    both = client.get(
        "/api/v1/genebank/trait-search", params={"where": "DRT>=7"}, headers=auth
    ).json()
    assert both["total"] == 2
    assert (
        client.get(
            "/api/v1/genebank/trait-search",
            params={"where": "DRT>=7", "country": "UZB"},
            headers=auth,
        ).json()["total"]
        == 0
    )
    assert (
        client.get("/api/v1/genebank/trait-search", params={"where": "XYZ>=1"}).status_code == 404
    )
    assert client.get("/api/v1/genebank/trait-search", params={"where": "DRT~1"}).status_code == 422


def test_pages_define_import_and_search(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    with transaction(loaded_registry) as session:
        demo.load(session, cli_principal())
    _uid, token = make_user(loaded_registry, "curator@iofs.example", "genebank_curator")
    auth = {"Authorization": f"Bearer {token}"}
    for trait in TRAITS:
        form = {k: str(v) for k, v in trait.items()}
        response = client.post("/genebank/traits", data=form, headers=auth, follow_redirects=False)
        assert response.status_code == 303
    wrong = client.post(
        "/genebank/traits?lang=fr",
        data={"code": "X", "name": "X", "scale": "ordinal"},
        headers=auth,
    )
    assert wrong.status_code == 422 and 'role="alert"' in wrong.text
    page = client.get("/genebank/traits?lang=en", headers=auth)
    assert 'data-trait="DTH"' in page.text and 'id="observations-form"' in page.text
    assert 'id="observations-form"' not in client.get("/genebank/traits").text
    rejected = client.post(
        "/genebank/traits/observations?lang=en",
        headers=auth,
        files={"file": ("o.csv", BAD.encode(), "text/csv")},
    )
    assert rejected.status_code == 422
    assert 'data-line="6"' in rejected.text and 'data-line="7"' in rejected.text
    imported = client.post(
        "/genebank/traits/observations?lang=en",
        headers=auth,
        files={"file": ("o.csv", GOOD.encode(), "text/csv")},
    )
    assert imported.status_code == 200 and "4 observations added" in imported.text
    search = client.get(
        "/genebank", params={"traits": "DRT>=7, DTH<=110", "lang": "en"}, headers=auth
    )
    assert search.status_code == 200
    assert "DEMO-0001" in search.text and "DEMO-0002</a>" not in search.text
    bad = client.get("/genebank", params={"traits": "DRT ~ 7", "lang": "ar"})
    assert bad.status_code == 200 and 'id="trait-error"' in bad.text


def test_cli_import_exit_2_names_rows(
    loaded_registry: sessionmaker[Session],
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with transaction(loaded_registry) as session:
        demo.load(session, cli_principal())
    monkeypatch.setenv("IOFS_DATABASE_URL", database_url)
    monkeypatch.setenv("IOFS_DATA_DIR", str(tmp_path / "var"))
    runner = CliRunner()
    for trait in TRAITS:
        args = [
            "genebank",
            "traits",
            "define",
            str(trait["code"]),
            "--name",
            str(trait["name"]),
            "--scale",
            str(trait["scale"]),
        ]
        if "minimum" in trait:
            args += ["--min", str(trait["minimum"]), "--max", str(trait["maximum"])]
        if "categories" in trait:
            args += ["--codes", str(trait["categories"])]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    bad, good = tmp_path / "bad.csv", tmp_path / "good.xlsx"
    bad.write_text(BAD, encoding="utf-8")
    good.write_bytes(_xlsx(GOOD))
    result = runner.invoke(app, ["genebank", "traits", "import", str(bad)])
    assert result.exit_code == 2
    assert "line 6, VALUE" in result.output and "line 7, ACCENUMB" in result.output
    assert _count(loaded_registry) == 0
    result = runner.invoke(app, ["genebank", "traits", "import", str(good)])
    assert result.exit_code == 0 and "4 observations added" in result.output
    result = runner.invoke(
        app, ["genebank", "traits", "search", "DRT>=7", "DTH<=110", "--format", "json"]
    )
    assert result.exit_code == 0 and '"DEMO-0001"' in result.output
    assert "DEMO-0002" not in result.output
    out = tmp_path / "obs.csv"
    assert runner.invoke(app, ["genebank", "traits", "export", "--out", str(out)]).exit_code == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 5
    assert runner.invoke(app, ["genebank", "traits", "search", "NOPE>=1"]).exit_code == 2
