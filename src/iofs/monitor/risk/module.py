"""Manifest of the food-security risk module (composite indices, INFORM, the IOFS index,
watchlist)."""

from iofs.i18n import N_
from iofs.modules import Command, Module, NavigationEntry

MODULE = Module(
    name="risk",
    package="iofs.monitor.risk",
    api_routers=("iofs.monitor.risk.api:router",),
    page_routers=("iofs.monitor.risk.pages:router",),
    commands=(
        Command(
            "inform",
            "iofs.monitor.risk.fetch:fetch_inform_command",
            "Fetch an INFORM GRI release (CSV, IOFS_FETCH_INFORM_URL) and import it.",
            group="fetch",
        ),
        Command(
            "risk",
            "iofs.monitor.risk.cli:risk_app",
            "Risk indices: the IOFS food-security risk index, its watchlist, INFORM "
            "and composite indices declared as trees.",
        ),
    ),
    navigation=(NavigationEntry("/risk", N_("Food-security risk")),),
    demo="iofs.monitor.risk.demo:load",
    feeds=("iofs.monitor.risk.feeds",),
    jobs=("iofs.monitor.risk.jobs:FETCH_INFORM",),
    reads=("members", "labels", "prices", "drought", "faostat", "ipc", "jobs", "audit"),
)
