"""Price signals for every stored series: the panel, IPA/ALPS/volatility, alerts.

Series key: country, admin1, admin2, market, commodity, unit, price type, currency. Several
quotes in one month are averaged (monthly mean, as GIEWS does); forecasts are left out.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from iofs.analytics_store.duckdb_cursor import duckdb_cursor
from iofs.monitor.prices import anomalies
from iofs.monitor.prices.ingest import oic_states, slice_files
from iofs.slices import SliceInfo, UnknownSlice, discard, file_size, modified_at, split_id

KEY = ["country", "admin1", "admin2", "market", "commodity", "unit", "price_type", "currency"]
SIGNAL_COLUMNS = [
    "price",
    "cqgr",
    "cagr",
    "z_quarterly",
    "z_annual",
    "ipa",
    "k",
    "alps",
    "alps_fitted",
    "alps_sigma_price",
    "volatility",
]


#: Rows that enter the signals: plausible, or implausible and confirmed.
PLAUSIBLE = "(warning IS NULL OR confirmed)"


def _plausible(files: list[Path]) -> str:
    """:data:`PLAUSIBLE`, or ``true`` when no slice has the column (written before it)."""
    import pyarrow.parquet as pq

    return PLAUSIBLE if any("warning" in pq.read_schema(f).names for f in files) else "true"


class NoPriceData(LookupError):
    """Nothing has been ingested yet."""


def oic_only(result: Signals) -> Signals:
    """The signals of the 57 OIC states only: what every OIC table, map, alert and feed
    shows unless the user asks for other countries (``include_non_oic``)."""
    states = oic_states()
    table = result.table[result.table["country"].isin(states)]
    series = result.series[result.series["country"].isin(states)]
    if table.empty:
        return Signals(table, series, result.months[:0])
    lowest, highest = table["month"].min(), table["month"].max()
    months = result.months[
        (result.months >= pd.Period(lowest, freq="M"))
        & (result.months <= pd.Period(highest, freq="M"))
    ]
    return Signals(table, series, months)


def scoped(result: Signals, include_non_oic: bool = False) -> Signals:
    """``result`` as an OIC view (the default) or with every country stored."""
    return result if include_non_oic else oic_only(result)


@dataclass(frozen=True)
class Signals:
    """All series' monthly signals in long form, and per-series ALPS eligibility."""

    table: pd.DataFrame  # one row per series and month with a price
    series: pd.DataFrame  # one row per series: key, alps_eligible, alps_reason
    months: pd.PeriodIndex


def _monthly(analytics_dir: Path) -> pd.DataFrame:
    files = slice_files(analytics_dir)
    if not files:
        raise NoPriceData("No prices ingested yet; run `iofs ingest prices FILE…`.")
    keys = ", ".join(f"coalesce({k}, '') AS {k}" for k in KEY)
    with duckdb_cursor() as con:
        frame = con.execute(f"""
            SELECT dense_rank() OVER (ORDER BY {", ".join(KEY)}) - 1 AS key_id, *
            FROM (
                SELECT {keys}, year(date) * 12 + month(date) - 1 AS month_index,
                       avg(price) AS price
                FROM read_parquet({[str(f) for f in files]!r}, union_by_name = true)
                WHERE price_flag <> 'forecast' AND {_plausible(files)}
                GROUP BY ALL)
        """).df()  # noqa: S608 - constant identifiers; paths and names enter as quoted literals
    return frame


def compute(monthly: pd.DataFrame) -> Signals:
    """Signals for a long table of monthly mean prices (KEY + month + price).

    Each country is one panel, so "a price in the last 6 months" (ALPS eligibility) counts
    from that country's latest month, not from another country's.
    """
    monthly = monthly.copy()
    monthly[KEY] = monthly[KEY].fillna("")
    if "month_index" not in monthly:
        stamp = pd.to_datetime(monthly["month"])
        monthly["month_index"] = stamp.dt.year * 12 + stamp.dt.month - 1
    if "key_id" not in monthly:
        monthly["key_id"] = monthly.groupby(KEY, sort=True).ngroup()
    tables: list[pd.DataFrame] = []
    series_frames: list[pd.DataFrame] = []
    offset = 0
    lowest = int(monthly["month_index"].min()) if len(monthly) else 0
    highest = int(monthly["month_index"].max()) if len(monthly) else 0
    months = pd.period_range(
        pd.Period(year=lowest // 12, month=lowest % 12 + 1, freq="M"),
        periods=highest - lowest + 1,
        freq="M",
    )
    # Shared, ordered vocabularies keep the long table compact (categoricals) across panels.
    vocabulary = Vocabulary(
        countries=sorted(monthly["country"].unique()),
        months=[str(m) for m in months],
        first_index=lowest,
    )
    for _country, group in monthly.groupby("country", sort=True):
        table, series = _compute_panel(group, offset, vocabulary)
        tables.append(table)
        series_frames.append(series)
        offset += len(series)
    empty = pd.DataFrame(
        columns=["series", "country", "month", *SIGNAL_COLUMNS, "ipa_class", "alps_class"]
    )
    table = pd.concat(tables, ignore_index=True) if tables else empty
    return Signals(
        table,
        pd.concat(series_frames, ignore_index=True)
        if series_frames
        else pd.DataFrame(columns=["series", *KEY, "alps_eligible", "alps_reason"]),
        months,
    )


@dataclass(frozen=True)
class Vocabulary:
    """Categories shared by every country's panel."""

    countries: list[str]
    months: list[str]
    first_index: int


IPA_CLASSES = ["", "normal", "watch", "alert", "low"]
ALPS_CLASSES = ["", "normal", "stress", "alert", "crisis"]


def _categorical(values: np.ndarray, categories: list[str]) -> pd.Categorical:
    lookup = {name: code for code, name in enumerate(categories)}
    codes = np.zeros(len(values), dtype=np.int8)
    for name, code in lookup.items():
        codes[values == name] = code
    return pd.Categorical.from_codes(codes, categories=categories)


def _compute_panel(
    monthly: pd.DataFrame, offset: int, vocabulary: Vocabulary
) -> tuple[pd.DataFrame, pd.DataFrame]:
    month_index = monthly["month_index"].to_numpy(dtype=np.int64)
    lowest, highest = int(month_index.min()), int(month_index.max())
    first = pd.Period(year=lowest // 12, month=lowest % 12 + 1, freq="M")
    months = pd.period_range(first, periods=highest - lowest + 1, freq="M")
    key_ids = monthly["key_id"].to_numpy(dtype=np.int64)
    unique_ids, codes = np.unique(key_ids, return_inverse=True)
    first_rows = np.unique(key_ids, return_index=True)[1]
    key_table = monthly.iloc[first_rows][KEY].reset_index(drop=True)
    column = month_index - lowest
    panel = np.full((len(unique_ids), len(months)), np.nan)
    panel[codes, column] = monthly["price"].to_numpy(dtype=float)
    ipa = anomalies.ipa(panel, first.month)
    alps = anomalies.alps(panel, first.month)
    vol = anomalies.volatility(panel)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # ineligible series are all-NaN
        residual_sd = np.nanstd(
            np.where(alps.eligible[:, None], panel - alps.fitted, np.nan), axis=1
        )
    s_idx, m_idx = np.nonzero(~np.isnan(panel))
    # Only numbers and codes per row; the series' text key lives once in ``series`` and is
    # joined to the few rows a caller asks for (:func:`with_keys`).
    table = pd.DataFrame({"series": s_idx + offset})
    country_code = vocabulary.countries.index(str(monthly["country"].iloc[0]))
    table["country"] = pd.Categorical.from_codes(
        np.full(len(s_idx), country_code, dtype=np.int32), categories=vocabulary.countries
    )
    table["month"] = pd.Categorical.from_codes(
        m_idx + (lowest - vocabulary.first_index), categories=vocabulary.months, ordered=True
    )
    table["price"] = panel[s_idx, m_idx]
    table["cqgr"] = ipa.cqgr[s_idx, m_idx]
    table["cagr"] = ipa.cagr[s_idx, m_idx]
    table["z_quarterly"] = ipa.z_quarterly[s_idx, m_idx]
    table["z_annual"] = ipa.z_annual[s_idx, m_idx]
    table["ipa"] = ipa.ipa[s_idx, m_idx]
    table["k"] = ipa.k[s_idx, m_idx]
    table["alps"] = alps.alps[s_idx, m_idx]
    table["alps_fitted"] = alps.fitted[s_idx, m_idx]
    table["alps_sigma_price"] = residual_sd[s_idx]
    table["volatility"] = vol[s_idx, m_idx]
    table["ipa_class"] = _categorical(anomalies.ipa_classes(table["ipa"].to_numpy()), IPA_CLASSES)
    table["alps_class"] = _categorical(
        anomalies.alps_classes(table["alps"].to_numpy()), ALPS_CLASSES
    )
    series = key_table
    series.insert(0, "series", np.arange(len(series)) + offset)
    series["alps_eligible"] = alps.eligible
    series["alps_reason"] = alps.reason
    return table, series


_cache: dict[tuple[str, ...], Signals] = {}


def signals(analytics_dir: Path) -> Signals:
    """Signals of everything ingested (cached until a price file changes)."""
    files = slice_files(analytics_dir)
    stamp = tuple(f"{f}:{f.stat().st_mtime_ns}" for f in files)
    if stamp not in _cache:
        _cache.clear()
        _cache[stamp] = compute(_monthly(analytics_dir))
    return _cache[stamp]


def with_keys(result: Signals, rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` of the signal table with each series' key columns joined on."""
    keys = result.series[["series", *[k for k in KEY if k != "country"], "alps_reason"]]
    return rows.merge(keys, on="series", how="left")


def latest_month(result: Signals) -> str:
    """The newest month with any price (YYYY-MM); for an empty view, the current month."""
    if len(result.months) == 0:
        return date.today().strftime("%Y-%m")
    return str(result.months.max())


def anomalies_for(
    result: Signals, country: str | None = None, month: str | None = None
) -> pd.DataFrame:
    """Rows of one month (default: the latest of the country, or of all data), optionally
    one country, worst IPA first."""
    rows = result.table
    if country:
        rows = rows[rows["country"] == country.upper()]
    if month is None and not rows.empty:
        month = str(rows["month"].max())
    rows = with_keys(result, rows[rows["month"] == month])
    return rows.sort_values(["ipa", "alps"], ascending=False, na_position="last")


def series_history(result: Signals, series: int) -> pd.DataFrame:
    """Every month of one series."""
    return with_keys(result, result.table[result.table["series"] == series].sort_values("month"))


@dataclass(frozen=True)
class CountryAlert:
    """A country's price situation in one month."""

    country: str
    month: str
    series: int
    ipa_watch: int
    ipa_alert: int
    alps_alert: int
    worst_market: str | None
    worst_commodity: str | None
    worst_ipa: float | None
    new_alerts: int

    @property
    def alert_share(self) -> float:
        """Share (0–1) of the country's series in IPA watch or alert."""
        return (self.ipa_watch + self.ipa_alert) / self.series if self.series else 0.0


def _previous(month: str) -> str:
    return str(pd.Period(month, freq="M") - 1)


def country_alerts(result: Signals, month: str | None = None) -> list[CountryAlert]:
    """Per country: series priced in the month, how many in IPA watch/alert and ALPS alert or
    crisis, the worst series, and how many series entered IPA alert since the month before."""
    month = month or latest_month(result)
    now = with_keys(result, result.table[result.table["month"] == month])
    before = result.table[result.table["month"] == _previous(month)].set_index("series")
    summary: list[CountryAlert] = []
    for country, rows in now.groupby("country", sort=True, observed=True):
        worst = rows.sort_values("ipa", ascending=False, na_position="last").iloc[0]
        prior = before["ipa_class"].reindex(rows["series"]).fillna("").to_numpy()
        new = int(((rows["ipa_class"].to_numpy() == "alert") & (prior != "alert")).sum())
        summary.append(
            CountryAlert(
                country=str(country),
                month=month,
                series=len(rows),
                ipa_watch=int((rows["ipa_class"] == "watch").sum()),
                ipa_alert=int((rows["ipa_class"] == "alert").sum()),
                alps_alert=int(rows["alps_class"].isin(["alert", "crisis"]).sum()),
                worst_market=None if np.isnan(worst["ipa"]) else str(worst["market"]),
                worst_commodity=None if np.isnan(worst["ipa"]) else str(worst["commodity"]),
                worst_ipa=None if np.isnan(worst["ipa"]) else float(worst["ipa"]),
                new_alerts=new,
            )
        )
    return summary


def alert_changes(result: Signals, month: str | None = None) -> pd.DataFrame:
    """Series whose IPA class changed since the month before (with both classes)."""
    month = month or latest_month(result)
    now = with_keys(result, result.table[result.table["month"] == month])
    before = result.table[result.table["month"] == _previous(month)][["series", "ipa_class"]]
    merged = now.merge(before, on="series", how="left", suffixes=("", "_before"))
    merged["ipa_class_before"] = merged["ipa_class_before"].fillna("")
    changed = merged[
        (merged["ipa_class"] != merged["ipa_class_before"])
        & merged["ipa_class"].isin(["watch", "alert"])
    ]
    return changed.sort_values("ipa", ascending=False)


def month_is_valid(month: str) -> bool:
    """Whether ``month`` is YYYY-MM."""
    try:
        date.fromisoformat(month + "-01")
    except ValueError:
        return False
    return len(month) == 7


@dataclass(frozen=True)
class MarketPrice:
    """A commodity's median retail price in a country, for valuing goods given in kind."""

    usd_per_kg: float
    month: str  # YYYY-MM
    markets: int
    commodity: str


def market_price_usd(
    analytics_dir: Path, country: str, commodity: str, on: date
) -> MarketPrice | None:
    """Median over markets of the USD retail price per kg of ``commodity`` in ``country``
    in the newest month with quotes on or before ``on`` (within 12 months); None when the
    price store holds no such quote.

    Commodity names match WFP's, case-insensitively, on their leading words (``wheat flour``
    matches ``Wheat flour (locally processed)``). Quotes per package (WFP units ``KG``,
    ``50 KG``, ``500 G``) are divided by the package's kilograms; other units are left out.
    """
    files = slice_files(analytics_dir)
    if not files:
        return None
    with duckdb_cursor() as con:
        sql = f"""
            WITH packaged AS (
                SELECT commodity, date, market, usd_price,
                       regexp_extract(lower(trim(unit)), '^([0-9.]*) ?(kg|g)$', 1) AS size,
                       regexp_extract(lower(trim(unit)), '^([0-9.]*) ?(kg|g)$', 2) AS measure
                FROM read_parquet({[str(f) for f in files]!r}, union_by_name = true)
                WHERE country = ? AND lower(commodity) LIKE lower(?) || '%'
                  AND lower(price_type) = 'retail' AND usd_price IS NOT NULL
                  AND price_flag <> 'forecast' AND {_plausible(files)}
                  AND date <= ? AND date > ? - INTERVAL 12 MONTH),
            quotes AS (
                SELECT commodity, strftime(date, '%Y-%m') AS month, market,
                       usd_price / (coalesce(try_cast(nullif(size, '') AS DOUBLE), 1)
                                    * CASE measure WHEN 'g' THEN 0.001 ELSE 1 END) AS usd
                FROM packaged WHERE measure <> ''),
            markets AS (
                SELECT month, market, avg(usd) AS usd, any_value(commodity) AS commodity
                FROM quotes GROUP BY ALL)
            SELECT month, median(usd), count(*), any_value(commodity) FROM markets
            GROUP BY month ORDER BY month DESC LIMIT 1
        """  # noqa: S608 - file paths as literals, values as parameters
        row = con.execute(
            sql,
            [country, commodity.strip(), on, on],
        ).fetchone()
    if row is None:
        return None
    return MarketPrice(
        usd_per_kg=float(row[1]), month=row[0], markets=int(row[2]), commodity=row[3]
    )


# --- staple foods, for the risk index ---------------------------------------------------------

#: WFP commodity categories of staple foods (cereals and flours, rice, tubers; pulses; oils).
#: Wages and fuel (``non-food``), livestock and meat (``meat, fish and eggs``) are left out.
STAPLE_CATEGORIES = frozenset({"cereals and tubers", "pulses and nuts", "oil and fats"})
_STAPLE_WORDS = (
    "wheat",
    "flour",
    "rice",
    "maize",
    "sorghum",
    "millet",
    "bread",
    "oil",
    "lentil",
    "bean",
    "pea",
    "chickpea",
    "bulgur",
    "barley",
    "teff",
)
_NOT_STAPLE_WORDS = (
    "wage",
    "fuel",
    "diesel",
    "petrol",
    "gasoline",
    "kerosene",
    "livestock",
    "sheep",
    "goat",
    "cattle",
    "camel",
    "transport",
)


def is_staple(category: str | None, commodity: str) -> bool:
    """Whether a WFP series is a staple food: by its WFP category when the file gives one,
    else by the commodity's name (wages, fuel and livestock never are)."""
    name = commodity.lower()
    if any(word in name for word in _NOT_STAPLE_WORDS):
        return False
    if category:
        return category.strip().lower() in STAPLE_CATEGORIES
    return any(word in name for word in _STAPLE_WORDS)


def _categories(analytics_dir: Path) -> pd.DataFrame:
    files = slice_files(analytics_dir)
    with duckdb_cursor() as con:
        frame: pd.DataFrame = con.execute(f"""
            SELECT DISTINCT country, commodity, any_value(category) AS category
            FROM read_parquet({[str(f) for f in files]!r}, union_by_name = true)
            GROUP BY country, commodity
        """).df()  # noqa: S608 - paths enter as quoted literals
    return frame


def staple_alerts(analytics_dir: Path) -> pd.DataFrame:
    """Per country and month, the retail staple series priced and how many are in GIEWS IPA
    alert (IPA ≥ 1) and WFP ALPS crisis (ALPS ≥ 2), every country stored (filter by OIC
    downstream), with the commodity with most markets in IPA alert.

    Columns: country, month (YYYY-MM), series, ipa_alert, alps_crisis (counts),
    ipa_alert_pct, alps_crisis_pct (percent 0–100 of the staple series), top_commodity,
    top_alert_markets, top_markets (markets of that commodity priced in the month).
    Empty when nothing is ingested.
    """
    try:
        result = signals(analytics_dir)
    except NoPriceData:
        return pd.DataFrame(
            columns=[
                "country",
                "month",
                "series",
                "ipa_alert",
                "alps_crisis",
                "ipa_alert_pct",
                "alps_crisis_pct",
                "top_commodity",
                "top_alert_markets",
                "top_markets",
            ]
        )
    categories = _categories(analytics_dir)
    series = result.series.merge(categories, on=["country", "commodity"], how="left")
    staple = np.array(
        [
            is_staple(c if isinstance(c, str) else None, str(m))
            for c, m in zip(series["category"], series["commodity"], strict=True)
        ]
    )
    series = series[staple & (series["price_type"].str.lower() == "retail")]
    rows = result.table[result.table["series"].isin(series["series"])][
        ["series", "country", "month", "ipa_class", "alps_class"]
    ].copy()
    rows = rows.merge(series[["series", "commodity", "market"]], on="series", how="left")
    rows["country"] = rows["country"].astype(str)
    rows["month"] = rows["month"].astype(str)
    rows["is_alert"] = (rows["ipa_class"] == "alert").astype(int)
    rows["is_crisis"] = (rows["alps_class"] == "crisis").astype(int)
    totals = (
        rows.groupby(["country", "month"], sort=True)
        .agg(
            series=("series", "size"),
            ipa_alert=("is_alert", "sum"),
            alps_crisis=("is_crisis", "sum"),
        )
        .reset_index()
    )
    by_commodity = (
        rows.groupby(["country", "month", "commodity"], sort=True)
        .agg(markets=("market", "nunique"), alert_markets=("is_alert", "sum"))
        .reset_index()
    )
    by_commodity = by_commodity.sort_values(
        ["country", "month", "alert_markets", "markets", "commodity"],
        ascending=[True, True, False, False, True],
    ).drop_duplicates(["country", "month"])
    totals = totals.merge(
        by_commodity.rename(
            columns={
                "commodity": "top_commodity",
                "alert_markets": "top_alert_markets",
                "markets": "top_markets",
            }
        ),
        on=["country", "month"],
        how="left",
    )
    totals["ipa_alert_pct"] = 100.0 * totals["ipa_alert"] / totals["series"]
    totals["alps_crisis_pct"] = 100.0 * totals["alps_crisis"] / totals["series"]
    return totals


# --- slices: what was loaded, and removing it ------------------------------------------------


def _reference_dir(analytics_dir: Path) -> Path:
    return analytics_dir / "prices" / "reference"


def _price_slice(path: Path) -> SliceInfo:
    with duckdb_cursor() as con:
        row = con.execute(
            "SELECT count(*), count(DISTINCT country), min(date), max(date), "
            "any_value(source) FROM read_parquet(?)",
            [str(path)],
        ).fetchone()
    rows, countries, first, last, source = row or (0, 0, None, None, None)
    return SliceInfo(
        id=f"prices:{path.stem}",
        dataset="prices",
        source=str(source or f"{path.stem}.csv"),
        kind="observations",
        rows=int(rows),
        countries=int(countries),
        first=None if first is None else str(first),
        last=None if last is None else str(last),
        ingested_at=modified_at(path),
        size=file_size(path),
    )


def _reference_slice(path: Path) -> SliceInfo:
    frame = pd.read_parquet(path)
    kind, _, stem = path.stem.partition("-")
    countries = frame["countryiso3"].nunique() if "countryiso3" in frame else 0
    return SliceInfo(
        id=f"prices:reference/{path.stem}",
        dataset="prices",
        source=f"{stem or path.stem}.csv",
        kind=kind,
        rows=len(frame),
        countries=int(countries),
        first=None,
        last=None,
        ingested_at=modified_at(path),
        size=file_size(path),
    )


def slices(analytics_dir: Path) -> list[SliceInfo]:
    """Every ingested price file (one slice per file) and WFP reference file (markets,
    commodities, currencies)."""
    from iofs.ingest_files import visible_files

    return [_price_slice(path) for path in slice_files(analytics_dir)] + [
        _reference_slice(path) for path in visible_files(_reference_dir(analytics_dir), "*.parquet")
    ]


def remove_slice(analytics_dir: Path, slice_id: str) -> SliceInfo:
    """Remove one price slice (the signals are recomputed on next read: their cache is keyed
    by the store's files). Observations that a later file folded out of this one's older
    slices are not brought back."""
    from iofs.monitor.prices.ingest import store_dir

    name = split_id(slice_id, "prices")
    folder, reader = store_dir(analytics_dir), _price_slice
    if name.startswith("reference/"):
        name = name.removeprefix("reference/")
        folder, reader = _reference_dir(analytics_dir), _reference_slice
    path = folder / f"{name}.parquet"
    if "/" in name or not path.is_file():
        raise UnknownSlice(slice_id)
    info = reader(path)
    discard([path])
    return info
