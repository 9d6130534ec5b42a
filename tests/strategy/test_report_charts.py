"""The Strategic Vision report's PDF draws its charts with Arabic shaped and in reading order:
PNG rendered by vl-convert (WeasyPrint drew the SVG's Arabic reversed and unjoined), compared
with Chromium's rendering of the same labels as the country briefs' shaping test does."""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from iofs import i18n
from iofs.accounts.service import cli_principal
from iofs.db import transaction
from iofs.permissions import Principal
from iofs.roles import Role
from iofs.strategy import report, reporting
from tests.strategy.conftest import Framework

CHECKER = Principal(user_id=9601, roles={Role.SECRETARIAT: frozenset()}, label="checker")
PNG_URI = re.compile(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


def _arabic_report(factory: sessionmaker[Session], framework: Framework, for_print: bool) -> str:
    admin = cli_principal()
    with transaction(factory) as session:
        row = reporting.report_value(
            session,
            admin,
            reporting.ValueInput(framework.seeds, "KAZ", 2026, "16000", "https://example.org/e"),
        )
        reporting.review_value(session, CHECKER, row.id, "approve")
    with factory() as session:
        return report.render_html(session, admin, "KAZ", 2026, "ar", for_print=for_print)


def test_the_arabic_pdf_embeds_charts_as_png_and_the_html_as_svg(
    loaded_registry: sessionmaker[Session], results_framework: Framework
) -> None:
    printed = _arabic_report(loaded_registry, results_framework, for_print=True)
    assert "<svg" not in printed  # WeasyPrint would draw SVG Arabic reversed and unjoined
    images = PNG_URI.findall(printed)
    assert images, "the report has a chart"
    from PIL import Image

    for data in images:
        chart = Image.open(io.BytesIO(base64.b64decode(data)))
        assert chart.format == "PNG" and chart.width > 500  # 2× the 520 px spec, for print
    with loaded_registry() as session:
        page = report.render_html(session, cli_principal(), "KAZ", 2026, "ar")
    assert "<svg" in page and "data:image/png" not in page
    assert "\u2067" in page  # Arabic labels isolated right to left in the SVG too


# --- shaping compared with Chromium's ----------------------------------------------------------


def _title_only(text: str) -> dict[str, Any]:
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": max(400, 30 * len(text)),
        "height": 1,
        "title": {"text": text, "fontSize": 28},
        "data": {"values": []},
        "mark": "point",
        "config": {"view": {"stroke": None}},
    }


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from pathlib import Path

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


def _chromium(browser: Any, spec: dict[str, Any]) -> Any:
    from PIL import Image

    page = browser.new_page()
    try:
        page.set_content(
            '<html lang="ar" dir="rtl"><body style="margin:0;background:#fff">'
            f"{report.chart_markup(spec, 'ar', for_print=False)}</body></html>"
        )
        return Image.open(io.BytesIO(page.locator("svg").screenshot()))
    finally:
        page.close()


def _printed(spec: dict[str, Any]) -> Any:
    """The chart exactly as the report's PDF embeds it."""
    from PIL import Image

    (data,) = PNG_URI.findall(str(report.chart_markup(spec, "ar", for_print=True)))
    return Image.open(io.BytesIO(base64.b64decode(data)))


@pytest.mark.browser
def test_arabic_chart_labels_of_the_report_are_shaped_like_chromium(browser: Any) -> None:
    from tests.browser.test_briefs import _ink, _similarity

    previous = i18n.current_language()
    i18n.set_language("ar")
    try:
        # the labels the report's trend charts carry (legend and axis), in Arabic
        labels = [i18n.gettext(m) for m in ("planned path", "observed", "Year")]
    finally:
        i18n.set_language(previous)
    labels.append(" ".join(labels[:2]))
    assert all(any("\u0600" <= ch <= "\u06ff" for ch in label) for label in labels), labels
    for label in labels:
        expected = _ink(_chromium(browser, _title_only(label)))
        shaped = _similarity(_ink(_printed(_title_only(label))), expected)
        # the failure WeasyPrint's SVG text showed: letters reversed and not joined
        broken = "\u200c".join(reversed(label))
        unshaped = _similarity(_ink(_chromium(browser, _title_only(broken))), expected)
        assert shaped > 0.6, (label, shaped)
        assert shaped > unshaped + 0.2, (label, shaped, unshaped)
