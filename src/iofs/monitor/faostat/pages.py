"""Pages of FAOSTAT indicators: the comparison map and a state's profile, with downloads."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from iofs.i18n import N_, current_language
from iofs.i18n import gettext as _
from iofs.monitor.faostat import service
from iofs.monitor.faostat.api import Year, analytics_dir
from iofs.monitor.faostat.areas import AGGREGATE_CODES, oic_states, state_name
from iofs.monitor.faostat.indicators import INDICATORS
from iofs.web.charts import vega_lite_svg
from iofs.web.templating import render

router = APIRouter(include_in_schema=False)

#: Display names of the indicators (msgids, translated when rendered).
INDICATOR_LABELS: dict[str, str] = {
    "self_sufficiency_ratio": N_("Self-sufficiency ratio"),
    "import_dependency_ratio": N_("Import dependency ratio"),
    "cereal_import_dependency_ratio": N_("Cereal import dependency ratio (3-year average)"),
    "dietary_energy_supply": N_("Dietary energy supply"),
    "protein_supply": N_("Protein supply"),
    "fat_supply": N_("Fat supply"),
    "animal_protein_supply": N_("Animal protein supply"),
    "dietary_energy_share_cereals_roots": N_(
        "Share of dietary energy from cereals, roots and tubers"),
    "production_quantity": N_("Production quantity"),
    "production_value": N_("Gross production value"),
    "export_value": N_("Export value"),
    "import_value": N_("Import value"),
    "export_destinations": N_("Export destination countries"),
    "dietary_energy_supply_adequacy": N_("Dietary energy supply adequacy"),
    "prevalence_of_undernourishment": N_("Prevalence of undernourishment"),
    "food_imports_share_of_merchandise_exports": N_("Food imports in total merchandise exports"),
}


def _download(rows: list[dict[str, Any]], name: str, fmt: str) -> Response:
    if fmt == "xlsx":
        return Response(service.to_xlsx(rows, name), media_type=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
    return Response(service.to_csv(rows), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


@router.get("/faostat", response_class=HTMLResponse)
def compare_page(request: Request, indicator: str = "dietary_energy_supply",
                 year: Year = None) -> HTMLResponse:
    """The 57 states ranked on one indicator, with a map coloured by quintile."""
    service.check_indicator(indicator)
    ranked = service.compare(analytics_dir(request), indicator, year,
                             language=current_language())
    return render(request, "faostat/compare.html", {
        "indicator": indicator, "year": year, "ranked": ranked,
        "labels": INDICATOR_LABELS, "indicators": list(INDICATORS),
        "slices": service.ingested(analytics_dir(request))})


@router.get("/faostat/compare/download")
def compare_download(request: Request, indicator: Annotated[str, Query(max_length=80)],
                     fmt: Annotated[str, Query(alias="format", pattern="^(csv|xlsx)$")] = "csv",
                     year: Year = None) -> Response:
    """The comparison table as CSV or XLSX."""
    ranked = service.compare(analytics_dir(request), indicator, year)
    return _download([r.model_dump() for r in ranked], f"oic-{indicator}", fmt)


def _line_chart(rows: list[dict[str, Any]], y_title: str, color: str = "series") -> Any:
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": 640, "height": 200, "data": {"values": rows},
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {"field": "year", "type": "ordinal", "title": _("Year")},
            "y": {"field": "value", "type": "quantitative", "title": y_title},
            "color": {"field": color, "type": "nominal", "title": None},
        },
    }
    return vega_lite_svg(spec)


def _charts(area_rows: list[Any], area: str, request: Request) -> list[tuple[str, Any]]:
    charts: list[tuple[str, Any]] = []
    supply = [{"year": r.year, "value": r.value,
               "series": _("FAOSTAT") if r.source == "faostat" else _("computed")}
              for r in area_rows if r.indicator == "dietary_energy_supply"]
    if supply:
        charts.append((_("Dietary energy supply (kcal/capita/day)"),
                       _line_chart(supply, _("kcal/capita/day"))))
    cereals = [{"year": r.year, "value": r.value, "series": _(INDICATOR_LABELS[r.indicator])}
               for r in area_rows if r.item == "Cereals - Excluding Beer"
               and r.indicator in ("self_sufficiency_ratio", "import_dependency_ratio")]
    if cereals:
        charts.append((_("Cereals: self-sufficiency and import dependency (per cent)"),
                       _line_chart(cereals, _("per cent"))))
    for domain, element, title in (("QCL", 5510, N_("Production (tonnes)")),
                                   ("TCL", 5922, N_("Export value (1000 US$)"))):
        frame = service.series(analytics_dir(request), area, domain, element,
                               tuple(range(1, 3000)))
        if not frame.empty:
            top = frame.groupby("item")["value"].sum().nlargest(5).index
            rows = [{"year": int(r["year"]), "value": float(r["value"]), "series": r["item"]}
                    for r in frame[frame["item"].isin(top)].to_dict(orient="records")
                    if r["value"] == r["value"]]
            charts.append((_(title), _line_chart(rows, _(title))))
    return charts


def _latest(rows: list[Any], indicator: str, item: str | None = None) -> Any:
    chosen = [r for r in rows if r.indicator == indicator and (item is None or r.item == item)]
    chosen.sort(key=lambda r: (r.year, r.source == "computed"))
    return chosen[-1] if chosen else None


@router.get("/faostat/{area}", response_class=HTMLResponse)
def profile_page(request: Request, area: str, year: Year = None) -> HTMLResponse:
    """A state's (or OIC aggregate's) profile: charts, potential card, indicator table."""
    code = service.check_area(area)
    rows = service.area_rows(analytics_dir(request), code)
    shown = [r for r in rows if year is None or r.year == year]
    if year is None and rows:
        latest_year = max(r.year for r in rows)
        shown = [r for r in rows if r.year >= latest_year - 4]
    cereal = "Cereals - Excluding Beer"
    card = [(label, value) for label, value in (
        (N_("Cereal self-sufficiency ratio"), _latest(rows, "self_sufficiency_ratio", cereal)),
        (N_("Cereal import dependency ratio (3-year average)"),
         _latest(rows, "cereal_import_dependency_ratio")),
        (N_("Dietary energy supply"), _latest(rows, "dietary_energy_supply")),
        (N_("Animal protein supply"), _latest(rows, "animal_protein_supply")),
        (N_("Export destination countries"), _latest(rows, "export_destinations")),
    ) if value is not None]
    return render(request, "faostat/profile.html", {
        "area": code, "name": state_name(code, current_language()),
        "is_aggregate": code in AGGREGATE_CODES, "rows": shown, "year": year,
        "card": card, "labels": INDICATOR_LABELS, "charts": _charts(rows, code, request),
        "states": oic_states()})


@router.get("/faostat/{area}/download")
def profile_download(request: Request, area: str,
                     fmt: Annotated[str, Query(alias="format", pattern="^(csv|xlsx)$")] = "csv",
                     year: Year = None) -> Response:
    """A state's indicator table as CSV or XLSX."""
    rows = service.area_rows(analytics_dir(request), area, year)
    return _download([r.model_dump() for r in rows], f"faostat-{area.upper()}", fmt)
