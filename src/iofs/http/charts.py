"""Charts for pages and reports: Vega-Lite specs rendered to SVG on the server (offline).

Pages embed the SVG directly, so charts need no script and obey the content security policy;
PDF reports use the same specs. Rendering uses ``vl-convert-python`` (no browser, no network).
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup


def vega_lite_svg(spec: dict[str, Any]) -> Markup:
    """Render a Vega-Lite spec (a dict, data inlined) to an SVG fragment safe to embed."""
    import vl_convert

    svg: str = vl_convert.vegalite_to_svg(vl_spec=spec)
    if svg.startswith("<?xml"):
        svg = svg.split("?>", 1)[1]
    return Markup(svg)  # noqa: S704 - produced by vl-convert from our own spec, not user HTML
