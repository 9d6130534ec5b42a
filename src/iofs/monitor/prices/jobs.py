"""Background jobs of the food-price monitor."""

from iofs.i18n import N_
from iofs.jobs.kinds import JobKind

#: Fetch the WFP prices of the OIC states (or of ``countries``) from HDX and ingest them.
FETCH = JobKind(
    name="prices.fetch",
    run="iofs.monitor.prices.fetch:run",
    title=N_("Fetch WFP food prices from HDX"),
)
