"""Manifest of the translated data vocabulary (a platform module modules may use)."""

from iofs.modules import Command, Module

MODULE = Module(
    name="labels",
    package="iofs.labels",
    api_routers=("iofs.labels.api:router",),
    page_routers=("iofs.labels.pages:router",),
    commands=(
        Command(
            "labels",
            "iofs.labels.cli:labels_app",
            "Translated data labels: seed, missing counts, export and import CSV.",
        ),
    ),
    permissions=("iofs.labels.permissions",),
    demo="iofs.labels.demo:load",
    models="iofs.labels.models",
    migrations_branch="labels",
    reads=("members", "accounts", "audit"),
)
