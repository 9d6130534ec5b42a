"""Price pages: the OIC map by alert share, a country's series, a series chart, Atom feed."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, Response

from iofs.http.charts import vega_lite_svg
from iofs.http.paging import AFTER, limit_query, pager_context, secret_of
from iofs.http.security import public_base_url
from iofs.http.templating import environment, render
from iofs.i18n import gettext as _
from iofs.members.service import oic_iso3
from iofs.monitor.prices import ingest, listing, service, views
from iofs.monitor.prices.api import COMMODITY, MARKET, MONTH, NON_OIC, load
from iofs.monitor.prices.labels import alps_reason, class_label

router = APIRouter(include_in_schema=False)
environment().globals.update(alps_reason=alps_reason, class_label=class_label)


def _no_prices(request: Request, heading: str) -> HTMLResponse:
    """The page shown before any price file is ingested: what to load and how (200)."""
    return render(
        request,
        "empty_state.html",
        {
            "heading": heading,
            "message": _(
                "No prices have been ingested yet. The price monitor reads WFP market-price "
                "files (HDX, one CSV per country or the global file) or any CSV with a mapping."
            ),
            "commands": ["iofs ingest prices wfp_food_prices_<iso3>.csv"],
            "links": [("/data", _("Datasets loaded so far"))],
        },
    )


def _illustrative(request: Request) -> bool:
    """Whether a stored price slice is the illustrative demo sample (``iofs demo load``)."""
    analytics = request.app.state.settings.analytics_dir
    return any(path.name.startswith("illustrative") for path in ingest.slice_files(analytics))


def _signals_or_none(request: Request, include_non_oic: bool) -> service.Signals | None:
    try:
        return load(request, include_non_oic)
    except HTTPException as error:
        if error.status_code == 404:
            return None
        raise


@router.get("/prices", response_class=HTMLResponse)
def overview(
    request: Request, month: str | None = MONTH, include_non_oic: bool = NON_OIC
) -> HTMLResponse:
    result = _signals_or_none(request, include_non_oic)
    if result is None:
        return _no_prices(request, _("Food prices"))
    month = month or service.latest_month(result)
    return render(
        request,
        "prices/overview.html",
        {
            "illustrative_data": _illustrative(request),
            "month": month,
            "alerts": service.country_alerts(result, month),
            "changes": service.alert_changes(result, month).head(50).to_dict("records"),
            "months": [str(m) for m in result.months[::-1]],
        },
    )


@router.get("/prices/alerts.atom")
def feed(request: Request) -> Response:
    """Atom feed of the latest month's country alerts, for mail or chat tools to poll."""
    result = load(request)
    month = service.latest_month(result)
    ns = "http://www.w3.org/2005/Atom"
    root = ElementTree.Element("feed", xmlns=ns)
    ElementTree.SubElement(root, "title").text = _("IOFS food-price alerts")
    ElementTree.SubElement(root, "id").text = f"urn:iofs:prices:alerts:{month}"
    ElementTree.SubElement(root, "updated").text = datetime.now(UTC).isoformat()
    base = public_base_url(request)
    for alert in service.country_alerts(result, month):
        if not (alert.ipa_alert or alert.ipa_watch or alert.alps_alert):
            continue
        entry = ElementTree.SubElement(root, "entry")
        ElementTree.SubElement(entry, "id").text = f"urn:iofs:prices:{alert.country}:{month}"
        ElementTree.SubElement(entry, "title").text = _(
            "%(country)s %(month)s: %(alert)d series in IPA alert, %(watch)d in watch"
        ) % {
            "country": alert.country,
            "month": month,
            "alert": alert.ipa_alert,
            "watch": alert.ipa_watch,
        }
        ElementTree.SubElement(entry, "updated").text = f"{month}-01T00:00:00Z"
        ElementTree.SubElement(entry, "link", href=f"{base}/prices/{alert.country}")
        ElementTree.SubElement(entry, "summary").text = _(
            "Worst: %(market)s, %(commodity)s (IPA %(ipa)s); %(new)d new alert(s); "
            "%(alps)d series in ALPS alert or crisis."
        ) % {
            "market": alert.worst_market or "—",
            "commodity": alert.worst_commodity or "—",
            "ipa": f"{alert.worst_ipa:.2f}" if alert.worst_ipa is not None else "—",
            "new": alert.new_alerts,
            "alps": alert.alps_alert,
        }
    body = ElementTree.tostring(root, encoding="unicode", xml_declaration=True)
    return Response(body, media_type="application/atom+xml; charset=utf-8")


@router.get("/prices/series/{series}", response_class=HTMLResponse)
def series_page(
    request: Request, series: int = Path(ge=0, le=1_000_000_000), include_non_oic: bool = NON_OIC
) -> HTMLResponse:
    rows = service.series_history(load(request, include_non_oic), series)
    if rows.empty:
        from fastapi import HTTPException

        raise HTTPException(404, _("No such price series."))
    first = rows.iloc[0]
    return render(
        request,
        "prices/series.html",
        {
            "illustrative_data": _illustrative(request),
            "info": first,
            "rows": views.signal_records(rows)[::-1],
            "chart": vega_lite_svg(series_chart(rows)),
        },
    )


@router.get("/prices/{iso3}", response_class=HTMLResponse)
def country_page(
    request: Request,
    iso3: str = Path(min_length=3, max_length=3),
    month: str | None = MONTH,
    market: str | None = MARKET,
    commodity: str | None = COMMODITY,
    after: str | None = AFTER,
    limit: int = limit_query(100, 500),
    include_non_oic: bool = NON_OIC,
) -> HTMLResponse:
    """A country's series in one month, worst IPA first, 100 a page, filtered by market
    and commodity."""
    iso3 = iso3.upper()
    result = _signals_or_none(request, include_non_oic)
    if iso3 not in oic_iso3() and (result is None or not include_non_oic):
        raise HTTPException(404, _("%(code)s is not an OIC member state.") % {"code": iso3})
    if result is None:
        return _no_prices(request, _("Food prices"))
    month = month or service.latest_month(result)
    rows = service.anomalies_for(result, iso3, month)
    where = listing.SignalFilter(market=market, commodity=commodity)
    page = listing.signals_page(rows, where, after, limit, secret_of(request))
    return render(
        request,
        "prices/country.html",
        {
            "iso3": iso3,
            "month": month,
            "where": where,
            "markets": listing.choices(rows, "market"),
            "commodities": listing.choices(rows, "commodity"),
            "months": [str(m) for m in result.months[::-1]],
            "rows": page.items,
            **pager_context(request, page),
            "illustrative_data": _illustrative(request),
        },
    )


def series_chart(rows: object) -> dict[str, object]:
    """Vega-Lite spec: monthly price, the ALPS trend-and-season fit with ±1σ and ±2σ bands,
    and months in IPA watch/alert marked."""
    import pandas as pd

    frame = pd.DataFrame(rows).copy()
    frame["sigma"] = frame["alps_sigma_price"]
    if frame["sigma"].isna().all():  # not ALPS-eligible: no fit is drawn
        frame["alps_fitted"] = float("nan")
    frame["low2"] = frame["alps_fitted"] - 2 * frame["sigma"]
    frame["high2"] = frame["alps_fitted"] + 2 * frame["sigma"]
    frame["low1"] = frame["alps_fitted"] - frame["sigma"]
    frame["high1"] = frame["alps_fitted"] + frame["sigma"]
    data = (
        frame[["month", "price", "alps_fitted", "low1", "high1", "low2", "high2", "ipa_class"]]
        .astype(object)
        .where(frame.notna(), None)
        .to_dict("records")
    )
    x = {"field": "month", "type": "temporal", "title": _("Month")}
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": 760,
        "height": 300,
        "data": {"values": data},
        "layer": [
            {
                "mark": {"type": "area", "opacity": 0.15, "color": "#f46d43"},
                "encoding": {
                    "x": x,
                    "y": {"field": "low2", "type": "quantitative"},
                    "y2": {"field": "high2"},
                },
            },
            {
                "mark": {"type": "area", "opacity": 0.25, "color": "#fee08b"},
                "encoding": {
                    "x": x,
                    "y": {"field": "low1", "type": "quantitative"},
                    "y2": {"field": "high1"},
                },
            },
            {
                "mark": {"type": "line", "strokeDash": [4, 3], "color": "#5b6775"},
                "encoding": {"x": x, "y": {"field": "alps_fitted", "type": "quantitative"}},
            },
            {
                "mark": {"type": "line", "color": "#0b6e4f"},
                "encoding": {
                    "x": x,
                    "y": {"field": "price", "type": "quantitative", "title": _("Price")},
                },
            },
            {
                "transform": [
                    {"filter": "datum.ipa_class == 'alert' || datum.ipa_class == 'watch'"}
                ],
                "mark": {"type": "point", "filled": True, "size": 60},
                "encoding": {
                    "x": x,
                    "y": {"field": "price", "type": "quantitative"},
                    "color": {
                        "field": "ipa_class",
                        "type": "nominal",
                        "title": "IPA",
                        "scale": {"domain": ["watch", "alert"], "range": ["#e0a526", "#a50026"]},
                    },
                },
            },
        ],
    }
