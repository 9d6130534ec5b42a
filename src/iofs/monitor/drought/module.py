"""Manifest of the drought monitor (SPI on gridded rainfall)."""

from iofs.i18n import N_
from iofs.modules import Command, Module, NavigationEntry

MODULE = Module(
    name="drought",
    package="iofs.monitor.drought",
    api_routers=("iofs.monitor.drought.api:router",),
    page_routers=("iofs.monitor.drought.pages:router",),
    commands=(
        Command(
            "drought",
            "iofs.monitor.drought.cli:drought_app",
            "Drought monitoring: SPI on gridded rainfall, per country.",
        ),
    ),
    navigation=(NavigationEntry("/drought", N_("Drought")),),
    reads=("members",),
)
