"""Manifest of IPC / Cadre Harmonisé acute food insecurity phases."""

from iofs.modules import Command, Module

MODULE = Module(
    name="ipc",
    package="iofs.monitor.ipc",
    commands=(
        Command(
            "ipc",
            "iofs.monitor.ipc.cli:ingest_ipc",
            "Ingest IPC / Cadre Harmonisé phase files (HDX IPC layouts, HDX HAPI food security).",
            group="ingest",
        ),
        Command(
            "ipc",
            "iofs.monitor.ipc.fetch:fetch_ipc_command",
            "Fetch the IPC national and area long CSVs from HDX and ingest them.",
            group="fetch",
        ),
        Command(
            "ipc",
            "iofs.monitor.ipc.cli:ipc_app",
            "IPC / Cadre Harmonisé acute food insecurity: phases, P3+, signals.",
        ),
    ),
    jobs=("iofs.monitor.ipc.jobs:FETCH",),
    reads=("members", "jobs"),
)
