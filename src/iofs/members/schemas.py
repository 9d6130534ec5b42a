"""Public shapes of member-state records (API responses, CLI JSON/CSV output)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from iofs.members.models import IofsStatus, OicGroup


class MemberStateOut(BaseModel):
    """One OIC member state as the API and CLI present it."""

    model_config = ConfigDict(from_attributes=True)

    iso3: str = Field(description="ISO 3166-1 alpha-3 code", examples=["KAZ"])
    iso2: str = Field(description="ISO 3166-1 alpha-2 code")
    iso_numeric: int = Field(description="ISO 3166-1 numeric code")
    m49: int = Field(description="UN M49 area code")
    fao_code: int = Field(description="FAOSTAT area code")
    name_en: str
    name_ar: str
    name_fr: str
    oic_group: OicGroup
    oic_accession_year: int
    iofs_status: IofsStatus
    iofs_statute_signed_on: str | None = Field(
        description="ISO 8601 date, reduced precision allowed (2013-12); null when unknown"
    )
    iofs_statute_ratified: str = Field(description="'yes' or 'unknown'")
    iofs_statute_ratified_on: str | None
    sources: str


class GeneralAssemblySessionOut(BaseModel):
    """A General Assembly session."""

    model_config = ConfigDict(from_attributes=True)

    number: int
    kind: str
    held_on: str | None
    place: str | None
    host_iso3: str | None
    sources: str


class ExecutiveBoardSeatOut(BaseModel):
    """A seat on the Executive Board in one year."""

    model_config = ConfigDict(from_attributes=True)

    year: int
    iso3: str
    role: str
    sources: str


class MembershipSummary(BaseModel):
    """Counts of OIC states by IOFS status and by OIC group."""

    total: int
    by_status: dict[str, int]
    by_group: dict[str, int]


class CountryFigureIn(BaseModel):
    """A national figure as entered: indicator from the catalogue, year, value (as a string
    or number; stored as an exact decimal)."""

    indicator: str = Field(max_length=64, examples=["cereal_production"])
    year: int = Field(ge=1960, le=2100)
    value: Decimal = Field(ge=0, lt=Decimal("1e16"), max_digits=20, decimal_places=4)
    source: str = Field(default="", max_length=500)
    note: str = Field(default="", max_length=4000)


class CountryFigureOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    iso3: str
    indicator: str
    year: int
    value: Decimal
    unit: str
    source: str
    note: str
    published: bool


class PublishIn(BaseModel):
    published: bool
