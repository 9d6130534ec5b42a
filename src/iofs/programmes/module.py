"""Manifest of programmes, appeals, contributions and deliveries."""

from iofs.i18n import N_
from iofs.modules import Command, Module, NavigationEntry, StateField

MODULE = Module(
    name="programmes",
    package="iofs.programmes",
    api_routers=("iofs.programmes.api:router",),
    page_routers=("iofs.programmes.pages:router",),
    commands=(
        Command(
            "programmes",
            "iofs.programmes.cli:programmes_app",
            "Programmes, appeals, contributions and deliveries.",
        ),
    ),
    navigation=(NavigationEntry("/programmes", N_("Programmes")),),
    permissions=("iofs.programmes.permissions",),
    demo="iofs.programmes.demo:load",
    feeds=("iofs.programmes.feeds",),
    models="iofs.programmes.models",
    migrations_branch="programmes",
    jobs=("iofs.programmes.jobs:UPLOAD",),
    reads=("members", "prices", "jobs", "accounts", "audit"),
    # a contribution is counted for the state it names (its ``country``) and no other
    state_fields=(
        StateField("programmes_contribution", "country"),
        StateField("programmes_contribution_status", "contribution_id", "programmes_contribution"),
    ),
)
