"""Turning signal tables into records for the CLI, the API and the pages (one place)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from iofs.i18n import gettext as _
from iofs.monitor.prices.schemas import CountryAlertOut, MapValue, PriceSignal
from iofs.monitor.prices.service import CountryAlert

OUTPUT_COLUMNS = [
    "country",
    "market",
    "commodity",
    "unit",
    "price_type",
    "currency",
    "date",
    "price",
    "cqgr",
    "cagr",
    "ipa",
    "ipa_class",
    "alps",
    "alps_class",
    "k",
]


def _number(value: Any) -> float | None:
    return (
        None
        if value is None or (isinstance(value, float) and math.isnan(value))
        else (float(value))
    )


def signal_records(rows: pd.DataFrame) -> list[PriceSignal]:
    """Pydantic records of signal rows."""
    return [
        PriceSignal(
            series=int(r["series"]),
            country=r["country"],
            admin1=r["admin1"],
            admin2=r["admin2"],
            market=r["market"],
            commodity=r["commodity"],
            unit=r["unit"],
            price_type=r["price_type"],
            currency=r["currency"],
            date=r["month"],
            price=float(r["price"]),
            cqgr=_number(r["cqgr"]),
            cagr=_number(r["cagr"]),
            ipa=_number(r["ipa"]),
            ipa_class=r["ipa_class"],
            alps=_number(r["alps"]),
            alps_class=r["alps_class"],
            alps_ineligible=str(r.get("alps_reason") or ""),
            volatility=_number(r["volatility"]),
            k=int(r["k"]),
        )
        for r in rows.to_dict("records")
    ]


def alert_records(alerts: list[CountryAlert]) -> list[CountryAlertOut]:
    return [
        CountryAlertOut(
            alert_share=a.alert_share,
            **{
                name: getattr(a, name)
                for name in CountryAlertOut.model_fields
                if name != "alert_share"
            },
        )
        for a in alerts
    ]


def map_values(alerts: list[CountryAlert]) -> list[MapValue]:
    """Map categories: share of series in IPA watch/alert (0, <10 %, <25 %, ≥25 %)."""
    values = []
    for a in alerts:
        share = a.alert_share
        category = (
            "normal"
            if share == 0
            else "watch"
            if share < 0.10
            else "alert"
            if share < 0.25
            else "crisis"
        )
        values.append(
            MapValue(
                iso3=a.country,
                category=category,
                label=_("%(share).0f%% of %(series)d series in IPA watch or alert (%(month)s)")
                % {"share": 100 * share, "series": a.series, "month": a.month},
            )
        )
    return values
