"""Cadences: parsing, the next run after a moment (month ends, week wrap), descriptions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from iofs.errors import InputError
from iofs.jobs.cadence import Cadence, parse


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "moment", "expected"),
    [
        ("hourly@15", at(2026, 12, 2, 4, 10), at(2026, 12, 2, 4, 15)),
        ("hourly@15", at(2026, 12, 2, 4, 15), at(2026, 12, 2, 5, 15)),
        ("hourly@00", at(2026, 12, 31, 23, 30), at(2027, 1, 1, 0, 0)),
        ("daily@06:30", at(2026, 12, 2, 6, 29, 59), at(2026, 12, 2, 6, 30)),
        ("daily@06:30", at(2026, 12, 2, 6, 30), at(2026, 12, 3, 6, 30)),
        # 2026-12-02 is a Wednesday
        ("weekly@mon@07:00", at(2026, 12, 2, 8, 0), at(2026, 12, 7, 7, 0)),
        ("weekly@wed@09:00", at(2026, 12, 2, 8, 0), at(2026, 12, 2, 9, 0)),
        ("weekly@wed@08:00", at(2026, 12, 2, 8, 0), at(2026, 12, 9, 8, 0)),
        ("monthly@31@00:00", at(2027, 2, 1, 0, 0), at(2027, 2, 28, 0, 0)),
        ("monthly@31@00:00", at(2028, 2, 29, 0, 0), at(2028, 3, 31, 0, 0)),
        ("monthly@1@02:00", at(2026, 12, 1, 3, 0), at(2027, 1, 1, 2, 0)),
    ],
)
def test_next_run(text: str, moment: datetime, expected: datetime) -> None:
    cadence = parse(text)
    assert cadence.next_after(moment) == expected
    assert parse(cadence.text) == cadence


@pytest.mark.parametrize(
    "text",
    [
        "",
        "every day",
        "daily@25:00",
        "daily@06:60",
        "hourly@61",
        "weekly@xyz@06:00",
        "monthly@0@06:00",
        "monthly@32@06:00",
        "weekly@06:00",
        "yearly@06:00",
    ],
)
def test_malformed_cadences_are_refused_with_a_sentence(text: str) -> None:
    with pytest.raises(InputError) as refused:
        parse(text)
    assert str(refused.value).endswith(".")


def test_descriptions() -> None:
    assert parse("weekly@mon@06:30").describe() == "Every Monday at 06:30 UTC"
    assert parse("monthly@15@00:00").describe() == "Every month on day 15 at 00:00 UTC"
    assert parse("hourly@05").describe() == "Every hour at minute 05"
    assert Cadence("daily", 6, 0).describe() == "Every day at 06:00 UTC"
