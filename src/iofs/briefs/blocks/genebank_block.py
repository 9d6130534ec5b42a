"""Gene bank block: accessions originating in the state by crop and a map of collecting sites
(gene bank service).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from iofs.briefs.model import Block, Chart, Fact, Missing, Table, number
from iofs.i18n import gettext as _
from iofs.permissions import Principal


def genebank(session: Session, principal: Principal, iso3: str) -> Block:
    """Accessions originating in the state (MCPD ORIGCTY), by crop, and their collecting
    sites (decimal degrees) for the map."""
    from iofs.genebank import service

    block = Block("genebank", _("Gene bank"), "/genebank", _("Gene bank"))
    query = service.SearchQuery(country=iso3, limit=0)
    result = service.search(session, principal, query)
    if not result.total:
        block.missing.append(
            Missing(
                _("No accession originating in this state."),
                command="iofs genebank import FILE",
                page="/genebank",
            )
        )
        return block
    block.link = f"/genebank?country={iso3}"
    block.facts.append(Fact(_("Accessions originating here"), result.total, number(result.total)))
    crops = result.facets.get("crop", [])[:10]
    block.tables.append(
        Table(
            _("By crop"),
            (_("Crop"), _("Accessions")),
            tuple((crop or _("unknown"), number(count)) for crop, count in crops),
            tuple(f"/genebank?country={iso3}&crop={crop}" for crop, _count in crops),
        )
    )
    points = service.collecting_points(session, principal, query, limit=500)
    block.facts.append(
        Fact(_("Collecting sites with coordinates"), len(points), number(len(points)))
    )
    if points:
        block.charts.append(Chart(_("Collecting sites"), sites_map(points)))
    return block


def sites_map(points: list[dict[str, Any]]) -> dict[str, Any]:
    """Vega-Lite spec: collecting sites as dots on longitude/latitude (degrees)."""
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": 320,
        "height": 200,
        "title": _("Collecting sites"),
        "data": {"values": [{"lat": p["lat"], "lon": p["lon"]} for p in points]},
        "mark": {"type": "circle", "size": 30, "color": "#0b6e4f"},
        "encoding": {
            "x": {
                "field": "lon",
                "type": "quantitative",
                "title": _("Longitude (°)"),
                "scale": {"zero": False},
            },
            "y": {
                "field": "lat",
                "type": "quantitative",
                "title": _("Latitude (°)"),
                "scale": {"zero": False},
            },
        },
    }
