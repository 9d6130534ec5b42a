"""The gene bank accession search, page and GET /api/v1/genebank/accessions, keyset-paged by id."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from iofs.cli import app
from iofs.genebank.models import Accession
from tests.genebank.test_genebank_store import cli_env, write_passport  # noqa: F401 - fixture
from tests.web.api_pages import api_rows

GENERA = [("Triticum", "aestivum", "wheat"), ("Hordeum", "vulgare", "barley")]
COUNTRIES = ["KAZ", "TUR", "EGY"]


def _records(count: int) -> list[dict[str, str]]:
    return [
        {
            "INSTCODE": "KAZ015",
            "ACCENUMB": f"PG-{i:04d}",
            "GENUS": GENERA[i % 2][0],
            "SPECIES": GENERA[i % 2][1],
            "CROPNAME": GENERA[i % 2][2],
            "ORIGCTY": COUNTRIES[i % 3],
            "SAMPSTAT": "300",
            "MLSSTAT": "1",
            "AVAILABLE": "0" if i % 5 == 0 else "1",
        }
        for i in range(count)
    ]


def _import(cli_env: CliRunner, tmp_path: Path, count: int) -> None:  # noqa: F811
    result = cli_env.invoke(
        app, ["genebank", "import", str(write_passport(tmp_path / "p.csv", _records(count)))]
    )
    assert result.exit_code == 0, result.output


def _api_walk(client: TestClient, url: str) -> list[int]:
    return [a["id"] for a in api_rows(client, url, items="accessions")]


def test_api_and_page_visit_every_accession_once(
    cli_env: CliRunner,  # noqa: F811
    tmp_path: Path,
    client: TestClient,
    loaded_registry: sessionmaker[Session],
) -> None:
    _import(cli_env, tmp_path, 130)
    with loaded_registry() as session:
        rows = session.execute(select(Accession).order_by(Accession.id)).scalars().all()
        available = [a.id for a in rows if a.available]
        wheat_kaz = [
            a.id for a in rows if a.available and a.genus == "Triticum" and a.origcty == "KAZ"
        ]
    assert len(available) == 104 and 10 < len(wheat_kaz) < 30

    assert _api_walk(client, "/api/v1/genebank/accessions?limit=25") == available
    combined = _api_walk(client, "/api/v1/genebank/accessions?limit=4&genus=Triticum&country=KAZ")
    assert combined == wheat_kaz
    first = client.get("/api/v1/genebank/accessions?limit=10").json()
    assert first["total"] == 104 and len(first["accessions"]) == 10
    bad = client.get(f"/api/v1/genebank/accessions?after={first['next']}0")
    assert bad.status_code == 400 and "first page" in bad.json()["detail"]
    legacy = client.get("/api/v1/genebank/accessions?limit=10&offset=10").json()
    assert [a["id"] for a in legacy["accessions"]] == available[10:20]  # deprecated, still works

    url = "/genebank?genus=Triticum"
    shown: list[int] = []
    while url:
        page = client.get(url)
        assert page.status_code == 200
        shown += [int(i) for i in re.findall(r'<tr data-accession="(\d+)">', page.text)]
        found = re.search(r'<a class="pager-next" rel="next" href="([^"]+)"', page.text)
        url = found.group(1).replace("&amp;", "&") if found else ""
        assert not url or "genus=Triticum" in url
    assert shown == [i for i in available if i in {a.id for a in rows if a.genus == "Triticum"}]
    assert client.get("/genebank?after=nonsense").status_code == 400
