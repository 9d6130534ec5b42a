"""Risk classes as people read them: INFORM's five class names (``Very Low`` … ``Very High``,
the codes the engine and the API keep), translated for pages, briefs and exports."""

from __future__ import annotations

from iofs.i18n import N_
from iofs.i18n import gettext as _

#: Class labels as people read them (msgids).
CLASS_LABELS = {
    "Very Low": N_("Very low"),
    "Low": N_("Low"),
    "Medium": N_("Medium"),
    "High": N_("High"),
    "Very High": N_("Very high"),
}


def class_label(label: str | None) -> str:
    """A class as people read it, translated; empty when none."""
    return _(CLASS_LABELS[label]) if label in CLASS_LABELS else ""
