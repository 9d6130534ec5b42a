"""The home page, the language switch, a country page and the map, in real Chromium."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


def test_home_map_draws_57_member_shapes(page: Any) -> None:
    page.goto("/")
    page.wait_for_selector("#oic-map[data-drawn]", timeout=20_000)
    assert page.locator("#oic-map path.oic-state").count() == 57
    assert page.get_attribute("#oic-map", "data-drawn") == "57"
    # non-OIC countries are drawn too, in the neutral colour
    assert page.locator("#oic-map path.country:not(.oic-state)").count() > 100


def test_switch_to_arabic_then_open_a_country(page: Any) -> None:
    page.goto("/")
    assert page.get_attribute("html", "dir") == "ltr"
    page.click("nav.languages a[hreflang=ar]")
    page.wait_for_load_state()
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.get_attribute("html", "lang") == "ar"
    page.click("nav[aria-label] a[href='/members']")
    page.wait_for_load_state()
    assert page.get_attribute("html", "dir") == "rtl"  # remembered in the cookie
    page.click("tr[data-iso3=KAZ] a")
    page.wait_for_url("**/members/KAZ")
    assert "كازاخستان" in page.inner_text("h1")
    page.wait_for_selector("#oic-map[data-drawn]", timeout=20_000)
    assert page.locator("#oic-map path.highlight").get_attribute("data-iso3") == "KAZ"


def test_member_filter_updates_the_table(page: Any) -> None:
    page.goto("/members?lang=en")
    assert page.locator("#member-table tbody tr").count() == 57
    page.select_option("select[name=group]", "african")
    page.wait_for_url("**group=african**", timeout=10_000)
    rows = page.locator("#member-table tbody tr")
    rows.nth(40).wait_for(state="detached", timeout=10_000)
    assert 0 < rows.count() < 57
    assert "group=african" in page.url


def test_clicking_a_map_shape_opens_the_country(page: Any) -> None:
    page.goto("/")
    page.wait_for_selector("#oic-map[data-drawn]", timeout=20_000)
    page.locator("#oic-map path[data-iso3=KAZ]").click()
    page.wait_for_url("**/members/KAZ")
    assert "Kazakhstan" in page.inner_text("h1")
