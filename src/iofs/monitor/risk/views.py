"""What people read from the stored index: the ranking, one state's decomposition, drivers,
the watchlist and what changed since last month. Plain data; names in the current language.

The month of a state is its own latest month with a computed value (else its latest month
with any input), never "the newest month of any country" (``month=None``); with a month
given, every state is read in that month.

Watchlist rules (stated on the page, :data:`WATCH_RULES`): *high risk* when the state's
class is High or Very High; *on watch* when the index rose by at least 1 point in 3 months,
when an IPC signal (HDX Signals-style: a worsening in phase 3+, 4+ or 5) was made that
month, or when a staple series is in GIEWS IPA alert that month.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from iofs import countries
from iofs.i18n import N_, current_language
from iofs.i18n import gettext as _
from iofs.labels import service as labels
from iofs.monitor.risk.classes import class_label
from iofs.monitor.risk.index import OK, Stored
from iofs.monitor.risk.inputs import InputTable
from iofs.monitor.risk.panel import month_index, month_label
from iofs.monitor.risk.service import Contribution, compute, display_order
from iofs.monitor.risk.tree import Tree

HIGH_CLASSES = frozenset({"High", "Very High"})
RISE_POINTS = 1.0
RISE_MONTHS = 3
DRIVER_SCORE = 3.5
#: The rules of the watchlist, shown on the page (untranslated msgids).
WATCH_RULES = (
    N_("High risk: the state's class is High (5.0 or more) or Very High (6.5 or more)."),
    N_(
        "On watch: the index rose by 1 point or more in 3 months; or an IPC signal "
        "(a worsening in phase 3 or worse) was made in the month; or a staple food price "
        "series is in GIEWS IPA alert in the month."
    ),
)
NODE_TITLES = {
    "Food-security risk": N_("Food-security risk"),
    "Hazard": N_("Hazard"),
    "Staple food prices": N_("Staple food prices"),
    "Vulnerability": N_("Vulnerability"),
    "Chronic food insecurity": N_("Chronic food insecurity"),
    "Acute food insecurity": N_("Acute food insecurity"),
    "Lack of coping capacity": N_("Lack of coping capacity"),
}
INDICATOR_TITLES = {
    "drought_severe_area": N_("Area in severe drought (SPI-3 ≤ −1.5)"),
    "price_ipa_alert": N_("Staple price series in IPA alert"),
    "price_alps_crisis": N_("Staple price series in ALPS crisis"),
    "conflict": N_("Conflict (INFORM human hazard)"),
    "undernourishment": N_("Prevalence of undernourishment"),
    "cereal_import_dependency": N_("Cereal import dependency ratio"),
    "energy_adequacy": N_("Dietary energy supply adequacy"),
    "ipc_p3_plus": N_("Population in IPC phase 3 or worse"),
    "hungermap_fcs": N_("Insufficient food consumption (HungerMap)"),
    "inform_lcc": N_("Lack of coping capacity (INFORM)"),
}


def title(name: str, tree: Tree) -> str:
    """The translated title of a node or indicator."""
    if name in tree.indicators:
        text = tree.indicators[name].title or name
        return _(INDICATOR_TITLES[name]) if name in INDICATOR_TITLES else text
    text = tree.nodes[name].title or name
    return _(NODE_TITLES[text]) if text in NODE_TITLES else text


def _float(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _detail(text: Any) -> dict[str, Any]:
    if not text:
        return {}
    loaded = json.loads(str(text))
    return loaded if isinstance(loaded, dict) else {}


def _phrase(name: str, raw: float, detail: dict[str, Any]) -> str:
    if name == "price_ipa_alert" and detail.get("commodity") and detail.get("alert"):
        return _("IPA alert on %(commodity)s in %(alert)d of %(markets)d markets") % {
            "commodity": labels.label("commodity", str(detail["commodity"])).lower(),
            "alert": int(detail["alert"]),
            "markets": int(detail["markets"]),
        }
    phrases = {
        "price_ipa_alert": N_("%(value).0f %% of staple price series in IPA alert"),
        "price_alps_crisis": N_("ALPS crisis on %(value).0f %% of staple price series"),
        "drought_severe_area": N_("SPI-3 ≤ −1.5 over %(value).0f %% of the area"),
        "conflict": N_("conflict %(value).1f/10 (INFORM)"),
        "undernourishment": N_("undernourishment %(value).1f %%"),
        "cereal_import_dependency": N_("cereal import dependency %(value).0f %%"),
        "energy_adequacy": N_("dietary energy adequacy %(value).0f %%"),
        "ipc_p3_plus": N_("P3+ %(value).0f %%"),
        "hungermap_fcs": N_("insufficient food consumption %(value).0f %% (HungerMap)"),
        "inform_lcc": N_("lack of coping capacity %(value).1f/10 (INFORM)"),
    }
    return _(phrases[name]) % {"value": raw} if name in phrases else f"{name} {raw:g}"


def drivers(stored: Stored, tree: Tree, row: int, limit: int = 3) -> str:
    """The state's drivers in one sentence: its inputs scoring ``DRIVER_SCORE`` (3.5) or
    more, highest first (at most ``limit``), e.g. "IPA alert on wheat flour in 3 of 5
    markets; SPI-3 ≤ −1.5 over 42 % of the area; P3+ 47 %"; else its highest input."""
    scored = []
    for name in tree.indicators:
        score = _float(stored.column(f"score:{name}")[row])
        raw = _float(stored.column(f"raw:{name}")[row])
        if score is not None and raw is not None:
            scored.append((score, name, raw))
    if not scored:
        return _("no input for this month")
    scored.sort(key=lambda item: -item[0])
    chosen = [item for item in scored if item[0] >= DRIVER_SCORE][:limit] or scored[:1]
    return "; ".join(
        _phrase(name, raw, _detail(stored.column(f"detail:{name}")[row]))
        for _score, name, raw in chosen
    )


def _latest_row(stored: Stored, iso3: str) -> int | None:
    start = stored.start.get(iso3)
    if start is None or not stored.months:
        return None
    status = stored.column("status")[start : start + stored.months]
    ok = np.flatnonzero(status == OK)
    if len(ok):
        return start + int(ok[-1])
    inputs = stored.column("reliability")[start : start + stored.months]
    present = np.flatnonzero(inputs > 0)
    return start + int(present[-1]) if len(present) else start + stored.months - 1


def row_for(stored: Stored, iso3: str, month: str | None) -> int | None:
    """The row of ``iso3`` in ``month`` (None: its own latest month)."""
    if month is None:
        return _latest_row(stored, iso3)
    return stored.position(iso3, month_index(month))


def _value(stored: Stored, row: int | None) -> float | None:
    if row is None or stored.column("status")[row] != OK:
        return None
    return _float(stored.column("value")[row])


def _shifted(stored: Stored, row: int, months: int) -> int | None:
    iso3 = str(stored.column("iso3")[row])
    return stored.position(iso3, int(stored.column("month_index")[row]) - months)


@dataclass(frozen=True)
class Ranked:
    """A state in the ranking: ``value`` 0–10 (None: insufficient data), ``trend`` the
    change in 3 months (points), ``arrow`` ↑ ↓ → or empty, ``reliability`` 0–1."""

    rank: int | None
    iso3: str
    name: str
    month: str | None
    value: float | None
    risk_class: str
    class_label: str
    reliability: float
    status: str
    trend: float | None
    arrow: str
    drivers: str


def country_name(iso3: str) -> str:
    """The state's short name in the current language."""
    return countries.name(iso3, current_language())


def _keys(stored: Stored, include_non_oic: bool) -> list[str]:
    from iofs.monitor.risk.index import oic_states

    states = oic_states()
    return [key for key in stored.keys if include_non_oic or key in states]


def ranking(
    stored: Stored, tree: Tree, month: str | None = None, include_non_oic: bool = False
) -> list[Ranked]:
    """Every OIC state (others too with ``include_non_oic``), highest value first; states
    with insufficient data last, unranked."""
    found: list[Ranked] = []
    for iso3 in _keys(stored, include_non_oic):
        row = row_for(stored, iso3, month)
        if row is None:
            found.append(
                Ranked(
                    None,
                    iso3,
                    country_name(iso3),
                    month,
                    None,
                    "",
                    "",
                    0.0,
                    "insufficient",
                    None,
                    "",
                    _("no input for this month"),
                )
            )
            continue
        value = _value(stored, row)
        before = _shifted(stored, row, RISE_MONTHS)
        earlier = _value(stored, before)
        trend = round(value - earlier, 1) if value is not None and earlier is not None else None
        arrow = "" if trend is None else "↑" if trend >= 0.5 else "↓" if trend <= -0.5 else "→"
        label = str(stored.column("risk_class")[row]) if value is not None else ""
        found.append(
            Ranked(
                None,
                iso3,
                country_name(iso3),
                str(stored.column("month")[row]),
                value,
                label,
                class_label(label),
                float(stored.column("reliability")[row]),
                str(stored.column("status")[row]),
                trend,
                arrow,
                drivers(stored, tree, row) if value is not None else _("insufficient data"),
            )
        )
    found.sort(key=lambda r: (r.value is None, -(r.value or 0.0), r.iso3))  # same in every language
    rank = 0
    ranked = []
    for item in found:
        if item.value is not None:
            rank += 1
        ranked.append(
            Ranked(
                rank if item.value is not None else None,
                *[getattr(item, field) for field in Ranked.__dataclass_fields__ if field != "rank"],
            )
        )
    return ranked


@dataclass(frozen=True)
class InputOut:
    """An input of one state in one month: raw value (its unit), score 0–10, source, age in
    months (0 = observed that month), definition and reference."""

    name: str
    title: str
    unit: str
    raw: float | None
    score: float | None
    source: str
    age: int | None
    definition: str
    reference: str


@dataclass(frozen=True)
class NodeOut:
    """A node of the decomposition: its score (0–10), depth, children with their scores and
    effective weights (0–1), and the names of its missing inputs."""

    name: str
    title: str
    depth: int
    value: float | None
    reliability: float
    contributions: tuple[Contribution, ...]
    missing_inputs: tuple[str, ...]


@dataclass(frozen=True)
class CountryRisk:
    """One state in one month: the index, its decomposition, inputs and history."""

    iso3: str
    name: str
    month: str
    value: float | None
    risk_class: str
    class_label: str
    reliability: float
    status: str
    drivers: str
    nodes: tuple[NodeOut, ...]
    inputs: tuple[InputOut, ...]
    history: tuple[tuple[str, float], ...]
    first_month: str | None


def explain(stored: Stored, tree: Tree, iso3: str, month: str | None = None) -> CountryRisk | None:
    """The decomposition of ``iso3`` in ``month`` (default: its latest), None when the
    index has no row for it."""
    code = iso3.strip().upper()
    row = row_for(stored, code, month)
    if row is None:
        return None
    frame = stored.frame
    raw = {
        tree.indicators[name].source: [_float(stored.column(f"raw:{name}")[row])]
        for name in tree.indicators
    }
    (result,) = compute(tree, InputTable.from_columns([code], raw), "inputs")
    nodes = tuple(
        NodeOut(
            node.node,
            title(node.node, tree),
            node.depth,
            node.value,
            node.reliability,
            node.contributions,
            node.missing_inputs,
        )
        for node in result.nodes
    )
    inputs = []
    for name, indicator in tree.indicators.items():
        age = int(stored.column(f"age:{name}")[row])
        inputs.append(
            InputOut(
                name=name,
                title=title(name, tree),
                unit=indicator.unit or "",
                raw=_float(stored.column(f"raw:{name}")[row]),
                score=_float(stored.column(f"score:{name}")[row]),
                source=str(stored.column(f"source:{name}")[row]),
                age=age if age >= 0 else None,
                definition=indicator.definition or "",
                reference=indicator.reference or "",
            )
        )
    start = stored.start[code]
    block = frame.iloc[start : start + stored.months]
    ok = block[block["status"] == OK]
    history = tuple((str(m), float(v)) for m, v in zip(ok["month"], ok["value"], strict=True))
    value = _value(stored, row)
    label = str(stored.column("risk_class")[row]) if value is not None else ""
    return CountryRisk(
        iso3=code,
        name=country_name(code),
        month=str(stored.column("month")[row]),
        value=value,
        risk_class=label,
        class_label=class_label(label),
        reliability=float(stored.column("reliability")[row]),
        status=str(stored.column("status")[row]),
        drivers=drivers(stored, tree, row) if value is not None else _("insufficient data"),
        nodes=nodes,
        inputs=tuple(inputs),
        history=history,
        first_month=history[0][0] if history else None,
    )


# --- watchlist -----------------------------------------------------------------------------


@dataclass(frozen=True)
class WatchEntry:
    """A state on the watchlist: ``list`` is ``high`` (high risk) or ``watch`` (on watch);
    ``reasons`` the rules met (high, rise, ipc, ipa); ``change`` what changed since the
    month before, in one sentence; ``previous`` last month's list (or empty)."""

    iso3: str
    name: str
    month: str
    list: str
    value: float | None
    risk_class: str
    class_label: str
    reasons: tuple[str, ...]
    drivers: str
    change: str
    previous: str


def _reasons(stored: Stored, row: int) -> tuple[str, ...]:
    frame = stored.frame
    reasons: list[str] = []
    value = _value(stored, row)
    if value is not None and str(stored.column("risk_class")[row]) in HIGH_CLASSES:
        reasons.append("high")
    earlier = _value(stored, _shifted(stored, row, RISE_MONTHS))
    if value is not None and earlier is not None and value - earlier >= RISE_POINTS - 1e-9:
        reasons.append("rise")
    if stored.column("ipc_signal")[row]:
        reasons.append("ipc")
    if "raw:price_ipa_alert" in frame:
        alert = _float(stored.column("raw:price_ipa_alert")[row])
        if alert and int(stored.column("age:price_ipa_alert")[row]) == 0:
            reasons.append("ipa")
    return tuple(reasons)


def _list_of(reasons: tuple[str, ...]) -> str:
    return "high" if "high" in reasons else ("watch" if reasons else "")


REASON_LABELS = {
    "high": N_("class High or Very High"),
    "rise": N_("rose by 1 point or more in 3 months"),
    "ipc": N_("IPC signal"),
    "ipa": N_("IPA alert on a staple"),
}


def _change(stored: Stored, row: int, before: int | None, now: str) -> tuple[str, str]:
    if before is None:
        return _("first month with data"), ""
    previous = _list_of(_reasons(stored, before))
    value, last = _value(stored, row), _value(stored, before)
    parts: list[str] = []
    if not previous:
        parts.append(_("new on the list"))
    elif previous != now:
        parts.append(
            _("moved from on watch to high risk")
            if now == "high"
            else _("moved from high risk to on watch")
        )
    then = str(stored.column("risk_class")[before]) if last is not None else ""
    label = str(stored.column("risk_class")[row]) if value is not None else ""
    if then and label and then != label:
        parts.append(
            _("class %(before)s → %(after)s")
            % {"before": class_label(then), "after": class_label(label)}
        )
    if value is not None and last is not None:
        parts.append(_("%(delta)+.1f points since last month") % {"delta": value - last})
    return "; ".join(parts) or _("unchanged"), previous


def watchlist(
    stored: Stored, tree: Tree, month: str | None = None, include_non_oic: bool = False
) -> tuple[list[WatchEntry], list[str]]:
    """(States on the watchlist, high risk first then on watch, by value; states that were on
    last month's list and left it). Each state in its own latest month unless ``month``."""
    entries: list[WatchEntry] = []
    left: list[str] = []
    for iso3 in _keys(stored, include_non_oic):
        row = row_for(stored, iso3, month)
        if row is None:
            continue
        before = _shifted(stored, row, 1)
        reasons = _reasons(stored, row)
        listed = _list_of(reasons)
        if not listed:
            if before is not None and _list_of(_reasons(stored, before)):
                left.append(iso3)
            continue
        change, previous = _change(stored, row, before, listed)
        value = _value(stored, row)
        label = str(stored.column("risk_class")[row]) if value is not None else ""
        entries.append(
            WatchEntry(
                iso3=iso3,
                name=country_name(iso3),
                month=str(stored.column("month")[row]),
                list=listed,
                value=value,
                risk_class=label,
                class_label=class_label(label),
                reasons=reasons,
                drivers=drivers(stored, tree, row),
                change=change,
                previous=previous,
            )
        )
    entries.sort(key=lambda e: (e.list != "high", -(e.value or 0.0), e.iso3))
    return entries, sorted(left, key=country_name)


def reason_labels(reasons: tuple[str, ...]) -> str:
    """The rules a state meets, translated, comma-separated."""
    return ", ".join(_(REASON_LABELS[r]) for r in reasons)


def months(stored: Stored) -> list[str]:
    """Every month of the index, newest first."""
    return [month_label(stored.first_month + i) for i in range(stored.months)][::-1]


def node_order(tree: Tree) -> tuple[str, ...]:
    """Nodes top-down as a reader meets them."""
    return display_order(tree)
