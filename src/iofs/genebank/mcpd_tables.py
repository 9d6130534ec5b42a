"""Passport tables as curators have them: CSV/TSV files or text, and workbooks whose MCPD sheet
is found by its header.

One reader for the command line and the API: the same delimiter detection, the same UTF-8
byte order mark handling (a BOM at the start of a file or of uploaded text is dropped), the
same errors. Workbooks are read through :func:`iofs.spreadsheets.read_workbook` (bounded:
declared dimensions, cells, uncompressed size, no DTD) with :data:`WORKBOOK_LIMITS`.

A workbook's MCPD sheet is the first whose header row (among its first
:data:`HEADER_SEARCH_ROWS` non-empty rows) maps to MCPD descriptors: ACCENUMB, or three
descriptors, after the mapping's column renames. The Germinate MCPD template, for instance,
has a METADATA sheet first and the accessions on DATA. ``sheet=`` names the sheet instead.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any, TextIO

from iofs.genebank.mcpd_codes import ALLOWED_TARGETS, PassportFileError
from iofs.i18n import gettext as _
from iofs.spreadsheets import FORMULA_PREFIXES, WorkbookLimits, WorkbookRefused, read_workbook

#: The longest CSV cell read (characters). Python's csv module stops at 131,072 by default
#: with an error that names no cell; past this iofs reads the cell, and the validator refuses
#: a value over its descriptor's length naming the row and column. The limit is the csv
#: module's (process-wide): it is only ever raised here, never lowered.
FIELD_LIMIT = 16 * 1024 * 1024
csv.field_size_limit(max(csv.field_size_limit(), FIELD_LIMIT))

#: Workbook bounds for passport data: Excel's own row limit (a gene bank's collection fits
#: one sheet), the shared defaults otherwise, and cells enough for its rows.
WORKBOOK_LIMITS = WorkbookLimits(max_rows=1_048_576, max_cells=20_000_000)
#: Rows of a sheet searched for its header (title rows may come first).
HEADER_SEARCH_ROWS = 10
_BOM = "\ufeff"


@dataclass
class PassportTable:
    """A table's header and its ``(line or row number, cells)`` rows (blank rows skipped);
    ``sheet`` is the workbook sheet read, None for CSV."""

    name: str
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    sheet: str | None = None
    header_line: int = 1
    _closers: list[Any] = field(default_factory=list, repr=False)

    def close(self) -> None:
        """Stop reading (closes the file or workbook)."""
        close = getattr(self.rows, "close", None)
        if close is not None:
            close()
        for closer in self._closers:
            closer()


def mcpd_targets(header: list[str], columns: Mapping[str, str] | None = None) -> set[str]:
    """The MCPD descriptors a header row gives, after the mapping's renames."""
    columns = columns or {}
    found = set()
    for raw in header:
        name = raw.strip()
        target = columns[name] if name in columns else name.upper()
        if target in ALLOWED_TARGETS:
            found.add(target)
    return found


def is_mcpd_header(header: list[str], columns: Mapping[str, str] | None = None) -> bool:
    """Whether a row reads as an MCPD header (ACCENUMB, or three descriptors)."""
    targets = mcpd_targets(header, columns)
    return "ACCENUMB" in targets or len(targets) >= 3


def text_header(header: list[str], _columns: Mapping[str, str] | None = None) -> bool:
    """Whether a row reads as some header: two cells or more of text, not numbers."""
    return sum(1 for c in header if c.strip() and not c.strip().replace(".", "").isdigit()) >= 2


def read_table(
    path: Path,
    *,
    sheet: str | None = None,
    columns: Mapping[str, str] | None = None,
    accept: Callable[[list[str], Mapping[str, str] | None], bool] = is_mcpd_header,
) -> PassportTable:
    """The passport table of a ``.csv``/``.tsv``/``.txt`` or ``.xlsx``/``.xlsm`` file (a
    workbook's first sheet with a row that ``accept`` takes for its header); raises
    :class:`PassportFileError` with a sentence naming the file (and line where known)."""
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        return _workbook_table(path, sheet, columns, accept)
    if sheet is not None:
        raise PassportFileError(f"{path.name}: --sheet applies to workbooks (.xlsx), not CSV")
    if suffix not in {".csv", ".tsv", ".txt"}:
        raise PassportFileError(f"{path.name}: use a .csv, .tsv or .xlsx file")
    handle = path.open(encoding="utf-8", newline="")
    try:
        return csv_table(handle, path.name, tab=suffix == ".tsv")
    except BaseException:
        handle.close()
        raise


def text_table(text: str, name: str = "upload.csv") -> PassportTable:
    """The passport table of CSV (or tab-separated) text, e.g. an upload through the API."""
    return csv_table(io.StringIO(text, newline=""), name)


def _not_utf8(name: str, line: int) -> PassportFileError:
    return PassportFileError(
        _(
            "%(file)s: line %(line)d: not UTF-8 text (the encoding cannot be read; "
            "save the file as UTF-8)"
        )
        % {"file": name, "line": line}
    )


def csv_table(handle: TextIO, name: str, *, tab: bool = False) -> PassportTable:
    """The table of an open CSV text stream: ``,`` or tab separated (by the first line), a
    leading byte order mark dropped; closing the table closes ``handle``."""
    try:
        sample = handle.read(65536)
        handle.seek(0)
    except UnicodeDecodeError:
        raise _not_utf8(name, 1) from None
    first = sample.split("\n", 1)[0]
    if "\x00" in first:
        raise PassportFileError(
            _("%(file)s: line 1: the header holds NUL bytes (UTF-16 text?); save the file as UTF-8")
            % {"file": name}
        )
    delimiter = "\t" if tab or first.count("\t") > first.count(",") else ","
    if sample.startswith(_BOM):
        handle.read(1)
    reader = csv.reader(handle, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise PassportFileError(_("%(file)s: the file is empty") % {"file": name}) from None
    except UnicodeDecodeError:
        raise _not_utf8(name, 1) from None
    except csv.Error as error:
        raise PassportFileError(
            _("%(file)s: line 1: the header cannot be read (%(error)s)")
            % {"file": name, "error": error}
        ) from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for cells in reader:
                joined = "".join(cells)
                if joined.strip():  # not a blank row
                    yield reader.line_num, (_unquoted(cells) if "'" in joined else cells)
        except UnicodeDecodeError:
            raise _not_utf8(name, reader.line_num + 1) from None
        except csv.Error as error:
            raise PassportFileError(
                _("%(file)s: line %(line)d: the row cannot be read as CSV (%(error)s)")
                % {"file": name, "line": reader.line_num, "error": error}
            ) from None
        finally:
            handle.close()

    return PassportTable(name, header, rows(), _closers=[handle.close])


def _unquoted(cells: list[str]) -> list[str]:
    """Cells without the quote the export writer puts before text a spreadsheet would run
    as a formula (``'=…`` → ``=…``; :func:`iofs.spreadsheets.neutralised`), so that an
    exported file imports back unchanged."""
    return [c[1:] if c[:1] == "'" and c[1:2] and c[1] in FORMULA_PREFIXES else c for c in cells]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _describe(title: str, rows: list[list[str]]) -> str:
    if not rows:
        return f"{title} (empty)"
    cells = [c for c in rows[0] if c.strip()][:3]
    return f"{title} (first row: {', '.join(repr(c[:30]) for c in cells)})"


def _workbook_table(
    path: Path,
    sheet: str | None,
    columns: Mapping[str, str] | None,
    accept: Callable[[list[str], Mapping[str, str] | None], bool],
) -> PassportTable:
    try:
        book = read_workbook(path.read_bytes(), WORKBOOK_LIMITS)
    except WorkbookRefused as error:
        raise PassportFileError(f"{path.name}: {error}") from None
    try:
        names = book.sheetnames
        if sheet is not None and sheet not in names:
            raise PassportFileError(
                _("%(file)s: no sheet named %(sheet)s (sheets: %(sheets)s)")
                % {"file": path.name, "sheet": repr(sheet), "sheets": ", ".join(names)}
            )
        seen: list[str] = []
        mappable = False
        for title in [sheet] if sheet is not None else names:
            assert title is not None
            rows = enumerate(book.rows(title), start=1)
            first: list[tuple[int, list[str]]] = []
            for number, values in rows:
                cells = [_cell(v) for v in values]
                if not any(c.strip() for c in cells):
                    continue
                first.append((number, cells))
                if accept(cells, columns):
                    return _sheet_table(path.name, title, number, cells, rows, book)
                if len(first) >= HEADER_SEARCH_ROWS:
                    break
            if sheet is not None and first:  # the sheet named: its first row is the header
                number, cells = first[0]
                rest = ((n, tuple(c)) for n, c in first[1:])
                return _sheet_table(path.name, title, number, cells, chain(rest, rows), book)
            seen.append(_describe(title, [cells for _n, cells in first]))
            mappable = mappable or any(text_header(cells) for _n, cells in first)
        if sheet is not None:
            raise PassportFileError(
                _("%(file)s: sheet %(sheet)s is empty") % {"file": path.name, "sheet": repr(sheet)}
            )
        message = _(
            "%(file)s: no sheet has a header row of MCPD columns (ACCENUMB, or three MCPD "
            "descriptors such as INSTCODE, GENUS, SPECIES); sheets seen: %(sheets)s."
        ) % {"file": path.name, "sheets": "; ".join(seen)}
        if mappable:  # a header a mapping could rename
            message += " " + _(
                "Name the sheet with --sheet, and map its headers to MCPD with --mapping."
            )
        raise PassportFileError(message)
    except BaseException:
        book.close()
        raise


def _sheet_table(
    name: str,
    title: str,
    header_row: int,
    header: list[str],
    rows: Iterator[tuple[int, tuple[Any, ...]]],
    book: Any,
) -> PassportTable:
    def data() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, values in rows:
                cells = [_cell(v) for v in values]
                if any(c.strip() for c in cells):
                    yield number, cells
        except WorkbookRefused as error:
            raise PassportFileError(f"{name}: sheet {title}: {error}") from None
        finally:
            book.close()

    return PassportTable(name, header, data(), title, header_row, [book.close])
