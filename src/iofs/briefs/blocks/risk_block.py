"""Risk block: IOFS risk index class, value, drivers, 24-month trend, watchlist entry (risk
service).
"""

from __future__ import annotations

from typing import Any

from iofs.briefs.blocks.common import RISK_MONTHS
from iofs.briefs.cache import cached
from iofs.briefs.charts import monthly_line
from iofs.briefs.model import Block, Chart, Fact, Missing, number
from iofs.config import Settings
from iofs.i18n import N_, current_language
from iofs.i18n import gettext as _


def risk(settings: Settings, iso3: str, month: str | None = None) -> Block:
    """The IOFS risk index (0–10): class, value, top drivers, 24-month trend, watchlist
    entry; from :mod:`iofs.monitor.risk.service`."""
    from iofs.monitor.risk import service as risk_service

    block = Block("risk", _("Risk"), "/risk", _("Risk index"))
    found = risk_service.country_risk(settings, iso3, month)
    if found is None or found.value is None:
        block.missing.append(
            Missing(
                _("No risk index for this state yet."), command="iofs risk update", page="/risk"
            )
        )
        return block
    block.link = f"/risk/{iso3}"
    block.facts += [
        Fact(_("Risk class"), found.risk_class, found.class_label, as_of=found.month),
        Fact(
            _("Risk index"),
            round(found.value, 1),
            number(found.value, 1, "/ 10"),
            "0–10",
            found.month,
        ),
        Fact(_("Top drivers"), found.drivers, found.drivers, as_of=found.month),
    ]
    history = list(found.history)[-RISK_MONTHS:]
    if len(history) >= 2:
        change = history[-1][1] - history[0][1]
        block.facts.append(
            Fact(
                _("Change over the period shown"),
                round(change, 1),
                f"{change:+.1f}",
                "points",
                f"{history[0][0]} – {history[-1][0]}",
            )
        )
        title = _("Risk index, last 24 months")
        block.charts.append(
            Chart(title, monthly_line(history, title, _("Risk (0–10)"), (0.0, 10.0)))
        )
    entry = watch_entries(settings, month).get(iso3)
    block.facts.append(
        Fact(
            _("Watchlist"),
            entry.list if entry else "",
            (
                f"{_(WATCH_LABELS[entry.list])}: {entry.change}"
                if entry
                else _("not on the watchlist")
            ),
            as_of=found.month,
        )
    )
    return block


WATCH_LABELS = {"high": N_("high risk"), "watch": N_("on watch")}


def watch_entries(settings: Settings, month: str | None) -> dict[str, Any]:
    """The risk service's watchlist entries of ``month`` by ISO3, computed once per month,
    language and state of the risk store (``watch_entry`` computes the whole watchlist for
    each state asked). :func:`risk` asks for the state's index first, which recomputes the
    stored index when an input changed, so a stale watchlist is never served."""
    from iofs.monitor.risk import service as risk_service

    return cached(
        settings.analytics_dir / "risk",
        ("watchlist", month, current_language()),
        lambda: {e.iso3: e for e in risk_service.watchlist_entries(settings, month)},
    )
