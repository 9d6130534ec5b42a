"""Background jobs of the FAOSTAT module."""

from iofs.i18n import N_
from iofs.jobs.kinds import JobKind

#: Fetch the bulk zip of a FAOSTAT domain (``domain`` parameter) and ingest it.
FETCH = JobKind(
    name="faostat.fetch",
    run="iofs.monitor.faostat.fetch:run",
    title=N_("Fetch a FAOSTAT domain"),
)
