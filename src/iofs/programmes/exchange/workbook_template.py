"""Excel bulk entry of contributions, consignments, pipeline stages and beneficiary counts:
the template.

:func:`template` builds the workbook to fill in: one sheet per kind of record whose columns
are the fields of the input shapes in :mod:`iofs.programmes.schemas`, a ``read me`` sheet
explaining every column (unit, format, allowed values), drop-down lists for the code lists,
and a ``codes`` sheet listing the organisations, appeals, programmes, projects and
consignments already recorded. Every cell is written by the export writer
(:func:`iofs.spreadsheets.write_cell`): a name that looks like a formula stays text.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select
from sqlalchemy.orm import Session

from iofs.i18n import gettext as _
from iofs.programmes import vocabulary as v
from iofs.programmes.exchange.workbook_columns import (
    CODES,
    COLUMNS,
    README,
    SHEETS,
    Column,
    allowed_values,
    format_text,
    help_text,
)
from iofs.programmes.models import Appeal, Consignment, Organisation, Programme, Project
from iofs.spreadsheets import write_cell

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: Rows of the template that get drop-down lists (formats are set for whole columns).
TEMPLATE_ROWS = 5000

HEADER_FILL = PatternFill("solid", fgColor="E3ECF3")
DATE_FORMAT = "yyyy-mm-dd"
TEXT_FORMAT = "@"

#: Columns whose drop-down lists the codes of the ``codes`` sheet (column letter there).
CODE_LISTS = {
    "donor": "A",
    "recipient": "A",
    "appeal": "C",
    "programme": "E",
    "project": "G",
    "consignment": "I",
}


def _codes(session: Session) -> list[list[tuple[str, str]]]:
    """(code, label) pairs of organisations, appeals, programmes, projects, consignments."""
    return [
        [
            (row.code, row.name)
            for row in session.execute(select(Organisation).order_by(Organisation.code)).scalars()
        ],
        [
            (row.code, row.title)
            for row in session.execute(select(Appeal).order_by(Appeal.code)).scalars()
        ],
        [
            (row.code, row.title)
            for row in session.execute(select(Programme).order_by(Programme.code)).scalars()
        ],
        [
            (row.code, row.country)
            for row in session.execute(select(Project).order_by(Project.code)).scalars()
        ],
        [
            (row.reference, row.country)
            for row in session.execute(
                select(Consignment).order_by(Consignment.reference)
            ).scalars()
        ],
    ]


def _write_codes(book: Workbook, codes: list[list[tuple[str, str]]]) -> dict[str, int]:
    """The ``codes`` sheet; returns how many codes each code-list column holds."""
    sheet = book.create_sheet(CODES)
    headings = [
        _("Organisation"),
        _("Name"),
        _("Appeal"),
        _("Title"),
        _("Programme"),
        _("Title"),
        _("Project"),
        _("Country"),
        _("Consignment"),
        _("Country"),
    ]
    for index, heading in enumerate(headings, 1):
        cell = write_cell(sheet, 1, index, heading)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    counts: dict[str, int] = {}
    for group, pairs in enumerate(codes):
        code_column = 2 * group + 1
        counts[get_column_letter(code_column)] = len(pairs)
        for row, (code, label) in enumerate(pairs, 2):
            write_cell(sheet, row, code_column, code).number_format = TEXT_FORMAT
            write_cell(sheet, row, code_column + 1, label)
        sheet.column_dimensions[get_column_letter(code_column)].width = 22
        sheet.column_dimensions[get_column_letter(code_column + 1)].width = 36
    sheet.freeze_panes = "A2"
    return counts


def _write_readme(book: Workbook) -> None:
    sheet = book.active
    sheet.title = README
    write_cell(sheet, 1, 1, _("IOFS programmes: bulk entry workbook")).font = Font(
        bold=True, size=13
    )
    notes = [
        _(
            "Fill in the sheets contributions, consignments, stages and beneficiaries, one "
            "record per row below the headings. Leave a sheet empty or delete it when you have "
            "nothing to enter; do not rename the sheets or the column headings."
        ),
        _(
            "Sheets are entered in this order: contributions, consignments, stages, "
            "beneficiaries; a row may refer to a record created by an earlier sheet of the "
            "same workbook."
        ),
        _(
            "The upload is all-or-nothing: if any row has a problem, nothing is saved and "
            "every problem is listed with its sheet, row and column."
        ),
        _(
            "Uploading the same workbook again changes nothing: contributions and "
            "consignments are matched by their reference, stages by consignment, stage, date, "
            "tonnes and document."
        ),
        _("New figures wait for the approval of a second person before they count."),
        _(
            "Dates are written YYYY-MM-DD. Numbers use a decimal point (1234.56) and no "
            "thousands separator; amounts are kept exactly, to the cent, and tonnes to the "
            "kilogram."
        ),
        _("The codes sheet lists the codes already recorded."),
    ]
    for row, note in enumerate(notes, 3):
        write_cell(sheet, row, 1, note)
    start = len(notes) + 4
    headings = [
        _("Sheet"),
        _("Column"),
        _("Required"),
        _("Format"),
        _("Allowed values"),
        _("Explanation"),
    ]
    for index, heading in enumerate(headings, 1):
        cell = write_cell(sheet, start, index, heading)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    row = start + 1
    for name in SHEETS:
        for column in COLUMNS[name]:
            values = [
                name,
                column.name,
                _("yes") if column.required else "",
                format_text(column),
                allowed_values(column),
                help_text(name, column.name),
            ]
            for index, value in enumerate(values, 1):
                write_cell(sheet, row, index, value).alignment = Alignment(
                    wrap_text=index == 6, vertical="top"
                )
            row += 1
    for letter, width in zip("ABCDEF", (16, 18, 10, 26, 34, 90), strict=True):
        sheet.column_dimensions[letter].width = width


def _validation(column: Column, counts: dict[str, int]) -> DataValidation | None:
    if column.kind in ("choice", "bool"):
        values = [c for c in column.choices if c] if column.kind == "choice" else ["yes", "no"]
        return DataValidation(
            type="list",
            formula1='"' + ",".join(values) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=_("Not in the list"),
            error=_("Choose one of the values in the list."),
        )
    if column.name == "sector_code":
        return DataValidation(
            type="list",
            formula1='"' + ",".join(v.SECTORS) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
            errorTitle=_("Not in the list"),
            error=_("This sector code is not one IOFS uses; check it."),
        )
    letter = CODE_LISTS.get(column.name)
    if letter and counts.get(letter):
        return DataValidation(
            type="list",
            formula1=f"{CODES}!${letter}$2:${letter}${counts[letter] + 1}",
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
            errorTitle=_("Not a recorded code"),
            error=_(
                "This code is not in the codes sheet: an earlier sheet "
                "of this workbook must create it."
            ),
        )
    return None


def _write_sheet(book: Workbook, name: str, counts: dict[str, int]) -> None:
    sheet = book.create_sheet(name, 1 + SHEETS.index(name))
    for index, column in enumerate(COLUMNS[name], 1):
        letter = get_column_letter(index)
        cell = write_cell(sheet, 1, index, column.name)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        explanation = " ".join(
            part for part in (help_text(name, column.name), format_text(column)) if part
        )
        cell.comment = Comment(explanation, "IOFS", width=320, height=120)
        dimension = sheet.column_dimensions[letter]
        dimension.width = max(12, min(30, len(column.name) + 4))
        if column.kind == "date":
            dimension.number_format = DATE_FORMAT
        elif column.kind in ("text", "choice", "years"):
            dimension.number_format = TEXT_FORMAT
        cells = f"{letter}2:{letter}{TEMPLATE_ROWS + 1}"
        validation = _validation(column, counts)
        if validation is not None:
            validation.add(cells)
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"


def template(session: Session) -> bytes:
    """The bulk-entry workbook (.xlsx): the four data sheets, ``read me`` and ``codes``."""
    book = Workbook()
    _write_readme(book)
    counts = _write_codes(book, _codes(session))
    for name in SHEETS:
        _write_sheet(book, name, counts)
    book.active = 0
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
