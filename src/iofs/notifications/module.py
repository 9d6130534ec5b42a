"""Manifest of notifications: subscriptions, e-mail digests over SMTP, the sent-mail log."""

from iofs.modules import Command, Module

MODULE = Module(
    name="notifications",
    package="iofs.notifications",
    api_routers=("iofs.notifications.api:router",),
    page_routers=("iofs.notifications.pages:router",),
    commands=(
        Command(
            "notify",
            "iofs.notifications.cli:notify_app",
            "E-mail digests: send them (daily or weekly), or a test message.",
        ),
    ),
    permissions=("iofs.notifications.permissions",),
    models="iofs.notifications.models",
    migrations_branch="notifications",
    jobs=("iofs.notifications.jobs:DIGEST",),
    reads=(
        "members",
        "labels",
        "strategy",
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
