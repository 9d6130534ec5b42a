"""JSON API of drought monitoring: /api/v1/drought/…"""

from __future__ import annotations

import math
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Query, Request

from iofs.config import Settings
from iofs.errors import NotFoundError
from iofs.i18n import gettext as _
from iofs.monitor.drought import service
from iofs.monitor.drought.errors import DroughtInputError
from iofs.monitor.drought.schemas import DroughtMonthOut, MapValueOut

router = APIRouter(tags=["drought"])

Scale = Annotated[int, Query(description="SPI scale in months: 1, 3, 6, 9, 12 or 24", ge=1, le=24)]
NonOic = Annotated[bool, Query(description="Also show countries outside the 57 OIC states")]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def rows_out(frame: pd.DataFrame) -> list[DroughtMonthOut]:
    """Table rows as response models (NaN becomes null)."""
    return [
        DroughtMonthOut(**{k: _clean(v) for k, v in row.items()})
        for row in frame.to_dict(orient="records")
    ]


def _check_scale(scale: int) -> None:
    if scale not in service.kernel.SCALES:
        raise DroughtInputError(
            _("The scale must be one of 1, 3, 6, 9, 12 or 24 months."), field="scale"
        )


@router.get(
    "/drought/countries/{iso3}",
    response_model=list[DroughtMonthOut],
    summary="A country's monthly SPI and drought shares",
    responses={404: {"description": "No drought statistics for this country"}},
)
def country(
    request: Request, iso3: str, scale: Scale = 3, include_non_oic: NonOic = False
) -> list[DroughtMonthOut]:
    """Monthly area-weighted SPI and drought-class area shares of one country, oldest first."""
    _check_scale(scale)
    frame = service.country_series(_settings(request), iso3, scale, include_non_oic=include_non_oic)
    if frame.empty:
        raise NotFoundError(_("No drought statistics for this country and scale."))
    return rows_out(frame)


@router.get(
    "/drought/latest",
    response_model=list[DroughtMonthOut],
    summary="Latest SPI month of every country",
)
def latest(
    request: Request, scale: Scale = 3, include_non_oic: NonOic = False
) -> list[DroughtMonthOut]:
    """Each country's most recent month of SPI statistics at ``scale``."""
    _check_scale(scale)
    return rows_out(
        service.latest_by_country(_settings(request), scale, include_non_oic=include_non_oic)
    )


@router.get(
    "/drought/map",
    response_model=list[MapValueOut],
    summary="Latest SPI class per country, for the map",
)
def map_values(
    request: Request, scale: Scale = 3, include_non_oic: NonOic = False
) -> list[MapValueOut]:
    """``[{iso3, category, label}]`` of the latest month, in the shared map's format."""
    _check_scale(scale)
    frame = service.latest_by_country(_settings(request), scale, include_non_oic=include_non_oic)
    values = []
    for row in frame.to_dict(orient="records"):
        mean = _clean(row["mean_spi"])
        label = (
            _("SPI-%(scale)d %(month)s: %(value).2f")
            % {"scale": scale, "month": row["month"], "value": mean}
            if mean is not None
            else _("no data")
        )
        values.append(
            MapValueOut(iso3=row["iso3"], category=service.drought_category(mean), label=label)
        )
    return values
