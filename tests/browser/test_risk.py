"""The food-security risk index in the browser: /risk ranks the 57 with drivers and draws
the map by class; clicking a state opens its decomposition, read from the page."""

from __future__ import annotations

from typing import Any

import pytest

from iofs.config import Settings
from iofs.monitor.risk import demo, index, service

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def risk_inputs(live_settings: Settings) -> None:
    states = sorted(index.oic_states())
    service.store_observations(
        demo.illustrative_observations(states), live_settings.analytics_dir, demo.DEMO_FILE
    )
    index.update(live_settings)


def test_ranking_map_and_decomposition(page: Any, risk_inputs: None) -> None:
    page.goto("/risk?lang=en")
    rows = page.locator("table.ranking tbody tr")
    assert rows.count() == 57
    first = rows.first
    assert first.locator("td").nth(0).inner_text() == "1"
    name = first.locator("td a").inner_text()
    drivers = first.locator("td").nth(7).inner_text()
    assert drivers and drivers != "insufficient data"
    page.wait_for_selector("#oic-map[data-drawn]", timeout=20_000)
    assert page.locator("#oic-map path.oic-state[class*='cat-q']").count() >= 40
    assert page.locator("table.watchlist tbody tr").count() >= 1
    first.locator("td a").click()
    page.wait_for_url("**/risk/*")
    assert page.locator("h1").inner_text().startswith(name)
    table = page.locator("#decomposition")
    assert table.locator("tr[data-node='IOFS RISK']").count() == 1
    drought = table.locator("tr[data-input='drought_severe_area']")
    assert "Illustrative demo input" in drought.inner_text()
    assert table.locator("tr.input").count() == 10
    headline = page.locator("#risk-value").inner_text()
    value = float(headline.split("Risk")[1].split("/")[0])
    score = table.locator("tr[data-node='IOFS RISK'] td").first.inner_text()
    assert float(score) == value
    assert page.locator("figure.chart svg").count() == 1


def test_arabic_page_is_right_to_left(page: Any, risk_inputs: None) -> None:
    page.goto("/risk?lang=ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert "مخاطر الأمن الغذائي" in page.locator("h1").inner_text()
