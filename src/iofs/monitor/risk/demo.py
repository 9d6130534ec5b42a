"""Demo inputs of the IOFS risk index: ILLUSTRATIVE values, not measurements.

The public files the index reads on a real installation (INFORM, IPC, WFP prices, SPI,
FAOSTAT, HungerMap) are not shipped with iofs, so ``iofs demo load`` writes an observation
table whose every row says, in its source, that it is illustrative. The values follow a
deterministic pattern per state (a hash of its ISO3 code), with seasonal drought and price
episodes, so that ``/risk`` shows a ranking, a watchlist and histories on a fresh install.
They say nothing about any real state; pages show the source of every input.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from iofs.permissions import Principal

#: The source written on every demo row (shown on the decomposition page).
DEMO_SOURCE = "Illustrative demo input (not real data)"
DEMO_FILE = "demo-illustrative.parquet"
END_MONTH = 2025 * 12 + 9  # 2025-10
MONTHS = 36


def _level(iso3: str, salt: str) -> float:
    """A stable number in [0, 1) for a state and an input."""
    digest = hashlib.sha256(f"{iso3}:{salt}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32


def illustrative_observations(
    states: Sequence[str],
    months: int = MONTHS,
    end_month: int = END_MONTH,
    source: str = DEMO_SOURCE,
) -> pd.DataFrame:
    """Observations of every tree input for ``states`` over ``months`` months up to
    ``end_month`` (a month count), in the units of ``trees/iofs.toml``; illustrative."""
    first = end_month - months + 1
    month_axis = np.arange(first, end_month + 1)
    frames = []
    for iso3 in states:
        wet = _level(iso3, "drought")
        phase = _level(iso3, "phase") * 2 * np.pi
        drought = np.clip(60 * wet * (np.sin(month_axis / 6.0 + phase) - 0.2), 0, 100)
        price = np.clip(
            50 * _level(iso3, "prices") * (np.cos(month_axis / 9.0 + phase) - 0.3), 0, 100
        )
        markets = 3 + int(10 * _level(iso3, "markets"))
        alert = np.rint(price / 100 * markets).astype(int)
        rows = {
            "drought_severe_area": (month_axis, drought, [""] * months),
            "price_ipa_alert": (
                month_axis,
                100.0 * alert / markets,
                [
                    json.dumps(
                        {
                            "commodity": "Wheat flour",
                            "alert": int(a),
                            "markets": markets,
                            "series": markets,
                            "alert_series": int(a),
                        }
                    )
                    for a in alert
                ],
            ),
            "price_alps_crisis": (month_axis, price / 2, [""] * months),
        }
        annual = np.arange(first // 12, end_month // 12 + 1) * 12 + 11
        annual = annual[annual <= end_month]
        rows["undernourishment"] = (
            annual,
            np.full(len(annual), 2.5 + 35 * _level(iso3, "pou") ** 2),
            [""] * len(annual),
        )
        rows["cereal_import_dependency"] = (
            annual,
            np.full(len(annual), 100 * _level(iso3, "cidr")),
            [""] * len(annual),
        )
        rows["energy_adequacy"] = (
            annual,
            np.full(len(annual), 90 + 60 * _level(iso3, "desa")),
            [""] * len(annual),
        )
        yearly = np.arange(first // 12 + 1, end_month // 12 + 1) * 12
        rows["conflict"] = (
            yearly,
            np.full(len(yearly), 10 * _level(iso3, "conflict") ** 2),
            [""] * len(yearly),
        )
        rows["inform_lcc"] = (
            yearly,
            np.full(len(yearly), 2 + 6 * _level(iso3, "lcc")),
            [""] * len(yearly),
        )
        if _level(iso3, "ipc") < 0.35:
            rows["ipc_p3_plus"] = (
                month_axis,
                np.clip(45 * _level(iso3, "p3") + drought / 4, 0, 100),
                [""] * months,
            )
        if _level(iso3, "hungermap") < 0.6:
            rows["hungermap_fcs"] = (
                month_axis[::3],
                60 * _level(iso3, "fcs") * np.ones(len(month_axis[::3])),
                [""] * len(month_axis[::3]),
            )
        for indicator, (when, values, details) in rows.items():
            frames.append(
                pd.DataFrame(
                    {
                        "iso3": iso3,
                        "indicator": indicator,
                        "month_index": when.astype(np.int64),
                        "value": np.round(values.astype(float), 2),
                        "source": source,
                        "detail": details,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def load(session: Session, principal: Principal) -> str:
    """Write the illustrative observations of the 57 states and recompute the index."""
    from iofs.config import get_settings
    from iofs.monitor.risk import index, service

    settings = get_settings()
    frame = illustrative_observations(sorted(index.oic_states()))
    written = service.store_observations(frame, settings.analytics_dir, DEMO_FILE)
    report = index.update(settings)
    return (
        f"{'wrote' if written else 'kept'} {len(frame)} illustrative risk inputs; index of "
        f"{report.countries} states, {report.first_month} to {report.last_month}"
    )
