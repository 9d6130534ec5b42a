"""Programmes in the browser: the Gaza appeal page, entry by a focal point and the
secretariat, approval by a second person, and the figures changing only then."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from iofs.accounts.service import cli_principal
from iofs.config import Settings
from iofs.db import make_engine, make_session_factory, transaction
from iofs.programmes import demo, pipeline
from tests.browser.test_accounts import sign_in_as

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def programme_demo(live_settings: Settings) -> None:
    engine = make_engine(live_settings.resolved_database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            demo.load(session, cli_principal())
            pipeline.put_consignment(
                session,
                cli_principal(),
                {
                    "reference": "F4H-GAZA-P2",
                    "appeal": "F4H-GAZA",
                    "country": "PSE",
                    "commodity": "wheat flour",
                    "origin": "Kazakhstan",
                    "destination": "Gaza Strip",
                },
            )
    finally:
        engine.dispose()


def _sign_out(page: Any, live_server: Any) -> None:
    page.click("form.signout button")
    page.wait_for_url(live_server.url + "/")


def test_appeal_page_shows_delivery_donors_and_flows(page: Any, programme_demo: None) -> None:
    page.goto("/programmes?lang=en")
    page.click('text="Flour for Humanity" Gaza Emergency Appeal')
    page.wait_for_url("**/programmes/appeals/F4H-GAZA")
    assert "200 t of 1,000 t of wheat flour delivered" in page.inner_text("#tonnes-delivered")
    donors = page.inner_text("#donors")
    for name in ("Kazakhstan", "Tajikistan", "Bangladesh", "Azerbaijan"):
        assert name in donors
    assert "Implementing partner" not in donors  # an allocation, not a donor
    assert page.locator("svg.flow-diagram path").count() >= 4
    assert "8,000" in page.inner_text("#households")
    assert page.locator(".warning.illustrative").count() == 1
    page.goto("/programmes/appeals/F4H-GAZA?lang=ar")
    assert page.get_attribute("html", "dir") == "rtl"


def test_entry_and_approval_by_a_second_person(
    page: Any, live_server: Any, programme_demo: None
) -> None:
    # a focal point for Palestine records a distribution; it is not counted yet
    sign_in_as(page, "focal.pse@iofs.example")
    page.goto("/programmes/entry?lang=en")
    assert page.locator("#contribution-form").count() == 0  # only the secretariat
    form = page.locator("#stage-form")
    form.locator("select[name=consignment]").select_option("F4H-GAZA-P2")
    form.locator("select[name=stage]").select_option("distributed")
    form.locator("input[name=dated]").fill(date(2025, 6, 1).isoformat())
    form.locator("input[name=quantity_t]").fill("150")
    form.locator("input[name=document]").fill("DR-2025-06-01")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/programmes/entry?recorded=F4H-GAZA-P2")
    assert "counts once someone else approves it" in page.inner_text(".notice")
    page.goto("/programmes/appeals/F4H-GAZA")
    assert "200 t of 1,000 t" in page.inner_text("#tonnes-delivered")
    _sign_out(page, live_server)

    # the secretariat enters a contribution (with a mistake first) and cannot approve its own
    sign_in_as(page, "secretariat@iofs.example")
    page.goto("/programmes/entry?lang=en")
    form = page.locator("#contribution-form")
    form.locator("select[name=donor]").select_option("TKM")
    form.locator("select[name=appeal]").select_option("F4H-GAZA")
    form.locator("select[name=status]").select_option("paid")
    form.locator("input[name=decided_on]").fill("2025-05-20")
    form.locator("input[name=currency]").fill("EUR")
    form.locator("input[name=amount]").fill("50000")
    form.locator("button[type=submit]").click()
    assert "exchange rate" in page.inner_text("[role=alert]")
    form = page.locator("#contribution-form")
    form.locator("input[name=exchange_rate]").fill("1.1")
    form.locator("input[name=rate_date]").fill("2025-05-20")
    form.locator("input[name=rate_source]").fill("ECB reference rate")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/programmes/entry?recorded=*")
    page.goto("/programmes/review")
    mine = page.locator("tr", has_text="55,000.00 USD")
    assert "You entered this" in mine.inner_text()
    # the distribution entered by the focal point is the secretariat's to approve
    stage_row = page.locator("tr", has_text="F4H-GAZA-P2")
    stage_row.locator("button[value=approved]").click()
    page.wait_for_url("**/programmes/review")
    _sign_out(page, live_server)

    # an administrator approves the contribution
    sign_in_as(page, "admin@iofs.example")
    page.goto("/programmes/review?lang=en")
    page.locator("tr", has_text="55,000.00 USD").locator("button[value=approved]").click()
    page.wait_for_url("**/programmes/review")
    assert page.locator("tr", has_text="55,000.00 USD").count() == 0
    _sign_out(page, live_server)

    # the public appeal page now counts both
    page.goto("/programmes/appeals/F4H-GAZA?lang=en")
    assert "350 t of 1,000 t" in page.inner_text("#tonnes-delivered")
    assert "Turkmenistan" in page.inner_text("#donors")
    assert "155,000.00" in page.inner_text("#funded")
