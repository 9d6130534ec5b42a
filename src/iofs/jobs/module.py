"""Manifest of the background-job queue: its tables, pages, API and the ``iofs jobs`` commands."""

from iofs.modules import Module

MODULE = Module(
    name="jobs",
    package="iofs.jobs",
    models="iofs.jobs.models",
    migrations_branch="jobs",
)
