"""Strategic Vision 2031 in the browser: a focal point reports with evidence, the secretariat
asks for a correction, the focal point corrects, the secretariat approves, the scorecard and
the public page change accordingly."""

from __future__ import annotations

from typing import Any

import pytest

from iofs.config import Settings
from iofs.db import make_engine, make_session_factory
from tests.browser.test_accounts import sign_in_as
from tests.strategy.conftest import build_framework

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def strategy_data(live_settings: Settings) -> int:
    engine = make_engine(live_settings.resolved_database_url)
    try:
        return build_framework(make_session_factory(engine)).seeds
    finally:
        engine.dispose()


def _row(page: Any) -> Any:
    return page.locator("#state-scorecard tbody tr[data-kpi='NGB.1']")


def test_report_correct_and_approve(page: Any, live_server: Any, strategy_data: int) -> None:
    sign_in_as(page, "focal.kaz@iofs.example")
    page.goto("/strategy/states/EGY?year=2026&lang=en")
    assert page.locator(".value-form").count() == 0  # not his state
    page.goto("/strategy/states/KAZ?year=2026&lang=en")
    form = _row(page).locator("form.value-form")
    form.locator("input[name=value]").fill("14000")
    form.locator("input[name=evidence_url]").fill("https://example.org/gene-bank-2026.pdf")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/strategy/states/KAZ?year=2026&saved=*#report")
    assert "awaiting review" in _row(page).inner_text()
    assert page.locator("p.notice[role=status]").count() == 1  # the value was saved
    page.click("form.signout button")
    page.wait_for_url(live_server.url + "/")

    sign_in_as(page, "secretariat@iofs.example")
    page.goto("/strategy/states/KAZ?year=2026")
    review = _row(page).locator("form.review-form")
    review.locator("input[name=comment]").fill("Use the year-end count")
    review.locator("button[value=correct]").click()
    page.wait_for_url("**/strategy/states/KAZ?year=2026#report")
    assert "correction requested" in _row(page).inner_text()
    page.click("form.signout button")
    page.wait_for_url(live_server.url + "/")

    sign_in_as(page, "focal.kaz@iofs.example")
    page.goto("/strategy/states/KAZ?year=2026")
    assert "Use the year-end count" in _row(page).inner_text()
    form = _row(page).locator("form.value-form")
    form.locator("input[name=value]").fill("15500")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/strategy/states/KAZ?year=2026&saved=*#report")
    page.click("form.signout button")
    page.wait_for_url(live_server.url + "/")

    sign_in_as(page, "secretariat@iofs.example")
    page.goto("/strategy/states/KAZ?year=2026")
    _row(page).locator("form.review-form button[value=approve]").click()
    page.wait_for_url("**/strategy/states/KAZ?year=2026#report")
    assert "approved" in _row(page).inner_text()
    assert _row(page).locator("form.value-form").count() == 0  # locked
    page.click("form.signout button")
    page.wait_for_url(live_server.url + "/")

    # the public sees the approved value and the on-track status
    page.goto("/strategy/states/KAZ?year=2026")
    row = _row(page).inner_text()
    assert "15,500.00" in row and "on track" in row
    page.goto("/strategy?year=2026")
    assert "<svg" in page.content()
