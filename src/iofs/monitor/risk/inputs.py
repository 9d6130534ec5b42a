"""Input tables: one row per country (or country × month), columns by name, read from CSV.

Read with the standard library so that every bad cell is reported with its file, line and
field. UTF-8 (with or without BOM) is tried first, then Latin-1, the encoding of INFORM's
own CSV releases. Blank cells, ``x`` (INFORM's mark) and ``NA`` are missing values.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from iofs.errors import InputError
from iofs.monitor.risk.aggregation import Array
from iofs.monitor.risk.tree import SCALE_MAX

#: Cell values read as missing.
MISSING_TOKENS = frozenset({"", "x", "X", "NA"})


class InputTableError(InputError):
    """An input table cannot be used; the message names file, line, field and reason."""


@dataclass(frozen=True)
class InputTable:
    """Numeric columns (NaN = missing) and text columns of ``len(keys)`` rows.

    ``keys`` identify the rows (ISO 3166-1 alpha-3 codes for countries), ``labels`` name
    them for people (may repeat the keys); ``lines`` are the source line of each row (1 =
    the header) for messages.
    """

    name: str
    keys: tuple[str, ...]
    labels: tuple[str, ...]
    columns: Mapping[str, Array]
    text: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    lines: tuple[int, ...] = ()

    def __len__(self) -> int:
        return len(self.keys)

    @classmethod
    def from_columns(
        cls,
        keys: Sequence[str],
        columns: Mapping[str, Iterable[float | None]],
        labels: Sequence[str] | None = None,
        name: str = "table",
    ) -> InputTable:
        """A table from Python data (None = missing), e.g. another module's feed values."""
        arrays = {
            column: np.array(
                [np.nan if value is None else float(value) for value in values], dtype=np.float64
            )
            for column, values in columns.items()
        }
        for column, array in arrays.items():
            if array.shape[0] != len(keys):
                raise InputTableError(
                    f'{name}: column "{column}" has {array.shape[0]} values for {len(keys)} rows'
                )
        return cls(name=name, keys=tuple(keys), labels=tuple(labels or keys), columns=arrays)


def _decode(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputTableError(f"{path}: no such file") from None
    except OSError as error:
        raise InputTableError(f"{path}: cannot be read ({error.strerror})") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _number(cell: str, where: str, bounded: bool) -> float:
    text = cell.strip()
    if text in MISSING_TOKENS:
        return math.nan
    try:
        value = float(text)
    except ValueError:
        raise InputTableError(f'{where}: "{cell}" is not a number') from None
    if not math.isfinite(value):
        raise InputTableError(f'{where}: "{cell}" is not a finite number')
    if bounded and not 0.0 <= value <= SCALE_MAX:
        raise InputTableError(f"{where}: {value:g} is outside the 0–10 score scale")
    return value


def read_table(
    path: Path,
    *,
    key: str,
    required: Sequence[str],
    scores: Iterable[str] = (),
    optional: Iterable[str] = (),
    label: str | None = None,
    text: Iterable[str] = (),
) -> InputTable:
    """Read the CSV file ``path``: one row per ``key`` value (unique, non-empty).

    ``required`` numeric columns must exist; ``optional`` numeric and ``text`` columns are
    read when present; columns in ``scores`` must lie in 0–10. Other columns are ignored.
    Raises :class:`InputTableError` at the first problem, naming file, line and field.
    """
    reader = csv.reader(io.StringIO(_decode(path), newline=""))
    name = path.name
    header = next(reader, None)
    if header is None:
        raise InputTableError(f"{name}: the file is empty")
    header = [column.strip() for column in header]
    absent = [column for column in (key, *required) if column not in header]
    if absent:
        raise InputTableError(f'{name}: column "{absent[0]}" is missing from the header')
    position = {column: index for index, column in enumerate(header)}
    numeric = list(dict.fromkeys([*required, *(c for c in optional if c in position)]))
    bounded = set(scores)
    texts = [column for column in dict.fromkeys(text) if column in position]
    keys: list[str] = []
    labels: list[str] = []
    lines: list[int] = []
    cells: dict[str, list[float]] = {column: [] for column in numeric}
    text_cells: dict[str, list[str]] = {column: [] for column in texts}
    first_line: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(header):
            row = row + [""] * (len(header) - len(row))
        row_key = row[position[key]].strip()
        if not row_key:
            raise InputTableError(f'{name}, line {line}, field "{key}": empty key')
        if row_key in first_line:
            raise InputTableError(
                f'{name}, line {line}, field "{key}": "{row_key}" repeats '
                f"line {first_line[row_key]}"
            )
        first_line[row_key] = line
        keys.append(row_key)
        labels.append(row[position[label]].strip() if label in position else row_key)
        lines.append(line)
        for column in numeric:
            cells[column].append(
                _number(
                    row[position[column]],
                    f'{name}, line {line}, field "{column}"',
                    column in bounded,
                )
            )
        for column in texts:
            text_cells[column].append(row[position[column]].strip())
    if not keys:
        raise InputTableError(f"{name}: no data rows below the header")
    return InputTable(
        name=name,
        keys=tuple(keys),
        labels=tuple(labels),
        columns={column: np.array(values, dtype=np.float64) for column, values in cells.items()},
        text={column: tuple(values) for column, values in text_cells.items()},
        lines=tuple(lines),
    )
