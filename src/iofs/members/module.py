"""Manifest of the member-state registry (and the home page)."""

from iofs.i18n import N_
from iofs.modules import Command, Module, NavigationEntry

MODULE = Module(
    name="members",
    package="iofs.members",
    api_routers=("iofs.members.api:router",),
    page_routers=("iofs.members.home:router", "iofs.members.pages:router"),
    commands=(
        Command(
            "members", "iofs.members.cli:members_app", "OIC member states and IOFS membership."
        ),
    ),
    navigation=(NavigationEntry("/", N_("Home")), NavigationEntry("/members", N_("Member states"))),
    permissions=("iofs.members.permissions",),
    feeds=("iofs.members.feeds",),
    models="iofs.members.models",
    reads=("audit",),
)
