"""Charts of the briefs: Vega-Lite specs, SVG for pages, PNG for PDFs.

The Arabic handling (fonts, right-to-left isolates, PNG rendering) lives in
:mod:`iofs.http.charts`, shared with the strategy report's PDF. Why PNG in PDFs: WeasyPrint
draws the text of an embedded SVG glyph by glyph, left to right, without Arabic shaping, so
an Arabic title comes out with its letters reversed and unjoined. vl-convert's own
rasteriser (resvg with HarfBuzz shaping and the Unicode bidi algorithm) draws the same text
shaped and in reading order, so PDFs embed the chart as a PNG rendered by vl-convert (at 2×
for print). Pages keep the SVG: the browser shapes its text itself. The font is set
explicitly so that pages, PDFs and the shaping test draw the same glyphs.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from iofs.http import charts as http_charts
from iofs.http.charts import FONTS, PRINT_SCALE, isolate_rtl
from iofs.i18n import current_language

__all__ = ["FONTS", "SCHEMA", "isolate_rtl", "png", "png_data_uri", "svg", "with_font"]

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"


def with_font(spec: dict[str, Any], language: str | None = None) -> dict[str, Any]:
    """``spec`` with the chart font of ``language`` (default: the current one) set for
    every text, and Arabic labels isolated right to left (:func:`iofs.http.charts.with_font`)."""
    return http_charts.with_font(spec, language or current_language())


def svg(spec: dict[str, Any], language: str | None = None) -> Markup:
    """The chart as an SVG fragment for a page."""
    return http_charts.vega_lite_svg(with_font(spec, language))


def png(spec: dict[str, Any], language: str | None = None, scale: float = PRINT_SCALE) -> bytes:
    """The chart as PNG bytes rendered by vl-convert (Arabic shaped, in reading order)."""
    return http_charts.vega_lite_png(spec, language or current_language(), scale)


def png_data_uri(spec: dict[str, Any], language: str | None = None) -> str:
    """The chart as a ``data:image/png;base64,…`` URI for an ``<img>`` in a PDF document."""
    return http_charts.vega_lite_png_uri(spec, language or current_language())


def sparkline(points: list[tuple[str, float]], title: str) -> dict[str, Any]:
    """A small line (``points``: (YYYY-MM, value)) without axes, 160 × 36 px."""
    return {
        "$schema": SCHEMA,
        "width": 160,
        "height": 36,
        "title": {"text": title, "fontSize": 10},
        "data": {"values": [{"month": m, "value": v} for m, v in points]},
        "mark": {"type": "line", "color": "#a50026", "strokeWidth": 1.5},
        "encoding": {
            "x": {"field": "month", "type": "temporal", "axis": None},
            "y": {"field": "value", "type": "quantitative", "axis": None, "scale": {"zero": False}},
        },
        "config": {"view": {"stroke": None}},
    }


def monthly_line(
    points: list[tuple[str, float]],
    title: str,
    y_title: str,
    domain: tuple[float, float] | None = None,
) -> dict[str, Any]:
    """A monthly line chart (``points``: (YYYY-MM, value)), 420 × 140 px."""
    y: dict[str, Any] = {"field": "value", "type": "quantitative", "title": y_title}
    if domain is not None:
        y["scale"] = {"domain": list(domain)}
    return {
        "$schema": SCHEMA,
        "width": 420,
        "height": 140,
        "title": title,
        "data": {"values": [{"month": m, "value": v} for m, v in points]},
        "mark": {"type": "line", "point": len(points) <= 24, "color": "#0b6e4f"},
        "encoding": {"x": {"field": "month", "type": "temporal", "title": None}, "y": y},
    }


def bars(rows: list[tuple[str, float]], title: str, x_title: str) -> dict[str, Any]:
    """Horizontal bars (``rows``: (label, value)), one per label, in the given order."""
    return {
        "$schema": SCHEMA,
        "width": 360,
        "height": max(40, 22 * len(rows)),
        "title": title,
        "data": {"values": [{"label": label, "value": value} for label, value in rows]},
        "mark": {"type": "bar", "color": "#0b6e4f"},
        "encoding": {
            "y": {"field": "label", "type": "nominal", "title": None, "sort": None},
            "x": {"field": "value", "type": "quantitative", "title": x_title},
        },
    }


def title_only(text: str) -> dict[str, Any]:
    """A chart that is only a title (the shaping test compares its rendering)."""
    return {
        "$schema": SCHEMA,
        "width": max(400, 30 * len(text)),
        "height": 1,
        "title": {"text": text, "fontSize": 28},
        "data": {"values": []},
        "mark": "point",
        "config": {"view": {"stroke": None}},
    }
