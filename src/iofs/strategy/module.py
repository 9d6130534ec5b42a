"""Manifest of Strategic Vision 2031 and partnerships."""

from iofs.i18n import N_
from iofs.modules import Command, Module, NavigationEntry

MODULE = Module(
    name="strategy",
    package="iofs.strategy",
    api_routers=("iofs.strategy.api:router", "iofs.strategy.api:partnerships_router"),
    page_routers=("iofs.strategy.pages:router",),
    commands=(
        Command(
            "strategy",
            "iofs.strategy.cli:strategy_app",
            "Strategic Vision 2031: reports, scorecards, gaps.",
        ),
        Command(
            "partnerships",
            "iofs.strategy.cli:partnerships_app",
            "Partnerships: agreements, reminders, events.",
        ),
    ),
    navigation=(
        NavigationEntry("/strategy", N_("Strategic Vision 2031")),
        NavigationEntry("/partnerships", N_("Partnerships")),
    ),
    permissions=("iofs.strategy.permissions",),
    demo="iofs.strategy.demo:load",
    feeds=("iofs.strategy.partnerships",),
    models="iofs.strategy.models",
    migrations_branch="strategy",
    reads=("members", "accounts", "audit"),
)
