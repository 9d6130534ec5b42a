"""JSON API of FAOSTAT indicators: /api/v1/faostat/…"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from iofs.i18n import current_language
from iofs.monitor.faostat import service
from iofs.monitor.faostat.deps import INDICATOR_LIST, Item, Year, analytics_dir
from iofs.monitor.faostat.schemas import (
    GrowthOut,
    IndicatorRow,
    MapValueOut,
    RankedValue,
    SliceOut,
)

router = APIRouter(tags=["faostat"])

Indicator = Annotated[
    str | None, Query(max_length=80, description=(f"Only this indicator: {INDICATOR_LIST}"))
]
IndicatorPath = Annotated[str, Path(description=f"The indicator: {INDICATOR_LIST}")]


@router.get(
    "/faostat/indicators/{area}",
    response_model=list[IndicatorRow],
    summary="FAO food-security indicators of a state or OIC aggregate",
    responses={404: {"description": "Not an OIC state or aggregate"}},
)
def area_indicators(
    request: Request, area: str, year: Year = None, indicator: Indicator = None
) -> list[IndicatorRow]:
    """Every indicator value of ``area`` (ISO3, or OIC, OIC-ARAB, OIC-AFR, OIC-ASIA):
    computed by iofs and as published by FAOSTAT (``source``), with flags."""
    return service.area_rows(analytics_dir(request), area, year, indicator)


@router.get(
    "/faostat/compare/{indicator}",
    response_model=list[RankedValue],
    summary="The OIC states ranked on one indicator",
)
def compare(
    request: Request, indicator: IndicatorPath, year: Year = None, item: Item = None
) -> list[RankedValue]:
    """The states ranked highest first, for ``year`` or each state's latest year."""
    return service.compare(analytics_dir(request), indicator, year, item, current_language())


@router.get(
    "/faostat/map/{indicator}",
    response_model=list[MapValueOut],
    summary="Quintile class of each state on one indicator, for the map",
)
def map_values(
    request: Request, indicator: IndicatorPath, year: Year = None, item: Item = None
) -> list[MapValueOut]:
    """``[{iso3, category, label}]`` with categories q1 (lowest quintile) … q5, nodata."""
    ranked = service.compare(analytics_dir(request), indicator, year, item, current_language())
    return service.map_values(ranked)


@router.get(
    "/faostat/growth/{area}",
    response_model=GrowthOut,
    summary="Growth of an indicator between two years",
)
def growth(
    request: Request,
    area: str,
    indicator: Annotated[
        str, Query(max_length=80, description=(f"The indicator: {INDICATOR_LIST}"))
    ],
    start_year: Annotated[int, Query(ge=1900, le=2200, description="First year")],
    end_year: Annotated[int, Query(ge=1900, le=2200, description="Last year")],
    item: Item = None,
) -> GrowthOut:
    """Ratio end/start and compound annual growth (percent per year)."""
    return service.growth(analytics_dir(request), area, indicator, start_year, end_year, item)


@router.get("/faostat/slices", response_model=list[SliceOut], summary="FAOSTAT files in the store")
def ingested(request: Request) -> list[SliceOut]:
    """One entry per ingested FAOSTAT file: domain, layout, encoding, rows, years."""
    return service.ingested(analytics_dir(request))
