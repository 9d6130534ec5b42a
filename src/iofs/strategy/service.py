"""The strategy module's public front: what other modules (country briefs, the bulletin) may
call. Results framework, reporting and partnerships keep their own files; this lists the
functions meant for use outside the module (the import contracts allow no other way in).
"""

from iofs.strategy.partnerships import (
    REMINDER_LABELS,
    due,
    list_activities,
    list_agreements,
    list_events,
    parties,
)
from iofs.strategy.progress import STATUS_LABELS, missing, pillar_scorecard, state_scorecard
from iofs.strategy.reporting import latest_period_year, list_periods

__all__ = [
    "REMINDER_LABELS",
    "STATUS_LABELS",
    "due",
    "latest_period_year",
    "list_activities",
    "list_agreements",
    "list_events",
    "list_periods",
    "missing",
    "parties",
    "pillar_scorecard",
    "state_scorecard",
]
