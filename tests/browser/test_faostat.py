"""Food statistics in the browser: the comparison map coloured by the chosen indicator from
the real FAOSTAT Food Balances file, the ranked table, and a country profile."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from iofs.config import Settings
from iofs.monitor.faostat.ingest import ingest

pytestmark = pytest.mark.browser

MACRO = "faostat/FAOSTAT_FBS_2010-2022_macro_supply_all_countries.csv"


@pytest.fixture(scope="module")
def food_balances(live_settings: Settings, shared_data: Path) -> None:
    source = shared_data / MACRO
    if not source.exists():
        pytest.skip(f"real FAOSTAT Food Balances file not present at {source}")
    ingest([source], live_settings.analytics_dir)


def test_compare_map_and_table(page: Any, food_balances: None) -> None:
    page.goto("/faostat?indicator=dietary_energy_supply&year=2020&lang=en")
    page.wait_for_selector("#oic-map[data-drawn]", timeout=20_000)
    coloured = page.locator("#oic-map path.oic-state[class*='cat-q']")
    assert coloured.count() >= 40  # states with a 2020 value, in five classes
    classes = {
        page.locator("#oic-map path.oic-state").nth(i).get_attribute("class")
        for i in range(page.locator("#oic-map path.oic-state").count())
    }
    assert any("cat-q1" in (c or "") for c in classes)
    assert any("cat-q5" in (c or "") for c in classes)
    rows = page.locator("table.figures tbody tr")
    assert rows.count() >= 40
    assert "kcal" in rows.first.inner_text()
    page.locator("#oic-map path[data-iso3=EGY]").click()
    page.wait_for_url("**/faostat/EGY")
    assert page.locator("svg").count() >= 1
    assert "Dietary energy supply" in page.inner_text("main")
