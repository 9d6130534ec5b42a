"""From dated observations to a monthly panel: each input's latest value valid in the month.

Observations arrive as a long table, one row per country, indicator and month of
observation (annual values sit in December of their year). For every country × month the
panel holds, per indicator, the newest observation made in or before the month and at most
``valid_months − 1`` months older (the INFORM practice of using the latest available value,
INFORM Concept and Methodology 2017 §3.2, with a horizon so that stale data lapses), its age
in months (0 = observed in the month) and the row it came from. Vectorised with numpy: one
pass per indicator over a ``(countries, months)`` grid. Pure; nothing is read or written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

#: Columns of an observation table.
OBSERVATION_COLUMNS = ("iso3", "indicator", "month_index", "value", "source", "detail")


def month_index(month: str) -> int:
    """``YYYY-MM`` as a month count (year × 12 + month − 1)."""
    year, number = month.split("-")
    return int(year) * 12 + int(number) - 1


def month_label(index: int) -> str:
    """A month count back to ``YYYY-MM``."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def empty_observations() -> pd.DataFrame:
    """An observation table with no rows (the right columns and dtypes)."""
    return pd.DataFrame(
        {
            "iso3": pd.Series(dtype=str),
            "indicator": pd.Series(dtype=str),
            "month_index": pd.Series(dtype=np.int64),
            "value": pd.Series(dtype=np.float64),
            "source": pd.Series(dtype=str),
            "detail": pd.Series(dtype=str),
        }
    )


@dataclass(frozen=True)
class Panel:
    """Inputs by indicator over ``len(keys) × len(months)`` rows (country-major).

    ``values`` NaN where nothing is valid; ``ages`` in months (−1 where missing);
    ``origin`` the row of the observation table used (−1 where missing).
    """

    keys: tuple[str, ...]
    first_month: int
    months: int
    values: Mapping[str, NDArray[np.float64]]
    ages: Mapping[str, NDArray[np.int64]]
    origin: Mapping[str, NDArray[np.int64]]

    @property
    def rows(self) -> int:
        """Number of country × month rows."""
        return len(self.keys) * self.months

    def row_keys(self) -> NDArray[np.str_]:
        """The country of every row."""
        return np.repeat(np.array(self.keys, dtype=str), self.months)

    def row_months(self) -> NDArray[np.int64]:
        """The month count of every row."""
        return np.tile(np.arange(self.months, dtype=np.int64) + self.first_month, len(self.keys))


def build(
    observations: pd.DataFrame,
    validity: Mapping[str, int],
    keys: Sequence[str] | None = None,
    first_month: int | None = None,
    last_month: int | None = None,
) -> Panel:
    """The monthly panel of ``observations`` for ``validity`` (indicator → valid months).

    ``keys`` default to every country observed; the months span the observations unless
    given. Several observations of one country, indicator and month: the last row wins.
    """
    frame = observations
    if keys is None:
        keys = sorted(frame["iso3"].unique())
    if frame.empty and (first_month is None or last_month is None):
        first_month = last_month = 0
    first = int(frame["month_index"].min()) if first_month is None else first_month
    last = int(frame["month_index"].max()) if last_month is None else last_month
    months = max(last - first + 1, 0)
    columns = np.arange(months, dtype=np.int64)
    values: dict[str, NDArray[np.float64]] = {}
    ages: dict[str, NDArray[np.int64]] = {}
    origin: dict[str, NDArray[np.int64]] = {}
    row_of = _positions(frame["iso3"], {key: index for index, key in enumerate(keys)})
    col_of = frame["month_index"].to_numpy(dtype=np.int64) - first
    indicator_of = _positions(frame["indicator"], {name: i for i, name in enumerate(validity)})
    usable = (row_of >= 0) & (col_of >= 0) & (col_of < months)
    raw = frame["value"].to_numpy(dtype=np.float64)
    for code, (name, valid) in enumerate(validity.items()):
        picked = np.flatnonzero((indicator_of == code) & usable)
        seen = np.full((len(keys), months), -1, dtype=np.int64)
        seen[row_of[picked], col_of[picked]] = picked
        observed_col = np.where(seen >= 0, columns[np.newaxis, :], -1)
        last_col = np.maximum.accumulate(observed_col, axis=1) if months else observed_col
        age = columns[np.newaxis, :] - last_col
        ok = (last_col >= 0) & (age < valid)
        rows = np.arange(len(keys))[:, np.newaxis]
        source_row = np.where(ok, seen[rows, np.where(last_col >= 0, last_col, 0)], -1)
        origin[name] = source_row.ravel()
        values[name] = np.where(
            ok, raw[np.where(ok, source_row, 0)] if len(raw) else np.nan, np.nan
        ).ravel()
        ages[name] = np.where(ok, age, -1).ravel()
    return Panel(
        keys=tuple(keys), first_month=first, months=months, values=values, ages=ages, origin=origin
    )


def _positions(labels: pd.Series, position: Mapping[str, int]) -> NDArray[np.int64]:
    """``position[label]`` for every label, −1 where absent (or missing): the labels are
    factorised once, so each distinct label is looked up once."""
    codes, uniques = pd.factorize(labels)
    lookup = np.array([position.get(label, -1) for label in uniques] + [-1], dtype=np.int64)
    found: NDArray[np.int64] = lookup[codes]  # code −1 (missing) takes the trailing −1
    return found
