"""Manifest of the food security reserves module."""

from iofs.i18n import N_
from iofs.modules import Command, Module, NavigationEntry

MODULE = Module(
    name="reserves",
    package="iofs.reserves",
    api_routers=("iofs.reserves.api:router",),
    page_routers=("iofs.reserves.pages:router",),
    commands=(
        Command(
            "reserves",
            "iofs.reserves.cli:reserves_app",
            "Food security reserves: stocks, cover, releases, supply matching.",
        ),
    ),
    navigation=(NavigationEntry("/reserves", N_("Reserves")),),
    permissions=("iofs.reserves.permissions",),
    demo="iofs.reserves.demo:load",
    feeds=("iofs.reserves.feeds",),
    models="iofs.reserves.models",
    migrations_branch="reserves",
    jobs=("iofs.reserves.jobs:STOCK_IMPORT",),
    reads=(
        "members",
        "labels",
        "programmes",
        "prices",
        "drought",
        "faostat",
        "ipc",
        "risk",
        "jobs",
        "accounts",
        "audit",
    ),
)
