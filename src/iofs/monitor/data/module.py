"""Manifest of the data module: the slices of the analytics store, listed and removed."""

from iofs.modules import Command, Module

MODULE = Module(
    name="data",
    package="iofs.monitor.data",
    api_routers=("iofs.monitor.data.api:router",),
    page_routers=("iofs.monitor.data.pages:router", "iofs.monitor.data.fetches:router"),
    commands=(
        Command(
            "data",
            "iofs.monitor.data.cli:data_app",
            "What was loaded into the analytics store: list slices, remove one.",
        ),
        Command(
            "analytics",
            "iofs.analytics_store.cli:analytics_app",
            "The analytics store shared through S3 (IOFS_ANALYTICS_URL): push, pull, status.",
        ),
        Command(
            "runs",
            "iofs.monitor.data.fetch_runs_cli:runs_command",
            "The last run of every public-data source (status, time, rows added, error).",
            group="fetch",
        ),
    ),
    permissions=("iofs.monitor.data.permissions",),
    # The record of public-data fetches (iofs fetch …), shown on /data/fetches.
    models="iofs.fetching.models",
    migrations_branch="fetching",
    reads=("members", "faostat", "accounts", "audit"),
)
