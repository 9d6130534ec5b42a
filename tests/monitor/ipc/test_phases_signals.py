"""The IPC Manual 3.1 area phase (20 % rule) and the HDX Signals rules, on hand-made cases."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from iofs.monitor.ipc import phases, service, signals
from iofs.monitor.ipc.analyses import Analysis


@pytest.mark.parametrize(
    ("people", "expected"),
    [
        ({1: 80, 2: 20}, 2),  # exactly 20 % in phase 2
        ({1: 81, 2: 19}, 1),
        ({1: 50, 2: 30, 3: 10, 4: 10}, 3),  # 20 % in phase 3 or worse, 10 % in 4+
        ({1: 60, 2: 15, 4: 15, 5: 10}, 4),  # phase 4 alone 15 %, with phase 5 25 %
        ({1: 70, 2: 5, 5: 25}, 5),
        ({}, None),
    ],
)
def test_area_phase_20_percent_rule(people: dict[int, int], expected: int | None) -> None:
    assert phases.area_phase(people) == expected


def _analysis(
    month: int, people: dict[str, int], population: int = 1000, kind: str = "current"
) -> Analysis:
    if "P3+" not in people:
        people = {**people, "P3+": sum(people.get(p, 0) for p in "345")}
    return Analysis(
        "SDN",
        "national",
        None,
        None,
        date(2022, month, 1),
        kind,
        date(2022, month, 1),
        date(2022, month, 28),
        population,
        None,
        people,
        {},
        "test.csv",
    )


def test_a_rise_below_both_thresholds_is_no_signal() -> None:
    before = _analysis(1, {"1": 900, "3": 100})
    after = _analysis(2, {"1": 850, "3": 150})  # P3+ 15 %, P4+ 0 %
    assert signals.evaluate(after, before) is None


def test_p3_plus_at_20_percent_and_rising_is_a_signal() -> None:
    signal = signals.evaluate(
        _analysis(2, {"1": 800, "3": 200}), _analysis(1, {"1": 850, "3": 150})
    )
    assert signal is not None and signal.criteria == ("P3+",)
    assert signal.reason == (
        "200 people (20 %) in phase 3 or worse, up from 150 in the January 2022 analysis."
    )


def test_severe_but_not_worse_is_no_signal() -> None:
    assert (
        signals.evaluate(
            _analysis(2, {"1": 600, "3": 300, "4": 100}),
            _analysis(1, {"1": 600, "3": 300, "4": 100}),
        )
        is None
    )


def test_p4_plus_at_5_percent_and_rising() -> None:
    signal = signals.evaluate(
        _analysis(2, {"1": 890, "3": 50, "4": 60}), _analysis(1, {"1": 900, "3": 60, "4": 40})
    )
    assert signal is not None and signal.criteria == ("P4+",)


def test_any_phase_5_is_a_signal_even_without_a_rise() -> None:
    signal = signals.evaluate(_analysis(2, {"1": 900, "5": 5}), _analysis(1, {"1": 900, "5": 9}))
    assert signal is not None and signal.criteria == ("phase 5",)
    assert signal.reason == "5 people in phase 5 (the January 2022 analysis had 9)."


def test_analyses_of_very_different_coverage_are_not_compared() -> None:
    partial = _analysis(1, {"1": 90, "3": 10}, population=100)
    national = _analysis(2, {"1": 700, "3": 300}, population=1000)
    assert not signals.comparable(national, partial)
    assert signals.evaluate(national, partial) is None


def test_projections_are_compared_with_projections() -> None:
    found = signals.detect(
        [
            _analysis(1, {"1": 800, "3": 200}),
            _analysis(2, {"1": 700, "3": 300}, kind="projected"),
            _analysis(3, {"1": 750, "3": 250}),
        ]
    )
    assert [
        (s.analysis.analysis_date, s.previous.analysis_date if s.previous else None) for s in found
    ] == [(date(2022, 3, 1), date(2022, 1, 1))]


def test_signals_of_a_small_file(sudan_file: Path, tmp_path: Path) -> None:
    service.ingest([sudan_file], tmp_path)
    [signal] = service.signals(tmp_path)
    assert signal.criteria == ("phase 5", "P4+", "P3+")
    assert signal.reason.startswith(
        "10,000 people in phase 5 where the October 2021 "
        "analysis had none, and 100,000 people (10 %) in phase 4"
    )
    assert service.signals(tmp_path, "2022-03") == [signal]
    assert service.signals(tmp_path, "2022-04") == []
