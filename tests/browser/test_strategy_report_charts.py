"""The Strategic Vision report's Arabic chart labels, as its PDF embeds them, shaped as
Chromium shapes them (the session's shared browser; a second Playwright in one process fails)."""

from __future__ import annotations

import base64
import io
import re
from typing import Any

import pytest

from iofs import i18n
from iofs.strategy import report

pytestmark = pytest.mark.browser
PNG_URI = re.compile(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


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
