"""Sign in, enter a national figure as a focal point, publish it as the secretariat."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def sign_in_as(page: Any, email: str) -> None:
    page.goto("/signin?lang=en")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_selector("nav.account .who")


def test_focal_point_enters_and_secretariat_publishes(
    page: Any, browser: Any, live_server: Any
) -> None:
    sign_in_as(page, "focal.kaz@iofs.example")
    page.goto("/members/EGY")
    assert page.locator("#figure-form").count() == 0  # not his state
    page.goto("/members/KAZ")
    page.select_option("#figure-form select[name=indicator]", "strategic_grain_reserve")
    page.fill("#figure-form input[name=year]", "2025")
    page.fill("#figure-form input[name=value]", "2500000")
    page.fill("#figure-form input[name=source]", "Ministry of Agriculture (illustrative)")
    page.click("#figure-form button[type=submit]")
    page.wait_for_url("**/members/KAZ#figures")
    row = page.locator("table.figures tbody tr").filter(has_text="2025")
    assert "2,500,000" in row.inner_text() and "not published" in row.inner_text()
    page.click("form.signout button")
    page.wait_for_url(live_server.url + "/")

    # the public does not see it yet
    page.goto("/members/KAZ")
    assert page.locator("table.figures").inner_text().count("2,500,000") == 0

    sign_in_as(page, "secretariat@iofs.example")
    page.goto("/members/KAZ")
    page.locator("table.figures tbody tr").filter(has_text="2025").locator(
        "button", has_text="Publish"
    ).click()
    page.wait_for_url("**/members/KAZ#figures")
    page.click("form.signout button")
    page.wait_for_url(live_server.url + "/")
    page.goto("/members/KAZ")
    assert "2,500,000" in page.locator("table.figures").inner_text()


def test_wrong_password_is_refused_in_the_browser(page: Any) -> None:
    page.goto("/signin?lang=fr")
    page.fill("input[name=email]", "viewer@iofs.example")
    page.fill("input[name=password]", "not the password")
    page.click("form.stacked button[type=submit]")
    page.wait_for_selector(".alert")
    assert "Échec de la connexion" in page.inner_text(".alert")


def test_protected_page_redirects_to_sign_in_and_back(page: Any) -> None:
    page.goto("/audit?lang=en")
    page.wait_for_url("**/signin?next=*")
    page.fill("input[name=email]", "admin@iofs.example")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url("**/audit?*")
    assert page.locator("h1").inner_text() == "Audit log"
