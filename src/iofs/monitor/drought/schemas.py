"""Public shapes of drought records (API responses, CLI JSON output)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class DroughtMonthOut(BaseModel):
    """One month of SPI statistics for one country or admin area."""

    month: str = Field(description="Month, ISO 8601 YYYY-MM", examples=["2020-06"])
    scale: int = Field(description="SPI accumulation scale in months (1, 3, 6, 9, 12, 24)")
    iso3: str = Field(description="ISO 3166-1 alpha-3 code of the country")
    area_id: str = Field(description="Country ISO3, or the admin1 identifier")
    level: str = Field(description="'country' or 'admin1'")
    mean_spi: float | None = Field(description="Area-weighted mean SPI (dimensionless)")
    share_moderate: float | None = Field(
        description="Percent (0-100) of the area with data where SPI <= -1 (moderate or worse)"
    )
    share_severe: float | None = Field(
        description="Percent (0-100) of the area with data where SPI <= -1.5 (severe or worse)"
    )
    share_extreme: float | None = Field(
        description="Percent (0-100) of the area with data where SPI <= -2 (extreme)"
    )
    coverage: float = Field(description="Percent (0-100) of the area with SPI data")
    pixels: int = Field(description="Grid cells in the area")
    source: str = Field(description="Name of the SPI output the statistics come from")


class MapValueOut(BaseModel):
    """A country's colour on the drought map."""

    iso3: str
    category: str = Field(description="normal, moderate, severe, extreme or nodata")
    label: str = Field(description="Text shown on hover")
