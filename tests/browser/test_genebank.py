"""Gene bank in the browser: search with facets, an accession page, a distribution."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from iofs.config import Settings
from iofs.db import make_engine, make_session_factory, transaction
from tests.browser.test_accounts import sign_in_as
from tests.genebank.test_genebank_store import RECORDS, write_passport

pytestmark = pytest.mark.browser


def _seeds(lot: Any) -> int:
    """The lot's seed count as the page writes it in the reader's language ("2,000")."""
    return int(re.sub(r"\D", "", lot.locator(".seed-count").inner_text()))


@pytest.fixture(scope="module")
def genebank_data(
    live_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, int]:
    from sqlalchemy import select

    from iofs.accounts.service import cli_principal
    from iofs.genebank import mcpd, service
    from iofs.genebank.models import Accession, Lot

    path: Path = write_passport(tmp_path_factory.mktemp("gb") / "p.csv", RECORDS)
    engine = make_engine(live_settings.resolved_database_url)
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        service.import_passport(session, cli_principal(), mcpd.validate_file(path))
        wheat = session.execute(
            select(Accession).where(Accession.accenumb == "KZ-0001")
        ).scalar_one()
        # The fixture is module-scoped and shared with other browser modules on one live
        # server: a second module finds the lot already there.
        lot = session.execute(
            select(Lot).where(Lot.accession_id == wheat.id, Lot.lot_number == "L-2019-1")
        ).scalar_one_or_none()
        if lot is None:
            lot, _warnings = service.create_lot(
                session,
                cli_principal(),
                wheat.id,
                service.LotIn(
                    lot_number="L-2019-1",
                    collection="active",
                    storage_temperature_c=5,
                    moisture_content_pct=6,
                    seed_count=2000,
                    origin="acquisition",
                    stored_on=date(2019, 9, 1),
                    reference_sample_seeds=50,
                ),
            )
            service.record_germination_test(
                session, cli_principal(), lot.id, date(2019, 9, 10), "50;50;50;50", "48;49;47;48"
            )
        ids = {"wheat": wheat.id, "lot": lot.id}
    engine.dispose()
    return ids


def test_public_search_and_accession_page(page: Any, genebank_data: dict[str, int]) -> None:
    page.goto("/genebank?lang=en")
    page.fill("#genebank-search input[name=q]", "Triticum")
    page.click("#genebank-search button[type=submit]")
    page.wait_for_url("**/genebank?q=Triticum*")
    rows = page.locator("table.accessions tbody tr")
    assert rows.count() == 1 and "KZ-0001" in rows.inner_text()
    page.goto("/genebank?lang=en")
    assert "KZ-0002" not in page.locator("table.accessions").inner_text()  # not available
    page.locator("section.facet[data-facet=genus] a", has_text="Cicer").click()
    page.wait_for_url("**genus=Cicer*")
    assert "KZ-0003" in page.locator("table.accessions").inner_text()
    # collecting sites are drawn on the world map and open their accession
    page.goto("/genebank?q=Triticum&lang=en")
    page.wait_for_selector("#oic-map[data-drawn]", timeout=20_000)
    assert page.get_attribute("#oic-map", "data-sites") == "1"
    assert "KZ-0001" in (page.locator("#oic-map circle.site title").text_content() or "")
    page.locator("#oic-map circle.site").click()
    page.wait_for_url(f"**/genebank/accessions/{genebank_data['wheat']}")
    page.goto("/genebank?lang=en")
    page.click("table.accessions a:has-text('KZ-0001')")
    page.wait_for_url(f"**/genebank/accessions/{genebank_data['wheat']}")
    passport = page.locator("dl.passport").inner_text()
    assert "511648N" in passport and "Triticum" in passport
    assert page.locator("#lots").count() == 0  # lots are for the curators


def test_curator_ships_a_sample_and_stock_goes_down(
    page: Any, live_server: Any, genebank_data: dict[str, int]
) -> None:
    sign_in_as(page, "curator@iofs.example")
    page.goto(f"/genebank/accessions/{genebank_data['wheat']}?lang=en")
    lot = page.locator(f"article.lot[data-lot='{genebank_data['lot']}']")
    assert _seeds(lot) == 2000
    lot.locator("details:has(form.distribution-form) > summary").click()  # closed by default
    form = lot.locator("form.distribution-form")
    form.locator("input[name=recipient_name]").fill("Dr A. Researcher")
    form.locator("input[name=recipient_organisation]").fill("Tashkent breeding station")
    form.locator("input[name=recipient_country]").fill("UZB")
    form.locator("select[name=purpose]").select_option("breeding")
    form.locator("input[name=mta_identifier]").fill("SMTA-KAZ015-2025-7")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**#distributions")
    shipped = page.locator("table.distributions tbody").inner_text()
    assert "SMTA-KAZ015-2025-7" in shipped and "Dr A. Researcher" in shipped
    # 50 viable seeds at 96 % germination: ceil(50 / 0.96) = 53 seeds sent
    assert "53" in shipped
    lot = page.locator(f"article.lot[data-lot='{genebank_data['lot']}']")
    assert _seeds(lot) == 2000 - 53
    page.goto("/genebank/curator?lang=en")
    assert page.locator("h1").inner_text() == "Curator dashboard"


def test_curator_takes_a_request_through_order_and_shipment(
    page: Any, live_server: Any, genebank_data: dict[str, int]
) -> None:
    sign_in_as(page, "curator@iofs.example")
    page.goto(f"/genebank/accessions/{genebank_data['wheat']}?lang=en")
    before = _seeds(page.locator(f"article.lot[data-lot='{genebank_data['lot']}']"))
    page.locator("details:has(form.request-form) > summary").click()  # closed by default
    form = page.locator("form.request-form")
    form.locator("input[name=recipient_name]").fill("Dr C. Requester")
    form.locator("input[name=recipient_country]").fill("TUR")
    form.locator("select[name=purpose]").select_option("research")
    form.locator("input[name=seeds]").fill("40")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**#distributions")
    row = page.locator("table.distributions tr", has_text="Dr C. Requester")
    assert row.locator(".status").inner_text() == "requested"
    row.locator("form.order-form input[name=mta_identifier]").fill("SMTA-KAZ015-2025-9")
    row.locator("form.order-form button[type=submit]").click()
    page.wait_for_url("**#distributions")
    row = page.locator("table.distributions tr", has_text="Dr C. Requester")
    assert row.locator(".status").inner_text() == "ordered"
    lot = page.locator(f"article.lot[data-lot='{genebank_data['lot']}']")
    assert _seeds(lot) == before  # ordered, not yet sent
    row.locator("form.ship-form button[type=submit]").click()
    page.wait_for_url("**#distributions")
    row = page.locator("table.distributions tr", has_text="Dr C. Requester")
    assert row.locator(".status").inner_text() == "shipped"
    lot = page.locator(f"article.lot[data-lot='{genebank_data['lot']}']")
    assert _seeds(lot) == before - 40
