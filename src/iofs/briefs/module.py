"""Manifest of the briefs: country briefs, the OIC monthly bulletin, aid against need.

The module owns no table: it reads the other modules through their services."""

from iofs.i18n import N_
from iofs.modules import Command, Module, NavigationEntry

MODULE = Module(
    name="briefs",
    package="iofs.briefs",
    api_routers=("iofs.briefs.api:router",),
    page_routers=("iofs.briefs.pages:router",),
    commands=(
        Command(
            "brief",
            "iofs.briefs.cli:brief_command",
            "A state's country brief as PDF (or HTML) in Arabic, English or French.",
        ),
        Command(
            "bulletin",
            "iofs.briefs.cli:bulletin_command",
            "The OIC monthly bulletin as PDF or HTML.",
        ),
    ),
    navigation=(
        NavigationEntry("/bulletin", N_("Bulletin")),
        NavigationEntry("/aid-vs-need", N_("Aid against need")),
    ),
    reads=(
        "members",
        "labels",
        "strategy",
        "programmes",
        "prices",
        "drought",
        "genebank",
        "faostat",
        "ipc",
        "risk",
        "reserves",
        "audit",
    ),
)
