"""API shapes of price signals and alerts."""

from __future__ import annotations

from pydantic import BaseModel, Field


class PriceSignal(BaseModel):
    """One series in one month with both signals side by side."""

    series: int = Field(description="Series number (for /api/v1/prices/series/{series})")
    country: str
    admin1: str
    admin2: str
    market: str
    commodity: str
    unit: str
    price_type: str
    currency: str
    date: str = Field(description="Month, YYYY-MM")
    price: float = Field(description="Monthly mean price, in the currency per unit")
    cqgr: float | None = Field(description="Compound quarterly growth rate, per month")
    cagr: float | None = Field(description="Compound annual growth rate, per month")
    ipa: float | None = Field(description="GIEWS Indicator of Price Anomalies")
    ipa_class: str
    alps: float | None = Field(description="WFP Alert for Price Spikes")
    alps_class: str
    alps_ineligible: str = Field(
        description="Why the series has no ALPS (WFP eligibility rules); empty when eligible"
    )
    volatility: float | None = Field(description="SD of log monthly changes, last 12 months")
    k: int = Field(description="Earlier same-month values behind the IPA")


class CountryAlertOut(BaseModel):
    """A country's monthly price situation."""

    country: str
    month: str
    series: int
    ipa_watch: int
    ipa_alert: int
    alps_alert: int
    alert_share: float = Field(description="Share (0–1) of series in IPA watch or alert")
    worst_market: str | None
    worst_commodity: str | None
    worst_ipa: float | None
    new_alerts: int = Field(description="Series that entered IPA alert since last month")


class MapValue(BaseModel):
    iso3: str
    category: str
    label: str
