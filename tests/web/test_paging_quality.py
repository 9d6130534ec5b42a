"""The gene bank's "to fix" list (/genebank/quality), keyset-paged with a check filter."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from iofs.accounts.service import cli_principal
from iofs.cli import app
from iofs.db import transaction
from iofs.genebank import service
from tests.conftest import make_user
from tests.genebank.test_genebank_store import cli_env, write_passport  # noqa: F401 - fixture

ROW = re.compile(r'<tr data-check="([a-z_]+)"><td><a href="/genebank/accessions/(\d+)">')
NEXT = re.compile(r'<a class="pager-next" rel="next" href="([^"]+)"')


def _walk(client: TestClient, url: str, token: str) -> tuple[list[tuple[str, int]], list[str]]:
    """Every (check, accession id) row shown from ``url`` on, following "Next"; the URLs."""
    shown: list[tuple[str, int]] = []
    urls = []
    while url:
        urls.append(url)
        page = client.get(url, headers={"Authorization": f"Bearer {token}"})
        assert page.status_code == 200, url
        shown += [(check, int(i)) for check, i in ROW.findall(page.text)]
        found = NEXT.search(page.text)
        url = found.group(1).replace("&amp;", "&") if found else ""
    return shown, urls


def test_the_to_fix_list_is_paged_once_through_and_keeps_its_check_filter(
    cli_env: CliRunner,  # noqa: F811
    tmp_path: Path,
    client: TestClient,
    loaded_registry: sessionmaker[Session],
) -> None:
    # 130 thin passports (each below PDCI 5), every fourth at an impossible elevation.
    records = [
        {
            "INSTCODE": "KAZ015",
            "ACCENUMB": f"Q-{i:04d}",
            "GENUS": "Triticum",
            **({"ELEVATION": "9999"} if i % 4 == 0 else {}),
        }
        for i in range(130)
    ]
    result = cli_env.invoke(
        app, ["genebank", "import", str(write_passport(tmp_path / "p.csv", records))]
    )
    assert result.exit_code == 0, result.output
    with loaded_registry() as session:
        expected = [
            (f.check, f.accession_id) for f in service.plausibility(session, cli_principal())
        ]
    assert sum(c == "low_pdci" for c, _ in expected) == 130
    assert sum(c == "elevation" for c, _ in expected) == 33
    _uid, token = make_user(loaded_registry, "curator@quality.example", "genebank_curator")

    shown, urls = _walk(client, "/genebank/quality?lang=en", token)
    assert shown == expected  # every finding once, in the list's order
    assert len(urls) == 4  # 163 findings, 50 a page

    elevation, urls = _walk(client, "/genebank/quality?check=elevation&lang=en", token)
    assert elevation == [row for row in expected if row[0] == "elevation"]
    assert len(urls) == 1 and "check=elevation" in urls[0]
    low, urls = _walk(client, "/genebank/quality?check=low_pdci", token)
    assert len(low) == 130 and all("check=low_pdci" in u for u in urls)

    headers = {"Authorization": f"Bearer {token}"}
    second = urls[1]
    assert client.get(second + "0", headers=headers).status_code == 400  # a tampered cursor
    assert client.get("/genebank/quality?check=nonsense", headers=headers).status_code == 422
    assert client.get(second).status_code in (303, 401, 403)  # page 2 is curators' too


def test_the_to_fix_list_is_kept_until_an_accession_is_written(
    cli_env: CliRunner,  # noqa: F811
    tmp_path: Path,
    loaded_registry: sessionmaker[Session],
) -> None:
    records = [{"INSTCODE": "KAZ015", "ACCENUMB": f"K-{i}", "GENUS": "Hordeum"} for i in range(3)]
    result = cli_env.invoke(
        app, ["genebank", "import", str(write_passport(tmp_path / "p.csv", records))]
    )
    assert result.exit_code == 0, result.output
    curator = cli_principal()
    with loaded_registry() as session:
        first = service.plausibility(session, curator)
        assert service.plausibility(session, curator) is first  # kept, not computed again
        assert not [f for f in first if f.check == "elevation"]
        accession = first[0].accession_id
    with transaction(loaded_registry) as session:  # an audited edit of one passport
        service.edit_passport(session, curator, accession, {"ELEVATION": "9999"})
    with loaded_registry() as session:
        again = service.plausibility(session, curator)
    assert again is not first
    assert [f.accession_id for f in again if f.check == "elevation"] == [accession]
