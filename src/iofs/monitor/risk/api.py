"""JSON API of the IOFS food-security risk index: /api/v1/risk/…

Reads the stored index (recomputed first when an input changed); OIC states only unless
``?include_non_oic=1``. Scores 0–10, reliability 0–1.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, HTTPException, Path, Query, Request

from iofs.i18n import gettext as _
from iofs.monitor.risk import index, views
from iofs.monitor.risk.tree import Tree, load_tree

router = APIRouter(tags=["risk"])
MONTH = Query(
    None,
    pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
    description="YYYY-MM; default: each state's own latest month",
)
NON_OIC = Query(False, description="Also show countries outside the 57 OIC states")
#: Classes as the shared map's five sequential categories.
MAP_CLASSES = {"Very Low": "q1", "Low": "q2", "Medium": "q3", "High": "q4", "Very High": "q5"}


def load(request: Request) -> tuple[index.Stored, Tree]:
    """The stored index and its tree, or 404 with a sentence when there is no input yet."""
    tree = load_tree(index.DEFAULT_TREE)
    stored = index.current(request.app.state.settings, tree)
    if stored is None:
        raise HTTPException(
            404,
            _(
                "The risk index has no input yet: ingest prices, drought, "
                "IPC or INFORM data, or run `iofs demo load`."
            ),
        )
    return stored, tree


def ranked_record(item: views.Ranked) -> dict[str, Any]:
    """A ranking row as the API and the CLI give it."""
    return {
        "rank": item.rank,
        "iso3": item.iso3,
        "name": item.name,
        "month": item.month,
        "value": item.value,
        "class": item.risk_class or None,
        "reliability": round(item.reliability, 3),
        "status": item.status,
        "trend_3_months": item.trend,
        "drivers": item.drivers,
    }


def watch_record(entry: views.WatchEntry) -> dict[str, Any]:
    """A watchlist entry as the API and the CLI give it."""
    return {
        "list": entry.list,
        "iso3": entry.iso3,
        "name": entry.name,
        "month": entry.month,
        "value": entry.value,
        "class": entry.risk_class or None,
        "reasons": list(entry.reasons),
        "drivers": entry.drivers,
        "change": entry.change,
    }


def explain_record(found: views.CountryRisk) -> dict[str, Any]:
    """A state's decomposition as plain data."""
    record = asdict(found)
    record["history"] = [{"month": m, "value": v} for m, v in found.history]
    return record


@router.get("/risk/index", summary="The IOFS risk index of every OIC state")
def risk_index(
    request: Request, month: str | None = MONTH, include_non_oic: bool = NON_OIC
) -> list[dict[str, Any]]:
    """One row per state: iso3, name, value (0–10), class, reliability (0–1), drivers."""
    stored, tree = load(request)
    return [ranked_record(r) for r in views.ranking(stored, tree, month, include_non_oic)]


@router.get("/risk/watchlist", summary="States at high risk and on watch")
def risk_watchlist(
    request: Request, month: str | None = MONTH, include_non_oic: bool = NON_OIC
) -> dict[str, Any]:
    """The watchlist (each state in its own latest month unless ``month``), its rules, and
    the states that left it since last month."""
    stored, tree = load(request)
    entries, left = views.watchlist(stored, tree, month, include_non_oic)
    return {
        "rules": [_(rule) for rule in views.WATCH_RULES],
        "entries": [watch_record(e) for e in entries],
        "left": [{"iso3": code, "name": views.country_name(code)} for code in left],
    }


@router.get("/risk/map", summary="Risk class per state, for the shared map")
def risk_map(
    request: Request, month: str | None = MONTH, include_non_oic: bool = NON_OIC
) -> list[dict[str, str]]:
    """``[{iso3, category, label}]``: category is the class (css suffix) or ``nodata``."""
    stored, tree = load(request)
    return [
        {
            "iso3": r.iso3,
            "category": MAP_CLASSES.get(r.risk_class, "nodata")
            if r.value is not None
            else "nodata",
            "label": (
                f"{r.name}: {r.value:.1f} ({r.class_label}, {r.month})"
                if r.value is not None
                else f"{r.name}: {_('insufficient data')}"
            ),
        }
        for r in views.ranking(stored, tree, month, include_non_oic)
    ]


@router.get("/risk/{iso3}", summary="One state's index and its decomposition")
def risk_country(
    request: Request,
    iso3: str = Path(min_length=3, max_length=3),
    month: str | None = MONTH,
    include_non_oic: bool = NON_OIC,
) -> dict[str, Any]:
    """The index, every node and input (value, source, age) and the history."""
    stored, tree = load(request)
    code = iso3.upper()
    found = (
        views.explain(stored, tree, code, month)
        if include_non_oic or code in index.oic_states()
        else None
    )
    if found is None:
        raise HTTPException(404, _("No risk index for this state."))
    return explain_record(found)
