"""Background jobs of the risk module."""

from iofs.i18n import N_
from iofs.jobs.kinds import JobKind

#: Fetch the INFORM GRI release at IOFS_FETCH_INFORM_URL and import it.
FETCH_INFORM = JobKind(
    name="risk.fetch_inform",
    run="iofs.monitor.risk.fetch:run",
    title=N_("Fetch the INFORM risk release"),
)
