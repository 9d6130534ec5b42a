"""Shapes of the strategy module: what the API, the pages and the demo data enter (bounded
inputs; decimals as exact strings), checked once here, and what the API returns.

The services take the input shapes (or a dict, checked with :func:`checked`), so a limit or a
choice is written once; choices come from :mod:`iofs.strategy.vocabulary`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from iofs.errors import InputError
from iofs.http.validation import translated_message
from iofs.strategy import vocabulary as v
from iofs.validation import MAX_RECORD_ID

Code = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
Iso3 = Field(default=None, min_length=3, max_length=3, pattern=r"^[A-Za-z]{3}$")
Amount = Field(gt=Decimal("-1e15"), lt=Decimal("1e15"), max_digits=20, decimal_places=4)
Year = Field(ge=1990, le=2100)
RecordRef = Field(default=None, ge=1, le=MAX_RECORD_ID)
#: One record id in a list of references.
RecordId = Annotated[int, Field(ge=1, le=MAX_RECORD_ID)]

M = TypeVar("M", bound=BaseModel)


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


#: A date that may be left empty (an empty form field is no date).
OptionalDate = Annotated[dt.date | None, BeforeValidator(_blank_is_none)]


class Input(BaseModel):
    """Base of the input shapes: text is stripped before its limits are checked."""

    model_config = ConfigDict(str_strip_whitespace=True)


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


class PillarIn(BaseModel):
    number: int = Field(ge=1, le=9)
    name: str = Field(min_length=1, max_length=200)
    name_ar: str = Field(default="", max_length=200)
    name_fr: str = Field(default="", max_length=200)
    sources: str = Field(default="", max_length=4000)


class ProgrammeIn(BaseModel):
    pillar_number: int = Field(ge=1, le=9)
    code: str = Code
    name: str = Field(min_length=1, max_length=200)
    sources: str = Field(default="", max_length=4000)


class OutcomeIn(BaseModel):
    programme_code: str = Code
    code: str = Code
    statement: str = Field(min_length=1, max_length=500)
    illustrative: bool = False
    sources: str = Field(default="", max_length=4000)


class FrameworkRecordOut(BaseModel):
    """A pillar, programme or outcome saved: its id and its number or code."""

    id: int
    key: str


class KpiIn(Input):
    outcome_id: int = Field(ge=1, le=MAX_RECORD_ID)
    code: str = Code
    name: str = Field(min_length=1, max_length=200)
    unit: str = Field(min_length=1, max_length=32)
    definition: str = Field(default="", max_length=4000)
    direction: v.Direction = "higher"
    level: v.Level = "state"
    additive: bool = False
    data_source: v.DataSource = "manual"
    feed: str | None = Field(default=None, max_length=64)
    illustrative: bool = False
    sources: str = Field(default="", max_length=4000)


class KpiOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    outcome_id: int
    code: str
    name: str
    unit: str
    definition: str
    direction: str
    level: str
    additive: bool
    data_source: str
    feed: str | None
    illustrative: bool
    sources: str


class PlanIn(BaseModel):
    iso3: str | None = Iso3
    kind: v.PlanKind
    year: int = Year
    value: Decimal = Amount
    illustrative: bool = False
    sources: str = Field(default="", max_length=4000)


class PlanOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kpi_id: int
    iso3: str | None
    kind: str
    year: int
    value: Decimal
    illustrative: bool
    sources: str


class OutcomeOut(BaseModel):
    code: str
    statement: str
    illustrative: bool
    kpis: list[KpiOut]


class ProgrammeOut(BaseModel):
    code: str
    name: str
    sources: str
    outcomes: list[OutcomeOut]


class PillarOut(BaseModel):
    number: int
    name: str
    name_ar: str
    name_fr: str
    sources: str
    programmes: list[ProgrammeOut]


class PeriodIn(BaseModel):
    year: int = Year
    status: v.PeriodStatus = "planned"
    opens_on: dt.date | None = None
    closes_on: dt.date | None = None


class PeriodStatusIn(BaseModel):
    status: v.PeriodStatus


class PeriodOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    year: int
    status: str
    opens_on: dt.date | None
    closes_on: dt.date | None


class ValueIn(BaseModel):
    """A reported value; evidence is a link here (files through the page form)."""

    kpi_id: int = Field(ge=1, le=MAX_RECORD_ID)
    year: int = Year
    value: Decimal = Amount
    evidence_url: str = Field(default="", max_length=500)
    comment: str = Field(default="", max_length=4000)


class ValueOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kpi_id: int
    iso3: str | None
    period_id: int
    value: Decimal
    evidence_url: str
    evidence_name: str
    evidence_sha256: str | None
    comment: str
    status: str
    review_comment: str
    entered_by: str
    reviewed_by: str | None
    updated_at: dt.datetime
    #: Name it when reviewing: a value changed since is refused (409).
    version: int


class ReviewIn(BaseModel):
    decision: v.Decision
    comment: str = Field(default="", max_length=4000)
    #: The version of the value the reviewer saw.
    version: int = Field(ge=1, le=MAX_RECORD_ID)


class AssessmentOut(BaseModel):
    kpi_id: int
    kpi_code: str
    kpi_name: str
    unit: str
    status: str
    value: Decimal | None
    expected: Decimal | None
    target_year: int | None
    target_value: Decimal | None
    illustrative_plan: bool


class PillarScoreOut(BaseModel):
    number: int
    name: str
    counts: dict[str, int]


class GapOut(BaseModel):
    iso3: str
    kpi_id: int
    kpi_code: str
    reason: str


class FeedOut(BaseModel):
    name: str
    description: str
    unit: str


class PartnerIn(Input):
    name: str = Field(min_length=1, max_length=200)
    kind: v.PartnerKind = "other"
    acronym: str = Field(default="", max_length=32)
    country: str | None = Iso3
    website: str = Field(default="", max_length=300)
    sources: str = Field(default="", max_length=4000)


class PartnerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    acronym: str
    kind: str
    country: str | None
    website: str
    sources: str


class AgreementIn(Input):
    title: str = Field(min_length=1, max_length=300)
    kind: v.AgreementKind
    status: v.AgreementStatus = "in_force"
    partner_ids: list[RecordId] = Field(default_factory=list, max_length=50)
    signed_on: OptionalDate = None
    expires_on: OptionalDate = None
    notice_days: int = Field(default=90, ge=0, le=3650)
    areas: str = Field(default="", max_length=500)
    summary: str = Field(default="", max_length=4000)
    illustrative: bool = False
    sources: str = Field(default="", max_length=4000)


class AgreementOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    kind: str
    status: str
    signed_on: dt.date | None
    expires_on: dt.date | None
    notice_days: int
    areas: str
    summary: str
    illustrative: bool
    sources: str


class ObligationIn(Input):
    description: str = Field(min_length=1, max_length=500)
    due_on: dt.date
    owner: str = Field(default="", max_length=200)


class ObligationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    agreement_id: int
    description: str
    owner: str
    due_on: dt.date
    done: bool


class ReminderOut(BaseModel):
    kind: str
    due_on: dt.date
    days_left: int
    agreement_id: int
    agreement_title: str
    obligation_id: int | None
    obligation: str | None


class EventIn(Input):
    name: str = Field(min_length=1, max_length=300)
    kind: v.EventKind = "forum"
    starts_on: OptionalDate = None
    ends_on: OptionalDate = None
    place: str = Field(default="", max_length=200)
    country: str | None = Iso3
    participation: str = Field(default="", max_length=4000)
    outcomes: str = Field(default="", max_length=4000)
    illustrative: bool = False
    sources: str = Field(default="", max_length=4000)


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    kind: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    place: str
    country: str | None
    participation: str
    outcomes: str
    illustrative: bool
    sources: str


class ActivityIn(Input):
    title: str = Field(min_length=1, max_length=300)
    kind: v.ActivityKind = "training"
    starts_on: OptionalDate = None
    ends_on: OptionalDate = None
    place: str = Field(default="", max_length=200)
    agreement_id: int | None = RecordRef
    programme_id: int | None = RecordRef
    participants_female: int = Field(default=0, ge=0, le=1_000_000)
    participants_male: int = Field(default=0, ge=0, le=1_000_000)
    illustrative: bool = False
    sources: str = Field(default="", max_length=4000)


class ActivityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    kind: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    place: str
    agreement_id: int | None
    programme_id: int | None
    participants_female: int
    participants_male: int
    illustrative: bool
    sources: str
