"""Pages of the IOFS risk index: /risk (map, ranking, watchlist), /risk/{ISO3}
(decomposition, history), the Atom feed of watchlist changes and the downloads."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from xml.etree import ElementTree

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from iofs.http.charts import vega_lite_svg
from iofs.http.security import public_base_url
from iofs.http.templating import render
from iofs.i18n import current_language
from iofs.i18n import gettext as _
from iofs.labels import service as labels
from iofs.monitor.risk import index, views
from iofs.monitor.risk.api import MONTH, NON_OIC, load, ranked_record
from iofs.monitor.risk.tree import load_tree
from iofs.spreadsheets import records_csv, records_xlsx

router = APIRouter(include_in_schema=False)
EXPORT_COLUMNS = [
    "rank",
    "iso3",
    "name",
    "month",
    "value",
    "class",
    "reliability",
    "status",
    "trend_3_months",
    "drivers",
]


@router.get("/risk", response_class=HTMLResponse)
def overview(
    request: Request, month: str | None = MONTH, include_non_oic: bool = NON_OIC
) -> HTMLResponse:
    """Map of the 57 by class, ranked table with trend arrows and drivers, watchlist."""
    labels.bind_request(request)  # commodity names inside the drivers' sentences
    tree = load_tree(index.DEFAULT_TREE)
    stored = index.current(request.app.state.settings, tree)
    if stored is None:
        return render(request, "risk/overview.html", {"empty": True, "month": month})
    entries, left = views.watchlist(stored, tree, month, include_non_oic)
    query = f"?month={month}" if month else ""
    return render(
        request,
        "risk/overview.html",
        {
            "empty": False,
            "month": month,
            "months": views.months(stored),
            "ranking": views.ranking(stored, tree, month, include_non_oic),
            "watch": entries,
            "left": [views.country_name(code) for code in left],
            "rules": views.WATCH_RULES,
            "reason_labels": views.reason_labels,
            "query": query,
            "include_non_oic": include_non_oic,
            "min_reliability": tree.min_reliability,
        },
    )


def history_chart(history: tuple[tuple[str, float], ...]) -> dict[str, Any]:
    """Vega-Lite spec: the monthly index (0–10) with the class thresholds as rules."""
    x = {"field": "month", "type": "temporal", "title": _("Month")}
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": 720,
        "height": 220,
        "layer": [
            {
                "data": {"values": [{"month": m, "value": v} for m, v in history]},
                "mark": {"type": "line", "point": len(history) < 40, "color": "#0b6e4f"},
                "encoding": {
                    "x": x,
                    "y": {
                        "field": "value",
                        "type": "quantitative",
                        "title": _("Risk (0–10)"),
                        "scale": {"domain": [0, 10]},
                    },
                },
            },
            {
                "data": {"values": [{"y": 3.5}, {"y": 5.0}, {"y": 6.5}]},
                "mark": {"type": "rule", "strokeDash": [4, 3], "color": "#a50026"},
                "encoding": {"y": {"field": "y", "type": "quantitative"}},
            },
        ],
    }


@router.get("/risk/watchlist.atom")
def feed(request: Request) -> Response:
    """Atom feed of the watchlist's changes: one entry per state that entered, moved or
    changed class since last month, and per state that left."""
    stored, tree = load(request)
    entries, left = views.watchlist(stored, tree)
    ns = "http://www.w3.org/2005/Atom"
    root = ElementTree.Element("feed", xmlns=ns)
    ElementTree.SubElement(root, "title").text = _("IOFS food-security watchlist")
    ElementTree.SubElement(root, "id").text = "urn:iofs:risk:watchlist"
    ElementTree.SubElement(root, "updated").text = datetime.now(UTC).isoformat()
    base = public_base_url(request)
    lists = {"high": _("high risk"), "watch": _("on watch")}
    for entry in entries:
        if entry.previous == entry.list and "→" not in entry.change:
            continue
        item = ElementTree.SubElement(root, "entry")
        ElementTree.SubElement(item, "id").text = f"urn:iofs:risk:{entry.iso3}:{entry.month}"
        ElementTree.SubElement(item, "title").text = _("%(country)s %(month)s: %(list)s") % {
            "country": entry.name,
            "month": entry.month,
            "list": lists[entry.list],
        }
        ElementTree.SubElement(item, "updated").text = f"{entry.month}-01T00:00:00Z"
        ElementTree.SubElement(item, "link", href=f"{base}/risk/{entry.iso3}")
        ElementTree.SubElement(item, "summary").text = f"{entry.change}. {entry.drivers}."
    for code in left:
        item = ElementTree.SubElement(root, "entry")
        row = views.row_for(stored, code, None)
        month = str(stored.frame["month"].iat[row]) if row is not None else ""
        ElementTree.SubElement(item, "id").text = f"urn:iofs:risk:{code}:{month}:left"
        ElementTree.SubElement(item, "title").text = _(
            "%(country)s %(month)s: left the watchlist"
        ) % {"country": views.country_name(code), "month": month}
        ElementTree.SubElement(item, "updated").text = f"{month}-01T00:00:00Z"
        ElementTree.SubElement(item, "link", href=f"{base}/risk/{code}")
    body = ElementTree.tostring(root, encoding="unicode", xml_declaration=True)
    return Response(body, media_type="application/atom+xml; charset=utf-8")


@router.get("/risk/index.csv")
def download_csv(
    request: Request, month: str | None = MONTH, include_non_oic: bool = NON_OIC
) -> Response:
    """The ranking as CSV (formula-safe)."""
    stored, tree = load(request)
    rows = [ranked_record(r) for r in views.ranking(stored, tree, month, include_non_oic)]
    return Response(
        records_csv(rows, EXPORT_COLUMNS),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="iofs-risk.csv"'},
    )


@router.get("/risk/index.xlsx")
def download_xlsx(
    request: Request, month: str | None = MONTH, include_non_oic: bool = NON_OIC
) -> Response:
    """The ranking as an Excel workbook (formula-safe)."""
    stored, tree = load(request)
    rows = [ranked_record(r) for r in views.ranking(stored, tree, month, include_non_oic)]
    return Response(
        records_xlsx(rows, EXPORT_COLUMNS, "IOFS risk"),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="iofs-risk.xlsx"'},
    )


@router.get("/risk/{iso3}", response_class=HTMLResponse)
def country_page(
    request: Request,
    iso3: str = Path(min_length=3, max_length=3),
    month: str | None = MONTH,
    include_non_oic: bool = NON_OIC,
) -> HTMLResponse:
    """A state's decomposition tree (every input's value, source and age) and history."""
    labels.bind_request(request)  # commodity names inside the drivers' sentences
    stored, tree = load(request)
    code = iso3.upper()
    found = (
        views.explain(stored, tree, code, month)
        if include_non_oic or code in index.oic_states()
        else None
    )
    if found is None:
        raise HTTPException(404, _("No risk index for this state."))
    inputs = {item.name: item for item in found.inputs}
    return render(
        request,
        "risk/country.html",
        {
            "risk": found,
            "inputs": inputs,
            "tree": tree,
            "months": views.months(stored),
            "chart": history_svg(found.history, current_language()) if found.history else None,
        },
    )


@lru_cache(maxsize=256)
def history_svg(history: tuple[tuple[str, float], ...], language: str) -> Markup:
    """The history chart as SVG, cached (rendering costs far more than reading the index);
    ``language`` is part of the key because the axis titles are translated."""
    return vega_lite_svg(history_chart(history))
