"""Trigger rules and release sizing: decision support, never an automatic release.

Rules are stated in a data file (``triggers.toml`` beside this module, or another file): each
names a signal (an IPC worsening, a GIEWS IPA price alert on the commodity, SPI-3 at or below
a threshold over a share of the area, the risk index in a class), the commodity, the APTERR
tier and the months of imports to cover. :func:`evaluate` checks the rules against what the
monitor modules observe for a state (:class:`Observations`); :func:`raise_drafts` turns each
rule that holds into a *draft* request for the secretariat, sized by
:func:`iofs.reserves.cover.import_gap` with its arithmetic written into the draft. A draft
releases nothing: it is assessed, then decided by the committee (:mod:`.releases`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from iofs.errors import InputError
from iofs.i18n import gettext as _
from iofs.monitor.drought import service as drought
from iofs.monitor.ipc import service as ipc
from iofs.monitor.prices import service as prices
from iofs.monitor.risk import service as risk
from iofs.permissions import Principal, authorize
from iofs.reserves import cover, ledger, releases
from iofs.reserves import vocabulary as v
from iofs.reserves.models import ReleaseRequest
from iofs.reserves.permissions import ASSESS

SIGNALS = ("ipc_signal", "price_alert", "spi", "risk_class")


@dataclass(frozen=True)
class Rule:
    """One trigger rule of the data file."""

    id: str
    label: str
    signal: str
    commodity: str
    tier: int
    months_to_cover: int
    parameters: dict[str, Any] = field(default_factory=dict)


def load_rules(path: Path | None = None) -> list[Rule]:
    """The rules of ``path`` (default: the packaged ``triggers.toml``), checked."""
    text = (
        path.read_text(encoding="utf-8")
        if path is not None
        else (resources.files("iofs.reserves") / "triggers.toml").read_text(encoding="utf-8")
    )
    data = tomllib.loads(text)
    rules: list[Rule] = []
    for index, raw in enumerate(data.get("rule", [])):
        where = f"rule {index + 1}"
        signal, commodity = raw.get("signal"), raw.get("commodity")
        if signal not in SIGNALS:
            raise InputError(f"{where}: signal must be one of {', '.join(SIGNALS)}.", "signal")
        if commodity not in v.COMMODITIES:
            raise InputError(f"{where}: unknown commodity {commodity!r}.", "commodity")
        tier, months = raw.get("tier"), raw.get("months_to_cover")
        if tier not in v.TIERS or not isinstance(months, int) or not 1 <= months <= 12:
            raise InputError(f"{where}: tier is 1–3 and months_to_cover 1–12.", "tier")
        known = {"id", "label", "signal", "commodity", "tier", "months_to_cover"}
        rules.append(
            Rule(
                str(raw["id"]),
                str(raw.get("label", raw["id"])),
                signal,
                commodity,
                tier,
                months,
                {k: val for k, val in raw.items() if k not in known},
            )
        )
    return rules


@dataclass
class Observations:
    """What the monitor modules say about one state this month (None: no data)."""

    iso3: str
    month: str
    #: Reasons of IPC signals raised within the rule's window (newest first).
    ipc_signals: list[str] | None = None
    #: Price series in IPA alert per WFP commodity name (lower case).
    price_alerts: dict[str, int] | None = None
    #: Percent 0–100 of the area with SPI at or below −1.5, by SPI scale (months).
    spi_severe_share: dict[int, float] | None = None
    risk_class: str | None = None


@dataclass(frozen=True)
class Firing:
    """A rule that holds for a state, and the evidence in one sentence."""

    rule: Rule
    iso3: str
    evidence: str


def evaluate(rules: list[Rule], observed: Observations) -> list[Firing]:
    """The rules that hold for the observed state (missing data never fires a rule)."""
    fired: list[Firing] = []
    for rule in rules:
        evidence = _holds(rule, observed)
        if evidence:
            fired.append(Firing(rule, observed.iso3, evidence))
    return fired


def _holds(rule: Rule, observed: Observations) -> str | None:
    p = rule.parameters
    if rule.signal == "ipc_signal" and observed.ipc_signals:
        return observed.ipc_signals[0]
    if rule.signal == "price_alert" and observed.price_alerts is not None:
        name = v.COMMODITIES[rule.commodity].wfp_name
        count = sum(
            n for commodity, n in observed.price_alerts.items() if commodity.startswith(name)
        )
        if count >= int(p.get("min_series", 1)):
            return f"{count} {name} price series in IPA alert ({observed.month})"
    if rule.signal == "spi" and observed.spi_severe_share is not None:
        share = observed.spi_severe_share.get(int(p.get("scale", 3)))
        if share is not None and share >= float(p.get("area_share_percent", 30)):
            return (
                f"SPI-{p.get('scale', 3)} ≤ {p.get('threshold', -1.5)} over {share:.0f} % "
                f"of the area ({observed.month})"
            )
    if (
        rule.signal == "risk_class"
        and observed.risk_class is not None
        and _in_class(observed.risk_class, str(p.get("risk_class", "high")))
    ):
        return f"risk index {observed.risk_class} ({observed.month})"
    return None


@dataclass(frozen=True)
class Draft:
    """A draft request a firing would raise: sized tonnes and the arithmetic."""

    firing: Firing
    gap: cover.ImportGap | None
    note: str


def size(analytics_dir: Path, session: Session, firing: Firing, on: date | None = None) -> Draft:
    """Size a firing from the state's monthly import gap (see :mod:`.cover`)."""
    rule = firing.rule
    item = v.COMMODITIES[rule.commodity].fbs_item
    held = ledger.held_by_state(session, on).get((firing.iso3, rule.commodity), Decimal(0))
    cereals = cover.food_balance(analytics_dir, firing.iso3, cover.CEREALS)
    balance = cover.food_balance(analytics_dir, firing.iso3, item)
    dependency = cover.cereal_import_dependency(cereals)
    if dependency is None or balance is None or balance.domestic_supply_t is None:
        note = f"{rule.label}: {firing.evidence}. " + _(
            "No FAOSTAT food balance for this state: size the release by hand."
        )
        return Draft(firing, None, note)
    gap = cover.import_gap(dependency, balance.domestic_supply_t, rule.months_to_cover, held)
    note = (
        f"{rule.label}: {firing.evidence}. "
        + _("Sized from the monthly import gap (FAOSTAT %(year)d):") % {"year": balance.year}
        + " "
        + "; ".join(gap.arithmetic)
    )
    return Draft(firing, gap, note)


def raise_drafts(
    session: Session, principal: Principal, drafts: list[Draft], today: date
) -> list[ReleaseRequest]:
    """Record each sized draft as a ``draft`` request (one per state, rule and month; a
    second run changes nothing). Drafts without a size are skipped."""
    authorize(principal, ASSESS)
    created = []
    for draft in drafts:
        if draft.gap is None or draft.gap.need_t <= 0:
            continue
        reference = f"DRAFT-{draft.firing.iso3}-{draft.firing.rule.id}-{today:%Y%m}"
        if session.execute(
            select(ReleaseRequest.id).where(ReleaseRequest.reference == reference)
        ).first():
            continue
        created.append(
            releases.create_request(
                session,
                principal,
                {
                    "reference": reference,
                    "country": draft.firing.iso3,
                    "commodity": draft.firing.rule.commodity,
                    "quantity_t": draft.gap.need_t,
                    "tier": draft.firing.rule.tier,
                    "requested_on": today,
                    "reason": draft.firing.evidence[:1000],
                },
                draft_from_rule=draft.firing.rule.id,
                sizing_note=draft.note,
            )
        )
    return created


def _in_class(observed: str, wanted: str) -> bool:
    """Whether a state's risk class meets a rule's: ``high`` also holds for ``very_high``
    (the watchlist's "high risk" reads the same way)."""
    return observed == wanted or (wanted == "high" and observed == "very_high")


def observe(analytics_dir: Path, settings: Any, iso3: str, today: date) -> Observations:
    """What the IPC, price, drought and risk stores say about ``iso3`` (each None when
    absent); the risk class as ``very_low`` … ``very_high`` in the state's own latest month."""
    month = f"{today:%Y-%m}"
    observed = Observations(iso3, month)
    try:
        found = ipc.signals(analytics_dir, iso3=iso3)
        recent = [
            s for s in found if (today.year - s.month.year) * 12 + today.month - s.month.month <= 3
        ]
        observed.ipc_signals = [s.reason for s in recent]
    except (ipc.NoIpcData, OSError):  # no IPC store: the rule cannot fire
        observed.ipc_signals = None
    try:
        result = prices.signals(analytics_dir)
        latest = prices.latest_month(result)
        rows = prices.anomalies_for(result, iso3)
        rows = rows[(rows["month"] == latest) & (rows["ipa_class"] == "alert")]
        observed.price_alerts = {
            str(k).lower(): int(n)
            for k, n in rows.groupby("commodity", observed=True).size().items()
        }
        observed.month = latest
    except (prices.NoPriceData, OSError):  # no price store: the rule cannot fire
        observed.price_alerts = None
    try:
        frame = drought.country_series(settings, iso3, 3)
        if len(frame):
            last = frame.iloc[-1]
            observed.spi_severe_share = {3: float(last["share_severe"])}
    except (drought.DroughtInputError, OSError):  # no drought store: cannot fire
        observed.spi_severe_share = None
    state_risk = risk.country_risk(settings, iso3)
    if state_risk is not None and state_risk.value is not None and state_risk.risk_class:
        observed.risk_class = state_risk.risk_class.strip().lower().replace(" ", "_")
    return observed


def pilot_drafts(
    analytics_dir: Path,
    settings: Any,
    session: Session,
    states: list[str],
    today: date,
    rules: list[Rule] | None = None,
) -> list[Draft]:
    """Sized drafts for every rule that holds in ``states`` today."""
    chosen = rules if rules is not None else load_rules()
    drafts = []
    for iso3 in states:
        for firing in evaluate(chosen, observe(analytics_dir, settings, iso3, today)):
            drafts.append(size(analytics_dir, session, firing, today))
    return drafts
