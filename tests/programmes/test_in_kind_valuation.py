"""In-kind goods valued by default at the market price of the food-price monitor (WFP data)."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy.orm import Session, sessionmaker

from iofs.db import transaction
from iofs.monitor.prices import ingest
from iofs.permissions import Principal
from iofs.programmes import contributions
from iofs.roles import Role

MAKER = Principal(user_id=9101, roles={Role.SECRETARIAT: frozenset()}, label="maker")


def test_in_kind_flour_is_valued_at_the_median_gaza_retail_price(
    programme_data: sessionmaker[Session], shared_data: Path, tmp_path: Path
) -> None:
    source = shared_data / "wfp" / "country" / "wfp_food_prices_pse.csv"
    if not source.exists():
        pytest.skip(f"WFP prices for Palestine not present at {source}")
    ingest.ingest_file(source, tmp_path)
    # the same valuation computed directly from the file: newest month on or before the
    # decision with retail wheat flour per KG quotes, median over markets of the mean USD price
    raw = pd.read_csv(source, skiprows=[1] if "#" in source.read_text().split("\n")[1] else None)
    raw["date"] = pd.to_datetime(raw["date"])
    kilograms = raw["unit"].str.extract(r"^([0-9.]*) ?(KG|G)$")
    raw["kg"] = pd.to_numeric(kilograms[0], errors="coerce").fillna(1) * kilograms[1].map(
        {"KG": 1.0, "G": 0.001}
    )
    raw["usd_per_kg"] = raw["usdprice"] / raw["kg"]
    flour = raw[
        (raw["commodity"].str.lower().str.startswith("wheat flour"))
        & raw["kg"].notna()
        & (raw["pricetype"] == "Retail")
        & (raw["priceflag"] != "forecast")
        & (raw["date"] <= "2024-03-01")
        & raw["usdprice"].notna()
    ]
    newest = flour["date"].dt.strftime("%Y-%m").max()
    month = flour[flour["date"].dt.strftime("%Y-%m") == newest]
    per_kg = month.groupby("market")["usd_per_kg"].mean().median()
    expected = (Decimal(20_000) * Decimal(str(per_kg))).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_EVEN
    )
    with transaction(programme_data) as session:
        contribution, _ = contributions.put_contribution(
            session,
            MAKER,
            {
                "donor": "KAZ",
                "appeal": "F4H-GAZA",
                "country": "PSE",
                "modality": "in_kind",
                "commodity": "Wheat flour",
                "quantity": "20",
                "unit": "t",
                "decided_on": date(2024, 3, 1),
            },
            analytics_dir=tmp_path,
        )
        assert contribution.valuation_method == "market_price"
        assert newest in contribution.valuation_source
        assert contribution.quantity_t == Decimal("20.000")
        assert abs(contribution.amount_usd - expected) <= Decimal("0.01") * 20_000 / 1000
        assert contribution.currency == "USD" and contribution.amount == contribution.amount_usd
