"""SPI kernel against climate_indices' published reference arrays and climate_indices itself."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from iofs.monitor.drought import spi as kernel

REFS = "rainfall/spi-references"


def _reference(shared_data: Path, name: str) -> np.ndarray:
    path = shared_data / REFS / name
    if not path.exists():
        pytest.skip(f"{path} not found (reference arrays of climate_indices)")
    return np.load(path)


@pytest.mark.parametrize(
    ("scale", "name"), [(1, "ci_spi_01_gamma.npy"), (6, "ci_spi_06_gamma.npy")]
)
def test_matches_climate_indices_reference_arrays(shared_data: Path, scale: int, name: str) -> None:
    """SOURCE.md: gamma SPI calibrated on the whole 1895-2017 record, atol 0.001."""
    precip = _reference(shared_data, "ci_precips_mm_monthly.npy").ravel()
    expected = _reference(shared_data, name)
    result, _ = kernel.spi(precip, scale, np.arange(precip.size) % 12)
    assert np.array_equal(np.isnan(result), np.isnan(expected))
    np.testing.assert_allclose(result, expected, atol=1e-3, equal_nan=True)
    # The published worked number: January 1895, SPI-1 = +0.0269262.
    if scale == 1:
        assert result[0] == pytest.approx(0.0269262, abs=1e-6)


def test_fitted_parameters_match_reference(shared_data: Path) -> None:
    """ci_gamma_monthly.npy: shape and scale per calendar month, calibration 1981-2010."""
    precip = _reference(shared_data, "ci_precips_mm_monthly.npy").ravel()
    expected = _reference(shared_data, "ci_gamma_monthly.npy")
    years = 1895 + np.arange(precip.size) // 12
    _, params = kernel.spi(
        precip, 1, np.arange(precip.size) % 12, (years >= 1981) & (years <= 2010)
    )
    np.testing.assert_allclose(params.alpha, expected[0], rtol=1e-9)
    np.testing.assert_allclose(params.beta, expected[1], rtol=1e-9)


def test_unclipped_reference_is_clipped_to_3_09(shared_data: Path) -> None:
    precip = _reference(shared_data, "ci_precips_mm_monthly.npy").ravel()
    raw = _reference(shared_data, "ci_transformed_gamma_monthly.npy").ravel()
    result, _ = kernel.spi(precip, 1, np.arange(precip.size) % 12)
    assert np.nanmin(raw) < -3.09  # the reference really goes past the bound
    assert np.nanmin(result) == pytest.approx(-3.09)
    inside = np.abs(raw) < 3.09
    np.testing.assert_allclose(result[inside], raw[inside], atol=1e-3)


def _random_grid(
    seed: int, cells: int, years: int, zero_share: float, missing_share: float
) -> np.ndarray:
    rng = np.random.default_rng(seed)
    shape = rng.uniform(0.3, 4.0, size=(cells, 1))
    scale = rng.uniform(5.0, 150.0, size=(cells, 1))
    grid = rng.gamma(shape, scale, size=(cells, years * 12))
    grid[rng.random(grid.shape) < zero_share] = 0.0
    grid[rng.random(grid.shape) < missing_share] = np.nan
    return grid


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("scale", kernel.SCALES)
def test_equals_climate_indices_on_random_grids(scale: int) -> None:
    """Random gamma grids with zeros and gaps, calibration 1991-2020 of 1981-2020."""
    indices = pytest.importorskip(
        "climate_indices.indices", reason="climate-indices is a test-only dependency (dev)"
    )
    from climate_indices.compute import Periodicity

    grid = _random_grid(scale, cells=60, years=40, zero_share=0.15, missing_share=0.005)
    years = 1981 + np.arange(grid.shape[1]) // 12
    ours, _ = kernel.spi(
        grid, scale, np.arange(grid.shape[1]) % 12, (years >= 1991) & (years <= 2020)
    )
    compared = 0
    for cell in range(grid.shape[0]):
        theirs = indices.spi(
            grid[cell].copy(),
            scale,
            indices.Distribution.gamma,
            1981,
            1991,
            2020,
            Periodicity.monthly,
        )
        both = np.isfinite(theirs) & np.isfinite(ours[cell])
        # Where climate_indices gives a value we do too, and vice versa.
        assert np.array_equal(np.isfinite(theirs), np.isfinite(ours[cell])), cell
        np.testing.assert_allclose(ours[cell][both], theirs[both], atol=1e-3)
        compared += int(both.sum())
    assert compared > 0.9 * grid.size * (1 - 0.005 * scale)


def test_saved_parameters_reproduce_the_latest_month() -> None:
    grid = _random_grid(7, cells=20, years=35, zero_share=0.2, missing_share=0.0)
    months = np.arange(grid.shape[1]) % 12
    full, params = kernel.spi(grid, 6, months)
    recent = grid[:, -6:]
    latest = kernel.spi_from_parameters(recent, 6, months[-6:], params)
    np.testing.assert_allclose(latest[:, -1], full[:, -1], atol=1e-12)
    assert np.isnan(latest[:, :-1]).all()


def test_zero_scores_probability_of_zero_and_missing_rules() -> None:
    rng = np.random.default_rng(3)
    series = rng.gamma(2.0, 20.0, 30 * 12)
    series[0:360:12] = np.where(np.arange(30) < 6, 0.0, series[0:360:12])  # Januaries
    series[13] = np.nan
    result, params = kernel.spi(series, 1, np.arange(series.size) % 12)
    assert params.prob_zero[0] == pytest.approx(6 / 30)
    from scipy.stats import norm

    assert result[0] == pytest.approx(norm.ppf(6 / 30), abs=1e-9)
    assert np.isnan(result[13])  # a missing month stays missing
    # A calendar month with too few calibration values is not fitted.
    short = series[: 9 * 12]
    values, params = kernel.spi(short, 1, np.arange(short.size) % 12)
    assert np.isnan(values).all() and np.isnan(params.alpha).all()
    # A calendar month that is always dry has no gamma fit: missing, not "wet".
    dry = series.copy()
    dry[5::12] = 0.0
    values, _ = kernel.spi(dry, 1, np.arange(dry.size) % 12)
    assert np.isnan(values[5::12]).all()


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="scale"):
        kernel.spi(np.ones(24), 0, np.arange(24) % 12)
    with pytest.raises(ValueError, match="months has"):
        kernel.spi(np.ones(24), 1, np.arange(12))
    with pytest.raises(ValueError, match="calibration"):
        kernel.spi(np.ones(24), 1, np.arange(24) % 12, np.zeros(24, bool))
