"""Shapes of what people enter in the reserves module: API bodies, form fields, sheet rows.

One model per entry checks the API, the pages, the stock-position import, the CLI and the
demo, so each rule is written once. Tonnes and money are exact decimals; dates ISO 8601;
countries ISO3; records refer to each other by their codes.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from iofs.errors import InputError
from iofs.http.validation import translated_message

Code = Annotated[
    str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
]
Reference = Annotated[
    str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
]
Iso3 = Annotated[str, Field(min_length=3, max_length=3, pattern=r"^[A-Z]{3}$")]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
Tonnes = Annotated[Decimal, Field(ge=0, lt=Decimal("1e12"), decimal_places=3)]
PositiveTonnes = Annotated[Decimal, Field(gt=0, lt=Decimal("1e12"), decimal_places=3)]
Money = Annotated[Decimal, Field(ge=0, lt=Decimal("1e15"), decimal_places=2)]
CommodityCode = Literal["wheat", "wheat_flour", "rice", "maize", "barley", "sorghum", "millet"]
Text200 = Annotated[str, Field(max_length=200)]
Text1000 = Annotated[str, Field(max_length=1000)]
Sources = Annotated[str, Field(max_length=4000)]

M = TypeVar("M", bound=BaseModel)


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


class Input(BaseModel):
    """Base of the input shapes: unknown fields refused, text stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def checked(model: type[M], data: dict[str, Any] | M) -> M:
    """``data`` validated as ``model``; the first problem becomes an :class:`InputError`
    naming the field and the reason in the user's language."""
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        raise InputError(translated_message(dict(first)), field) from None


class SystemIn(Input):
    code: Code
    name: Annotated[str, Field(min_length=1, max_length=200)]
    name_ar: Text200 = ""
    name_fr: Text200 = ""
    kind: Literal["regional", "humanitarian"]
    description: Annotated[str, Field(max_length=4000)] = ""
    members: list[Iso3] = []
    sources: Sources = ""
    illustrative: bool = False

    @field_validator("members", mode="before")
    @classmethod
    def _members(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [part for part in value.replace(";", ",").split(",") if part.strip()]
        return [_upper(part) for part in value] if isinstance(value, list) else value


class TargetIn(Input):
    system: Code
    commodity: CommodityCode
    quantity_t: Tonnes
    set_on: dt.date
    sources: Sources = ""
    illustrative: bool = False


class PledgeIn(Input):
    reference: Reference
    system: Code
    country: Iso3
    commodity: CommodityCode
    grade: Annotated[str, Field(max_length=64)] = ""
    form: Literal["physical", "financial"]
    quantity_t: Tonnes | None = None
    amount: Money | None = None
    currency: Currency = "USD"
    amount_usd: Money | None = None
    pledged_on: dt.date
    valid_until: dt.date | None = None
    sources: Sources = ""
    illustrative: bool = False

    _upper_country = field_validator("country", "currency", mode="before")(_upper)
    _none = field_validator("quantity_t", "amount", "amount_usd", "valid_until", mode="before")(
        _blank_is_none
    )


class WarehouseIn(Input):
    code: Code
    name: Annotated[str, Field(min_length=1, max_length=200)]
    country: Iso3
    place: Text200 = ""
    latitude: Annotated[float, Field(ge=-90, le=90)] | None = None
    longitude: Annotated[float, Field(ge=-180, le=180)] | None = None
    capacity_t: Tonnes
    system: Code | None = None
    sources: Sources = ""
    illustrative: bool = False

    _upper_country = field_validator("country", mode="before")(_upper)
    _none = field_validator("latitude", "longitude", "system", mode="before")(_blank_is_none)


class LotIn(Input):
    code: Reference
    warehouse: Code
    system: Code | None = None
    commodity: CommodityCode
    grade: Annotated[str, Field(max_length=64)] = ""
    received_on: dt.date
    best_before: dt.date | None = None
    rotation_due: dt.date | None = None
    sources: Sources = ""
    illustrative: bool = False

    _none = field_validator("system", "best_before", "rotation_due", mode="before")(_blank_is_none)


class QualityTestIn(Input):
    tested_on: dt.date
    moisture_percent: Annotated[Decimal, Field(ge=0, le=100, decimal_places=2)] | None = None
    result: Literal["pass", "fail"]
    note: Annotated[str, Field(max_length=500)] = ""

    _none = field_validator("moisture_percent", mode="before")(_blank_is_none)


class MovementIn(Input):
    kind: Literal["receipt", "rotation_in", "rotation_out", "loss"]
    dated: dt.date
    quantity_t: PositiveTonnes
    reason: Annotated[str, Field(max_length=300)] = ""
    document: Text200 = ""
    reference: Reference | None = None

    _none = field_validator("reference", mode="before")(_blank_is_none)


class TransferIn(Input):
    to_lot: Reference
    dated: dt.date
    quantity_t: PositiveTonnes
    document: Text200 = ""


class StockPositionRow(Input):
    """One row of a stock-position sheet: a lot and the tonnes it held on ``as_of``."""

    warehouse: Code
    lot: Reference
    commodity: CommodityCode
    grade: Annotated[str, Field(max_length=64)] = ""
    received_on: dt.date
    best_before: dt.date | None = None
    rotation_due: dt.date | None = None
    quantity_t: Tonnes
    as_of: dt.date
    system: Code | None = None

    _none = field_validator("best_before", "rotation_due", "system", mode="before")(_blank_is_none)


class RequestIn(Input):
    reference: Reference
    country: Iso3
    commodity: CommodityCode
    quantity_t: PositiveTonnes
    tier: Literal[1, 2, 3]
    reason: Annotated[str, Field(min_length=1, max_length=1000)]
    people: int = Field(0, ge=0, le=1_000_000_000)
    requested_on: dt.date
    system: Code | None = None
    appeal: Code | None = None
    sources: Sources = ""
    illustrative: bool = False

    _upper_country = field_validator("country", mode="before")(_upper)
    _none = field_validator("system", "appeal", mode="before")(_blank_is_none)


class AssessmentIn(Input):
    dated: dt.date
    note: Annotated[str, Field(min_length=1, max_length=1000)]
    quantity_t: PositiveTonnes | None = None

    _none = field_validator("quantity_t", mode="before")(_blank_is_none)


class DecisionIn(Input):
    decision: Literal["approve", "reduce", "refuse"]
    dated: dt.date
    reason: Annotated[str, Field(min_length=1, max_length=1000)]
    quantity_t: PositiveTonnes | None = None

    _none = field_validator("quantity_t", mode="before")(_blank_is_none)


class DispatchLine(Input):
    lot: Reference
    quantity_t: PositiveTonnes


class DispatchIn(Input):
    dated: dt.date
    lots: Annotated[list[DispatchLine], Field(min_length=1, max_length=200)]
    appeal: Code | None = None
    destination: Text200 = ""
    document: Text200 = ""

    _none = field_validator("appeal", mode="before")(_blank_is_none)


class DeliveryIn(Input):
    dated: dt.date
    quantity_t: PositiveTonnes
    loss_t: Tonnes = Decimal(0)
    document: Text200 = ""


class ReplenishmentIn(Input):
    form: Literal["grain", "cash"]
    due_on: dt.date
    quantity_t: PositiveTonnes | None = None
    amount: Money | None = None
    currency: Currency = "USD"

    _none = field_validator("quantity_t", "amount", mode="before")(_blank_is_none)
    _upper_currency = field_validator("currency", mode="before")(_upper)


class SettlementIn(Input):
    dated: dt.date
    lot: Reference | None = None
    document: Text200 = ""

    _none = field_validator("lot", mode="before")(_blank_is_none)
