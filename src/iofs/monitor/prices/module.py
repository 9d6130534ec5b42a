"""Manifest of the food-price monitor."""

from iofs.i18n import N_
from iofs.modules import Command, Module, NavigationEntry

MODULE = Module(
    name="prices",
    package="iofs.monitor.prices",
    api_routers=("iofs.monitor.prices.api:router",),
    page_routers=("iofs.monitor.prices.pages:router",),
    commands=(
        Command(
            "prices",
            "iofs.monitor.prices.cli:ingest_prices",
            "Ingest WFP market-price files (country or global, with or without the HXL row).",
            group="ingest",
        ),
        Command(
            "prices",
            "iofs.monitor.prices.fetch:fetch_prices_command",
            "Fetch WFP food prices of the OIC states from HDX and ingest them (resumable).",
            group="fetch",
        ),
        Command(
            "prices",
            "iofs.monitor.prices.cli:prices_app",
            "Food prices: GIEWS IPA and WFP ALPS signals, alerts.",
        ),
    ),
    navigation=(NavigationEntry("/prices", N_("Food prices")),),
    feeds=("iofs.monitor.prices.feeds",),
    jobs=("iofs.monitor.prices.jobs:FETCH",),
    reads=("members", "jobs"),
)
