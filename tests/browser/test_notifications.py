"""The subscription page on a 390 px phone in Arabic: choose states by name, save, see it kept."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

WIDTH = """() => ({page: document.documentElement.scrollWidth, width: window.innerWidth,
  dir: document.documentElement.getAttribute('dir')})"""


def test_subscribing_on_a_phone_in_arabic(page: Any) -> None:
    page.goto("/signin?lang=ar")
    page.fill("input[name=email]", "curator@iofs.example")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_selector("nav.account .who")
    # on a phone the account links fold into the menu: sign in first, then narrow the window
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto("/notifications?lang=ar")
    layout = page.evaluate(WIDTH)
    assert layout["dir"] == "rtl"
    assert layout["page"] <= layout["width"] + 1, layout
    assert page.locator("h1").inner_text() == "إشعارات البريد الإلكتروني"

    prices = page.locator("#topic-price_alerts")
    prices.locator("input[name=topic]").check()
    prices.locator("select[name='frequency-price_alerts']").select_option("weekly")
    # states are chosen by their Arabic names
    prices.locator("select[name='states-price_alerts']").select_option(label=["أفغانستان", "اليمن"])
    page.locator("#topic-risk_watchlist input[name=topic]").check()
    page.click("form.notification-topics button[type=submit]")
    page.wait_for_selector("p.notice")
    assert "حُفظت اشتراكاتك" in page.locator("p.notice").inner_text()

    page.goto("/notifications?lang=ar")
    assert page.locator("#topic-price_alerts input[name=topic]").is_checked()
    assert page.locator("#topic-risk_watchlist input[name=topic]").is_checked()
    assert not page.locator("#topic-review_queue input[name=topic]").is_checked()
    chosen = page.eval_on_selector_all(
        "select[name='states-price_alerts'] option:checked", "els => els.map(e => e.value)"
    )
    assert sorted(chosen) == ["AFG", "YEM"]
    assert page.locator("select[name='frequency-price_alerts']").input_value() == "weekly"
    assert page.locator("table.sent-mail").is_visible()
    layout = page.evaluate(WIDTH)
    assert layout["page"] <= layout["width"] + 1, layout


def test_the_sent_mail_log_fits_a_phone_in_french(page: Any) -> None:
    page.goto("/signin?lang=fr")
    page.fill("input[name=email]", "secretariat@iofs.example")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_selector("nav.account .who")
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/notifications?lang=fr", "/notifications/log?lang=fr"):
        page.goto(path)
        layout = page.evaluate(WIDTH)
        assert layout["page"] <= layout["width"] + 1, (path, layout)
    assert page.locator("h1").inner_text() == "Journal des courriels envoyés"
