"""The OIC monthly bulletin: headline numbers, the watchlist with drivers, changes since last
month, a map, and one generated paragraph per watchlist state (templated, translated
sentences filled from the data; no free text).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from iofs.briefs import blocks
from iofs.briefs.cache import cached
from iofs.briefs.model import Fact, number, percent
from iofs.briefs.service import check_month
from iofs.config import Settings
from iofs.i18n import N_
from iofs.i18n import gettext as _
from iofs.permissions import Principal

#: Share of a state's area in drought (SPI-3 ≤ −1, percent) from which it is counted.
DROUGHT_AREA = 20.0


@dataclass
class WatchState:
    """A state in the bulletin's watchlist: ``list`` high or watch, ``reasons`` (translated),
    ``drivers``, ``change`` since last month and the generated ``paragraph``."""

    iso3: str
    name: str
    list: str
    reasons: str
    drivers: str
    change: str
    paragraph: str = ""


@dataclass
class Bulletin:
    """One month of the bulletin (``month`` YYYY-MM, ``previous`` the month before)."""

    month: str
    previous: str
    headline: list[Fact]
    watchlist: list[WatchState]
    watch_source: str
    changes: list[str]
    map_values: list[dict[str, str]]
    missing: list[str] = field(default_factory=list)


def previous_month(month: str) -> str:
    """The month before ``month`` (YYYY-MM)."""
    first = date.fromisoformat(month + "-01")
    return f"{first.year - 1}-12" if first.month == 1 else f"{first.year}-{first.month - 1:02d}"


def default_month(settings: Settings) -> str:
    """The newest month with staple price data, else the current month (YYYY-MM)."""
    alerts = _staple_alerts(settings)
    if not alerts.empty:
        return str(alerts["month"].max())
    return date.today().strftime("%Y-%m")


def _staple_alerts(settings: Settings) -> Any:
    from iofs.monitor.prices import service

    def read() -> Any:
        frame = service.staple_alerts(settings.analytics_dir)
        return frame[frame["country"].isin(blocks.oic_codes())]

    return cached(settings.analytics_dir / "prices", ("staple_alerts",), read)


def _ipc(settings: Settings, month: str) -> list[Any]:
    from iofs.monitor.ipc import service

    try:
        return [a for found in blocks.ipc_latest(settings, month).values() for a in found]
    except service.NoIpcData:
        return []


def _ipc_signals(settings: Settings, month: str) -> list[Any]:
    from iofs.monitor.ipc import service

    try:
        return cached(
            settings.analytics_dir / "ipc",
            ("signals", month),
            lambda: service.signals(settings.analytics_dir, month),
        )
    except service.NoIpcData:
        return []


def _drought(settings: Settings, month: str) -> Any:
    from iofs.monitor.drought import service

    frame = service.monthly_by_country(settings, blocks.SPI_SCALE)
    return frame[frame["month"].astype(str).str[:7] == month]


def _appeals(session: Session) -> tuple[Decimal, Decimal]:
    from iofs.programmes import service

    required, funded = Decimal(0), Decimal(0)
    for code in service.appeal_codes(session):
        summary = service.appeal_summary(session, code)
        required += Decimal(summary["required_usd"] or 0)
        funded += Decimal(summary["funded_usd"] or 0)
    return required, funded


def compute(session: Session, settings: Settings, principal: Principal, month: str) -> Bulletin:
    """The bulletin of ``month`` (YYYY-MM); every figure from the modules' services, and a
    missing note for each source not loaded."""
    chosen = check_month(month) or default_month(settings)
    before = previous_month(chosen)
    missing: list[str] = []
    headline: list[Fact] = []
    analyses = _ipc(settings, chosen)
    p3 = sum(a.p3_plus_people or 0 for a in analyses)
    headline.append(Fact(_("People in IPC phase 3 or worse"), p3, number(p3), _("people"), chosen))
    if not analyses:
        missing.append(_("No IPC analysis valid in this month: `iofs ingest ipc FILE`."))
    alerts = _staple_alerts(settings)
    now = alerts[alerts["month"] == chosen]
    then = alerts[alerts["month"] == before]
    alert_series = int(now["ipa_alert"].sum()) if not now.empty else 0
    alert_states = int((now["ipa_alert"] > 0).sum()) if not now.empty else 0
    headline.append(
        Fact(
            _("Staple price series in IPA alert"), alert_series, number(alert_series), as_of=chosen
        )
    )
    headline.append(
        Fact(
            _("States with a staple price alert"), alert_states, number(alert_states), as_of=chosen
        )
    )
    if now.empty:
        missing.append(_("No staple prices in this month: `iofs ingest prices FILE`."))
    drought = _drought(settings, chosen)
    dry = drought[drought["share_moderate"] >= DROUGHT_AREA] if not drought.empty else drought
    headline.append(
        Fact(
            _("States with 20 % or more of their area in drought"),
            len(dry),
            number(len(dry)),
            as_of=chosen,
        )
    )
    if drought.empty:
        missing.append(_("No SPI-3 drought statistics for this month: `iofs drought zonal`."))
    required, funded = _appeals(session)
    coverage = float(funded * 100 / required) if required else None
    headline.append(Fact(_("Appeal coverage"), coverage, percent(coverage), "%"))
    watch, source, high = _watchlist(settings, chosen, analyses, now)
    if source == "fallback":
        missing.append(
            _(
                "The risk module does not publish its watchlist to other modules "
                "yet; states to watch follow IPC and staple price alerts only."
            )
        )
    headline.insert(
        0, Fact(_("States in high risk"), high, "–" if high is None else number(high), as_of=chosen)
    )
    for state in watch:
        state.paragraph = paragraph(settings, state.iso3, chosen, analyses, now, drought)
    changes = _changes(settings, chosen, now, then)
    categories = {state.iso3: ("crisis" if state.list == "high" else "alert") for state in watch}
    map_values = [
        {
            "iso3": code,
            "category": categories.get(code, "normal"),
            "label": _(LIST_LABELS.get(categories.get(code, ""), N_("not on the list"))),
        }
        for code in sorted(blocks.oic_codes())
    ]
    return Bulletin(chosen, before, headline, watch, source, changes, map_values, missing)


LIST_LABELS = {"crisis": N_("high risk"), "alert": N_("on watch")}


def _watchlist(
    settings: Settings, month: str, analyses: list[Any], alerts: Any
) -> tuple[list[WatchState], str, int | None]:
    """(watchlist, ``risk`` or ``fallback``, states in high risk or None)."""
    from iofs.monitor.risk import service as risk_service

    entries = risk_service.watchlist_entries(settings, month)
    if entries:
        states = [
            WatchState(
                e.iso3,
                blocks.state_name(e.iso3),
                e.list,
                risk_service.watch_reasons(e),
                e.drivers,
                e.change,
            )
            for e in entries
        ]
        return states, "risk", sum(1 for e in entries if e.list == "high")
    found: dict[str, WatchState] = {}
    for analysis in analyses:
        people = analysis.p3_plus_people or 0
        if people >= 500_000:
            found[analysis.country] = WatchState(
                analysis.country,
                blocks.state_name(analysis.country),
                "watch",
                _("%(people)s people in IPC phase 3 or worse") % {"people": number(people)},
                "",
                "",
            )
    for _index, row in alerts.iterrows():
        if int(row["ipa_alert"]) > 0:
            code = str(row["country"])
            reason = _("%(count)d staple price series in IPA alert") % {
                "count": int(row["ipa_alert"])
            }
            if code in found:
                found[code].reasons += "; " + reason
            else:
                found[code] = WatchState(code, blocks.state_name(code), "watch", reason, "", "")
    return sorted(found.values(), key=lambda s: s.name), "fallback", None


def _changes(settings: Settings, month: str, now: Any, then: Any) -> list[str]:
    """Sentences on what changed since the month before: price alerts, IPC signals."""
    changes: list[str] = []
    before = {str(r["country"]): int(r["ipa_alert"]) for _i, r in then.iterrows()}
    for _index, row in now.iterrows():
        code, count = str(row["country"]), int(row["ipa_alert"])
        earlier = before.get(code, 0)
        if count != earlier:
            changes.append(
                _("%(state)s: staple price series in IPA alert %(before)d → %(after)d.")
                % {"state": blocks.state_name(code), "before": earlier, "after": count}
            )
    for signal in _ipc_signals(settings, month):
        changes.append(
            _("%(state)s: IPC signal — %(what)s.")
            % {
                "state": blocks.state_name(signal.analysis.country),
                "what": str(getattr(signal, "reason", "") or getattr(signal, "kind", "")),
            }
        )
    return changes


def paragraph(
    settings: Settings, iso3: str, month: str, analyses: list[Any], alerts: Any, drought: Any
) -> str:
    """One paragraph on a watchlist state, from templated translated sentences, each only
    when its figure exists."""
    name = blocks.state_name(iso3)
    sentences: list[str] = []
    for analysis in analyses:
        if analysis.country == iso3 and analysis.p3_plus_people:
            share = analysis.share("P3+")
            sentences.append(
                _(
                    "In %(state)s, %(people)s people were in IPC phase 3 or worse "
                    "(%(share)s of the population analysed, %(start)s to "
                    "%(end)s)."
                )
                % {
                    "state": name,
                    "people": number(analysis.p3_plus_people),
                    "share": percent(None if share is None else 100 * share),
                    "start": f"{analysis.period_from:%Y-%m}",
                    "end": f"{analysis.period_to:%Y-%m}",
                }
            )
    for _index, row in alerts[alerts["country"] == iso3].iterrows():
        sentences.append(
            _(
                "%(alert)d of %(series)d staple price series were in IPA alert in "
                "%(month)s; the commodity with most markets in alert was "
                "%(commodity)s."
            )
            % {
                "alert": int(row["ipa_alert"]),
                "series": int(row["series"]),
                "month": month,
                "commodity": str(row["top_commodity"] or "–"),
            }
        )
    for _index, row in drought[drought["iso3"] == iso3].iterrows():
        sentences.append(
            _("%(share)s of its area was in drought (SPI-3 of −1 or less).")
            % {"share": percent(float(row["share_moderate"]))}
        )
    if not sentences:
        sentences.append(
            _("%(state)s is on the list; no further figure is stored for this month.")
            % {"state": name}
        )
    return " ".join(sentences)


def record(found: Bulletin) -> dict[str, Any]:
    """JSON-ready data of the bulletin."""
    return asdict(found)
