"""JSON API of price signals: /api/v1/prices/…"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response

from iofs.http.paging import AFTER, PageOut, limit_query, link_header, secret_of
from iofs.i18n import gettext as _
from iofs.monitor.prices import listing, service, views
from iofs.monitor.prices.schemas import CountryAlertOut, MapValue, PriceSignal

router = APIRouter(tags=["prices"])
MONTH = Query(None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM; default latest")
NON_OIC = Query(False, description="Also show countries outside the 57 OIC states")
MARKET = Query(None, max_length=200, description="Market name, as in the price file")
COMMODITY = Query(None, max_length=200, description="Commodity name, as in the price file")


def load(request: Request, include_non_oic: bool = False) -> service.Signals:
    """The signals of the 57 OIC states (every stored country with ``include_non_oic``), or
    404 with a sentence when nothing has been ingested."""
    try:
        result = service.signals(request.app.state.settings.analytics_dir)
    except service.NoPriceData:
        raise HTTPException(404, _("No prices have been ingested yet.")) from None
    return service.scoped(result, include_non_oic)


@router.get(
    "/prices/anomalies",
    response_model=PageOut[PriceSignal],
    summary="IPA and ALPS of every series in a month, worst first, keyset-paged",
)
def anomalies(
    request: Request,
    response: Response,
    country: str | None = Query(None, min_length=3, max_length=3, description="ISO3"),
    month: str | None = MONTH,
    market: str | None = MARKET,
    commodity: str | None = COMMODITY,
    after: str | None = AFTER,
    limit: int = limit_query(100, 1000),
    include_non_oic: bool = NON_OIC,
) -> PageOut[PriceSignal]:
    """One page of a month's signals (``limit`` rows, worst IPA first); ``next`` (and the
    ``Link`` header) give the following page, ``null`` on the last."""
    rows = service.anomalies_for(load(request, include_non_oic), country, month)
    where = listing.SignalFilter(market=market, commodity=commodity)
    page = listing.signals_page(rows, where, after, limit, secret_of(request))
    link_header(request, response, page)
    return PageOut[PriceSignal].of(page)


@router.get(
    "/prices/alerts",
    response_model=list[CountryAlertOut],
    summary="Monthly price alerts per country",
)
def alerts(
    request: Request, month: str | None = MONTH, include_non_oic: bool = NON_OIC
) -> list[CountryAlertOut]:
    return views.alert_records(service.country_alerts(load(request, include_non_oic), month))


@router.get(
    "/prices/map",
    response_model=list[MapValue],
    summary="Share of series in IPA watch/alert per country, for the map",
)
def map_values(
    request: Request, month: str | None = MONTH, include_non_oic: bool = NON_OIC
) -> list[MapValue]:
    return views.map_values(service.country_alerts(load(request, include_non_oic), month))


@router.get(
    "/prices/series/{series}", response_model=list[PriceSignal], summary="Every month of one series"
)
def series(
    request: Request, series: int = Path(ge=0, le=1_000_000_000), include_non_oic: bool = NON_OIC
) -> list[PriceSignal]:
    rows = service.series_history(load(request, include_non_oic), series)
    if rows.empty:
        raise HTTPException(404, _("No such price series."))
    return views.signal_records(rows)
