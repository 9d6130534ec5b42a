"""Charts of the programme pages: the donor → appeal → country flow diagram and the timeline.

The flow diagram is a three-column Sankey-style SVG drawn here (Vega-Lite has no Sankey
mark): each node's height is proportional to the USD through it, each band's width to the
flow. The timeline is a Vega-Lite chart rendered to SVG on the server.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

from iofs.http.charts import vega_lite_svg
from iofs.http.formatting import format_number
from iofs.programmes.figures import Flow, TimelinePoint

WIDTH, HEIGHT = 760, 320
NODE_WIDTH, GAP, LABEL_ROOM = 14, 10, 170
#: Vertical room of one label line (px at font-size 12): labels of a column never come closer.
LABEL_LINE = 15
COLOURS = ("#0b6e4f", "#2c7fb8", "#d95f0e", "#756bb1", "#636363", "#e7298a", "#66a61e")


def _columns(flows: list[Flow]) -> list[dict[str, Decimal]]:
    columns: list[dict[str, Decimal]] = [defaultdict(Decimal) for _ in range(3)]
    for flow in flows:
        columns[0][flow.donor] += flow.usd
        columns[1][flow.target] += flow.usd
        columns[2][flow.country or "—"] += flow.usd
    return columns


def flow_svg(flows: list[Flow], names: dict[str, str], title: str) -> Markup:
    """SVG of USD flowing donor → appeal/programme → destination country (empty if none).

    ``names`` maps codes to display names; ``title`` is the accessible title.
    """
    flows = [flow for flow in flows if flow.usd > 0]
    if not flows:
        return Markup("")
    columns = _columns(flows)
    total = sum(columns[0].values(), Decimal(0))
    most = max(len(column) for column in columns)
    scale = float(HEIGHT - GAP * (most - 1)) / float(total)
    x_positions = (LABEL_ROOM, (WIDTH - NODE_WIDTH) / 2, WIDTH - LABEL_ROOM - NODE_WIDTH)
    boxes: list[dict[str, tuple[float, float]]] = []
    parts: list[str] = []
    labels: list[str] = []
    bottom = float(HEIGHT)
    for index, column in enumerate(columns):
        y = 0.0
        placed: dict[str, tuple[float, float]] = {}
        previous_label = -float(LABEL_LINE)
        for key, usd in sorted(column.items(), key=lambda item: -item[1]):
            height = max(float(usd) * scale, 1.0)
            placed[key] = (y, height)
            x = x_positions[index]
            label = escape(names.get(key, key))
            # Left column: labels to the left of the nodes; right column: to the right; the
            # middle column's labels are centred on their node, where no other column's label
            # can reach them.
            anchor, label_x = (
                ("end", x - 6),
                ("middle", x + NODE_WIDTH / 2),
                ("start", x + NODE_WIDTH + 6),
            )[index]
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{NODE_WIDTH}" '
                f'height="{height:.1f}" fill="#33475b"><title>{label}: '
                f"{usd:,.0f} USD</title></rect>"
            )
            # A small node's label is pushed below the previous one instead of overprinting it;
            # a white halo keeps a middle-column label legible where it crosses the bands.
            label_y = max(y + height / 2 + 4, previous_label + LABEL_LINE)
            previous_label = label_y
            bottom = max(bottom, label_y + 4)
            labels.append(
                f'<text x="{label_x:.1f}" y="{label_y:.1f}" text-anchor="{anchor}" '
                f'font-size="12" paint-order="stroke" stroke="#fff" stroke-width="3" '
                f'stroke-linejoin="round">{label} ({format_number(usd, 0)})</text>'
            )
            y += height + GAP
        boxes.append(placed)
    offsets: list[dict[str, float]] = [defaultdict(float) for _ in range(6)]
    colour_of = {donor: COLOURS[i % len(COLOURS)] for i, donor in enumerate(columns[0])}
    for flow in sorted(flows, key=lambda f: (-columns[0][f.donor], f.donor, f.target)):
        width = float(flow.usd) * scale
        for step, (left, right) in enumerate(
            ((flow.donor, flow.target), (flow.target, flow.country or "—"))
        ):
            y0 = boxes[step][left][0] + offsets[2 * step][left] + width / 2
            y1 = boxes[step + 1][right][0] + offsets[2 * step + 1][right] + width / 2
            offsets[2 * step][left] += width
            offsets[2 * step + 1][right] += width
            x0 = x_positions[step] + NODE_WIDTH
            x1 = x_positions[step + 1]
            middle = (x0 + x1) / 2
            parts.append(
                f'<path d="M{x0:.1f},{y0:.1f} C{middle:.1f},{y0:.1f} {middle:.1f},{y1:.1f} '
                f'{x1:.1f},{y1:.1f}" fill="none" stroke="{colour_of[flow.donor]}" '
                f'stroke-opacity="0.45" stroke-width="{max(width, 1.0):.1f}"><title>'
                f"{escape(names.get(flow.donor, flow.donor))} → "
                f"{escape(names.get(flow.target, flow.target))}: {flow.usd:,.0f} USD"
                f"</title></path>"
            )
    body = "".join(parts + labels)  # labels last: drawn over the bands, never under them
    return Markup(  # noqa: S704 - every text is escaped above
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="flow-diagram" '
        f'viewBox="-4 -4 {WIDTH + 8} {bottom + 8:.0f}" aria-label={quoteattr(title)}>'
        f"<title>{escape(title)}</title>{body}</svg>"
    )


def timeline_spec(points: list[TimelinePoint], labels: dict[str, str]) -> dict[str, Any]:
    """Vega-Lite: cumulative USD funded and tonnes delivered over time, one panel each."""
    rows = [
        {
            "day": point.day.isoformat(),
            "value": float(point.funded_usd),
            "measure": labels["funded"],
        }
        for point in points
    ]
    rows += [
        {
            "day": point.day.isoformat(),
            "value": float(point.delivered_t),
            "measure": labels["delivered"],
        }
        for point in points
    ]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"values": rows},
        "facet": {
            "row": {
                "field": "measure",
                "type": "nominal",
                "title": None,
                "sort": [labels["funded"], labels["delivered"]],
            }
        },
        "resolve": {"scale": {"y": "independent"}},
        "spec": {
            "width": 560,
            "height": 120,
            "mark": {"type": "line", "interpolate": "step-after", "point": True},
            "encoding": {
                "x": {"field": "day", "type": "temporal", "title": labels["date"]},
                "y": {"field": "value", "type": "quantitative", "title": None},
                "color": {
                    "field": "measure",
                    "type": "nominal",
                    "legend": None,
                    "scale": {"range": ["#0b6e4f", "#2c7fb8"]},
                },
            },
        },
    }


def timeline_svg(points: list[TimelinePoint], labels: dict[str, str]) -> Markup:
    """The rendered timeline, or nothing when there are no dated steps."""
    if not points:
        return Markup("")
    return vega_lite_svg(timeline_spec(points, labels))
