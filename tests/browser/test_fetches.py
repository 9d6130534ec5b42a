"""/data/fetches in the browser: fits 390 px and 1366 px in Arabic (right to left), French
and English, with a long failure sentence in its table."""

from __future__ import annotations

from typing import Any

import pytest

from iofs.config import Settings
from iofs.db import make_engine, make_session_factory
from iofs.fetching.runs import Source, record_failure
from tests.browser.test_accounts import sign_in_as

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def recorded_runs(live_settings: Settings) -> None:
    engine = make_engine(live_settings.resolved_database_url)
    factory = make_session_factory(engine)
    url = (
        "https://data.humdata.org/dataset/wfp-food-prices-for-afghanistan/resource/"
        "0f2ef8c4-353f-4af1-af97-9e48562ad5b1/download/wfp_food_prices_afg.csv"
    )
    for iso3 in ("AFG", "PSE", "YEM"):
        record_failure(
            factory,
            Source(f"prices:{iso3}", f"WFP prices {iso3}", url, live_settings.data_dir),
            f"{url}: the connection closed after 1048576 of 4133624 bytes (truncated); "
            "the next attempt resumes there.",
        )
    engine.dispose()


@pytest.mark.parametrize("width", [390, 1366])
@pytest.mark.parametrize("language", ["ar", "fr", "en"])
def test_fetches_page_fits(page: Any, recorded_runs: None, width: int, language: str) -> None:
    sign_in_as(page, "secretariat@iofs.example")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"/data/fetches?lang={language}")
    assert page.locator("table.fetch-runs tbody tr").count() >= 3
    expected_dir = "rtl" if language == "ar" else "ltr"
    assert page.locator("html").get_attribute("dir") == expected_dir
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"/data/fetches is {scroll} px wide at {width} px ({language})"
    if language == "ar":
        assert "أفغانستان" in page.locator("table.fetch-runs").inner_text()
