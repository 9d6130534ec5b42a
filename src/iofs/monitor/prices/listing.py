"""A month's price signals, filtered by market and commodity and keyset-paged (page and API).

The order is the monitor's: worst IPA first, then worst ALPS, series without a value last, and
the series id to break ties. Each row's key is ``(no IPA, −IPA, no ALPS, −ALPS, series)`` —
ascending, unique and never NaN — so a page starts after the previous page's last key
(:meth:`iofs.http.paging.Pager.window`) whatever the filters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from iofs.http.paging import Page, Pager
from iofs.monitor.prices import views
from iofs.monitor.prices.schemas import PriceSignal

#: Name bound into the cursors of this list.
SCOPE = "prices.signals"
_KEY_COLUMNS = ["_no_ipa", "_ipa", "_no_alps", "_alps", "series"]


@dataclass(frozen=True)
class SignalFilter:
    """Filters of a month's signals: market and commodity names as stored (exact match)."""

    market: str | None = None
    commodity: str | None = None


def filtered(rows: pd.DataFrame, where: SignalFilter) -> pd.DataFrame:
    """``rows`` of the chosen market and commodity (both when both are given)."""
    if where.market:
        rows = rows[rows["market"] == where.market]
    if where.commodity:
        rows = rows[rows["commodity"] == where.commodity]
    return rows


def in_key_order(rows: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[Any, ...]]]:
    """``rows`` sorted worst first, and each row's sort key in that order."""
    keyed = rows.assign(
        _no_ipa=rows["ipa"].isna().astype(int),
        _ipa=-rows["ipa"].fillna(0.0).astype(float),
        _no_alps=rows["alps"].isna().astype(int),
        _alps=-rows["alps"].fillna(0.0).astype(float),
    ).sort_values(_KEY_COLUMNS, kind="mergesort")
    keys = [
        (int(a), float(b), int(c), float(d), int(e))
        for a, b, c, d, e in zip(*(keyed[c].tolist() for c in _KEY_COLUMNS), strict=True)
    ]
    return keyed.drop(columns=_KEY_COLUMNS[:-1]), keys


def signals_page(
    rows: pd.DataFrame, where: SignalFilter, after: str | None, limit: int, secret: str
) -> Page[PriceSignal]:
    """One page (``limit`` rows) of a month's signals after the cursor ``after``."""
    ordered, keys = in_key_order(filtered(rows, where))
    window, token, first = Pager(SCOPE, [], secret, size=len(_KEY_COLUMNS)).window(
        keys, after, limit
    )
    items = views.signal_records(ordered.iloc[window])
    return Page(items=items, next=token, first=first, limit=limit)


def choices(rows: pd.DataFrame, column: str) -> list[str]:
    """The distinct values of ``column`` in ``rows``, sorted: a filter's options."""
    return sorted({str(v) for v in rows[column].dropna().tolist() if v != ""})
