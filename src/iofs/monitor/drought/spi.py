"""Standardized Precipitation Index (SPI): a numba kernel vectorised over every pixel.

Method (McKee, Doesken & Kleist 1993, "The relationship of drought frequency and duration to
time scales", 8th Conf. on Applied Climatology, AMS, pp. 179-184; WMO-No. 1090, 2012,
"Standardized Precipitation Index User Guide"):

1. Precipitation (mm/month) is summed over ``scale`` consecutive months ending at each month
   (the accumulation window). A window containing a missing month is missing.
2. For each calendar month (January windows, February windows, ...) a two-parameter gamma
   distribution is fitted to the *positive* accumulations of the calibration period, by
   Thom's (1958) approximate maximum-likelihood estimator, as in climate_indices::

       A = ln(mean(x)) - mean(ln x),  alpha = (1 + sqrt(1 + 4A/3)) / (4A),  beta = mean(x)/alpha

   alpha is the shape (dimensionless), beta the scale (mm).
3. Zeros are handled by the mixed distribution (Thom 1966; McKee 1993):
   ``H(x) = q + (1 - q) G(x; alpha, beta)`` with ``q`` the fraction of zero accumulations
   among the non-missing calibration accumulations of that calendar month. A zero scores
   ``Phi^-1(q)``.
4. ``SPI = Phi^-1(H)``, the standard-normal quantile (dimensionless), clipped to +/- 3.09
   (the range climate_indices and NOAA publish).

Missing-data rules (stated so users know when a value is blank):

* an accumulation window with any missing month is missing (no gap filling);
* a calendar month is fitted only when its calibration period holds at least
  :data:`MIN_CALIBRATION_VALUES` non-missing accumulations and at least two distinct positive
  ones (``A > 0``); otherwise every SPI value of that calendar month is missing;
* a calendar month whose calibration accumulations are all zero has no gamma fit: its SPI
  is missing (no "wet" or "dry" claim can be made);
* negative precipitation is treated as zero (it only arises from interpolation artefacts;
  the readers reject negative input before it gets here).

Numerics: the regularised lower incomplete gamma function uses its power series below
``x < a + 1`` and a Lentz continued fraction above (Numerical Recipes, 3rd ed., §6.2),
to 1e-12 relative; the inverse normal is Wichura's AS 241 (Applied Statistics 37, 1988,
477-484), accurate to about 1e-16. Together they reproduce climate_indices' gamma SPI to
better than 1e-9.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np
import numpy.typing as npt

#: Accumulation scales (months) offered by the interfaces.
SCALES = (1, 3, 6, 9, 12, 24)
#: SPI values are clipped to this magnitude (climate_indices, NOAA).
SPI_BOUND = 3.09
#: A calendar month needs this many non-missing calibration accumulations to be fitted.
MIN_CALIBRATION_VALUES = 10

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Scratch arrays of one series' fit and transform, allocated once per kernel call:
#: ``(acc, logs, order, starts, xs, log_xs, term, total, where)`` — the accumulations and
#: their logs, the time steps grouped by calendar month (:func:`_month_order`), and the
#: power-series buffers of :func:`_transform`.
Workspace = tuple[
    FloatArray,
    FloatArray,
    IntArray,
    IntArray,
    FloatArray,
    FloatArray,
    FloatArray,
    FloatArray,
    IntArray,
]

_EPS = 1e-12
_TINY = 1e-300
_MAX_ITER = 2000
#: The series is used up to a + 1 + reach * sqrt(a + 1); it has no cancellation, so it
#: stays accurate past the textbook switch point and is cheaper than the continued fraction.
_SERIES_REACH = 4.0


_LOG2E = 1.4426950408889634
_LN2_HI = 0.6931471803691238
_LN2_LO = 1.9082149292705877e-10
#: 2**k for k = -1022 .. 1023, so that exp() below needs no bit manipulation (vectorisable).
_POW2 = np.ldexp(1.0, np.arange(-1022, 1024)).astype(np.float64)


@numba.njit(nogil=True, cache=True, error_model="numpy", inline="always")
def _exp(y: float) -> float:  # pragma: no cover - numba
    """exp(y) to ~1e-15 relative by 2**k * exp(r), |r| <= ln2/2, degree-12 Taylor (Horner).

    Written without library calls so that loops over it vectorise; below exp(-700) it
    returns 0 (such probabilities are far beyond the clipped SPI range).
    """
    y = min(max(y, -700.0), 700.0)
    k = math.floor(y * _LOG2E + 0.5)
    r = (y - k * _LN2_HI) - k * _LN2_LO
    poly = 1.0 + r * (
        1.0
        + r
        * (
            1.0 / 2
            + r
            * (
                1.0 / 6
                + r
                * (
                    1.0 / 24
                    + r
                    * (
                        1.0 / 120
                        + r
                        * (
                            1.0 / 720
                            + r
                            * (
                                1.0 / 5040
                                + r
                                * (
                                    1.0 / 40320
                                    + r
                                    * (
                                        1.0 / 362880
                                        + r * (1.0 / 3628800 + r * (1.0 / 39916800 + r / 479001600))
                                    )
                                )
                            )
                        )
                    )
                )
            )
        )
    )
    value: float = poly * _POW2[np.int64(k) + 1022]
    return 0.0 if y <= -700.0 else value


@numba.njit(nogil=True, cache=True, error_model="numpy", inline="always")
def _ndtri_central(r: float) -> float:  # pragma: no cover - numba
    """The central rational function of AS 241: Phi^-1(p) = q * f(r), r = 0.180625 - q^2."""
    num = (
        (
            (
                (
                    (
                        (2509.0809287301226727 * r + 33430.575583588128105) * r
                        + 67265.770927008700853
                    )
                    * r
                    + 45921.953931549871457
                )
                * r
                + 13731.693765509461125
            )
            * r
            + 1971.5909503065514427
        )
        * r
        + 133.14166789178437745
    ) * r + 3.387132872796366608
    den = (
        (
            (
                (
                    ((5226.495278852545925 * r + 28729.085735721942674) * r + 39307.89580009271061)
                    * r
                    + 21213.794301586595867
                )
                * r
                + 5394.1960214247511077
            )
            * r
            + 687.1870074920579083
        )
        * r
        + 42.313330701600911252
    ) * r + 1.0
    value: float = num / den
    return value


@numba.njit(nogil=True, cache=True, error_model="numpy")
def _gamma_p(a: float, x: float, lgamma_a: float) -> float:  # pragma: no cover - numba
    """Regularised lower incomplete gamma P(a, x), ``lgamma_a = ln Gamma(a)`` precomputed."""
    if x <= 0.0:
        return 0.0
    log_prefactor = a * math.log(x) - x - lgamma_a
    if x < a + 1.0 + _SERIES_REACH * math.sqrt(a + 1.0):
        # Power series, four terms per division (the division is the costly step):
        # 1/(a+k) = prod_{j != k} (a+j) / prod_j (a+j).
        ap = a
        term = 1.0 / a
        total = term
        for _ in range(_MAX_ITER):
            a1 = ap + 1.0
            a2 = ap + 2.0
            a3 = ap + 3.0
            a4 = ap + 4.0
            a12 = a1 * a2
            a34 = a3 * a4
            inv = 1.0 / (a12 * a34)
            # Ratios of consecutive terms, independent of the running term, so the
            # loop-carried dependency is a single multiplication per four terms.
            r1 = x * (a2 * a34) * inv
            r2 = x * (a1 * a34) * inv
            r3 = x * (a12 * a4) * inv
            r4 = x * (a12 * a3) * inv
            block = r1 * (1.0 + r2 * (1.0 + r3 * (1.0 + r4)))
            added = term * block
            total += added
            term *= r1 * r2 * (r3 * r4)
            ap = a4
            if added < total * _EPS:
                break
        return total * math.exp(log_prefactor)
    b = x + 1.0 - a
    c = 1.0 / _TINY
    d = 1.0 / b
    h = d
    for i in range(1, _MAX_ITER):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        if abs(d) < _TINY:
            d = _TINY
        c = b + an / c
        if abs(c) < _TINY:
            c = _TINY
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return 1.0 - math.exp(log_prefactor) * h


@numba.njit(nogil=True, cache=True, error_model="numpy")
def _ndtri(p: float) -> float:  # pragma: no cover - numba
    """Standard-normal quantile Phi^-1(p), Wichura's AS 241 (PPND16)."""
    if p <= 0.0:
        return -math.inf
    if p >= 1.0:
        return math.inf
    q = p - 0.5
    if abs(q) <= 0.425:
        return q * _ndtri_central(0.180625 - q * q)
    r = p if q < 0.0 else 1.0 - p
    r = math.sqrt(-math.log(r))
    if r <= 5.0:
        r -= 1.6
        num = (
            (
                (
                    (
                        (
                            (7.7454501427834140764e-4 * r + 0.0227238449892691845833) * r
                            + 0.24178072517745061177
                        )
                        * r
                        + 1.27045825245236838258
                    )
                    * r
                    + 3.64784832476320460504
                )
                * r
                + 5.7694972214606914055
            )
            * r
            + 4.6303378461565452959
        ) * r + 1.42343711074968357734
        den = (
            (
                (
                    (
                        (
                            (1.05075007164441684324e-9 * r + 5.475938084995344946e-4) * r
                            + 0.0151986665636164571966
                        )
                        * r
                        + 0.14810397642748007459
                    )
                    * r
                    + 0.68976733498510000455
                )
                * r
                + 1.6763848301838038494
            )
            * r
            + 2.05319162663775882187
        ) * r + 1.0
    else:
        r -= 5.0
        num = (
            (
                (
                    (
                        (
                            (2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r
                            + 0.0012426609473880784386
                        )
                        * r
                        + 0.026532189526576123093
                    )
                    * r
                    + 0.29656057182850489123
                )
                * r
                + 1.7848265399172913358
            )
            * r
            + 5.4637849111641143699
        ) * r + 6.6579046435011037772
        den = (
            (
                (
                    (
                        (
                            (2.04426310338993978564e-15 * r + 1.4215117583164458887e-7) * r
                            + 1.8463183175100546818e-5
                        )
                        * r
                        + 7.868691311456132591e-4
                    )
                    * r
                    + 0.0148753612908506148525
                )
                * r
                + 0.13692988092273580531
            )
            * r
            + 0.59983220655588793769
        ) * r + 1.0
    value = num / den
    return -value if q < 0.0 else value


@numba.njit(nogil=True, cache=True, error_model="numpy")
def _accumulate(
    series: FloatArray, scale: int, out: FloatArray, logs: FloatArray
) -> None:  # pragma: no cover - numba
    """Sum over ``scale`` months ending at each step (NaN when the window is incomplete),
    and the natural log of each positive sum (shared by the fit and the transform)."""
    n = series.shape[0]
    for t in range(n):
        if t < scale - 1:
            out[t] = math.nan
            continue
        total = 0.0
        for k in range(t - scale + 1, t + 1):
            v = series[k]
            if v != v:
                total = math.nan
                break
            if v > 0.0:
                total += v
        out[t] = total
        logs[t] = math.log(total) if total > 0.0 else math.nan


@numba.njit(nogil=True, cache=True, error_model="numpy")
def _fit(
    acc: FloatArray,
    logs: FloatArray,
    months: IntArray,
    calibration: BoolArray,
    min_values: int,
    alpha: FloatArray,
    beta: FloatArray,
    prob_zero: FloatArray,
) -> None:  # pragma: no cover
    """Gamma shape/scale and probability of zero per calendar month of one pixel."""
    count = np.zeros(12, np.int64)
    zeros = np.zeros(12, np.int64)
    total = np.zeros(12)
    total_log = np.zeros(12)
    for t in range(acc.shape[0]):
        if not calibration[t]:
            continue
        v = acc[t]
        if v != v:
            continue
        m = months[t]
        count[m] += 1
        if v <= 0.0:
            zeros[m] += 1
        else:
            total[m] += v
            total_log[m] += logs[t]
    for m in range(12):
        alpha[m] = math.nan
        beta[m] = math.nan
        prob_zero[m] = math.nan
        if count[m] < min_values:
            continue
        positives = count[m] - zeros[m]
        prob_zero[m] = zeros[m] / count[m]
        if positives < 2:
            continue
        mean = total[m] / positives
        a_stat = math.log(mean) - total_log[m] / positives
        if not a_stat > 0.0:
            continue
        shape = (1.0 + math.sqrt(1.0 + 4.0 * a_stat / 3.0)) / (4.0 * a_stat)
        alpha[m] = shape
        beta[m] = mean / shape


@numba.njit(nogil=True, cache=True, error_model="numpy")
def _clip(z: float) -> float:  # pragma: no cover - numba
    if z > SPI_BOUND:
        return SPI_BOUND
    if z < -SPI_BOUND:
        return -SPI_BOUND
    return z


@numba.njit(nogil=True, cache=True, error_model="numpy")
def _transform(
    work: Workspace,
    alpha: FloatArray,
    beta: FloatArray,
    prob_zero: FloatArray,
    out: FloatArray,
) -> None:  # pragma: no cover - numba
    """SPI of each accumulation in ``work`` from its calendar month's fitted mixed distribution.

    ``order``/``starts`` list the time steps of each calendar month. Within a calendar month
    every value shares the gamma shape, so the power series of P(a, x) runs over all of them
    together: its divisions 1/(a + k) are shared and the inner loop is plain multiply-add
    that the compiler vectorises (SIMD) — the step that makes this kernel fast.
    """
    acc, logs, order, starts, xs, log_xs, term, total, where = work
    for m in range(12):
        a = alpha[m]
        first = starts[m]
        last = starts[m + 1]
        if a != a:
            for k in range(first, last):
                out[order[k]] = math.nan
            continue
        scale_m = beta[m]
        q = prob_zero[m]
        lgamma_a = math.lgamma(a)
        log_scale = math.log(scale_m)
        reach = a + 1.0 + _SERIES_REACH * math.sqrt(a + 1.0)
        zero_score = _clip(_ndtri(q))
        n = 0
        for k in range(first, last):
            t = order[k]
            v = acc[t]
            if v != v:
                out[t] = math.nan
            elif v <= 0.0:
                out[t] = zero_score
            else:
                x = v / scale_m
                if x < reach:
                    xs[n] = x
                    log_xs[n] = logs[t] - log_scale
                    where[n] = t
                    n += 1
                else:
                    out[t] = _clip(_ndtri(q + (1.0 - q) * _gamma_p(a, x, lgamma_a)))
        if n == 0:
            continue
        inv_a = 1.0 / a
        for j in range(n):
            term[j] = inv_a
            total[j] = inv_a
        ap = a
        for step in range(_MAX_ITER):
            ap += 1.0
            r = 1.0 / ap
            for j in range(n):
                term[j] *= xs[j] * r
                total[j] += term[j]
            if step % 4 == 3:
                pending = 0
                for j in range(n):
                    pending += term[j] > _EPS * total[j]
                if pending == 0:
                    break
        # Three passes so that each is a straight loop the compiler vectorises: the
        # mixed-distribution probability (with a table-based exp), the central rational
        # branch of AS 241, then the tails (|p - 0.5| > 0.425) one by one.
        for j in range(n):
            x = xs[j]
            y = a * log_xs[j] - x - lgamma_a
            term[j] = q + (1.0 - q) * (total[j] * _exp(y))
        for j in range(n):
            c = term[j] - 0.5
            total[j] = c * _ndtri_central(0.180625 - c * c)
        for j in range(n):
            h = term[j]
            z = total[j] if abs(h - 0.5) <= 0.425 else _ndtri(h)
            out[where[j]] = _clip(z)


@numba.njit(nogil=True, cache=True, error_model="numpy")
def _month_order(months: IntArray) -> tuple[IntArray, IntArray]:  # pragma: no cover - numba
    """Time steps grouped by calendar month: ``order[starts[m]:starts[m+1]]``."""
    order = np.argsort(months, kind="mergesort")
    starts = np.zeros(13, np.int64)
    for t in range(months.shape[0]):
        starts[months[t] + 1] += 1
    for m in range(12):
        starts[m + 1] += starts[m]
    return order, starts


@numba.njit(nogil=True, cache=True, error_model="numpy")
def _workspace(months: IntArray) -> Workspace:  # pragma: no cover - numba
    """A :data:`Workspace` for series of ``months.shape[0]`` time steps."""
    n = months.shape[0]
    order, starts = _month_order(months)
    return (
        np.empty(n),
        np.empty(n),
        order,
        starts,
        np.empty(n),
        np.empty(n),
        np.empty(n),
        np.empty(n),
        np.empty(n, np.int64),
    )


@numba.njit(nogil=True, cache=True, error_model="numpy")
def _fit_series(
    series: FloatArray,
    scale: int,
    months: IntArray,
    calibration: BoolArray,
    min_values: int,
    work: Workspace,
    alpha: FloatArray,
    beta: FloatArray,
    prob_zero: FloatArray,
    out: FloatArray,
) -> None:  # pragma: no cover - numba
    """Accumulate one series, fit its 12 calendar months and write its SPI to ``out``."""
    acc = work[0]
    logs = work[1]
    _accumulate(series, scale, acc, logs)
    _fit(acc, logs, months, calibration, min_values, alpha, beta, prob_zero)
    _transform(work, alpha, beta, prob_zero, out)


@numba.njit(nogil=True, cache=True, error_model="numpy")
def _given_series(
    series: FloatArray,
    scale: int,
    work: Workspace,
    alpha: FloatArray,
    beta: FloatArray,
    prob_zero: FloatArray,
    out: FloatArray,
) -> None:  # pragma: no cover - numba
    """Accumulate one series and write its SPI from parameters fitted earlier to ``out``."""
    _accumulate(series, scale, work[0], work[1])
    _transform(work, alpha, beta, prob_zero, out)


@numba.njit(nogil=True, cache=True, error_model="numpy")
def _spi_fit_kernel(
    precip: FloatArray,
    scale: int,
    months: IntArray,
    calibration: BoolArray,
    min_values: int,
    out: FloatArray,
    alpha: FloatArray,
    beta: FloatArray,
    prob_zero: FloatArray,
) -> None:  # pragma: no cover - numba
    """Fit and transform every pixel (rows of ``precip``: pixels, columns: months)."""
    work = _workspace(months)
    for i in range(precip.shape[0]):
        _fit_series(
            precip[i],
            scale,
            months,
            calibration,
            min_values,
            work,
            alpha[i],
            beta[i],
            prob_zero[i],
            out[i],
        )


@numba.njit(nogil=True, cache=True, error_model="numpy")
def _spi_given_kernel(
    precip: FloatArray,
    scale: int,
    months: IntArray,
    alpha: FloatArray,
    beta: FloatArray,
    prob_zero: FloatArray,
    out: FloatArray,
) -> None:  # pragma: no cover - numba
    """Transform every pixel with parameters fitted earlier (no refit)."""
    work = _workspace(months)
    for i in range(precip.shape[0]):
        _given_series(precip[i], scale, work, alpha[i], beta[i], prob_zero[i], out[i])


#: Pixels gathered per block by the time-major kernels: a block of 32 series is read and
#: written row by row (32 contiguous values per time step), so the (time, pixel) layout of
#: the files needs no transposed copy.
_BLOCK = 32


@numba.njit(nogil=True, cache=True, error_model="numpy")
def _gather(
    precip: npt.NDArray[np.floating], p0: int, width: int, block: FloatArray
) -> None:  # pragma: no cover - numba
    """Copy the series of pixels ``p0 .. p0 + width`` of (time, pixel) ``precip`` into the
    rows of ``block``, reading each time step's run of pixels contiguously."""
    for t in range(precip.shape[0]):
        for j in range(width):
            block[j, t] = precip[t, p0 + j]


@numba.njit(nogil=True, cache=True, error_model="numpy")
def _scatter(
    block: FloatArray, p0: int, width: int, out: npt.NDArray[np.float32]
) -> None:  # pragma: no cover - numba
    """Write the rows of ``block`` back as pixels ``p0 .. p0 + width`` of (time, pixel)
    ``out``, the inverse of :func:`_gather`."""
    for t in range(out.shape[0]):
        for j in range(width):
            out[t, p0 + j] = block[j, t]


@numba.njit(nogil=True, cache=True, error_model="numpy")
def _spi_fit_time_major(
    precip: npt.NDArray[np.floating],
    scale: int,
    months: IntArray,
    calibration: BoolArray,
    min_values: int,
    out: npt.NDArray[np.float32],
    alpha: FloatArray,
    beta: FloatArray,
    prob_zero: FloatArray,
    low: FloatArray,
) -> None:  # pragma: no cover - numba
    """Fit and transform every pixel of a (time, pixel) array in one pass.

    ``out``: SPI (time, pixel), float32; ``alpha``/``beta``/``prob_zero``: (12, pixel);
    ``low``: each pixel's smallest precipitation (NaN-skipping; +inf when all missing), so
    that negative input is detected without a second pass over the data.
    """
    n = precip.shape[0]
    npix = precip.shape[1]
    block = np.empty((_BLOCK, n))
    result = np.empty((_BLOCK, n))
    work = _workspace(months)
    a12 = np.empty(12)
    b12 = np.empty(12)
    q12 = np.empty(12)
    for p0 in range(0, npix, _BLOCK):
        width = min(_BLOCK, npix - p0)
        _gather(precip, p0, width, block)
        for j in range(width):
            series = block[j]
            smallest = math.inf
            for t in range(n):
                if series[t] < smallest:
                    smallest = series[t]
            low[p0 + j] = smallest
            _fit_series(
                series, scale, months, calibration, min_values, work, a12, b12, q12, result[j]
            )
            for m in range(12):
                alpha[m, p0 + j] = a12[m]
                beta[m, p0 + j] = b12[m]
                prob_zero[m, p0 + j] = q12[m]
        _scatter(result, p0, width, out)


@numba.njit(nogil=True, cache=True, error_model="numpy")
def _spi_given_time_major(
    precip: npt.NDArray[np.floating],
    scale: int,
    months: IntArray,
    alpha: FloatArray,
    beta: FloatArray,
    prob_zero: FloatArray,
    out: npt.NDArray[np.float32],
) -> None:  # pragma: no cover - numba
    """Transform a (time, pixel) array with parameters (k, pixel) fitted earlier, k <= 12
    (``months`` index those k rows; e.g. k = 1 holds one calendar month's parameters)."""
    n = precip.shape[0]
    npix = precip.shape[1]
    block = np.empty((_BLOCK, n))
    result = np.empty((_BLOCK, n))
    work = _workspace(months)
    a12 = np.empty(12)
    b12 = np.empty(12)
    q12 = np.empty(12)
    rows = alpha.shape[0]
    for p0 in range(0, npix, _BLOCK):
        width = min(_BLOCK, npix - p0)
        _gather(precip, p0, width, block)
        for j in range(width):
            for m in range(12):
                if m < rows:
                    a12[m] = alpha[m, p0 + j]
                    b12[m] = beta[m, p0 + j]
                    q12[m] = prob_zero[m, p0 + j]
                else:
                    a12[m] = math.nan
                    b12[m] = math.nan
                    q12[m] = math.nan
            _given_series(block[j], scale, work, a12, b12, q12, result[j])
        _scatter(result, p0, width, out)


@dataclass(frozen=True)
class GammaParameters:
    """Fitted mixed-gamma parameters per pixel and calendar month (last axis: Jan..Dec).

    ``alpha``: shape (dimensionless); ``beta``: scale (mm); ``prob_zero``: probability of a
    zero accumulation (0-1).
    """

    alpha: FloatArray
    beta: FloatArray
    prob_zero: FloatArray


def _check_scale(scale: int) -> None:
    if not isinstance(scale, int | np.integer) or scale < 1 or scale > 72:
        raise ValueError(f"scale must be a whole number of months between 1 and 72, not {scale!r}")


def _as_pixels(precip: npt.ArrayLike) -> tuple[FloatArray, tuple[int, ...]]:
    array = np.asarray(precip, dtype=np.float64)
    if array.ndim == 0:
        raise ValueError("precipitation must have a time axis (the last axis)")
    lead = array.shape[:-1]
    return np.ascontiguousarray(array.reshape(-1, array.shape[-1])), lead


def _check_time(
    months: npt.ArrayLike, n_time: int, calibration: npt.ArrayLike | None = None
) -> tuple[IntArray, BoolArray]:
    month_index = np.ascontiguousarray(np.asarray(months, dtype=np.int64))
    if month_index.shape != (n_time,):
        raise ValueError(f"months has {month_index.size} values but the series has {n_time}")
    if month_index.size and (month_index.min() < 0 or month_index.max() > 11):
        raise ValueError("months must be calendar-month indices 0 (January) to 11 (December)")
    if calibration is None:
        return month_index, np.ones(n_time, dtype=np.bool_)
    mask = np.ascontiguousarray(np.asarray(calibration, dtype=np.bool_))
    if mask.shape != (n_time,):
        raise ValueError(f"calibration mask has {mask.size} values but the series has {n_time}")
    if not mask.any():
        raise ValueError("the calibration period holds none of the series' months")
    return month_index, mask


def spi(
    precip: npt.ArrayLike,
    scale: int,
    months: npt.ArrayLike,
    calibration: npt.ArrayLike | None = None,
    min_calibration_values: int = MIN_CALIBRATION_VALUES,
) -> tuple[FloatArray, GammaParameters]:
    """SPI (dimensionless, clipped to +/- 3.09) and the fitted parameters.

    ``precip``: monthly precipitation in mm, any leading (pixel) axes, time last.
    ``months``: calendar-month index 0-11 of each time step. ``calibration``: boolean mask of
    the time steps (accumulation end months) in the calibration period; default all.
    Returns the SPI array shaped like ``precip`` and :class:`GammaParameters` shaped
    ``leading + (12,)``.
    """
    _check_scale(scale)
    pixels, lead = _as_pixels(precip)
    month_index, mask = _check_time(months, pixels.shape[1], calibration)
    out = np.empty_like(pixels)
    alpha = np.empty((pixels.shape[0], 12))
    beta = np.empty_like(alpha)
    prob_zero = np.empty_like(alpha)
    _spi_fit_kernel(
        pixels,
        int(scale),
        month_index,
        mask,
        int(min_calibration_values),
        out,
        alpha,
        beta,
        prob_zero,
    )
    shape12 = (*lead, 12)
    return out.reshape(*lead, pixels.shape[1]), GammaParameters(
        alpha.reshape(shape12), beta.reshape(shape12), prob_zero.reshape(shape12)
    )


def spi_from_parameters(
    precip: npt.ArrayLike, scale: int, months: npt.ArrayLike, parameters: GammaParameters
) -> FloatArray:
    """SPI from parameters fitted earlier (e.g. to update the latest month without a refit).

    ``precip`` needs at least the last ``scale`` months before each wanted step; the result
    is shaped like ``precip`` (dimensionless, NaN where the window is incomplete).
    """
    _check_scale(scale)
    pixels, lead = _as_pixels(precip)
    month_index, _ = _check_time(months, pixels.shape[1])
    params = []
    for name in ("alpha", "beta", "prob_zero"):
        value = np.asarray(getattr(parameters, name), dtype=np.float64)
        if value.shape != (*lead, 12):
            raise ValueError(
                f"parameter {name} has shape {value.shape}; expected "
                f"{(*lead, 12)} to match the precipitation grid"
            )
        params.append(np.ascontiguousarray(value.reshape(-1, 12)))
    out = np.empty_like(pixels)
    _spi_given_kernel(pixels, int(scale), month_index, params[0], params[1], params[2], out)
    return out.reshape(*lead, pixels.shape[1])


def _time_major(precip: npt.ArrayLike) -> tuple[npt.NDArray[np.floating], tuple[int, ...]]:
    array = np.asarray(precip)
    if array.dtype not in (np.float32, np.float64):
        array = array.astype(np.float64)
    if array.ndim == 0:
        raise ValueError("precipitation must have a time axis (the first axis)")
    lead = array.shape[1:]
    return np.ascontiguousarray(array.reshape(array.shape[0], -1)), lead


def spi_time_major(
    precip: npt.ArrayLike,
    scale: int,
    months: npt.ArrayLike,
    calibration: npt.ArrayLike | None = None,
    min_calibration_values: int = MIN_CALIBRATION_VALUES,
) -> tuple[npt.NDArray[np.float32], GammaParameters, FloatArray]:
    """:func:`spi` for data laid out as files hold it: time FIRST, then any pixel axes.

    ``precip`` (mm/month, float32 or float64, shape ``(time, *space)``) is read in place,
    with no transposed or float64 copy. Returns SPI as float32 ``(time, *space)``, the
    parameters shaped ``(12, *space)`` (calendar month first) and each pixel's minimum
    precipitation ``space`` (mm/month; +inf where every month is missing), the last for
    refusing negative input without reading the data twice. Same numbers as :func:`spi`.
    """
    _check_scale(scale)
    pixels, lead = _time_major(precip)
    month_index, mask = _check_time(months, pixels.shape[0], calibration)
    npix = pixels.shape[1]
    out = np.empty(pixels.shape, dtype=np.float32)
    alpha = np.empty((12, npix))
    beta = np.empty_like(alpha)
    prob_zero = np.empty_like(alpha)
    low = np.empty(npix)
    _spi_fit_time_major(
        pixels,
        int(scale),
        month_index,
        mask,
        int(min_calibration_values),
        out,
        alpha,
        beta,
        prob_zero,
        low,
    )
    shape12 = (12, *lead)
    return (
        out.reshape(pixels.shape[0], *lead),
        GammaParameters(alpha.reshape(shape12), beta.reshape(shape12), prob_zero.reshape(shape12)),
        low.reshape(lead),
    )


def spi_from_parameters_time_major(
    precip: npt.ArrayLike, scale: int, months: npt.ArrayLike, parameters: GammaParameters
) -> npt.NDArray[np.float32]:
    """:func:`spi_from_parameters` for time-first data; parameters shaped ``(k, *space)``.

    Usually k = 12 (January..December, ``months`` the calendar month 0-11 of each step);
    to update one month, pass that calendar month's parameters alone (k = 1) and
    ``months`` all 0, so only 1/12 of the parameters is read. Returns float32 SPI shaped
    like ``precip`` (NaN where the window is incomplete).
    """
    _check_scale(scale)
    pixels, lead = _time_major(precip)
    month_index, _ = _check_time(months, pixels.shape[0])
    rows = np.asarray(parameters.alpha).shape[0] if np.ndim(parameters.alpha) else 0
    if not 1 <= rows <= 12 or (month_index.size and month_index.max() >= rows):
        raise ValueError(f"parameters hold {rows} calendar months; months index beyond them")
    params = []
    for name in ("alpha", "beta", "prob_zero"):
        value = np.asarray(getattr(parameters, name), dtype=np.float64)
        if value.shape != (rows, *lead):
            raise ValueError(
                f"parameter {name} has shape {value.shape}; expected "
                f"{(rows, *lead)} to match the precipitation grid"
            )
        params.append(np.ascontiguousarray(value.reshape(rows, -1)))
    out = np.empty(pixels.shape, dtype=np.float32)
    _spi_given_time_major(pixels, int(scale), month_index, params[0], params[1], params[2], out)
    return out.reshape(pixels.shape[0], *lead)


def warm_up() -> None:
    """Compile (or load from the cache) the kernels once, e.g. before timing them."""
    series = np.arange(1.0, 25.0)
    spi(series, 1, np.arange(24) % 12, min_calibration_values=1)
    for dtype in (np.float32, np.float64):
        _, params, _ = spi_time_major(
            series.astype(dtype)[:, None], 1, np.arange(24) % 12, min_calibration_values=1
        )
        spi_from_parameters_time_major(series.astype(dtype)[:, None], 1, np.arange(24) % 12, params)
