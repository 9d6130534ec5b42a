"""Chart axes speak the page's language: French groups with a space and names months in
French; Arabic keeps Latin digits with the minus sign, and Arabic month names."""

from __future__ import annotations

import re

import pytest

from iofs import i18n
from iofs.http.charts import vega_lite_svg

SPEC = {
    "data": {"values": [{"m": "2024-01-01", "y": -1500.5}, {"m": "2024-06-01", "y": 2500}]},
    "mark": "bar",
    "encoding": {
        "x": {"field": "m", "type": "temporal"},
        "y": {"field": "y", "type": "quantitative"},
    },
}


def _ticks(language: str) -> list[str]:
    i18n.set_language(language)
    try:
        return re.findall(r"<text[^>]*>([^<]*)</text>", str(vega_lite_svg(SPEC)))
    finally:
        i18n.set_language("en")


@pytest.mark.parametrize(
    ("language", "number", "month"),
    [("en", "−1,500", "March"), ("fr", "−1\u00a0500", "mars"), ("ar", "−1,500", "مارس")],
)
def test_axis_ticks_follow_the_language(language: str, number: str, month: str) -> None:
    ticks = _ticks(language)
    assert number in ticks and month in ticks, ticks
