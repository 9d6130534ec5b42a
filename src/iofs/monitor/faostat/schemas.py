"""Public shapes of FAOSTAT indicator records (API responses, CLI JSON output)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class IndicatorRecord(BaseModel):
    """One indicator value, in the exact shape of ``iofs indicators ISO3 --format json``."""

    indicator: str = Field(description="snake_case name, e.g. self_sufficiency_ratio")
    item: str | None = Field(description="FAO item name, or null for whole-diet indicators")
    year: int = Field(description="Year; 3-year averages carry their central year")
    value: float = Field(description="Value in `unit`")
    unit: str = Field(description="Unit, e.g. %, kcal/capita/day, t, 1000 USD")
    source: str = Field(description="'computed' by iofs or 'faostat' as FAO publishes it")


class IndicatorRow(IndicatorRecord):
    """An indicator value with the area and flag (tables, downloads)."""

    area: str = Field(description="ISO3 of a state, or OIC, OIC-ARAB, OIC-AFR, OIC-ASIA")
    flag: str | None = Field(description="FAOSTAT flag, or the number of states of an aggregate")


class RankedValue(BaseModel):
    """One state in a comparison of the 57 states."""

    rank: int = Field(description="1 = highest value")
    iso3: str
    name: str
    year: int
    value: float
    unit: str
    source: str


class MapValueOut(BaseModel):
    """A state's colour on the comparison map."""

    iso3: str
    category: str = Field(description="CSS class suffix: q1 (lowest quintile) … q5, nodata")
    label: str


class GrowthOut(BaseModel):
    """Growth of one series between two years."""

    area: str
    indicator: str
    item: str | None
    start_year: int
    end_year: int
    start_value: float
    end_value: float
    ratio: float = Field(description="end / start (e.g. 1.5 = grew 1.5×)")
    annual_growth_percent: float = Field(description="compound annual growth rate, percent")


class SliceOut(BaseModel):
    """One ingested FAOSTAT file."""

    source: str
    domain: str
    layout: str
    encoding: str
    rows: int
    countries: int
    aggregates: int
    year_min: int | None
    year_max: int | None
