"""Each aggregation against hand-computed numbers, with missing children."""

from __future__ import annotations

import numpy as np
import pytest

from iofs.monitor.risk.aggregation import (
    arithmetic_mean,
    geometric_mean,
    inform_geometric,
    maximum,
    round_half_up,
    weighted_mean,
)
from iofs.monitor.risk.normalisation import min_max, score, transform
from iofs.monitor.risk.tree import Indicator, Transform

NAN = np.nan


def rows(*values: list[float]) -> np.ndarray:
    return np.array(values, dtype=np.float64)


def test_arithmetic_mean_skips_missing_children() -> None:
    value, shares = arithmetic_mean(rows([2, 4, 9], [2, NAN, 6], [NAN, NAN, NAN]), np.ones(3))
    assert value[:2] == pytest.approx([5.0, 4.0])
    assert np.isnan(value[2])
    assert shares[1] == pytest.approx([0.5, 0.0, 0.5])
    assert shares[2] == pytest.approx([0, 0, 0])


def test_weighted_mean_is_inform_socio_economic_rule() -> None:
    # Afghanistan 2020: (2·8.5 + 8.7 + 4.8) / 4 = 7.625; without inequality (2·8.5 + 4.8) / 3
    value, shares = weighted_mean(rows([8.5, 8.7, 4.8], [8.5, NAN, 4.8]), np.array([2.0, 1, 1]))
    assert value == pytest.approx([7.625, 21.8 / 3])
    assert shares[0] == pytest.approx([0.5, 0.25, 0.25])
    assert shares[1] == pytest.approx([2 / 3, 0, 1 / 3])


def test_geometric_mean_and_zero() -> None:
    value, _ = geometric_mean(rows([8.8, 8.2, 7.2], [0, 5, 5], [4, NAN, 9]), np.ones(3))
    assert value == pytest.approx([(8.8 * 8.2 * 7.2) ** (1 / 3), 0.0, 6.0])


def test_inform_geometric_hand_computed() -> None:
    # 11 − ((11−9.6)(11−7.4))^(1/2) = 11 − √5.04
    value, shares = inform_geometric(rows([9.6, 7.4], [10, 10], [0, NAN]), np.ones(2))
    assert value == pytest.approx([11 - 5.04**0.5, 10.0, 0.0])
    assert shares[2] == pytest.approx([1.0, 0.0])


def test_maximum_marks_the_deciding_child() -> None:
    value, shares = maximum(rows([5.32, 0], [7, 9], [NAN, 3], [NAN, NAN]), np.ones(2))
    assert value[:3] == pytest.approx([5.32, 9, 3])
    assert np.isnan(value[3])
    assert shares.tolist() == [[1, 0], [0, 1], [0, 1], [0, 0]]


def test_round_half_up_as_published() -> None:
    values = np.array([1.05, 0.7 * 1.5, 2.449999, 5.65, 0.04, NAN])
    rounded = round_half_up(values, 1)
    assert rounded[:5] == pytest.approx([1.1, 1.1, 2.4, 5.7, 0.0])
    assert np.isnan(rounded[5])


def test_transform_per_capita_cap_log() -> None:
    spec = Transform(denominator="pop", multiplier=100_000, cap=(0, 500), log=True)
    raw = np.array([30.0, 1_000.0, 5.0, NAN])
    population = np.array([1e6, 1e5, 0.0, 1e6])
    out = transform(raw, spec, population)
    assert out[:2] == pytest.approx([np.log1p(3.0), np.log1p(500.0)])
    assert np.isnan(out[2]) and np.isnan(out[3])


def test_goalposts_fixed_clipped_and_inverted() -> None:
    assert min_max(np.array([-5.0, 0, 25, 50, 80]), (0, 50)) == pytest.approx([0, 0, 5, 10, 10])
    literacy = Indicator(
        name="literacy", source="Literacy", goalposts=(20, 100), transform=Transform(invert=True)
    )
    assert score(literacy, np.array([100.0, 60.0, 10.0])) == pytest.approx([0, 5, 10])
