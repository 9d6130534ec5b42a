"""Top navigation entries; each module appends its own in :func:`default_navigation`."""

from __future__ import annotations

from dataclasses import dataclass

from iofs.i18n import N_


@dataclass(frozen=True)
class NavigationItem:
    """A link in the top navigation; ``label`` is an untranslated msgid."""

    path: str
    label: str


def default_navigation() -> list[NavigationItem]:
    """Navigation of the whole app, in display order."""
    return [
        NavigationItem("/", N_("Home")),
        NavigationItem("/members", N_("Member states")),
        NavigationItem("/strategy", N_("Strategic Vision 2031")),
        NavigationItem("/partnerships", N_("Partnerships")),
        NavigationItem("/programmes", N_("Programmes")),
        NavigationItem("/prices", N_("Food prices")),
        NavigationItem("/drought", N_("Drought")),
        NavigationItem("/genebank", N_("Gene bank")),
        NavigationItem("/faostat", N_("Food statistics")),
    ]
