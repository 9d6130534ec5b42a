"""When a schedule runs next: a small explicit set of cadences, all in UTC.

- ``hourly`` at minute M of every hour;
- ``daily`` at HH:MM;
- ``weekly`` on a weekday (0 = Monday … 6 = Sunday, ISO 8601 order) at HH:MM;
- ``monthly`` on day D (1–31; in a shorter month, its last day) at HH:MM.

No cron dialect: these four cover the secretariat's fetches, digests and backups, and each
reads as a sentence on the schedules page. Written as text (CLI, forms) they are
``hourly@MM``, ``daily@HH:MM``, ``weekly@mon@HH:MM``, ``monthly@D@HH:MM``.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from iofs.errors import InputError
from iofs.i18n import N_
from iofs.i18n import gettext as _

CADENCES = ("hourly", "daily", "weekly", "monthly")
#: Weekday abbreviations accepted in text, Monday first (``datetime.weekday()`` order).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Weekday names for pages (msgids).
WEEKDAY_NAMES = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)

_TIME = r"(?P<hour>\d{1,2}):(?P<minute>\d{2})"
_PATTERNS = {
    "hourly": re.compile(r"^hourly@(?P<minute>\d{1,2})$"),
    "daily": re.compile(rf"^daily@{_TIME}$"),
    "weekly": re.compile(rf"^weekly@(?P<weekday>[a-z]{{3}})@{_TIME}$"),
    "monthly": re.compile(rf"^monthly@(?P<day>\d{{1,2}})@{_TIME}$"),
}


@dataclass(frozen=True)
class Cadence:
    """One schedule's cadence; ``weekday`` only for weekly, ``day`` only for monthly."""

    kind: str
    hour: int = 0
    minute: int = 0
    weekday: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in CADENCES:
            raise InputError(
                _("The cadence must be hourly, daily, weekly or monthly, not %(value)s.")
                % {"value": self.kind},
                "cadence",
            )
        if not 0 <= self.hour <= 23:
            raise InputError(_("The hour must be between 0 and 23."), "hour")
        if not 0 <= self.minute <= 59:
            raise InputError(_("The minute must be between 0 and 59."), "minute")
        if self.kind == "weekly" and (self.weekday is None or not 0 <= self.weekday <= 6):
            raise InputError(_("A weekly schedule needs a weekday."), "weekday")
        if self.kind == "monthly" and (self.day is None or not 1 <= self.day <= 31):
            raise InputError(_("A monthly schedule needs a day between 1 and 31."), "day")

    @property
    def text(self) -> str:
        """The cadence as written in the CLI (``weekly@mon@06:30``)."""
        clock = f"{self.hour:02d}:{self.minute:02d}"
        if self.kind == "hourly":
            return f"hourly@{self.minute:02d}"
        if self.kind == "daily":
            return f"daily@{clock}"
        if self.kind == "weekly":
            return f"weekly@{WEEKDAYS[self.weekday or 0]}@{clock}"
        return f"monthly@{self.day}@{clock}"

    def describe(self) -> str:
        """The cadence as a sentence in the current language ("Every Monday at 06:30 UTC")."""
        values = {
            "minute": f"{self.minute:02d}",
            "time": f"{self.hour:02d}:{self.minute:02d}",
            "weekday": _(WEEKDAY_NAMES[self.weekday or 0]),
            "day": self.day or 1,
        }
        if self.kind == "hourly":
            return _("Every hour at minute %(minute)s") % values
        if self.kind == "daily":
            return _("Every day at %(time)s UTC") % values
        if self.kind == "weekly":
            return _("Every %(weekday)s at %(time)s UTC") % values
        return _("Every month on day %(day)d at %(time)s UTC") % values

    def next_after(self, moment: datetime) -> datetime:
        """The first run strictly after ``moment`` (UTC, aware)."""
        moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
        base = moment.replace(second=0, microsecond=0)
        if self.kind == "hourly":
            candidate = base.replace(minute=self.minute)
            while candidate <= moment:
                candidate += timedelta(hours=1)
            return candidate
        at_day = base.replace(hour=self.hour, minute=self.minute)
        if self.kind == "daily":
            while at_day <= moment:
                at_day += timedelta(days=1)
            return at_day
        if self.kind == "weekly":
            at_day += timedelta(days=((self.weekday or 0) - at_day.weekday()) % 7)
            while at_day <= moment:
                at_day += timedelta(days=7)
            return at_day
        year, month = moment.year, moment.month
        while True:
            last = calendar.monthrange(year, month)[1]
            candidate = datetime(
                year, month, min(self.day or 1, last), self.hour, self.minute, tzinfo=UTC
            )
            if candidate > moment:
                return candidate
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def parse(text: str) -> Cadence:
    """A cadence from its text form; :class:`InputError` (a sentence) when malformed."""
    cleaned = text.strip().lower()
    kind = cleaned.partition("@")[0]
    pattern = _PATTERNS.get(kind)
    match = pattern.match(cleaned) if pattern is not None else None
    if match is None:
        raise InputError(
            _(
                "The cadence %(value)s is not one of hourly@MM, daily@HH:MM, "
                "weekly@DAY@HH:MM (DAY: mon … sun) or monthly@D@HH:MM."
            )
            % {"value": text},
            "cadence",
        )
    parts = match.groupdict()
    weekday = None
    if "weekday" in parts:
        if parts["weekday"] not in WEEKDAYS:
            raise InputError(
                _("The weekday %(value)s is not one of mon, tue, wed, thu, fri, sat, sun.")
                % {"value": parts["weekday"]},
                "cadence",
            )
        weekday = WEEKDAYS.index(parts["weekday"])
    return Cadence(
        kind=kind,
        hour=int(parts.get("hour") or 0),
        minute=int(parts["minute"]),
        weekday=weekday,
        day=int(parts["day"]) if "day" in parts else None,
    )
