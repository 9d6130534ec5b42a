"""Manifest of backups: two top-level commands, no tables or pages of its own."""

from iofs.modules import Command, Module

MODULE = Module(
    name="backup",
    package="iofs.backup",
    commands=(
        Command("backup", "iofs.backup.cli:backup", "Back up the database and data files."),
        Command("restore", "iofs.backup.cli:restore", "Restore a backup into an empty store."),
    ),
    jobs=("iofs.backup.jobs:SNAPSHOT",),
    reads=("jobs", "audit"),
)
