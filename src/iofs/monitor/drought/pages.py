"""Pages of drought monitoring: the map of the latest SPI by country and a country's chart."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from iofs.errors import NotFoundError
from iofs.http.charts import vega_lite_svg
from iofs.http.templating import render
from iofs.i18n import gettext as _
from iofs.members.service import oic_iso3
from iofs.monitor.drought import service
from iofs.monitor.drought.api import _check_scale, _settings, rows_out

router = APIRouter(include_in_schema=False)


def _illustrative(request: Request) -> bool:
    """Whether the drought table holds the illustrative demo sample (``iofs demo load``)."""
    analytics = _settings(request).analytics_dir
    return any(s.source == "illustrative" for s in service.slices(analytics))


@router.get("/drought", response_class=HTMLResponse)
def drought_map(request: Request, scale: int = 3, include_non_oic: bool = False) -> HTMLResponse:
    """Map of each country's latest SPI class and a table of the latest month (OIC states
    only unless ``?include_non_oic=1``)."""
    _check_scale(scale)
    rows = rows_out(
        service.latest_by_country(_settings(request), scale, include_non_oic=include_non_oic)
    )
    return render(
        request,
        "drought/index.html",
        {
            "illustrative_data": _illustrative(request),
            "scale": scale,
            "scales": service.kernel.SCALES,
            "rows": rows,
            "category": service.drought_category,
        },
    )


def _chart(rows: list[Any], scale: int) -> Any:
    data = [
        {"month": r.month, "spi": r.mean_spi, "moderate": r.share_moderate}
        for r in rows
        if r.mean_spi is not None
    ]
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": 720,
        "height": 240,
        "data": {"values": data},
        "mark": {"type": "bar"},
        "encoding": {
            "x": {"field": "month", "type": "temporal", "title": _("Month")},
            "y": {
                "field": "spi",
                "type": "quantitative",
                "title": _("Mean SPI-%(scale)d") % {"scale": scale},
                "scale": {"domain": [-3.09, 3.09]},
            },
            "color": {
                "condition": {"test": "datum.spi < 0", "value": "#d73027"},
                "value": "#4575b4",
            },
        },
    }
    return vega_lite_svg(spec)


@router.get("/drought/{iso3}", response_class=HTMLResponse)
def drought_country(
    request: Request, iso3: str, scale: int = 3, include_non_oic: bool = False
) -> HTMLResponse:
    """A country's SPI time series (chart) and its monthly drought shares (table)."""
    _check_scale(scale)
    frame = service.country_series(_settings(request), iso3, scale, include_non_oic=include_non_oic)
    if frame.empty:
        if iso3.upper() not in oic_iso3():
            raise NotFoundError(_("No drought statistics for this country and scale."))
        return render(
            request,
            "empty_state.html",
            {
                "heading": _("Drought"),
                "message": _(
                    "No drought statistics for this country and scale yet. The monitor computes "
                    "SPI from a gridded monthly rainfall file (CHIRPS), then the share of each "
                    "country in drought."
                ),
                "commands": [
                    "iofs drought spi chirps-v2.0.monthly.nc --out spi3.nc --scale 3",
                    "iofs drought zonal spi3.nc",
                ],
                "links": [("/drought", _("Drought map")), ("/data", _("Datasets loaded so far"))],
            },
        )
    rows = rows_out(frame)
    return render(
        request,
        "drought/country.html",
        {
            "illustrative_data": _illustrative(request),
            "iso3": iso3.upper(),
            "scale": scale,
            "scales": service.kernel.SCALES,
            "rows": list(reversed(rows))[:36],
            "chart": _chart(rows, scale),
            "category": service.drought_category,
        },
    )
