"""Names a person reads for roles and permission reaches (the codes stay in forms and the API)."""

from __future__ import annotations

from iofs.i18n import N_
from iofs.i18n import gettext as _

ROLE_LABELS = {
    "admin": N_("administrator"),
    "secretariat": N_("secretariat"),
    "focal_point": N_("focal point"),
    "donor": N_("donor"),
    "genebank_curator": N_("gene bank curator"),
    "viewer": N_("viewer"),
    "anonymous": N_("anyone (not signed in)"),
}
REACH_LABELS = {
    "any": N_("all records"),
    "own_country": N_("own states"),
    "own_organisation": N_("own organisation"),
}


def role_label(code: str) -> str:
    """The translated name of role ``code`` (the code itself when unknown)."""
    return _(ROLE_LABELS[code]) if code in ROLE_LABELS else code


def reach_label(code: str) -> str:
    """The translated name of a permission reach (``—`` and unknown codes unchanged)."""
    return _(REACH_LABELS[code]) if code in REACH_LABELS else code
