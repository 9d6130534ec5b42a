"""Food prices block: staple series in GIEWS IPA watch/alert and the worst three with
sparklines (prices service).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any

import numpy as np

from iofs.briefs.blocks.common import RISK_MONTHS
from iofs.briefs.cache import cached
from iofs.briefs.charts import sparkline
from iofs.briefs.model import Block, Chart, Fact, Missing, Table, number
from iofs.config import Settings
from iofs.i18n import N_
from iofs.i18n import gettext as _


def prices(settings: Settings, iso3: str, month: str | None = None) -> Block:
    """Retail staple price series in GIEWS IPA watch or alert in the month (default: the
    state's latest), and the worst three with a 24-month sparkline (local currency)."""
    from iofs.monitor.prices import service

    block = Block("prices", _("Food prices"), "/prices", _("Food prices"))
    try:
        result = service.signals(settings.analytics_dir)
    except service.NoPriceData:
        block.missing.append(
            Missing(_("No market prices ingested."), command="iofs fetch prices", page="/prices")
        )
        return block
    own = by_country(settings, result).get(iso3)
    # a state without a priced row has no anomaly (anomalies_for would filter to nothing)
    rows = None if own is None else service.anomalies_for(own, iso3, month)
    if own is None or rows is None or rows.empty:
        block.missing.append(
            Missing(
                _("No market price series for this state."),
                command="iofs fetch prices",
                page="/prices",
            )
        )
        return block
    is_staple = [service.is_staple(None, str(c)) for c in rows["commodity"]]
    staple = rows[
        (rows["price_type"].astype(str).str.lower() == "retail").to_numpy()
        & np.array(is_staple, dtype=bool)
    ]
    seen = str(rows["month"].iloc[0])
    block.link = f"/prices/{iso3}"
    flagged = staple[staple["ipa_class"].astype(str).isin(["watch", "alert"])]
    counts = Counter(str(c) for c in staple["ipa_class"])
    block.facts += [
        Fact(_("Staple series priced"), len(staple), number(len(staple)), as_of=seen),
        Fact(_("In IPA watch"), counts["watch"], number(counts["watch"]), as_of=seen),
        Fact(_("In IPA alert"), counts["alert"], number(counts["alert"]), as_of=seen),
    ]
    worst = flagged.sort_values("ipa", ascending=False).head(3)
    table_rows, links = [], []
    for _index, row in worst.iterrows():
        label = f"{row['commodity']} — {row['market']}"
        table_rows.append(
            (
                label,
                number(float(row["ipa"]), 2),
                _(IPA_LABELS.get(str(row["ipa_class"]), str(row["ipa_class"]))),
                number(float(row["price"]), 2, f"{row['currency']}/{row['unit']}"),
            )
        )
        links.append(f"/prices/series/{int(row['series'])}")
        history = service.series_history(own, int(row["series"])).tail(RISK_MONTHS)
        points = [
            (str(m), float(p))
            for m, p in zip(history["month"], history["price"], strict=True)
            if p == p
        ]
        if len(points) >= 2:
            block.charts.append(Chart(label, sparkline(points, label)))
    if table_rows:
        block.tables.append(
            Table(
                _("Worst staple series (IPA)"),
                (_("Series"), _("IPA"), _("Class"), _("Price")),
                tuple(table_rows),
                tuple(links),
            )
        )
    else:
        block.notes.append(_("No staple series is in IPA watch or alert."))
    return block


def by_country(settings: Settings, result: Any) -> dict[str, Any]:
    """The prices service's signals split by country once per state of the price store: per
    ISO3, the same ``Signals`` with only that country's rows, so that ``anomalies_for`` and
    ``series_history`` filter a few hundred rows per state instead of the whole table; a
    state without prices is absent."""

    def split() -> dict[str, Any]:
        return {
            str(code): dataclasses.replace(result, table=rows)
            for code, rows in result.table.groupby("country", sort=False, observed=True)
        }

    return cached(settings.analytics_dir / "prices", ("by_country", id(result)), split)


IPA_LABELS = {"normal": N_("normal"), "watch": N_("watch"), "alert": N_("alert")}
