"""Spreadsheets in and out: the one export writer (CSV rows, XLSX cells) and bounded reading of
uploaded workbooks.

**Writing.** A cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is a formula to Excel, LibreOffice and Google Sheets (CSV injection, OWASP
https://owasp.org/www-community/attacks/CSV_Injection). :func:`csv_text` writes such text
cells with a leading single quote (OWASP's advice); numbers stay numbers (``-5`` is written
``-5``), and the header rows (column names, HXL hashtags) are written as they are.
:func:`write_cell` and :func:`write_row` store every XLSX text cell as text (``data_type``
``s``, with Excel's own hidden quote prefix on the ones that look like formulas), so that the
text reads back unchanged and is never evaluated; characters XML cannot hold are dropped.

**Reading.** :func:`read_workbook` checks an ``.xlsx`` before openpyxl loads it, against
:class:`WorkbookLimits`: the number of files in the zip, their declared uncompressed sizes
(in total, and each one's compression ratio), every XML part (a document type declaration
is refused: Excel never writes one, and it is what XXE and "billion laughs" attacks need),
each sheet's declared dimension and the rows, columns and cells it really holds. Sheets are
then streamed in openpyxl's read-only mode, each bounded to the extent found. Every refusal
is a :class:`WorkbookRefused`: a sentence, and whether it is about size (413) or about a file
that is not a workbook (422).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from types import TracebackType
from typing import Any
from xml.parsers import expat

from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.utils.cell import column_index_from_string, range_boundaries
from openpyxl.worksheet.worksheet import Worksheet

from iofs.errors import InputError
from iofs.i18n import gettext as _

# --- writing -------------------------------------------------------------------------------

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralised(text: str) -> str:
    """``text`` with a leading single quote when it begins like a formula, else unchanged."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_cell(value: Any) -> str:
    """A value as CSV text: empty for None, ``true``/``false``, ISO 8601 dates, plain decimals
    (``1000`` rather than ``1.0E+3``), numbers as numbers, text neutralised (its line breaks
    written ``\\n``: the CSV module would not quote a lone carriage return)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value.normalize() if value == value.to_integral_value() else value, "f")
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return neutralised(str(value)).replace("\r\n", "\n").replace("\r", "\n")


def csv_text(header_rows: Iterable[Sequence[str]], rows: Iterable[Sequence[Any]]) -> str:
    """CSV (``\\n`` line ends): the header rows as they are, then the data rows cell by cell
    through :func:`csv_cell`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(header_rows)
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return out.getvalue()


def write_cell(sheet: Worksheet, row: int, column: int, value: Any) -> Cell:
    """Put ``value`` in a cell of ``sheet``: text as text (never a formula), numbers, dates and
    booleans as themselves; returns the cell."""
    cell: Cell = sheet.cell(row, column)
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.data_type = "s"
        if value.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def write_row(sheet: Worksheet, row: int, values: Sequence[Any]) -> None:
    """Write ``values`` in ``row`` of ``sheet`` from column A on (see :func:`write_cell`)."""
    for column, value in enumerate(values, 1):
        write_cell(sheet, row, column, value)


def _flat(value: Any) -> Any:
    """A list or tuple as one text cell (``"a, b"``), anything else as it is."""
    return ", ".join(str(v) for v in value) if isinstance(value, list | tuple) else value


def records_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """Records as CSV: ``columns`` as the header, each row's values in that order (see
    :func:`csv_cell`; lists joined with commas)."""
    return csv_text([list(columns)], ([_flat(row.get(c)) for c in columns] for row in rows))


def records_xlsx(rows: Iterable[Mapping[str, Any]], columns: Sequence[str], title: str) -> bytes:
    """Records as a one-sheet workbook (sheet ``title``, at most 31 characters): the header,
    then each row's values through :func:`write_cell` (text stays text)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    write_row(sheet, 1, list(columns))
    for number, row in enumerate(rows, 2):
        write_row(sheet, number, [_flat(row.get(c)) for c in columns])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- reading -------------------------------------------------------------------------------

#: Files a workbook's zip may hold (an Excel workbook has a dozen or two).
MAX_ENTRIES = 256
#: Declared uncompressed size of all the zip's files together, in bytes.
MAX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024
#: Uncompressed ÷ compressed size a file over :data:`RATIO_FLOOR_BYTES` may reach (sheet XML
#: compresses 5 to 30 times; a zip bomb a thousand times).
MAX_COMPRESSION_RATIO = 100
RATIO_FLOOR_BYTES = 1024 * 1024
#: Rows (highest row number holding a value) and columns of one sheet.
MAX_ROWS = 100_000
MAX_COLUMNS = 256
#: Cells (``<c>`` elements, empty ones included) of the whole workbook.
MAX_CELLS = 1_000_000
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class WorkbookLimits:
    """What an uploaded workbook may hold; the defaults are this module's constants."""

    max_entries: int = MAX_ENTRIES
    max_uncompressed_bytes: int = MAX_UNCOMPRESSED_BYTES
    max_compression_ratio: int = MAX_COMPRESSION_RATIO
    max_rows: int = MAX_ROWS
    max_columns: int = MAX_COLUMNS
    max_cells: int = MAX_CELLS


class WorkbookRefused(InputError):
    """The file is refused before or while it is read; the message says why in one sentence.

    ``too_large``: the refusal is about size (the web layer answers 413), else the file is not
    a readable workbook (422).
    """

    def __init__(self, message: str, *, too_large: bool = False) -> None:
        super().__init__(message, "file")
        self.too_large = too_large

    @property
    def status_code(self) -> int:
        """413 for a workbook too large, 422 for one that cannot be read."""
        return 413 if self.too_large else 422


def _not_a_workbook() -> WorkbookRefused:
    return WorkbookRefused(_("The file is not an Excel workbook (.xlsx)."))


#: What openpyxl and zipfile raise on a damaged or foreign file (ParseError is a SyntaxError).
_READ_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    KeyError,
    ValueError,
    TypeError,
    IndexError,
    AttributeError,
    OSError,
    EOFError,
    SyntaxError,
    NotImplementedError,
    RuntimeError,
)


@dataclass
class _Extent:
    """What one XML part holds: the declared dimension, the last row and column with a value,
    and its cells."""

    declared: tuple[int, int] | None = None
    max_row: int = 0
    max_column: int = 0
    cells: int = 0


@dataclass
class _Scan:
    """Expat handlers measuring one part; ``budget`` counts the cells of the whole workbook."""

    limits: WorkbookLimits
    budget: list[int]
    extent: _Extent = field(default_factory=_Extent)
    row: int = 0
    column: int = 0
    cell: tuple[int, int] | None = None

    def doctype(self, *_args: Any) -> None:
        raise WorkbookRefused(
            _(
                "The workbook contains a document type declaration, which "
                "Excel never writes (it is how XML entity attacks work); it is "
                "refused."
            )
        )

    def external_entity(self, *_args: Any) -> int:
        self.doctype()
        return 0

    def start(self, name: str, attributes: dict[str, str]) -> None:
        local = name.rpartition(":")[2]
        if local == "row":
            self.row = _number(attributes["r"]) if "r" in attributes else self.row + 1
            self.column = 0
        elif local == "c":
            self.budget[0] += 1
            self.extent.cells += 1
            if self.budget[0] > self.limits.max_cells:
                raise WorkbookRefused(
                    _("The workbook has more than %(cells)s cells.")
                    % {"cells": f"{self.limits.max_cells:,}"},
                    too_large=True,
                )
            reference = attributes.get("r")
            if reference:
                match = re.fullmatch(r"([A-Za-z]{1,3})(\d{1,9})", reference)
                if match is None:
                    raise _not_a_workbook()
                self.column = column_index_from_string(match.group(1).upper())
                self.cell = (max(self.row, int(match.group(2))), self.column)
            else:
                self.column += 1
                self.cell = (self.row, self.column)
        elif local in ("v", "is") and self.cell is not None:
            self.extent.max_row = max(self.extent.max_row, self.cell[0])
            self.extent.max_column = max(self.extent.max_column, self.cell[1])
        elif local == "dimension" and attributes.get("ref"):
            try:
                low_column, low_row, high_column, high_row = range_boundaries(
                    attributes["ref"].split(" ")[0]
                )
            except ValueError:
                raise _not_a_workbook() from None
            self.extent.declared = (high_row or low_row or 0, high_column or low_column or 0)

    def end(self, name: str) -> None:
        if name.rpartition(":")[2] == "c":
            self.cell = None


def _number(text: str) -> int:
    if not text.isdigit() or len(text) > 9:
        raise _not_a_workbook()
    return int(text)


def _looks_like_xml(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    return head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<")


def _scan_part(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: WorkbookLimits, budget: list[int]
) -> _Extent | None:
    """Measure one XML part with expat (no DTD, no entities); None when it is not XML."""
    with archive.open(info) as stream:
        chunk = stream.read(_CHUNK)
        if not _looks_like_xml(chunk):
            return None
        scan = _Scan(limits, budget)
        parser = expat.ParserCreate()
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = scan.doctype
        parser.EntityDeclHandler = scan.doctype
        parser.ExternalEntityRefHandler = scan.external_entity
        parser.StartElementHandler = scan.start
        parser.EndElementHandler = scan.end
        try:
            while chunk:
                parser.Parse(chunk, False)
                chunk = stream.read(_CHUNK)
            parser.Parse(b"", True)
        except expat.ExpatError:
            raise _not_a_workbook() from None
    return scan.extent


def check_workbook(data: bytes, limits: WorkbookLimits | None = None) -> dict[str, _Extent]:
    """Check ``data`` before it is loaded (see the module's description); returns what each
    XML part of the zip holds, by its name. Raises :class:`WorkbookRefused`."""
    limits = limits or WorkbookLimits()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            if len(entries) > limits.max_entries:
                raise WorkbookRefused(
                    _("The workbook holds %(count)s files; at most %(limit)s are accepted.")
                    % {"count": f"{len(entries):,}", "limit": limits.max_entries},
                    too_large=True,
                )
            total = sum(entry.file_size for entry in entries)
            if total > limits.max_uncompressed_bytes:
                raise WorkbookRefused(
                    _("The workbook unpacks to %(size)s MB; at most %(limit)s MB are accepted.")
                    % {
                        "size": f"{total / 2**20:,.0f}",
                        "limit": f"{limits.max_uncompressed_bytes / 2**20:,.0f}",
                    },
                    too_large=True,
                )
            for entry in entries:
                if (
                    entry.file_size > RATIO_FLOOR_BYTES
                    and entry.file_size > limits.max_compression_ratio * max(entry.compress_size, 1)
                ):
                    raise WorkbookRefused(
                        _(
                            "Part %(name)s of the workbook unpacks to more than "
                            "%(ratio)d times its packed size (a zip bomb?); it "
                            "is refused."
                        )
                        % {"name": entry.filename[:80], "ratio": limits.max_compression_ratio},
                        too_large=True,
                    )
            budget = [0]
            extents: dict[str, _Extent] = {}
            for entry in entries:
                if entry.is_dir():
                    continue
                extent = _scan_part(archive, entry, limits, budget)
                if extent is not None:
                    extents[entry.filename] = extent
            return extents
    except WorkbookRefused:
        raise
    except _READ_ERRORS:
        raise _not_a_workbook() from None


class BoundedWorkbook:
    """A checked workbook open in openpyxl's read-only mode; use it as a context manager."""

    def __init__(self, data: bytes, limits: WorkbookLimits | None = None) -> None:
        limits = limits or WorkbookLimits()
        extents = check_workbook(data, limits)
        try:
            self._book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except _READ_ERRORS:
            raise _not_a_workbook() from None
        self._extents: dict[str, _Extent] = {}
        try:
            for sheet in self._book.worksheets:
                path = str(getattr(sheet, "_worksheet_path", "")).lstrip("/")
                extent = extents.get(path)
                if extent is None:
                    raise _not_a_workbook()
                _check_sheet(sheet.title, extent, limits)
                self._extents[sheet.title] = extent
        except BaseException:
            self._book.close()
            raise

    @property
    def sheetnames(self) -> list[str]:
        """The worksheets' names, in the workbook's order."""
        return list(self._extents)

    def rows(self, name: str) -> Iterator[tuple[Any, ...]]:
        """The values of sheet ``name``, row by row from row 1, each row as wide as the
        sheet's last column with a value (empty cells are None)."""
        extent = self._extents[name]
        if not extent.max_row:
            return
        try:
            yield from self._book[name].iter_rows(
                min_row=1,
                max_row=extent.max_row,
                min_col=1,
                max_col=extent.max_column,
                values_only=True,
            )
        except _READ_ERRORS:
            raise _not_a_workbook() from None

    def close(self) -> None:
        self._book.close()

    def __enter__(self) -> BoundedWorkbook:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def _check_sheet(title: str, extent: _Extent, limits: WorkbookLimits) -> None:
    rows, columns = extent.declared or (0, 0)
    if rows > limits.max_rows or columns > limits.max_columns:
        raise WorkbookRefused(
            _(
                "Sheet %(sheet)s declares %(rows)s rows and %(columns)s "
                "columns; at most %(max_rows)s rows and %(max_columns)s "
                "columns are accepted."
            )
            % {
                "sheet": title[:40],
                "rows": f"{rows:,}",
                "columns": f"{columns:,}",
                "max_rows": f"{limits.max_rows:,}",
                "max_columns": f"{limits.max_columns:,}",
            },
            too_large=True,
        )
    if extent.max_row > limits.max_rows:
        raise WorkbookRefused(
            _(
                "Sheet %(sheet)s has values down to row %(row)s; at most "
                "%(limit)s rows are accepted."
            )
            % {"sheet": title[:40], "row": f"{extent.max_row:,}", "limit": f"{limits.max_rows:,}"},
            too_large=True,
        )
    if extent.max_column > limits.max_columns:
        raise WorkbookRefused(
            _(
                "Sheet %(sheet)s has values in column %(column)s; at most "
                "%(limit)s columns are accepted."
            )
            % {
                "sheet": title[:40],
                "column": f"{extent.max_column:,}",
                "limit": f"{limits.max_columns:,}",
            },
            too_large=True,
        )


def read_workbook(data: bytes, limits: WorkbookLimits | None = None) -> BoundedWorkbook:
    """``data`` checked against ``limits`` and opened for streaming (see
    :class:`BoundedWorkbook`); raises :class:`WorkbookRefused`."""
    return BoundedWorkbook(data, limits)


__all__ = [
    "FORMULA_PREFIXES",
    "MAX_CELLS",
    "MAX_COLUMNS",
    "MAX_COMPRESSION_RATIO",
    "MAX_ENTRIES",
    "MAX_ROWS",
    "MAX_UNCOMPRESSED_BYTES",
    "BoundedWorkbook",
    "WorkbookLimits",
    "WorkbookRefused",
    "check_workbook",
    "csv_cell",
    "csv_text",
    "neutralised",
    "read_workbook",
    "write_cell",
    "write_row",
]
