"""Food-price signals at scale: iofs vs a straightforward pandas groupby-apply.

Usage: python benchmarks/prices.py [--series 12500 --months 240 --baseline-series 300]

Builds a WFP-layout CSV whose key space copies the real files (markets × commodities × months;
default 12,500 series × 240 months ≈ 3 M rows), then prints in one run: ingest rows/s, the time
of IPA + ALPS + volatility for all series, the same per-series work done the obvious way
(pandas groupby-apply with a per-series function, timed on ``--baseline-series`` series and
scaled), and the ratio. Not a test; `make test` never runs it.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from iofs.monitor.prices import ingest, service


def make_file(path: Path, n_series: int, months: int) -> int:
    rng = np.random.default_rng(1)
    markets = np.array([f"Market {i}" for i in range(max(1, n_series // 25))])
    commodities = np.array([f"Commodity {i}" for i in range(25)])
    countries = np.array(["AFG", "PSE", "YEM", "SOM", "SDN", "NER", "MLI", "SYR"])
    series = np.arange(n_series)
    dates = pd.period_range("2005-01", periods=months, freq="M").to_timestamp() + pd.Timedelta(
        days=14
    )
    base = rng.uniform(1, 100, n_series)
    t = np.arange(months)
    prices = (
        base[:, None]
        * (1.003**t)[None, :]
        * (1 + 0.05 * np.sin(2 * np.pi * (t % 12) / 12))[None, :]
        * rng.lognormal(0, 0.05, (n_series, months))
    )
    keep = rng.random((n_series, months)) > 0.1  # 10 % of months missing
    s_idx, m_idx = np.nonzero(keep)
    frame = pd.DataFrame(
        {
            "countryiso3": countries[series[s_idx] % len(countries)],
            "date": dates[m_idx].strftime("%Y-%m-%d"),
            "admin1": "Region",
            "admin2": "District",
            "market": markets[series[s_idx] // 25 % len(markets)],
            "market_id": 1,
            "latitude": 0.0,
            "longitude": 0.0,
            "category": "cereals and tubers",
            "commodity": commodities[series[s_idx] % 25],
            "commodity_id": 1,
            "unit": "KG",
            "priceflag": "actual",
            "pricetype": "Retail",
            "currency": "USD",
            "price": np.round(prices[s_idx, m_idx], 4),
            "usdprice": 0.0,
        }
    )
    frame.to_csv(path, index=False)
    return len(frame)


def pandas_series_signals(group: pd.DataFrame) -> pd.DataFrame:
    """IPA, ALPS and volatility of one series, written the obvious way."""
    s = group.set_index("month")["price"].sort_index()
    idx = pd.period_range(s.index.min(), s.index.max(), freq="M")
    p = s.reindex(idx)
    cq = (p / p.shift(3)) ** (1 / 3) - 1
    ca = (p / p.shift(12)) ** (1 / 12) - 1

    def z(x: pd.Series) -> pd.Series:
        out = pd.Series(np.nan, index=x.index)
        for t in x.index:
            earlier = x[(x.index.month == t.month) & (x.index < t)].dropna()
            k = len(earlier)
            if k < 5 or np.isnan(x[t]):
                continue
            w = np.arange(1, k + 1) / (k * (k + 1) / 2)
            mean = (w * earlier.to_numpy()).sum() / w.sum()
            sd = np.sqrt((w * (earlier.to_numpy() - mean) ** 2).sum() / (((k - 1) / k) * w.sum()))
            out[t] = (x[t] - mean) / sd
        return out

    ipa = 0.4 * z(cq) + 0.6 * z(ca)
    observed = p.dropna()
    design = np.column_stack(
        [
            np.ones(len(observed)),
            np.arange(len(p))[p.notna().to_numpy()],
            *[(observed.index.month == m).astype(float) for m in range(2, 13)],
        ]
    )
    beta, *_ = np.linalg.lstsq(design, observed.to_numpy(), rcond=None)
    residual = observed.to_numpy() - design @ beta
    alps = residual / residual.std(ddof=design.shape[1])
    vol = np.log(p).diff().rolling(12, min_periods=6).std()
    return pd.DataFrame(
        {
            "ipa": ipa.reindex(observed.index),
            "alps": alps,
            "volatility": vol.reindex(observed.index),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--series", type=int, default=12_500)
    parser.add_argument("--months", type=int, default=240)
    parser.add_argument("--baseline-series", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        csv_path = root / "wfp_food_prices_global_bench.csv"
        rows = make_file(csv_path, args.series, args.months)
        size = csv_path.stat().st_size / 1e6
        print(f"{rows:,} rows, {args.series:,} series × {args.months} months, {size:,.0f} MB")

        t0 = time.perf_counter()
        ingest.ingest_file(csv_path, root / "store")
        t_ingest = time.perf_counter() - t0
        print(
            f"iofs ingest (validated, Parquet)  {rows / t_ingest:12,.0f} rows/s  ({t_ingest:.1f} s)"
        )

        monthly = service._monthly(root / "store")
        t0 = time.perf_counter()
        result = service.compute(monthly)
        t_iofs = time.perf_counter() - t0
        print(
            f"iofs IPA + ALPS + volatility      {len(result.series):12,} series in {t_iofs:.2f} s"
        )

        keys = service.KEY
        monthly = monthly.copy()
        index = monthly["month_index"].to_numpy()
        monthly["month"] = pd.PeriodIndex.from_fields(
            year=index // 12, month=index % 12 + 1, freq="M"
        )
        first = monthly[keys].drop_duplicates().head(args.baseline_series)
        sample = monthly.merge(first, on=keys)
        t0 = time.perf_counter()
        sample.groupby(keys).apply(pandas_series_signals, include_groups=False)
        t_pandas = (time.perf_counter() - t0) * len(result.series) / len(first)
        print(f"pandas groupby-apply (scaled from {len(first)} series) {t_pandas:10.1f} s")
        print(f"ratio pandas / iofs: {t_pandas / t_iofs:,.0f}x  (targets: ≥ 10x, all series < 3 s)")


if __name__ == "__main__":
    main()
