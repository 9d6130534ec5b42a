"""Pages of FAOSTAT indicators: the comparison map and a state's profile, with downloads."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from iofs.http.charts import vega_lite_svg
from iofs.http.templating import render
from iofs.i18n import N_, current_language
from iofs.i18n import gettext as _
from iofs.monitor.faostat import service
from iofs.monitor.faostat.areas import AGGREGATE_CODES, oic_states, state_name
from iofs.monitor.faostat.definitions import INDICATORS
from iofs.monitor.faostat.deps import Year, analytics_dir
from iofs.monitor.faostat.schemas import IndicatorRow

router = APIRouter(include_in_schema=False)


def _download(rows: list[dict[str, Any]], name: str, fmt: str) -> Response:
    if fmt == "xlsx":
        return Response(
            service.to_xlsx(rows, name),
            media_type=("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
    return Response(
        service.to_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


def _illustrative(request: Request) -> bool:
    """Whether a stored FAOSTAT file is the illustrative demo sample (``iofs demo load``)."""
    return any(
        s.source.startswith("illustrative") for s in service.ingested(analytics_dir(request))
    )


@router.get("/faostat", response_class=HTMLResponse)
def compare_page(
    request: Request, indicator: str = "dietary_energy_supply", year: Year = None
) -> HTMLResponse:
    """The 57 states ranked on one indicator, with a map coloured by quintile."""
    service.check_indicator(indicator)
    ranked = service.compare(analytics_dir(request), indicator, year, language=current_language())
    return render(
        request,
        "faostat/compare.html",
        {
            "illustrative_data": _illustrative(request),
            "indicator": indicator,
            "year": year,
            "ranked": ranked,
            "definitions": INDICATORS,
            "slices": service.ingested(analytics_dir(request)),
        },
    )


@router.get("/faostat/compare/download")
def compare_download(
    request: Request,
    indicator: Annotated[str, Query(max_length=80)],
    fmt: Annotated[str, Query(alias="format", pattern="^(csv|xlsx)$")] = "csv",
    year: Year = None,
) -> Response:
    """The comparison table as CSV or XLSX."""
    ranked = service.compare(analytics_dir(request), indicator, year)
    return _download([r.model_dump() for r in ranked], f"oic-{indicator}", fmt)


def _line_chart(rows: list[dict[str, Any]], y_title: str, color: str = "series") -> Any:
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": 640,
        "height": 200,
        "data": {"values": rows},
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {"field": "year", "type": "ordinal", "title": _("Year")},
            "y": {"field": "value", "type": "quantitative", "title": y_title},
            "color": {"field": color, "type": "nominal", "title": None},
        },
    }
    return vega_lite_svg(spec)


def _charts(area_rows: list[IndicatorRow], area: str, request: Request) -> list[tuple[str, Any]]:
    charts: list[tuple[str, Any]] = []
    energy = INDICATORS["dietary_energy_supply"]
    supply = [
        {
            "year": r.year,
            "value": r.value,
            "series": _("FAOSTAT") if r.source == "faostat" else _("computed"),
        }
        for r in area_rows
        if r.indicator == energy.identifier
    ]
    if supply:
        charts.append(
            (f"{_(energy.label)} ({_(energy.unit)})", _line_chart(supply, _(energy.unit)))
        )
    cereals = [
        {"year": r.year, "value": r.value, "series": _(INDICATORS[r.indicator].label)}
        for r in area_rows
        if r.item == service.CEREALS
        and r.indicator in ("self_sufficiency_ratio", "import_dependency_ratio")
    ]
    if cereals:
        charts.append(
            (
                _("Cereals: self-sufficiency and import dependency (per cent)"),
                _line_chart(cereals, _("per cent")),
            )
        )
    for domain, element, title in (
        ("QCL", 5510, N_("Production (tonnes)")),
        ("TCL", 5922, N_("Export value (1000 US$)")),
    ):
        rows = service.top_items(analytics_dir(request), area, domain, element)
        if rows is not None:
            charts.append((_(title), _line_chart(rows, _(title))))
    return charts


@router.get("/faostat/{area}", response_class=HTMLResponse)
def profile_page(request: Request, area: str, year: Year = None) -> HTMLResponse:
    """A state's (or OIC aggregate's) profile: charts, potential card, indicator table."""
    profile = service.profile(analytics_dir(request), area, year)
    code = profile.area
    return render(
        request,
        "faostat/profile.html",
        {
            "illustrative_data": _illustrative(request),
            "area": code,
            "name": state_name(code, current_language()),
            "is_aggregate": code in AGGREGATE_CODES,
            "rows": profile.shown,
            "year": year,
            "card": profile.card,
            "definitions": INDICATORS,
            "charts": _charts(profile.rows, code, request),
            "states": oic_states(),
        },
    )


@router.get("/faostat/{area}/download")
def profile_download(
    request: Request,
    area: str,
    fmt: Annotated[str, Query(alias="format", pattern="^(csv|xlsx)$")] = "csv",
    year: Year = None,
) -> Response:
    """A state's indicator table as CSV or XLSX."""
    rows = service.area_rows(analytics_dir(request), area, year)
    return _download([r.model_dump() for r in rows], f"faostat-{area.upper()}", fmt)
