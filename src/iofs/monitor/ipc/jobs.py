"""Background jobs of the IPC module."""

from iofs.i18n import N_
from iofs.jobs.kinds import JobKind

#: Fetch the IPC long CSVs from HDX and ingest them.
FETCH = JobKind(
    name="ipc.fetch",
    run="iofs.monitor.ipc.fetch:run",
    title=N_("Fetch IPC phases from HDX"),
)
