"""Shapes of what people enter in the programmes module: API bodies, form fields, sheet rows.

The same models check the API, the pages, the Excel upload, the CLI and the demo data, so a
rule is written once. Amounts are exact decimals; dates ISO 8601; countries ISO3; records
refer to each other by their codes (a contribution's donor is an organisation code, its
appeal an appeal code), which keeps sheets and files readable and re-importable.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from iofs.errors import InputError
from iofs.http.validation import translated_message
from iofs.programmes import vocabulary as v
from iofs.validation import MAX_RECORD_ID

Code = Annotated[
    str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
]
OrgCode = Annotated[
    str, Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$")
]
Iso3 = Annotated[str, Field(min_length=3, max_length=3, pattern=r"^[A-Z]{3}$")]
Sector = Annotated[str, Field(pattern=r"^\d{5}$")]
Money = Annotated[Decimal, Field(ge=0, lt=Decimal("1e15"), decimal_places=2)]
Tonnes = Annotated[Decimal, Field(ge=0, lt=Decimal("1e12"), decimal_places=3)]
Year = Annotated[int, Field(ge=1990, le=2100)]
Text200 = Annotated[str, Field(max_length=200)]
Title = Annotated[str, Field(min_length=1, max_length=300)]
Sources = Annotated[str, Field(max_length=4000)]

M = TypeVar("M", bound=BaseModel)


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


#: Control characters (other than tab and line breaks) cannot go into XML, Excel or HXL.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Input(BaseModel):
    """Base of the input shapes: unknown fields are refused, text is stripped, control
    characters are refused (they cannot be exported to IATI XML, Excel or HXL)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _printable(cls, value: Any) -> Any:
        if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
            raise PydanticCustomError(
                "control_characters", "Remove the control characters from this text."
            )
        return value


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


class OrganisationIn(Input):
    code: OrgCode
    name: Text200 = Field(min_length=1)
    name_ar: Text200 = ""
    name_fr: Text200 = ""
    kind: v.OrganisationKind
    iati_org_id: str | None = Field(default=None, max_length=64)
    country: Iso3 | None = None
    sources: Sources = ""
    illustrative: bool = False

    _upper_country = field_validator("country", mode="before")(_upper)
    _none = field_validator("iati_org_id", "country", mode="before")(_blank_is_none)


class ProgrammeIn(Input):
    code: Code
    title: Title
    title_ar: Annotated[str, Field(max_length=300)] = ""
    title_fr: Annotated[str, Field(max_length=300)] = ""
    description: Annotated[str, Field(max_length=4000)] = ""
    status: v.ActivityStatus = "implementation"
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    sector_code: Sector
    humanitarian: bool = False
    emergency: Annotated[str, Field(max_length=64)] = ""
    sources: Sources = ""
    illustrative: bool = False


class ProjectIn(Input):
    programme: Code
    code: Code
    title: Title
    title_ar: Annotated[str, Field(max_length=300)] = ""
    title_fr: Annotated[str, Field(max_length=300)] = ""
    description: Annotated[str, Field(max_length=4000)] = ""
    country: Iso3
    admin1: Annotated[str, Field(max_length=100)] = ""
    sector_code: Sector
    status: v.ActivityStatus = "implementation"
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    implementer: OrgCode | None = None
    sources: Sources = ""
    illustrative: bool = False

    _upper_country = field_validator("country", mode="before")(_upper)
    _none = field_validator("implementer", mode="before")(_blank_is_none)


class AppealIn(Input):
    code: Code
    title: Title
    title_ar: Annotated[str, Field(max_length=300)] = ""
    title_fr: Annotated[str, Field(max_length=300)] = ""
    programme: Code | None = None
    launched_on: dt.date | None = None
    ends_on: dt.date | None = None
    commodity: Annotated[str, Field(max_length=100)] = ""
    sources: Sources = ""
    illustrative: bool = False

    _none = field_validator("programme", mode="before")(_blank_is_none)


class RequirementIn(Input):
    country: Iso3
    sector_code: Sector
    year: Year
    amount_usd: Money
    quantity_t: Tonnes | None = None

    _upper_country = field_validator("country", mode="before")(_upper)
    _none = field_validator("quantity_t", mode="before")(_blank_is_none)


class RevisionIn(Input):
    number: int = Field(ge=0, le=99)
    issued_on: dt.date
    reason: Annotated[str, Field(max_length=500)] = ""
    requirements: list[RequirementIn] = Field(min_length=1, max_length=2000)


class ContributionIn(Input):
    """A contribution as entered. ``reference`` is the natural key (generated when empty)."""

    reference: Annotated[str, Field(max_length=64, pattern=r"^[A-Za-z0-9._/-]*$")] = ""
    donor: OrgCode
    recipient: OrgCode | None = "IOFS"
    appeal: Code | None = None
    programme: Code | None = None
    project: Code | None = None
    country: Iso3 | None = None
    sector_code: Sector | None = None
    modality: v.Modality = "cash"
    status: v.ContributionStatus = "pledge"
    decided_on: dt.date
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "USD"
    amount: Money | None = None
    exchange_rate: Annotated[Decimal, Field(gt=0, lt=Decimal("1e9"), decimal_places=10)] | None = (
        None
    )
    rate_date: dt.date | None = None
    rate_source: Annotated[str, Field(max_length=200)] = ""
    commodity: Annotated[str, Field(max_length=100)] = ""
    quantity: Tonnes | None = None
    unit: v.QuantityUnit = ""
    valuation_method: v.ValuationMethod = ""
    valuation_source: Annotated[str, Field(max_length=300)] = ""
    earmarking: v.Earmarking = "earmarked"
    parent: Annotated[str, Field(max_length=64)] | None = None
    new_money: bool | None = None
    description: Annotated[str, Field(max_length=1000)] = ""
    confirmed_by: Annotated[str, Field(max_length=200)] = ""
    document: Annotated[str, Field(max_length=500)] = ""
    years: dict[Year, Money] = Field(default_factory=dict, max_length=20)
    fts_flow_id: int | None = Field(default=None, ge=1, le=MAX_RECORD_ID)
    sources: Sources = ""
    illustrative: bool = False

    _upper = field_validator("country", "currency", mode="before")(_upper)
    _none = field_validator(
        "recipient",
        "appeal",
        "programme",
        "project",
        "country",
        "sector_code",
        "amount",
        "exchange_rate",
        "rate_date",
        "quantity",
        "parent",
        "new_money",
        "fts_flow_id",
        mode="before",
    )(_blank_is_none)


class StatusIn(Input):
    status: v.ContributionStatus
    dated: dt.date
    confirmed_by: Annotated[str, Field(max_length=200)] = ""
    document: Annotated[str, Field(max_length=500)] = ""


class ConsignmentIn(Input):
    reference: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._/-]+$")]
    appeal: Code | None = None
    project: Code | None = None
    contribution: Annotated[str, Field(max_length=64)] | None = None
    country: Iso3
    commodity: Annotated[str, Field(min_length=1, max_length=100)]
    origin: Text200 = ""
    destination: Text200 = ""
    sources: Sources = ""
    illustrative: bool = False

    _upper_country = field_validator("country", mode="before")(_upper)
    _none = field_validator("appeal", "project", "contribution", mode="before")(_blank_is_none)


class StageIn(Input):
    stage: v.PipelineStage
    dated: dt.date
    quantity_t: Tonnes
    loss_t: Tonnes = Decimal(0)
    document: Text200 = ""
    note: Annotated[str, Field(max_length=500)] = ""


class BeneficiariesIn(Input):
    project: Code | None = None
    appeal: Code | None = None
    consignment: Annotated[str, Field(max_length=64)] | None = None
    country: Iso3
    measure: v.BeneficiaryMeasure
    unit: v.BeneficiaryUnit
    sex: v.Sex = "all"
    age_group: v.AgeGroup = "all"
    number: int = Field(ge=0, le=1_000_000_000)
    as_of: dt.date
    sources: Sources = ""
    illustrative: bool = False

    _upper_country = field_validator("country", mode="before")(_upper)
    _none = field_validator("project", "appeal", "consignment", mode="before")(_blank_is_none)


class IndicatorIn(Input):
    programme: Code | None = None
    project: Code | None = None
    code: Code
    title: Title
    unit: Annotated[str, Field(min_length=1, max_length=32)]
    measure: v.IndicatorMeasure = "unit"
    result_type: v.ResultType = "output"
    ascending: bool = True
    aggregation: v.Aggregation = "sum"
    baseline_year: Year | None = None
    baseline_value: (
        Annotated[Decimal, Field(gt=Decimal("-1e15"), lt=Decimal("1e15"), decimal_places=4)] | None
    ) = None

    _none = field_validator(
        "programme", "project", "baseline_year", "baseline_value", mode="before"
    )(_blank_is_none)


class IndicatorValueIn(Input):
    period_start: dt.date
    period_end: dt.date
    kind: v.ValueKind
    dimension: Annotated[str, Field(max_length=32)] = ""
    dimension_value: Annotated[str, Field(max_length=64)] = ""
    value: Annotated[Decimal, Field(gt=Decimal("-1e15"), lt=Decimal("1e15"), decimal_places=4)]


class ActivityIn(Input):
    project: Code
    kind: v.ActivityKind = "training"
    title: Title
    starts_on: dt.date
    ends_on: dt.date | None = None
    location: Text200 = ""
    participants_female: int = Field(default=0, ge=0, le=10_000_000)
    participants_male: int = Field(default=0, ge=0, le=10_000_000)
    sources: Sources = ""
    illustrative: bool = False


class ReviewIn(Input):
    decision: v.ReviewDecision
    note: Annotated[str, Field(max_length=500)] = ""
    #: The version of the figure the reviewer saw (``version`` of the review queue).
    version: Annotated[int, Field(ge=1, le=MAX_RECORD_ID)]


class Out(BaseModel):
    """Base of the API's answers: read from ORM rows or dicts."""

    model_config = ConfigDict(from_attributes=True)


class OrganisationOut(Out):
    code: str
    name: str
    name_ar: str
    name_fr: str
    kind: str
    iati_org_id: str | None
    iati_org_type: str
    country: str | None
    illustrative: bool
    sources: str


class ProjectOut(Out):
    code: str
    title: str
    country: str
    admin1: str
    sector_code: str
    status: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    illustrative: bool
    sources: str


class ProgrammeOut(Out):
    code: str
    title: str
    title_ar: str
    title_fr: str
    description: str
    status: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    sector_code: str
    humanitarian: bool
    illustrative: bool
    sources: str
    projects: list[ProjectOut] = []


class DonorLineOut(Out):
    code: str
    name: str
    pledged_usd: Decimal
    committed_usd: Decimal
    paid_usd: Decimal


class AppealSummaryOut(Out):
    code: str
    title: str
    commodity: str
    illustrative: bool
    original_usd: Decimal
    required_usd: Decimal
    pledged_usd: Decimal
    committed_usd: Decimal
    paid_usd: Decimal
    funded_usd: Decimal
    coverage_percent: float | None
    gap_usd: Decimal
    original_t: Decimal | None
    required_t: Decimal | None
    delivered_t: Decimal
    gap_t: Decimal | None
    pending_usd: Decimal
    households_reached: int
    people_reached: int
    donors: list[DonorLineOut]


class ContributionOut(Out):
    id: int
    reference: str
    donor: str
    status: str
    approval: str
    modality: str
    decided_on: dt.date
    currency: str
    amount: Decimal
    exchange_rate: Decimal
    amount_usd: Decimal
    commodity: str
    quantity_t: Decimal | None
    country: str | None
    new_money: bool
    illustrative: bool


class FigureOut(Out):
    """Any reviewable figure after an entry or a review: its kind, id and review state."""

    kind: str
    id: int
    approval: str
    entered_by: str
    reviewed_by: str
    version: int


class PendingOut(Out):
    kind: str
    id: int
    entered_by: str
    summary: str
    country: str | None
    #: Name it when approving or rejecting: a figure changed since is refused (409).
    version: int


class ConversionOut(Out):
    donor: str
    name: str
    pledged_usd: Decimal
    paid_usd: Decimal
    open_usd: Decimal
    conversion_percent: float | None


class FlowOut(Out):
    donor: str
    target: str
    country: str
    usd: Decimal
    status: str


class RecordOut(Out):
    """A record created or updated by code."""

    id: int
    code: str
