"""Charts for pages and reports: Vega-Lite specs rendered to SVG on the server (offline).

Pages embed the SVG directly, so charts need no script and obey the content security policy;
PDF reports use the same specs. Rendering uses ``vl-convert-python`` (no browser, no network).

Axis numbers and dates follow the page language (d3-format / d3-time-format locales, the same
choice as :mod:`iofs.http.formatting`): French ``−1 500`` and ``février``; Arabic keeps Latin
digits (``en-US`` number format) with Arabic month names (``ar-EG``). The SVG is drawn left to
right; the stylesheet keeps its text left to right inside Arabic pages, so ``−1.5`` keeps its
sign before the digits.

Rendering is the dearest part of most pages (a sparkline about 15 ms of CPU, a monthly line
about 55 ms, a map of 2,000 collecting sites about 350 ms), and a page is rendered again for
reasons that leave its charts as they were (a contribution renews a country brief whose price
and drought charts have not changed). So each worker keeps the charts it drew, keyed by a hash
of the whole spec (data inlined) and the locales, within :data:`MEMO_BYTES`: the same spec
draws the same chart, and a chart whose data changed has another key.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Literal, TypeVar

import orjson
from markupsafe import Markup

from iofs import i18n

NumberLocale = Literal["en-US", "fr-FR"]
TimeLocale = Literal["en-US", "fr-FR", "ar-EG"]
#: (d3-format locale, d3-time-format locale) per interface language.
CHART_LOCALES: dict[str, tuple[NumberLocale, TimeLocale]] = {
    "en": ("en-US", "en-US"),
    "fr": ("fr-FR", "fr-FR"),
    "ar": ("en-US", "ar-EG"),
}


#: Bytes of drawn charts each worker keeps (SVG text and PNG bytes, least recently used out).
MEMO_BYTES = 32 * 1024 * 1024
Drawn = TypeVar("Drawn", str, bytes)


class ChartMemo:
    """Charts drawn, by the hash of what drew them, within ``max_bytes`` (thread-safe: pages
    render in a thread pool). Two threads drawing the same new chart at once both draw it."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.drawn: OrderedDict[bytes, str | bytes] = OrderedDict()
        self.lock = threading.Lock()

    @staticmethod
    def key(*parts: Any) -> bytes:
        """A 16-byte digest of ``parts`` as sorted-key JSON (dates and decimals as text)."""
        options = orjson.OPT_SORT_KEYS | orjson.OPT_SERIALIZE_NUMPY
        text = orjson.dumps(parts, option=options, default=str)
        return hashlib.blake2b(text, digest_size=16).digest()

    def get_or_draw(self, key: bytes, draw: Callable[[], Drawn]) -> Drawn:
        """The chart kept under ``key``, or ``draw()`` kept under it."""
        with self.lock:
            kept = self.drawn.get(key)
            if kept is not None:
                self.drawn.move_to_end(key)
                return kept  # type: ignore[return-value]
        chart = draw()
        with self.lock:
            if key not in self.drawn:
                self.drawn[key] = chart
                self.size += len(chart)
            while self.size > self.max_bytes and self.drawn:
                _key, old = self.drawn.popitem(last=False)
                self.size -= len(old)
        return chart

    def clear(self) -> None:
        """Forget every chart (tests)."""
        with self.lock:
            self.drawn.clear()
            self.size = 0


memo = ChartMemo(MEMO_BYTES)


def vega_lite_svg(spec: dict[str, Any]) -> Markup:
    """Render a Vega-Lite spec (a dict, data inlined) to an SVG fragment safe to embed (drawn
    once per worker for a given spec and page language: :data:`memo`)."""
    number_locale, time_locale = CHART_LOCALES.get(i18n.current_language(), CHART_LOCALES["en"])

    def draw() -> str:
        import vl_convert

        svg: str = vl_convert.vegalite_to_svg(
            vl_spec=spec, format_locale=number_locale, time_format_locale=time_locale
        )
        return svg.split("?>", 1)[1] if svg.startswith("<?xml") else svg

    svg = memo.get_or_draw(memo.key("svg", spec, number_locale, time_locale), draw)
    return Markup(svg)  # noqa: S704 - produced by vl-convert from our own spec, not user HTML


# --- Arabic in charts (shared by the briefs' and the strategy report's PDFs) --------------------
#
# WeasyPrint draws the text of an embedded SVG glyph by glyph, left to right, without Arabic
# shaping, so an Arabic title comes out with its letters reversed and unjoined. vl-convert's
# own rasteriser (resvg with HarfBuzz shaping and the Unicode bidi algorithm) draws the same
# text shaped and in reading order, so PDFs embed charts as PNG (:func:`vega_lite_png_uri`).
# SVG text has a left-to-right base direction whatever the page's ``dir``: labels holding
# Arabic are wrapped in a right-to-left isolate (:func:`isolate_rtl`) for every renderer.

#: Fonts with Arabic and Latin glyphs (the Noto fonts WeasyPrint also uses). Not longer lists:
#: resvg then takes a Latin fallback (an italic face) that Chromium does not.
FONTS = {"ar": "Noto Sans Arabic, Noto Sans"}
DEFAULT_FONT = "DejaVu Sans, Noto Sans, sans-serif"
#: PNG scale for print (2 × the spec's pixel size).
PRINT_SCALE = 2.0
RLI, PDI = "\u2067", "\u2069"


def _has_arabic(text: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f" for ch in text)


def isolate_rtl(value: Any) -> Any:
    """``value`` with every string holding Arabic wrapped in a right-to-left isolate
    (U+2067 … U+2069), recursively through dicts and lists (titles and data values alike, so
    scale domains still match)."""
    if isinstance(value, str):
        return f"{RLI}{value}{PDI}" if _has_arabic(value) and not value.startswith(RLI) else value
    if isinstance(value, dict):
        return {key: isolate_rtl(item) for key, item in value.items()}
    if isinstance(value, list):
        return [isolate_rtl(item) for item in value]
    return value


def with_font(spec: dict[str, Any], language: str) -> dict[str, Any]:
    """``spec`` with the chart font of ``language`` set for every text (titles, axes,
    legends, marks), and Arabic labels isolated right to left."""
    config = dict(spec.get("config", {}))
    config["font"] = FONTS.get(language, DEFAULT_FONT)
    result: dict[str, Any] = isolate_rtl({**spec, "config": config})
    return result


def vega_lite_png(spec: dict[str, Any], language: str, scale: float = PRINT_SCALE) -> bytes:
    """The chart as PNG bytes rendered by vl-convert (Arabic shaped, in reading order; drawn
    once per worker for a given spec, language and scale: :data:`memo`)."""
    number_locale, time_locale = CHART_LOCALES.get(language, CHART_LOCALES["en"])

    def draw() -> bytes:
        import vl_convert

        data: bytes = vl_convert.vegalite_to_png(
            vl_spec=with_font(spec, language),
            scale=scale,
            format_locale=number_locale,
            time_format_locale=time_locale,
        )
        return data

    key = memo.key("png", spec, language, scale, number_locale, time_locale)
    return memo.get_or_draw(key, draw)


def vega_lite_png_uri(spec: dict[str, Any], language: str) -> str:
    """The chart as a ``data:image/png;base64,…`` URI for an ``<img>`` in a PDF document."""
    import base64

    return "data:image/png;base64," + base64.b64encode(vega_lite_png(spec, language)).decode(
        "ascii"
    )
