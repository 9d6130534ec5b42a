"""Price anomaly indicators, computed for every series at once on a (series × month) panel.

- **IPA**, the GIEWS Indicator of Price Anomalies (FAO method used for SDG 2.c.1; Baquedano,
  FAO 2015, "Developing an indicator of price anomalies as an early warning tool"): compound
  quarterly growth CQGR_t = (P_t / P_{t−3})^{1/3} − 1 and annual growth CAGR_t =
  (P_t / P_{t−12})^{1/12} − 1; each is standardised against the same calendar month of earlier
  years only, weighted w_i = i / Σj (oldest first, so recent years weigh more), weighted
  SD = sqrt(Σw(x − x̄)² / (((k − 1)/k)·Σw)); IPA = 0.4·Z_Q + 0.6·Z_A. No value with fewer than
  ``MIN_EARLIER_YEARS`` earlier same-month values (k is reported).
- **ALPS**, WFP's Alert for Price Spikes (WFP VAM 2014, "Technical guidance note: Calculation
  of the Alert for Price Spikes (ALPS) indicator"): the series is regressed on a linear trend
  and calendar-month dummies; ALPS = (P − P̂) / σ of the residuals. Eligibility: at least 36
  months between first and last price, at least 70 % of the months in that span observed, and
  a price in the last 6 months of the data.
- **Volatility** (GIEWS): standard deviation of the log monthly price changes over the last
  12 months (needs at least 6 changes).

Missing months stay missing: growth rates and ALPS are not computed across a gap (never
interpolated); a month whose t−3 or t−12 price is missing has no CQGR or CAGR.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Float = NDArray[np.float64]

MIN_EARLIER_YEARS = 5
IPA_WEIGHTS = (0.4, 0.6)
ALPS_MIN_SPAN_MONTHS = 36
ALPS_MIN_COVERAGE = 0.70
ALPS_RECENT_MONTHS = 6


def ipa_class(value: float) -> str:
    """GIEWS class of an IPA value: normal < 0.5 ≤ watch < 1 ≤ alert; ≤ −1 abnormally low."""
    if np.isnan(value):
        return ""
    if value >= 1.0:
        return "alert"
    if value >= 0.5:
        return "watch"
    if value <= -1.0:
        return "low"
    return "normal"


def alps_class(value: float) -> str:
    """WFP ALPS class: normal < 0.25 ≤ stress < 1 ≤ alert < 2 ≤ crisis."""
    if np.isnan(value):
        return ""
    if value >= 2.0:
        return "crisis"
    if value >= 1.0:
        return "alert"
    if value >= 0.25:
        return "stress"
    return "normal"


def ipa_classes(values: Float) -> NDArray[np.str_]:
    """:func:`ipa_class` of every value at once ("" where missing)."""
    return np.select(
        [np.isnan(values), values >= 1.0, values >= 0.5, values <= -1.0],
        ["", "alert", "watch", "low"],
        "normal",
    )


def alps_classes(values: Float) -> NDArray[np.str_]:
    """:func:`alps_class` of every value at once ("" where missing)."""
    return np.select(
        [np.isnan(values), values >= 2.0, values >= 1.0, values >= 0.25],
        ["", "crisis", "alert", "stress"],
        "normal",
    )


def growth(prices: Float, lag: int) -> Float:
    """Compound monthly growth over ``lag`` months: (P_t / P_{t−lag})^{1/lag} − 1 (per month)."""
    out = np.full(prices.shape, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = prices[:, lag:] / prices[:, :-lag]
        out[:, lag:] = np.where(ratio > 0, ratio ** (1.0 / lag) - 1.0, np.nan)
    return out


def seasonal_z(values: Float, first_month: int) -> tuple[Float, NDArray[np.int64]]:
    """Z-score of each value against the same calendar month of earlier years (GIEWS weights).

    ``values`` is (series × months) with column 0 in calendar month ``first_month`` (1–12).
    Returns (z, k): k is the number of earlier same-month values used; z is NaN when
    k < ``MIN_EARLIER_YEARS`` or the value is missing.
    """
    n_series, n_months = values.shape
    z = np.full(values.shape, np.nan)
    k_out = np.zeros(values.shape, dtype=np.int64)
    for offset in range(min(12, n_months)):
        columns = np.arange(offset, n_months, 12)
        x = values[:, columns]  # (series × years)
        valid = ~np.isnan(x)
        filled = np.where(valid, x, 0.0)
        rank = np.cumsum(valid, axis=1)  # 1, 2, … for valid values, oldest first
        for year in range(1, len(columns)):
            earlier_valid = valid[:, :year]
            weights = np.where(earlier_valid, rank[:, :year], 0).astype(np.float64)
            k = earlier_valid.sum(axis=1)
            total = weights.sum(axis=1)
            with np.errstate(divide="ignore", invalid="ignore"):
                mean = (weights * filled[:, :year]).sum(axis=1) / total
                spread = (weights * (filled[:, :year] - mean[:, None]) ** 2).sum(axis=1)
                sd = np.sqrt(spread / (((k - 1) / k) * total))
                score = (x[:, year] - mean) / sd
            usable = valid[:, year] & (k >= MIN_EARLIER_YEARS) & (sd > 0)
            z[:, columns[year]] = np.where(usable, score, np.nan)
            k_out[:, columns[year]] = k
    del n_series
    return z, k_out


@dataclass(frozen=True)
class IpaResult:
    """IPA and its parts, each (series × months)."""

    cqgr: Float
    cagr: Float
    z_quarterly: Float
    z_annual: Float
    ipa: Float
    k: NDArray[np.int64]


def ipa(prices: Float, first_month: int) -> IpaResult:
    """GIEWS IPA for a panel of monthly prices (series × months, NaN where missing)."""
    cqgr = growth(prices, 3)
    cagr = growth(prices, 12)
    z_q, k_q = seasonal_z(cqgr, first_month)
    z_a, k_a = seasonal_z(cagr, first_month)
    combined = IPA_WEIGHTS[0] * z_q + IPA_WEIGHTS[1] * z_a
    return IpaResult(cqgr, cagr, z_q, z_a, combined, np.minimum(k_q, k_a))


@dataclass(frozen=True)
class AlpsResult:
    """ALPS values, fitted prices and the eligibility of each series."""

    alps: Float
    fitted: Float
    eligible: NDArray[np.bool_]
    reason: list[str]


def alps(prices: Float, first_month: int) -> AlpsResult:
    """WFP ALPS for a panel (series × months): all series solved at once (batched OLS)."""
    n_series, n_months = prices.shape
    valid = ~np.isnan(prices)
    t = np.arange(n_months, dtype=np.float64)
    month_of = (np.arange(n_months) + first_month - 1) % 12
    design = np.zeros((n_months, 13))
    design[:, 0] = 1.0
    design[:, 1] = t / max(n_months, 1)
    for m in range(1, 12):  # January is the base month
        design[:, 1 + m] = month_of == m
    weights = valid.astype(np.float64)
    filled = np.where(valid, prices, 0.0)
    # Normal equations of every series at once, as two matrix products (BLAS):
    # XᵀWX[s] = Σ_t w[s,t]·x_t x_tᵀ and XᵀWy[s] = Σ_t w[s,t]·y[s,t]·x_t.
    outer = (design[:, :, None] * design[:, None, :]).reshape(n_months, 13 * 13)
    xtx = (weights @ outer).reshape(n_series, 13, 13)
    xty = (weights * filled) @ design
    # Months never observed in a series leave their dummy column empty: a tiny ridge keeps
    # the system solvable without changing the fit of the observed months.
    xtx += np.eye(13)[None, :, :] * 1e-9
    beta = np.linalg.solve(xtx, xty[:, :, None])[:, :, 0]
    fitted = beta @ design.T
    residual = np.where(valid, prices - fitted, 0.0)
    n_obs = valid.sum(axis=1)
    used_columns = ((weights @ design) > 0).sum(axis=1)
    dof = n_obs - used_columns
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma = np.sqrt((residual**2).sum(axis=1) / dof)
        values = (prices - fitted) / sigma[:, None]
    eligible = np.zeros(n_series, dtype=bool)
    reasons: list[str] = []
    for s in range(n_series):
        observed = np.flatnonzero(valid[s])
        reason = ""
        if observed.size == 0:
            reason = "no prices"
        else:
            span = observed[-1] - observed[0] + 1
            if span < ALPS_MIN_SPAN_MONTHS:
                reason = f"{span} months of data (needs {ALPS_MIN_SPAN_MONTHS})"
            elif observed.size / span < ALPS_MIN_COVERAGE:
                reason = (
                    f"{observed.size / span:.0%} of months observed (needs {ALPS_MIN_COVERAGE:.0%})"
                )
            elif observed[-1] < n_months - ALPS_RECENT_MONTHS:
                reason = f"no price in the last {ALPS_RECENT_MONTHS} months"
            elif not dof[s] > 0 or not sigma[s] > 0:
                reason = "prices do not vary"
        eligible[s] = reason == ""
        reasons.append(reason)
    values[~eligible, :] = np.nan
    return AlpsResult(values, fitted, eligible, reasons)


def volatility(prices: Float, window: int = 12, minimum: int = 6) -> Float:
    """SD of log monthly changes over the last ``window`` months (needs ``minimum`` changes).

    Rolling sums of the changes, their squares and counts (cumulative sums), so all series
    and months are done at once; value at month t uses the changes ending at t.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        changes = np.diff(np.log(np.where(prices > 0, prices, np.nan)), axis=1)
    valid = ~np.isnan(changes)
    x = np.where(valid, changes, 0.0)

    def rolling(values: Float) -> Float:
        total = np.cumsum(np.pad(values, ((0, 0), (1, 0))), axis=1)
        return (
            total[:, 1:] - total[:, :-1]
            if window >= values.shape[1] + 1
            else (total[:, 1:] - np.pad(total, ((0, 0), (window - 1, 0)))[:, :-window])
        )

    count = rolling(valid.astype(np.float64))
    total = rolling(x)
    squares = rolling(x * x)
    with np.errstate(divide="ignore", invalid="ignore"):
        variance = (squares - total * total / count) / (count - 1)
    sd = np.sqrt(np.clip(variance, 0.0, None))
    out = np.full(prices.shape, np.nan)
    out[:, 1:] = np.where(count >= minimum, sd, np.nan)
    return out
