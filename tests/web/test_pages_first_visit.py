"""A first visit works: on a fresh store every item of the main navigation answers 200 (an empty
state saying what to load and how where a module has no data yet), and after ``iofs demo load``
too; a country page answers 200 for every OIC state and 404 for a code that is not one."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iofs.config import Settings
from iofs.modules import navigation
from tests.conftest import make_user


def _navigation_statuses(client: TestClient) -> dict[str, int]:
    return {entry.path: client.get(entry.path).status_code for entry in navigation()}


def test_fresh_store_every_navigation_item_answers_200(client: TestClient) -> None:
    statuses = _navigation_statuses(client)
    assert len(statuses) >= 10
    assert {path: code for path, code in statuses.items() if code != 200} == {}


def test_prices_before_any_ingest_say_what_to_load(client: TestClient) -> None:
    for language, words in (("en", "iofs ingest prices"), ("fr", "iofs ingest prices")):
        page = client.get(f"/prices?lang={language}")
        assert page.status_code == 200
        assert 'id="empty-state"' in page.text
        assert words in page.text and "iofs demo load" in page.text
    assert client.get("/prices/KAZ").status_code == 200
    missing = client.get("/prices/XXX")
    assert missing.status_code == 404
    assert "XXX" in missing.text


@pytest.mark.parametrize("path", ["/drought/KAZ", "/drought/YEM"])
def test_drought_country_of_the_map_answers_200_before_any_data(
    client: TestClient, path: str
) -> None:
    page = client.get(path)
    assert page.status_code == 200
    assert "iofs drought spi" in page.text


def test_drought_country_that_is_not_a_member_is_404(client: TestClient) -> None:
    assert client.get("/drought/XXX").status_code == 404


def test_after_demo_load_every_navigation_item_answers_200(
    client: TestClient, settings: Settings, loaded_registry: sessionmaker[Session]
) -> None:
    from iofs.accounts.service import cli_principal
    from iofs.db import transaction
    from iofs.demo import load_all, load_files

    with transaction(loaded_registry) as session:
        load_all(session, cli_principal())
    first = load_files(settings)
    assert [name for name, _summary in first] == ["prices", "faostat", "drought"]
    assert load_files(settings) == first  # idempotent: the same counts again
    statuses = _navigation_statuses(client)
    assert {path: code for path, code in statuses.items() if code != 200} == {}
    for path in ("/prices", "/prices/KAZ", "/drought", "/drought/KAZ", "/faostat", "/faostat/KAZ"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert 'id="empty-state"' not in page.text, path
        assert 'id="illustrative-data"' in page.text, path
    assert "Astana (illustrative)" in client.get("/prices/KAZ").text


def test_demo_load_from_shared_uses_the_real_files(
    settings: Settings, shared_data: Path, client: TestClient
) -> None:
    from iofs.demo import load_files

    if not (shared_data / "wfp/country/wfp_food_prices_pse.csv").is_file():
        pytest.skip(f"no WFP price files under {shared_data}")
    done = dict(load_files(settings, shared_data))
    assert "real WFP files" in done["prices"] and "AFG" in done["prices"]
    assert "real FAOSTAT files" in done["faostat"]
    page = client.get("/prices")
    assert page.status_code == 200 and 'data-country="AFG"' in page.text
    assert 'id="illustrative-data"' not in page.text


def test_serve_start_up_says_how_to_create_the_first_admin(
    settings: Settings,
    loaded_registry: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from iofs import cli

    monkeypatch.setenv("IOFS_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("IOFS_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("IOFS_SECRET_KEY", settings.secret_key or "")
    cli._print_first_steps()
    assert "iofs users create --email you@example.org --role admin" in capsys.readouterr().out
    make_user(loaded_registry, "root@first.example", "admin")
    cli._print_first_steps()
    assert capsys.readouterr().out == ""


def test_titles_name_the_country_not_its_code(
    client: TestClient, settings: Settings, loaded_registry: sessionmaker[Session]
) -> None:
    from iofs.demo import load_files

    load_files(settings)
    for path, english, french in (
        ("/prices/KAZ", "Food prices — Kazakhstan", "Prix alimentaires — Kazakhstan"),
        ("/drought/KAZ", "Drought — Kazakhstan", "Sécheresse — Kazakhstan"),
    ):
        page = client.get(f"{path}?lang=en").text
        assert f"<title>{english}" in page, path
        assert "<title>Food prices KAZ" not in page and "<title>Drought — KAZ" not in page
        assert f"<title>{french}" in client.get(f"{path}?lang=fr").text, path
    from iofs.accounts.service import cli_principal
    from iofs.countries import name
    from iofs.db import transaction
    from iofs.programmes import demo

    with transaction(loaded_registry) as session:
        demo.load(session, cli_principal())
    page = client.get("/programmes/countries/PSE?lang=en").text
    assert f"<title>{name('PSE')} — Programmes" in page and "<title>PSE —" not in page
