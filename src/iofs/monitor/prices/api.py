"""JSON API of price signals: /api/v1/prices/…"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Path, Query, Request

from iofs.i18n import gettext as _
from iofs.monitor.prices import service, views
from iofs.monitor.prices.schemas import CountryAlertOut, MapValue, PriceSignal

router = APIRouter(tags=["prices"])
MONTH = Query(None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM; default latest")
NON_OIC = Query(False, description="Also show countries outside the 57 OIC states")


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
    response_model=list[PriceSignal],
    summary="IPA and ALPS of every series in a month",
)
def anomalies(
    request: Request,
    country: str | None = Query(None, min_length=3, max_length=3, description="ISO3"),
    month: str | None = MONTH,
    limit: int = Query(1000, ge=1, le=100_000),
    include_non_oic: bool = NON_OIC,
) -> list[PriceSignal]:
    rows = service.anomalies_for(load(request, include_non_oic), country, month)
    return views.signal_records(rows.head(limit))


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
