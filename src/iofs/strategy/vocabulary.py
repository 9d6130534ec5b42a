"""The strategy module's code lists, once: the input shapes (:mod:`iofs.strategy.schemas`) use
the Literal types, the services, pages and templates the tuples derived from them."""

from __future__ import annotations

from typing import Literal, get_args

from iofs.i18n import N_

Direction = Literal["higher", "lower"]
Level = Literal["overall", "state"]
DataSource = Literal["manual", "feed"]
PlanKind = Literal["baseline", "target"]
PeriodStatus = Literal["planned", "open", "closed"]
ValueStatus = Literal["submitted", "correction_requested", "approved"]
Decision = Literal["approve", "correct"]
PartnerKind = Literal[
    "un_agency",
    "intergovernmental",
    "government",
    "university",
    "research",
    "ngo",
    "private",
    "other",
]
AgreementKind = Literal["mou", "cooperation_agreement", "host_agreement"]
AgreementStatus = Literal["draft", "negotiation", "in_force", "expired", "terminated"]
EventKind = Literal["forum", "summit", "conference", "workshop", "meeting"]
ActivityKind = Literal["training", "scholarship", "workshop"]

DIRECTIONS: tuple[str, ...] = get_args(Direction)
LEVELS: tuple[str, ...] = get_args(Level)
DATA_SOURCES: tuple[str, ...] = get_args(DataSource)
PLAN_KINDS: tuple[str, ...] = get_args(PlanKind)
PERIOD_STATUSES: tuple[str, ...] = get_args(PeriodStatus)
VALUE_STATUSES: tuple[str, ...] = get_args(ValueStatus)
DECISIONS: tuple[str, ...] = get_args(Decision)
PARTNER_KINDS: tuple[str, ...] = get_args(PartnerKind)
AGREEMENT_KINDS: tuple[str, ...] = get_args(AgreementKind)
AGREEMENT_STATUSES: tuple[str, ...] = get_args(AgreementStatus)
#: Agreement statuses everyone may see (drafts and negotiations only with read_drafts).
PUBLIC_STATUSES = ("in_force", "expired", "terminated")
EVENT_KINDS: tuple[str, ...] = get_args(EventKind)
ACTIVITY_KINDS: tuple[str, ...] = get_args(ActivityKind)

#: Labels of the partnership codes (translated where shown).
LABELS = {
    "mou": N_("Memorandum of understanding"),
    "cooperation_agreement": N_("Cooperation agreement"),
    "host_agreement": N_("Host agreement"),
    "draft": N_("draft"),
    "negotiation": N_("in negotiation"),
    "in_force": N_("in force"),
    "expired": N_("expired"),
    "terminated": N_("terminated"),
    "forum": N_("forum"),
    "summit": N_("summit"),
    "conference": N_("conference"),
    "workshop": N_("workshop"),
    "meeting": N_("meeting"),
    "training": N_("training"),
    "scholarship": N_("scholarship"),
    "un_agency": N_("UN agency"),
    "intergovernmental": N_("intergovernmental organisation"),
    "government": N_("government body"),
    "university": N_("university"),
    "research": N_("research institute"),
    "ngo": N_("non-governmental organisation"),
    "private": N_("private company"),
    "other": N_("other"),
}
