"""The labels page and API (secretariat only), and data labels on the pages that show data:
the French prices and FAOSTAT pages say "Farine de blé" where English says "Wheat flour"."""

from __future__ import annotations

import html
import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iofs.config import Settings
from iofs.db import transaction
from iofs.labels import service
from iofs.monitor.prices import ingest
from tests.conftest import ORIGIN, make_user, sign_in

HEADER = "countryiso3,date,market,commodity,unit,pricetype,currency,price\n"


def _seed(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        service.seed(session)


def _prices(path: Path) -> Path:
    lines = [HEADER]
    for year in range(2019, 2025):
        for month in range(1, 13):
            lines.append(
                f"KAZ,{year}-{month:02d}-15,Astana,Wheat flour,KG,Retail,KZT,{100 + month}\n"
            )
    path.write_text("".join(lines))
    return path


def test_prices_pages_show_the_commodity_in_the_readers_language(
    client: TestClient, settings: Settings, loaded_registry: sessionmaker[Session], tmp_path: Path
) -> None:
    _seed(loaded_registry)
    ingest.ingest_file(_prices(tmp_path / "kaz.csv"), settings.analytics_dir)
    english = html.unescape(client.get("/prices/KAZ?month=2024-12&lang=en").text)
    french = html.unescape(client.get("/prices/KAZ?month=2024-12&lang=fr").text)
    arabic = html.unescape(client.get("/prices/KAZ?month=2024-12&lang=ar").text)
    assert ">Wheat flour</a>" in english and "Farine de blé" not in english
    assert ">Farine de blé</a>" in french and ">Wheat flour</a>" not in french
    assert ">دقيق القمح</a>" in arabic
    # the commodity filter still sends the data's name
    assert '<option value="Wheat flour">Farine de blé</option>' in french


def _next(page: str) -> str:
    """The pager's "Next page" link."""
    return html.unescape(page.split('rel="next" href="', 1)[1].split('"', 1)[0])


def test_labels_page_edit_and_permissions(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    _seed(loaded_registry)
    _fp, fp_token = make_user(loaded_registry, "fp@labels.example", "focal_point", ("KAZ",))
    _uid, token = make_user(loaded_registry, "sec@labels.example", "secretariat")
    sign_in(client, "fp@labels.example")
    assert client.get("/labels").status_code == 403
    refused = client.post(
        "/labels/edit",
        data={"domain": "commodity", "code": "Rice", "language": "fr", "text": "Riz!"},
        headers={"Origin": ORIGIN},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    client.cookies.clear()
    sign_in(client, "sec@labels.example")
    page = client.get("/labels?domain=commodity&language=fr&lang=fr")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert 'id="missing-counts"' in text and 'value="Pain"' in text
    assert 'rel="next"' in text  # 147 commodities: pages of 100
    following = client.get(_next(page.text))
    assert 'value="Farine de blé"' in html.unescape(following.text)
    saved = client.post(
        "/labels/edit",
        data={
            "domain": "commodity",
            "code": "Wheat flour",
            "language": "fr",
            "text": "Farine de froment",
            "back": "domain=commodity&language=fr&next=//evil.example",
        },
        headers={"Origin": ORIGIN},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == "/labels?domain=commodity&language=fr&saved=1"
    with loaded_registry() as session:
        assert service.label("commodity", "Wheat flour", "fr", session=session) == (
            "Farine de froment"
        )
    cross_site = client.post(
        "/labels/edit",
        data={"domain": "commodity", "code": "Rice", "language": "fr", "text": "X"},
        headers={"Origin": "http://evil.example"},
    )
    assert cross_site.status_code == 403
    bad = client.post(
        "/labels/import?lang=en",
        files={"file": ("l.csv", b"domain,code,language,text\ncommodity,Rice,xx,Riz\n")},
        headers={"Origin": ORIGIN},
    )
    assert bad.status_code == 422 and "Line 2, field language" in html.unescape(bad.text)
    export = client.get("/labels/export.csv?domain=commodity&language=fr")
    assert export.status_code == 200 and "commodity,Wheat flour,fr,Farine de froment" in (
        export.text
    )
    client.cookies.clear()
    # the API: public reading, secretariat writing
    listed = client.get("/api/v1/labels?domain=mcpd.COLLSRC&language=fr").json()
    collsrc_40 = next(r for r in listed["items"] if r["code"] == "40")
    assert collsrc_40["english"].startswith("Institute")
    assert collsrc_40["text"].startswith("Institut, station")
    body = {"text": "Riz blanc"}
    anonymous = client.put(
        "/api/v1/labels/commodity/fr/Rice", json=body, headers={"Origin": ORIGIN}
    )
    assert anonymous.status_code == 401
    focal = client.put(
        "/api/v1/labels/commodity/fr/Rice",
        json=body,
        headers={"Authorization": f"Bearer {fp_token}"},
    )
    assert focal.status_code == 403
    put = client.put(
        "/api/v1/labels/commodity/fr/Rice",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert put.status_code == 200, put.text
    assert put.json()["text"] == "Riz blanc" and put.json()["english"] == "Rice"


def test_accession_code_lists_in_the_readers_language(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    from iofs.accounts.service import cli_principal
    from iofs.genebank.demo import load

    _seed(loaded_registry)
    with transaction(loaded_registry) as session:
        load(session, cli_principal())
    french = html.unescape(client.get("/genebank/accessions/1?lang=fr").text)
    passport = re.sub(r"<[^>]+>", "", french.split('class="facts passport"', 1)[1])
    assert "Oui (inclus) 1" in passport  # MLSSTAT, the code beside
    assert "Magasin de l'exploitation 26" in passport  # COLLSRC
    assert "Long terme 13" in passport  # STORAGE


def test_a_labelled_page_reads_its_labels_through_the_requests_own_connection(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    """The label filter used to open a second session per page for the labels' stamp: a
    second connection checked out, and under load a second wait for it."""
    from sqlalchemy import event

    from iofs.accounts.service import cli_principal
    from iofs.genebank.demo import load

    _seed(loaded_registry)
    with transaction(loaded_registry) as session:
        load(session, cli_principal())
    engine = client.app.state.session_factory.kw["bind"]  # type: ignore[attr-defined]
    checkouts: list[object] = []

    def counted(*_args: object) -> None:
        checkouts.append(1)

    client.get("/genebank/accessions/1?lang=fr")  # the labels' tables loaded once
    event.listen(engine, "checkout", counted)
    try:
        french = html.unescape(client.get("/genebank/accessions/1?lang=fr").text)
    finally:
        event.remove(engine, "checkout", counted)
    assert "Magasin de l'exploitation 26" in re.sub(r"<[^>]+>", "", french)
    assert len(checkouts) == 1


def test_records_with_their_own_translations_show_them(
    client: TestClient, loaded_registry: sessionmaker[Session]
) -> None:
    """A reserve system keeps its Arabic and French names in its row (localized global)."""
    from iofs.accounts.service import cli_principal
    from iofs.reserves.demo import load

    with transaction(loaded_registry) as session:
        load(session, cli_principal())
    arabic = html.unescape(client.get("/reserves/systems/IOFS-HUM?lang=ar").text)
    english = html.unescape(client.get("/reserves/systems/IOFS-HUM?lang=en").text)
    assert "<h1>الاحتياطي الإنساني للمنظمة الإسلامية للأمن الغذائي" in arabic
    assert "<h1>IOFS humanitarian reserve" in english
