"""The on/off-track rule against values worked out by hand."""

from __future__ import annotations

from decimal import Decimal as D  # noqa: N817 - short for readability of the numbers

from iofs.strategy.progress import ACHIEVED, NO_DATA, NO_PLAN, OFF_TRACK, ON_TRACK, assess

BASE = (2021, D("10000"))
TARGETS = [(2026, D("14000")), (2031, D("20000"))]


def test_expected_value_lies_on_the_line_to_the_next_target() -> None:
    # 2024: 3/5 of the way from 10 000 (2021) to 14 000 (2026) -> 12 400
    assert assess("higher", BASE, TARGETS, 2024, D("12400")).expected == D("12400.0000")
    assert assess("higher", BASE, TARGETS, 2024, D("12400")).status == ON_TRACK
    assert assess("higher", BASE, TARGETS, 2024, D("12399")).status == OFF_TRACK
    # 2028 is past the 2026 target: the line runs to 2031 -> 10 000 + 10 000 * 7/10
    assert assess("higher", BASE, TARGETS, 2028, D("1")).expected == D("17000.0000")


def test_lower_is_better_and_achieved() -> None:
    base, targets = (2020, D("40")), [(2030, D("20"))]  # e.g. import dependency, percent
    assert assess("lower", base, targets, 2025, D("30")).expected == D("30.0000")
    assert assess("lower", base, targets, 2025, D("29.5")).status == ON_TRACK
    assert assess("lower", base, targets, 2025, D("31")).status == OFF_TRACK
    assert assess("lower", base, targets, 2025, D("19")).status == ACHIEVED
    assert assess("higher", BASE, TARGETS, 2025, D("14000")).status == ACHIEVED


def test_without_value_or_plan() -> None:
    assert assess("higher", BASE, TARGETS, 2025, None).status == NO_DATA
    assert assess("higher", None, TARGETS, 2025, D("1")).status == NO_PLAN
    assert assess("higher", BASE, [], 2025, D("1")).status == NO_PLAN
    # before the baseline year the expected value is the baseline itself
    assert assess("higher", BASE, TARGETS, 2019, D("9999")).status == OFF_TRACK
