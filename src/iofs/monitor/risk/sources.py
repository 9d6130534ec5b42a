"""Gather the IOFS index's inputs from the other modules' services, as dated observations.

Each function returns an observation table (:data:`iofs.monitor.risk.panel.OBSERVATION_COLUMNS`)
for one source; a source with nothing stored gives no rows, never an error. Units are those
of the tree (``trees/iofs.toml``): percent 0–100 for shares, INFORM's 0–10 for its scores.

- drought: McKee SPI-3, percent of area at SPI ≤ −1.5 (:mod:`iofs.monitor.drought`);
- food prices: percent of staple retail series in GIEWS IPA alert and WFP ALPS crisis
  (:func:`iofs.monitor.prices.service.staple_alerts`);
- FAOSTAT: prevalence of undernourishment, cereal import dependency ratio, dietary energy
  supply adequacy (values of year *t* observed in December of *t*);
- IPC: P3+ share of the latest analysis valid in each month (IPC Manual 3.1), and the HDX
  Signals-style IPC signals (:mod:`iofs.monitor.ipc.service`);
- INFORM (imported with ``iofs risk import-inform``): human hazard (conflict) and lack of
  coping capacity, observed in January of the release year;
- HungerMap LIVE and other observations imported into the risk store (``iofs risk
  import-hungermap``, ``iofs risk import-observations``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from iofs.config import Settings
from iofs.monitor.risk.panel import OBSERVATION_COLUMNS, empty_observations, month_index

#: The FAOSTAT indicator behind each tree input.
FAOSTAT_INPUTS = {
    "undernourishment": "prevalence_of_undernourishment",
    "cereal_import_dependency": "cereal_import_dependency_ratio",
    "energy_adequacy": "dietary_energy_supply_adequacy",
}
#: INFORM columns behind each tree input.
INFORM_INPUTS = {"conflict": "Human", "inform_lcc": "LACK OF COPING CAPACITY"}


def risk_dir(analytics_dir: Path) -> Path:
    """The risk module's folder of the analytics store."""
    return analytics_dir / "risk"


def observations_dir(analytics_dir: Path) -> Path:
    """Imported observation tables (HungerMap, the demo's illustrative facts, CSV imports)."""
    return risk_dir(analytics_dir) / "observations"


def _frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    if not rows:
        return empty_observations()
    return pd.DataFrame(rows, columns=list(OBSERVATION_COLUMNS))


def drought(settings: Settings) -> pd.DataFrame:
    """Percent of each country's area at SPI-3 ≤ −1.5, every month (all countries)."""
    from iofs.monitor.drought import service

    frame = service.monthly_by_country(settings, 3, include_non_oic=True)
    frame = frame[frame["share_severe"].notna()]
    if frame.empty:
        return empty_observations()
    return pd.DataFrame(
        {
            "iso3": frame["iso3"].astype(str),
            "indicator": "drought_severe_area",
            "month_index": [month_index(str(m)[:7]) for m in frame["month"]],
            "value": frame["share_severe"].astype(float),
            "source": "SPI-3 " + frame["source"].astype(str),
            "detail": "",
        }
    )


def prices(analytics_dir: Path) -> pd.DataFrame:
    """Percent of staple series in IPA alert and in ALPS crisis, per country and month."""
    from iofs.monitor.prices import service

    frame = service.staple_alerts(analytics_dir)
    if frame.empty:
        return empty_observations()
    months = [month_index(str(m)) for m in frame["month"]]
    details = [
        json.dumps(
            {
                "commodity": c,
                "alert": int(a),
                "markets": int(m),
                "series": int(s),
                "alert_series": int(n),
            },
            ensure_ascii=False,
        )
        for c, a, m, s, n in zip(
            frame["top_commodity"],
            frame["top_alert_markets"],
            frame["top_markets"],
            frame["series"],
            frame["ipa_alert"],
            strict=True,
        )
    ]
    crisis = [
        json.dumps({"series": int(s), "crisis_series": int(n)})
        for s, n in zip(frame["series"], frame["alps_crisis"], strict=True)
    ]
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "iso3": frame["country"],
                    "indicator": "price_ipa_alert",
                    "month_index": months,
                    "value": frame["ipa_alert_pct"],
                    "source": "WFP prices, GIEWS IPA",
                    "detail": details,
                }
            ),
            pd.DataFrame(
                {
                    "iso3": frame["country"],
                    "indicator": "price_alps_crisis",
                    "month_index": months,
                    "value": frame["alps_crisis_pct"],
                    "source": "WFP prices, WFP ALPS",
                    "detail": crisis,
                }
            ),
        ],
        ignore_index=True,
    )


def faostat(analytics_dir: Path) -> pd.DataFrame:
    """FAOSTAT food-security indicators per state and year (FAO's published value, else the
    computed one), observed in December of the year."""
    try:
        from iofs.monitor.faostat import service

        table = service.indicator_table(analytics_dir)
    except (ImportError, OSError, ValueError, LookupError):
        # nothing ingested (or the FAOSTAT module unavailable): the index goes without
        return empty_observations()
    frames = []
    for name, indicator in FAOSTAT_INPUTS.items():
        chosen = table[(table["indicator"] == indicator) & table["value"].notna()]
        if chosen.empty:
            continue
        chosen = chosen.assign(pref=(chosen["source"] == "computed").astype(int))
        chosen = chosen.sort_values(["area", "year", "pref"]).drop_duplicates(
            ["area", "year"], keep="first"
        )
        frames.append(
            pd.DataFrame(
                {
                    "iso3": chosen["area"].astype(str),
                    "indicator": name,
                    "month_index": chosen["year"].astype(int) * 12 + 11,
                    "value": chosen["value"].astype(float),
                    "source": "FAOSTAT " + chosen["source"].astype(str),
                    "detail": "",
                }
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else empty_observations()


def ipc(
    analytics_dir: Path, first_month: int, last_month: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(P3+ percent per country in each month from ``first_month`` to ``last_month`` in
    which an analysis is valid, IPC signals per country and month of analysis)."""
    from iofs.monitor.ipc import service

    rows: list[dict[str, object]] = []
    signal_rows: list[dict[str, object]] = []
    try:
        for index in range(first_month, last_month + 1):
            label = f"{index // 12:04d}-{index % 12 + 1:02d}"
            for analysis in service.latest(analytics_dir, label, include_non_oic=True):
                share = analysis.p3_plus_share
                if share is None:
                    continue
                made = analysis.analysis_date or analysis.period_from
                rows.append(
                    {
                        "iso3": analysis.country,
                        "indicator": "ipc_p3_plus",
                        "month_index": index,
                        "value": 100.0 * share,
                        "source": f"IPC {analysis.kind}",
                        "detail": json.dumps(
                            {"analysed": made.isoformat()[:7], "kind": analysis.kind}
                        ),
                    }
                )
        for signal in service.signals(analytics_dir, include_non_oic=True):
            signal_rows.append(
                {
                    "iso3": signal.analysis.country,
                    "month_index": signal.month.year * 12 + signal.month.month - 1,
                    "criteria": ", ".join(signal.criteria),
                }
            )
    except service.NoIpcData:
        pass
    signals = pd.DataFrame(signal_rows, columns=["iso3", "month_index", "criteria"])
    return _frame(rows), signals


def inform(analytics_dir: Path) -> pd.DataFrame:
    """INFORM human hazard and lack of coping capacity of every imported release."""
    from iofs.monitor.risk.service import inform_dir

    frames = []
    for path in sorted(inform_dir(analytics_dir).glob("*.parquet")):
        year_match = re.search(r"(20\d\d)", path.stem)
        if year_match is None:
            continue
        table = pd.read_parquet(path)
        for name, column in INFORM_INPUTS.items():
            if column not in table:
                continue
            chosen = table[table[column].notna()]
            frames.append(
                pd.DataFrame(
                    {
                        "iso3": chosen["iso3"].astype(str),
                        "indicator": name,
                        "month_index": int(year_match.group(1)) * 12,
                        "value": chosen[column],
                        "source": f"INFORM {path.stem}",
                        "detail": "",
                    }
                )
            )
    return pd.concat(frames, ignore_index=True) if frames else empty_observations()


def imported(analytics_dir: Path) -> pd.DataFrame:
    """Observations imported into the risk store (HungerMap, CSV, the demo's facts)."""
    files = sorted(observations_dir(analytics_dir).glob("*.parquet"))
    if not files:
        return empty_observations()
    return pd.concat([pd.read_parquet(path) for path in files], ignore_index=True)[
        list(OBSERVATION_COLUMNS)
    ]


def input_files(analytics_dir: Path) -> list[Path]:
    """Every stored file the index reads (its inputs' fingerprint)."""
    found: list[Path] = []
    for folder, pattern in (
        ("prices/observations", "*.parquet"),
        ("drought", "*.parquet"),
        ("faostat", "**/*.parquet"),
        ("ipc", "**/*.parquet"),
        ("risk/inform", "*.parquet"),
        ("risk/observations", "*.parquet"),
    ):
        found.extend((analytics_dir / folder).glob(pattern))
    return sorted(found)


def gather(settings: Settings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(Every observation of every source, IPC signals): the index's whole input."""
    analytics = settings.analytics_dir
    parts = [
        drought(settings),
        prices(analytics),
        faostat(analytics),
        inform(analytics),
        imported(analytics),
    ]
    parts = [part for part in parts if not part.empty]
    monthly = [
        p
        for p in parts
        if p["indicator"].isin(["drought_severe_area", "price_ipa_alert", "hungermap_fcs"]).any()
    ]
    span = pd.concat(parts, ignore_index=True)["month_index"] if parts else pd.Series([])
    first = int(span.min()) if len(span) else 0
    last = (
        int(pd.concat(monthly)["month_index"].max())
        if monthly
        else (int(span.max()) if len(span) else -1)
    )
    ipc_rows, ipc_signals = (
        ipc(analytics, first, last)
        if last >= first
        else (empty_observations(), pd.DataFrame(columns=["iso3", "month_index", "criteria"]))
    )
    if not ipc_rows.empty:
        parts.append(ipc_rows)
    observations = pd.concat(parts, ignore_index=True) if parts else empty_observations()
    return observations, ipc_signals
