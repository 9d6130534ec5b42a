"""Recognise and read the file layouts of IPC / Cadre Harmonisé phase data.

Three layouts, recognised from the header row (an HXL hashtag row under it is skipped):

- **HDX IPC long** (``ipc_global_national_long.csv``, ``…_level1_long``, ``…_area_long``,
  ``ipc_<iso3>_area_long.csv``): one row per analysis, validity period and phase
  (``1``–``5``, ``3+``, ``all``); ``Level 1`` and ``Area`` columns give the level.
- **HDX IPC wide** (``ipc_global_national_wide.csv``): one row per analysis with columns per
  validity period (current, first projection, second projection) and phase.
- **HDX HAPI food security** (``hdx_hapi_food_security_global.csv``): one row per location,
  admin level, phase and validity period; no date of analysis.

Every layout is read into the same :class:`RawRow` (the row's text, not yet validated; see
:mod:`iofs.monitor.ipc.validation`), each carrying its line number in the file and the file's
own column name of every field, so that a bad value is reported in the user's words.

References: OCHA-DAP/hdx-scraper-ipc (the HDX IPC layouts); HDX HAPI data usage guide,
"Food Security" (the HAPI layout).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from iofs.errors import InputError

#: Canonical field names of a phase row, as the validator reads them.
FIELDS = (
    "analysis_date",
    "country",
    "country_population",
    "level1",
    "area",
    "kind",
    "period_from",
    "period_to",
    "phase",
    "people",
    "share",
)

IPC_LONG = "HDX IPC long"
IPC_WIDE = "HDX IPC wide"
HAPI = "HDX HAPI food security"

_IPC_COMMON = {
    "date of analysis": "analysis_date",
    "country": "country",
    "total country population": "country_population",
    "level 1": "level1",
    "area": "area",
}
_IPC_LONG_COLUMNS = {
    **_IPC_COMMON,
    "validity period": "kind",
    "from": "period_from",
    "to": "period_to",
    "phase": "phase",
    "number": "people",
    "percentage": "share",
}
_IPC_LONG_REQUIRED = (
    "date of analysis",
    "country",
    "validity period",
    "from",
    "to",
    "phase",
    "number",
    "percentage",
)
#: Wide-layout column prefixes and suffixes per validity period (the file's words).
_WIDE_PERIODS = ("current", "first projection", "second projection")
_WIDE_PHASES = ("3+", "1", "2", "3", "4", "5")
_IPC_WIDE_REQUIRED = (
    "date of analysis",
    "country",
    "current from",
    "current to",
    "population analyzed current",
    "phase 3+ number current",
    "phase 1 number current",
    "phase 5 number current",
)
_HAPI_COLUMNS = {
    "location_code": "country",
    "provider_admin1_name": "level1",
    "provider_admin2_name": "area",
    "ipc_phase": "phase",
    "ipc_type": "kind",
    "population_in_phase": "people",
    "population_fraction_in_phase": "share",
    "reference_period_start": "period_from",
    "reference_period_end": "period_to",
}
_HAPI_REQUIRED = (
    "location_code",
    "admin_level",
    "ipc_phase",
    "ipc_type",
    "population_in_phase",
    "population_fraction_in_phase",
    "reference_period_start",
    "reference_period_end",
)

EXPECTED = {IPC_LONG: _IPC_LONG_REQUIRED, IPC_WIDE: _IPC_WIDE_REQUIRED, HAPI: _HAPI_REQUIRED}


class IpcFileError(InputError):
    """A file cannot be read as IPC phase data (unknown layout, unreadable, empty)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "file")


@dataclass(frozen=True)
class Layout:
    """A recognised layout: its name, the level it holds and the header it was read from.

    ``level`` is ``national``, ``level1`` or ``area`` for the IPC layouts (from the presence
    of the ``Level 1`` / ``Area`` columns) and ``by row`` for HAPI (its ``admin_level``).
    """

    name: str
    level: str
    header: tuple[str, ...]

    @property
    def label(self) -> str:
        """E.g. ``HDX IPC long (area)``."""
        return self.name if self.level == "by row" else f"{self.name} ({self.level})"


@dataclass(frozen=True)
class RawRow:
    """One phase figure as text: canonical field -> value, and canonical field -> the
    file's column name (for messages). ``level`` is national, level1 or area. ``skip`` is set
    for rows the source itself marks as excluded (HAPI duplicates)."""

    line: int
    level: str
    values: dict[str, str]
    columns: dict[str, str] = field(default_factory=dict)
    skip: str | None = None


def _normal(name: str) -> str:
    return " ".join(name.strip().lower().split())


def _read_header(path: Path) -> tuple[list[str], bool]:
    """The header row and whether an HXL hashtag row follows it."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            second = next(reader, None)
    except UnicodeDecodeError:
        raise IpcFileError(
            f"{path.name} is not UTF-8 text; the HDX IPC and HAPI files are UTF-8 CSV."
        ) from None
    except OSError as error:
        raise IpcFileError(f"{path.name} cannot be read: {error.strerror or error}.") from None
    except csv.Error as error:
        raise IpcFileError(f"{path.name} is not a readable CSV file ({error}).") from None
    if not header or not any(cell.strip() for cell in header):
        raise IpcFileError(f"{path.name} is empty; expected a CSV with a header row.")
    hxl = bool(second) and second is not None and second[0].strip().startswith("#")
    return header, hxl


def _shown(layout: str, columns: Iterable[str]) -> str:
    """Column names as the layout's files spell them (IPC capitalised, HAPI snake case)."""
    return ", ".join(c if layout == HAPI else c[:1].upper() + c[1:] for c in columns)


def _expected_sentence() -> str:
    return "; ".join(f"{name} ({_shown(name, columns)})" for name, columns in EXPECTED.items())


def recognise(path: Path) -> Layout:
    """The layout of ``path`` from its header row; raise :class:`IpcFileError` naming the file
    and what was expected when it matches none (with the missing columns of the closest)."""
    if not path.is_file():
        raise IpcFileError(f"{path} does not exist or is not a file.")
    header, _hxl = _read_header(path)
    names = {_normal(name) for name in header}
    found: str | None = None
    for name, required in EXPECTED.items():
        if set(required) <= names:
            found = name
            break
    if found is None:
        closest = max(EXPECTED, key=lambda n: len(set(EXPECTED[n]) & names))
        overlap = set(EXPECTED[closest]) & names
        if len(overlap) >= len(EXPECTED[closest]) / 2:
            missing = [c for c in EXPECTED[closest] if c not in names]
            raise IpcFileError(
                f"{path.name} looks like the {closest} layout but lacks the "
                f"column(s) {_shown(closest, missing)}."
            )
        raise IpcFileError(
            f"{path.name} is not a known IPC layout: its header matches none of "
            f"{_expected_sentence()}."
        )
    if found == HAPI:
        level = "by row"
    elif "area" in names:
        level = "area"
    elif "level 1" in names:
        level = "level1"
    else:
        level = "national"
    return Layout(found, level, tuple(header))


def _records(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row keyed by the normalised column name), HXL row and blank rows
    skipped. Line numbers count physical lines, as an editor shows them."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = [_normal(name) for name in next(reader)]
            start = reader.line_num + 1
            for row in reader:
                line, start = start, reader.line_num + 1
                if not any(cell.strip() for cell in row):
                    continue
                if line == 2 and row[0].strip().startswith("#"):
                    continue
                if len(row) > len(header):
                    yield line, {"__extra__": str(len(row) - len(header))}
                    continue
                yield line, dict(zip(header, row, strict=False))
    except UnicodeDecodeError:
        raise IpcFileError(f"{path.name} is not UTF-8 text.") from None
    except csv.Error as error:
        raise IpcFileError(f"{path.name} is not a readable CSV file ({error}).") from None


def _column_names(layout: Layout) -> dict[str, str]:
    return {_normal(name): name.strip() for name in layout.header}


def read_rows(path: Path, layout: Layout) -> Iterator[RawRow]:
    """Every phase figure of ``path`` as a :class:`RawRow`, in file order."""
    original = _column_names(layout)
    if layout.name == IPC_LONG:
        yield from _long_rows(path, layout, original)
    elif layout.name == IPC_WIDE:
        yield from _wide_rows(path, layout, original)
    else:
        yield from _hapi_rows(path, original)


def _extra(line: int, level: str, count: str) -> RawRow:
    return RawRow(line, level, {"__extra__": count}, {"__extra__": "row"})


def _long_rows(path: Path, layout: Layout, original: dict[str, str]) -> Iterator[RawRow]:
    columns = {canonical: original.get(name, name) for name, canonical in _IPC_LONG_COLUMNS.items()}
    for line, row in _records(path):
        if "__extra__" in row:
            yield _extra(line, layout.level, row["__extra__"])
            continue
        values = {
            canonical: row.get(name, "") or "" for name, canonical in _IPC_LONG_COLUMNS.items()
        }
        yield RawRow(line, layout.level, values, columns)


def _wide_rows(path: Path, layout: Layout, original: dict[str, str]) -> Iterator[RawRow]:
    for line, row in _records(path):
        if "__extra__" in row:
            yield _extra(line, layout.level, row["__extra__"])
            continue
        base = {canonical: row.get(name, "") or "" for name, canonical in _IPC_COMMON.items()}
        base_columns = {
            canonical: original.get(name, name) for name, canonical in _IPC_COMMON.items()
        }
        for suffix in _WIDE_PERIODS:
            names = {
                "period_from": f"{suffix} from",
                "period_to": f"{suffix} to",
                "all": f"population analyzed {suffix}",
            }
            for phase in _WIDE_PHASES:
                names[f"{phase}:people"] = f"phase {phase} number {suffix}"
                names[f"{phase}:share"] = f"phase {phase} percentage {suffix}"
            cells = {key: (row.get(name) or "").strip() for key, name in names.items()}
            if not any(cells.values()):
                continue  # this analysis has no such projection
            shared = {
                **base,
                "kind": suffix,
                "period_from": cells["period_from"],
                "period_to": cells["period_to"],
            }
            shared_columns = {
                **base_columns,
                "kind": "Validity period",
                "period_from": original.get(names["period_from"], names["period_from"]),
                "period_to": original.get(names["period_to"], names["period_to"]),
            }
            yield RawRow(
                line,
                layout.level,
                {**shared, "phase": "all", "people": cells["all"], "share": "1"},
                {
                    **shared_columns,
                    "people": original.get(names["all"], names["all"]),
                    "share": original.get(names["all"], names["all"]),
                },
            )
            for phase in _WIDE_PHASES:
                people, share = names[f"{phase}:people"], names[f"{phase}:share"]
                yield RawRow(
                    line,
                    layout.level,
                    {
                        **shared,
                        "phase": phase,
                        "people": cells[f"{phase}:people"],
                        "share": cells[f"{phase}:share"],
                    },
                    {
                        **shared_columns,
                        "people": original.get(people, people),
                        "share": original.get(share, share),
                    },
                )


_HAPI_LEVELS = {"0": "national", "1": "level1", "2": "area"}


def _hapi_rows(path: Path, original: dict[str, str]) -> Iterator[RawRow]:
    columns = {canonical: original.get(name, name) for name, canonical in _HAPI_COLUMNS.items()}
    columns["level"] = original.get("admin_level", "admin_level")
    for line, row in _records(path):
        if "__extra__" in row:
            yield _extra(line, "national", row["__extra__"])
            continue
        values = {canonical: row.get(name, "") or "" for name, canonical in _HAPI_COLUMNS.items()}
        for canonical, fallback in (("level1", "admin1_name"), ("area", "admin2_name")):
            if not values[canonical].strip():
                values[canonical] = row.get(fallback, "") or ""
        values["analysis_date"] = ""
        values["country_population"] = ""
        admin_level = (row.get("admin_level") or "").strip()
        level = _HAPI_LEVELS.get(admin_level, "")
        if not level:
            values["__level__"] = admin_level
        error = (row.get("error") or "").strip()
        # HAPI itself leaves these out of its API: the same figures from an older analysis.
        skip = error if "duplicate row" in error.lower() else None
        yield RawRow(line, level or "national", values, columns, skip)
