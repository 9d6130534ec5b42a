"""Manifest of accounts: users, sessions, API tokens."""

from iofs.modules import Command, Module

MODULE = Module(
    name="accounts",
    package="iofs.accounts",
    api_routers=("iofs.accounts.api:router",),
    page_routers=("iofs.accounts.pages:router",),
    commands=(
        Command(
            "users",
            "iofs.accounts.cli:users_app",
            "User accounts (the first admin is created here).",
        ),
        Command("tokens", "iofs.accounts.cli:tokens_app", "API tokens for scripts."),
    ),
    permissions=("iofs.accounts.permissions",),
    models="iofs.accounts.models",
    reads=("members", "audit"),
)
