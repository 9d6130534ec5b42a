"""Manifest of the background-job queue: its tables, pages, API and the ``iofs jobs`` commands."""

from iofs.modules import Command, Module

MODULE = Module(
    name="jobs",
    package="iofs.jobs",
    api_routers=("iofs.jobs.api:router",),
    page_routers=("iofs.jobs.pages:router",),
    commands=(
        Command(
            "jobs",
            "iofs.jobs.cli:jobs_app",
            "Background jobs: list, show, cancel, run, worker, schedules.",
        ),
    ),
    permissions=("iofs.jobs.permissions",),
    models="iofs.jobs.models",
    migrations_branch="jobs",
    reads=("members", "accounts", "audit"),
)
