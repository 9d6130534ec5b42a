"""Manifest of the FAOSTAT food statistics."""

from iofs.i18n import N_
from iofs.modules import Command, Module, NavigationEntry

MODULE = Module(
    name="faostat",
    package="iofs.monitor.faostat",
    api_routers=("iofs.monitor.faostat.api:router",),
    page_routers=("iofs.monitor.faostat.pages:router",),
    commands=(
        Command(
            "faostat",
            "iofs.monitor.faostat.cli:ingest_faostat",
            "Import FAOSTAT bulk files into the analytics store (all-or-nothing, idempotent).",
            group="ingest",
        ),
        Command(
            "faostat",
            "iofs.monitor.faostat.fetch:fetch_faostat_command",
            "Download a FAOSTAT bulk zip (resumes; checks size/SHA-256; --ingest to ingest it).",
            group="fetch",
        ),
        Command(
            "indicators",
            "iofs.monitor.faostat.cli:indicators_command",
            "FAO food-security indicators of a state, `compare INDICATOR` to rank "
            "the 57, or `growth`.",
        ),
    ),
    navigation=(NavigationEntry("/faostat", N_("Food statistics")),),
    feeds=("iofs.monitor.faostat.feeds",),
    jobs=("iofs.monitor.faostat.jobs:FETCH",),
    reads=("members", "jobs"),
)
