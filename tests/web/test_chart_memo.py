"""Each worker draws a chart once for a given spec and language, and again when either changes.

The memo sits in front of vl-convert (:mod:`iofs.http.charts`): these tests count the draws
that reach vl-convert and compare what the memo serves with a fresh drawing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import vl_convert

from iofs import i18n
from iofs.http import charts

SPEC: dict[str, Any] = {
    "data": {"values": [{"m": "2024-01-01", "y": 1.5}, {"m": "2024-06-01", "y": 2.5}]},
    "mark": "line",
    "encoding": {
        "x": {"field": "m", "type": "temporal"},
        "y": {"field": "y", "type": "quantitative"},
    },
}


@pytest.fixture
def draws(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The kinds of drawing that reached vl-convert, with an empty memo before and after."""
    seen: list[str] = []
    svg, png = vl_convert.vegalite_to_svg, vl_convert.vegalite_to_png

    def counted_svg(**kwargs: Any) -> str:
        seen.append("svg")
        return svg(**kwargs)

    def counted_png(**kwargs: Any) -> bytes:
        seen.append("png")
        return png(**kwargs)

    monkeypatch.setattr(vl_convert, "vegalite_to_svg", counted_svg)
    monkeypatch.setattr(vl_convert, "vegalite_to_png", counted_png)
    charts.memo.clear()
    yield seen
    charts.memo.clear()
    i18n.set_language("en")


def test_the_same_chart_is_drawn_once_and_served_as_drawn(draws: list[str]) -> None:
    first = charts.vega_lite_svg(SPEC)
    again = charts.vega_lite_svg({**SPEC})  # an equal spec, another dict
    assert draws == ["svg"] and again == first and "<svg" in first
    assert not first.startswith("<?xml")
    charts.vega_lite_png(SPEC, "en")
    charts.vega_lite_png(SPEC, "en")
    assert draws == ["svg", "png"]


def test_changed_data_language_or_scale_draw_again(draws: list[str]) -> None:
    first = charts.vega_lite_svg(SPEC)
    changed = {**SPEC, "data": {"values": [{"m": "2024-01-01", "y": 9.5}]}}
    assert charts.vega_lite_svg(changed) != first
    i18n.set_language("fr")
    french = charts.vega_lite_svg(SPEC)
    assert draws == ["svg"] * 3
    assert french != first  # French month names on the axis
    charts.vega_lite_png(SPEC, "ar")
    charts.vega_lite_png(SPEC, "ar", scale=1.0)
    assert draws == ["svg"] * 3 + ["png"] * 2


def test_the_memo_keeps_the_most_recent_charts_within_its_budget() -> None:
    memo = charts.ChartMemo(max_bytes=10)
    drawn: list[str] = []

    def draw(text: str) -> str:
        drawn.append(text)
        return text

    for text in ("aaaa", "bbbb"):
        memo.get_or_draw(memo.key(text), lambda text=text: draw(text))
    memo.get_or_draw(memo.key("aaaa"), lambda: draw("aaaa"))  # kept: a is now the most recent
    memo.get_or_draw(memo.key("cccc"), lambda: draw("cccc"))  # 12 bytes: b goes
    assert drawn == ["aaaa", "bbbb", "cccc"] and memo.size == 8
    memo.get_or_draw(memo.key("bbbb"), lambda: draw("bbbb"))
    assert drawn[-1] == "bbbb"  # drawn again
    assert memo.key({"a": 1, "b": 2}) == memo.key({"b": 2, "a": 1})  # key order does not matter
