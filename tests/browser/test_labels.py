"""The labels page in a browser: the secretariat edits a translation inline and sees it saved;
the page fits 390 px and 1366 px in Arabic, English and French."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.test_accounts import sign_in_as

pytestmark = pytest.mark.browser

WIDTH = "() => ({page: document.documentElement.scrollWidth, width: window.innerWidth})"


def test_secretariat_edits_a_label_and_the_page_fits(page: Any) -> None:
    sign_in_as(page, "secretariat@iofs.example")
    page.goto("/admin/users?lang=en")
    page.click("#labels-link")
    page.wait_for_selector("#missing-counts")
    page.goto("/labels?domain=commodity&language=fr&lang=en")
    row = page.locator("#labels tbody tr[data-code='Bulgur']")
    assert row.locator("input[name=text]").input_value() == "Boulgour"
    row.locator("input[name=text]").fill("Boulgour (blé concassé)")
    row.locator("button[type=submit]").click()
    page.wait_for_selector("#label-saved")
    assert "domain=commodity" in page.url and "language=fr" in page.url
    saved = page.locator("#labels tbody tr[data-code='Bulgur'] input[name=text]")
    assert saved.input_value() == "Boulgour (blé concassé)"
    problems = []
    for width in (390, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        for language in ("ar", "en", "fr"):
            page.goto(f"/labels?domain=commodity&language=fr&lang={language}")
            size = page.evaluate(WIDTH)
            if size["page"] > size["width"] + 1:
                problems.append(f"{language} at {width} px: {size['page']} px wide")
    assert not problems, problems
