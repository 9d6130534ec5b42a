"""Codes of the reserves module and their English labels (msgids, translated where shown).

Commodities carry the FAOSTAT food balance sheet item (domestic supply, food, imports,
exports; FAO, *Food Balance Sheets: A Handbook*, 2001) and the WFP price name that values
them.
"""

from __future__ import annotations

from dataclasses import dataclass

from iofs.i18n import N_


@dataclass(frozen=True)
class Commodity:
    """A reserve commodity: its label, FBS item code and WFP market-price name."""

    code: str
    label: str
    fbs_item: int
    wfp_name: str


COMMODITIES: dict[str, Commodity] = {
    "wheat": Commodity("wheat", N_("Wheat"), 2511, "wheat"),
    "wheat_flour": Commodity("wheat_flour", N_("Wheat flour"), 2511, "wheat flour"),
    "rice": Commodity("rice", N_("Rice"), 2807, "rice"),
    "maize": Commodity("maize", N_("Maize"), 2514, "maize"),
    "barley": Commodity("barley", N_("Barley"), 2513, "barley"),
    "sorghum": Commodity("sorghum", N_("Sorghum"), 2518, "sorghum"),
    "millet": Commodity("millet", N_("Millet"), 2517, "millet"),
}

SYSTEM_KINDS = ("regional", "humanitarian")
PLEDGE_FORMS = ("physical", "financial")
#: Ledger movements and the sign of their tonnes (+1 into the lot, −1 out of it).
MOVEMENT_SIGNS: dict[str, int] = {
    "receipt": 1,
    "rotation_in": 1,
    "transfer_in": 1,
    "rotation_out": -1,
    "release": -1,
    "loss": -1,
    "transfer_out": -1,
}
#: Movements a person records directly (releases come from a request's dispatch, transfers
#: from :func:`iofs.reserves.ledger.transfer`).
MANUAL_MOVEMENTS = ("receipt", "rotation_in", "rotation_out", "loss")
TIERS = (1, 2, 3)
REQUEST_STATUSES = (
    "draft",
    "requested",
    "assessed",
    "approved",
    "reduced",
    "refused",
    "dispatched",
    "delivered",
    "replenished",
)
DECISIONS = ("approve", "reduce", "refuse")
REPLENISHMENT_FORMS = ("grain", "cash")
QUALITY_RESULTS = ("pass", "fail")

#: APTERR's delivery target: grain reaches a crisis within about 15–45 days of the request.
DELIVERY_TARGET_DAYS = (15, 45)
#: Warn this many days before a lot's rotation or best-before date.
WARNING_DAYS = 60

LABELS: dict[str, str] = {
    "regional": N_("Regional reserve"),
    "humanitarian": N_("Humanitarian reserve"),
    "physical": N_("Physical (tonnes)"),
    "financial": N_("Financial (money)"),
    "receipt": N_("Receipt"),
    "rotation_in": N_("Rotation in"),
    "rotation_out": N_("Rotation out"),
    "release": N_("Release"),
    "loss": N_("Loss"),
    "transfer_in": N_("Transfer in"),
    "transfer_out": N_("Transfer out"),
    "draft": N_("Draft (raised by a trigger)"),
    "requested": N_("Requested"),
    "assessed": N_("Assessed"),
    "approved": N_("Approved"),
    "reduced": N_("Approved, reduced"),
    "refused": N_("Refused"),
    "dispatched": N_("Dispatched"),
    "delivered": N_("Delivered"),
    "replenished": N_("Replenished"),
    "approve": N_("Approve"),
    "reduce": N_("Reduce"),
    "refuse": N_("Refuse"),
    "decided": N_("Decided"),
    "grain": N_("Grain for grain"),
    "cash": N_("Cash"),
    "pass": N_("Pass"),
    "fail": N_("Fail"),
    "reserve_lot": N_("Reserve lot"),
    "surplus": N_("Exportable surplus"),
    "rotation_due": N_("Rotation due"),
    "expired": N_("Past best-before"),
    "expiring": N_("Best-before soon"),
    "rotation_overdue": N_("Rotation overdue"),
}
LABELS.update({code: commodity.label for code, commodity in COMMODITIES.items()})
