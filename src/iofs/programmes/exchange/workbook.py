"""Excel bulk entry of contributions, consignments, pipeline stages and beneficiary counts.

:func:`template` builds the workbook to fill in: one sheet per kind of record whose columns
are the fields of the input shapes in :mod:`iofs.programmes.schemas`, a ``read me`` sheet
explaining every column (unit, format, allowed values), drop-down lists for the code lists,
and a ``codes`` sheet listing the organisations, appeals, programmes, projects and
consignments already recorded.

:func:`upload` reads every sheet and enters each row through the same services as the forms
and the API (permissions, audit log, maker–checker: new figures wait for approval). Each row
runs in its own savepoint so that every bad row is found; when any row fails, nothing is
written and :class:`UploadRejected` lists every problem with its sheet, Excel row, column
and reason. Sheets are entered in the order contributions → consignments → stages →
beneficiaries, so a row may refer to a record created by an earlier sheet of the same file.
Re-uploading the same workbook changes nothing: contributions and consignments are matched by
reference, beneficiary counts by their key, and a stage row equal to a recorded stage
(consignment, stage, date, tonnes, document) that was not rejected is left as it is.

Numbers are exact decimals. A cell typed as text is read as written; a numeric cell (a binary
float in the file) is read with the 15 significant digits Excel shows, so 1234567.89 stays
1234567.89 and a computed 0.1 + 0.2 is 0.3, never 0.30000000000000004.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import types
import zipfile
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.datavalidation import DataValidation
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from iofs.audit.models import AuditEntry
from iofs.errors import InputError
from iofs.i18n import N_
from iofs.i18n import gettext as _
from iofs.permissions import PermissionDenied, Principal, allows, authorize
from iofs.programmes import contributions, pipeline
from iofs.programmes import vocabulary as v
from iofs.programmes.models import Appeal, Consignment, Organisation, Programme, Project
from iofs.programmes.schemas import (
    BeneficiariesIn,
    ConsignmentIn,
    ContributionIn,
    StageIn,
    checked,
)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
#: Rows of the template that get drop-down lists (formats are set for whole columns).
TEMPLATE_ROWS = 5000

CONTRIBUTIONS = "contributions"
CONSIGNMENTS = "consignments"
STAGES = "stages"
BENEFICIARIES = "beneficiaries"
#: Data sheets in the order they are entered.
SHEETS = (CONTRIBUTIONS, CONSIGNMENTS, STAGES, BENEFICIARIES)
README = "read me"
CODES = "codes"

HEADER_FILL = PatternFill("solid", fgColor="E3ECF3")
DATE_FORMAT = "yyyy-mm-dd"
TEXT_FORMAT = "@"

Kind = Literal["text", "date", "decimal", "int", "bool", "years", "choice"]

#: Decimal places of the exact-decimal columns.
PLACES = {"amount": 2, "exchange_rate": 10, "quantity": 3, "quantity_t": 3, "loss_t": 3}

#: What each column holds, by sheet; ``*`` holds the explanations shared by several sheets.
HELP: dict[str, dict[str, str]] = {
    "*": {
        "appeal": N_("Code of the appeal (see the codes sheet); may be empty."),
        "programme": N_("Code of the programme (see the codes sheet); may be empty."),
        "project": N_("Code of the country project (see the codes sheet); may be empty."),
        "country": N_("Country, ISO 3166 alpha-3 code (three letters), e.g. PSE."),
        "commodity": N_("Commodity, e.g. wheat flour."),
        "sources": N_("Where the figures come from: a publication, a link."),
        "illustrative": N_("yes when the figures are not from a source (demonstration "
                           "data)."),
    },
    CONTRIBUTIONS: {
        "reference": N_("Your reference of the contribution, e.g. F4H-GAZA-KAZ-2. Required "
                        "here: uploading the sheet again updates the same contribution "
                        "instead of adding another."),
        "donor": N_("Code of the organisation that gives: ISO3 code for a state (see the "
                    "codes sheet)."),
        "recipient": N_("Code of the organisation that receives; empty: IOFS."),
        "country": N_("Country of destination, ISO 3166 alpha-3 code; empty: the "
                      "project's."),
        "sector_code": N_("OECD DAC 5-digit purpose code, e.g. 72040 emergency food "
                          "assistance; empty: the project's."),
        "modality": N_("Cash or goods in kind."),
        "status": N_("pledge (announced; shown but never counted as funding), commitment "
                     "or paid."),
        "decided_on": N_("Date of the pledge, commitment or payment."),
        "currency": N_("ISO 4217 code of the currency of the amount, e.g. USD or KZT; "
                       "empty: USD."),
        "amount": N_("Amount in that currency; for goods in kind, their value (empty: the "
                     "stored market price, when there is one)."),
        "exchange_rate": N_("US dollars per one unit of the currency, e.g. 0.0021 for KZT; "
                            "empty for USD."),
        "rate_date": N_("Date of the exchange rate (not for USD)."),
        "rate_source": N_("Where the exchange rate comes from, e.g. a central bank (not for "
                          "USD)."),
        "commodity": N_("Commodity given in kind, e.g. wheat flour; empty for cash."),
        "quantity": N_("Quantity given in kind, in the unit of the unit column."),
        "unit": N_("Unit of the quantity: t or mt (tonnes) or kg; empty for cash."),
        "valuation_method": N_("How goods in kind were valued."),
        "valuation_source": N_("Source of the valuation, e.g. an invoice number."),
        "earmarking": N_("How tightly the donor earmarked the contribution."),
        "parent": N_("Reference of the contribution this one passes on (an allocation, not "
                     "new money); empty for new money."),
        "new_money": N_("yes for new money, no for money passed on; empty: yes unless a "
                        "parent is given."),
        "description": N_("Short description."),
        "confirmed_by": N_("Who confirmed it on the donor's side: an office or a title."),
        "document": N_("The document that proves it: a letter number, a link, a bank "
                       "reference."),
        "years": N_("Split of the USD value by year of use, as year:amount separated by "
                    "semicolons, e.g. 2025:1000;2026:500; the amounts add up to the USD "
                    "value. Empty: all in the year of the decision."),
    },
    CONSIGNMENTS: {
        "reference": N_("Reference of the consignment, e.g. a waybill series; uploading the "
                        "sheet again updates the same consignment."),
        "appeal": N_("Code of the appeal the consignment serves (see the codes sheet); an "
                     "appeal or a project is required."),
        "project": N_("Code of the country project the consignment serves (see the codes "
                      "sheet); an appeal or a project is required."),
        "contribution": N_("Reference of the contribution that paid for it; may be empty."),
        "country": N_("Country of destination, ISO 3166 alpha-3 code, e.g. PSE."),
        "commodity": N_("Commodity shipped, e.g. wheat flour."),
        "origin": N_("Where the goods come from."),
        "destination": N_("Where the goods go."),
    },
    STAGES: {
        "consignment": N_("Reference of the consignment (see the codes sheet or the "
                          "consignments sheet of this workbook)."),
        "stage": N_("Pipeline stage reached, in order: pledged, procured, dispatched, "
                    "received, distributed."),
        "dated": N_("Date the stage was reached."),
        "quantity_t": N_("Tonnes at this stage (one tranche)."),
        "loss_t": N_("Tonnes lost since the previous stage; empty: none."),
        "document": N_("Waybill, goods received note or distribution report reference."),
        "note": N_("Remark."),
    },
    BENEFICIARIES: {
        "consignment": N_("Reference of the consignment that reached the people; may be "
                          "empty."),
        "appeal": N_("Code of the appeal (see the codes sheet); an appeal or a project is "
                     "required."),
        "project": N_("Code of the country project (see the codes sheet); an appeal or a "
                      "project is required."),
        "country": N_("Country where the people live, ISO 3166 alpha-3 code, e.g. PSE."),
        "measure": N_("targeted (planned) or reached."),
        "unit": N_("What is counted: people or households."),
        "sex": N_("Sex of the people counted; all: everyone."),
        "age_group": N_("Age group in years; all: every age."),
        "number": N_("How many people or households (a count, no personal data)."),
        "as_of": N_("Date the count refers to."),
    },
}

FORMATS: dict[str, str] = {
    "text": N_("text"),
    "date": N_("date, YYYY-MM-DD"),
    "int": N_("whole number"),
    "bool": N_("yes or no"),
    "years": N_("year:amount;year:amount"),
    "choice": N_("one of the allowed values"),
}
DECIMAL_FORMAT = N_("number with a decimal point, at most %(places)d decimals")

#: Columns whose drop-down lists the codes of the ``codes`` sheet (column letter there).
CODE_LISTS = {"donor": "A", "recipient": "A", "appeal": "C", "programme": "E", "project": "G",
              "consignment": "I"}


@dataclass(frozen=True)
class Column:
    """A column of a data sheet: the field it fills, its kind and allowed values."""

    name: str
    kind: Kind
    required: bool
    choices: tuple[str, ...] = ()

    @property
    def places(self) -> int:
        return PLACES.get(self.name, 4)


def _kind(annotation: Any) -> tuple[Kind, tuple[str, ...]]:
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        options = [arg for arg in get_args(annotation) if arg is not type(None)]
        return _kind(options[0])
    if origin is Annotated:
        return _kind(get_args(annotation)[0])
    if origin is Literal:
        return "choice", tuple(str(arg) for arg in get_args(annotation))
    if origin is dict:
        return "years", ()
    if annotation is bool:
        return "bool", ()
    if annotation is int:
        return "int", ()
    if annotation is Decimal:
        return "decimal", ()
    if annotation is dt.date:
        return "date", ()
    return "text", ()


def _columns(model: type[BaseModel], *, skip: tuple[str, ...] = (),
             required: tuple[str, ...] = ()) -> tuple[Column, ...]:
    found = []
    for name, info in model.model_fields.items():
        if name in skip:
            continue
        kind, choices = _kind(info.annotation)
        found.append(Column(name, kind, info.is_required() or name in required, choices))
    return tuple(found)


COLUMNS: dict[str, tuple[Column, ...]] = {
    CONTRIBUTIONS: _columns(ContributionIn, skip=("fts_flow_id",), required=("reference",)),
    CONSIGNMENTS: _columns(ConsignmentIn),
    STAGES: (Column("consignment", "text", True), *_columns(StageIn)),
    BENEFICIARIES: _columns(BeneficiariesIn),
}


def _help(sheet: str, column: str) -> str:
    message = HELP[sheet].get(column) or HELP["*"].get(column, "")
    return _(message) if message else ""


def _format(column: Column) -> str:
    if column.kind == "decimal":
        return _(DECIMAL_FORMAT) % {"places": column.places}
    return _(FORMATS[column.kind])


def _allowed(column: Column) -> str:
    if column.kind == "choice":
        return ", ".join(choice for choice in column.choices if choice) or ""
    if column.kind == "bool":
        return "yes, no"
    return ""


# --- template ---------------------------------------------------------------------------


def _codes(session: Session) -> list[list[tuple[str, str]]]:
    """(code, label) pairs of organisations, appeals, programmes, projects, consignments."""
    return [
        [(row.code, row.name) for row in session.execute(
            select(Organisation).order_by(Organisation.code)).scalars()],
        [(row.code, row.title) for row in session.execute(
            select(Appeal).order_by(Appeal.code)).scalars()],
        [(row.code, row.title) for row in session.execute(
            select(Programme).order_by(Programme.code)).scalars()],
        [(row.code, row.country) for row in session.execute(
            select(Project).order_by(Project.code)).scalars()],
        [(row.reference, row.country) for row in session.execute(
            select(Consignment).order_by(Consignment.reference)).scalars()],
    ]


def _write_codes(book: Workbook, codes: list[list[tuple[str, str]]]) -> dict[str, int]:
    """The ``codes`` sheet; returns how many codes each code-list column holds."""
    sheet = book.create_sheet(CODES)
    headings = [_("Organisation"), _("Name"), _("Appeal"), _("Title"), _("Programme"),
                _("Title"), _("Project"), _("Country"), _("Consignment"), _("Country")]
    for index, heading in enumerate(headings, 1):
        cell = sheet.cell(1, index, heading)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    counts: dict[str, int] = {}
    for group, pairs in enumerate(codes):
        code_column = 2 * group + 1
        counts[get_column_letter(code_column)] = len(pairs)
        for row, (code, label) in enumerate(pairs, 2):
            sheet.cell(row, code_column, code).number_format = TEXT_FORMAT
            sheet.cell(row, code_column + 1, ILLEGAL_CHARACTERS_RE.sub("", label))
        sheet.column_dimensions[get_column_letter(code_column)].width = 22
        sheet.column_dimensions[get_column_letter(code_column + 1)].width = 36
    sheet.freeze_panes = "A2"
    return counts


def _write_readme(book: Workbook) -> None:
    sheet = book.active
    sheet.title = README
    sheet["A1"] = _("IOFS programmes: bulk entry workbook")
    sheet["A1"].font = Font(bold=True, size=13)
    notes = [
        _("Fill in the sheets contributions, consignments, stages and beneficiaries, one "
          "record per row below the headings. Leave a sheet empty or delete it when you have "
          "nothing to enter; do not rename the sheets or the column headings."),
        _("Sheets are entered in this order: contributions, consignments, stages, "
          "beneficiaries; a row may refer to a record created by an earlier sheet of the "
          "same workbook."),
        _("The upload is all-or-nothing: if any row has a problem, nothing is saved and "
          "every problem is listed with its sheet, row and column."),
        _("Uploading the same workbook again changes nothing: contributions and "
          "consignments are matched by their reference, stages by consignment, stage, date, "
          "tonnes and document."),
        _("New figures wait for the approval of a second person before they count."),
        _("Dates are written YYYY-MM-DD. Numbers use a decimal point (1234.56) and no "
          "thousands separator; amounts are kept exactly, to the cent, and tonnes to the "
          "kilogram."),
        _("The codes sheet lists the codes already recorded."),
    ]
    for row, note in enumerate(notes, 3):
        sheet.cell(row, 1, note)
    start = len(notes) + 4
    headings = [_("Sheet"), _("Column"), _("Required"), _("Format"), _("Allowed values"),
                _("Explanation")]
    for index, heading in enumerate(headings, 1):
        cell = sheet.cell(start, index, heading)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    row = start + 1
    for name in SHEETS:
        for column in COLUMNS[name]:
            values = [name, column.name, _("yes") if column.required else "",
                      _format(column), _allowed(column), _help(name, column.name)]
            for index, value in enumerate(values, 1):
                sheet.cell(row, index, value).alignment = Alignment(wrap_text=index == 6,
                                                                    vertical="top")
            row += 1
    for letter, width in zip("ABCDEF", (16, 18, 10, 26, 34, 90), strict=True):
        sheet.column_dimensions[letter].width = width


def _validation(column: Column, counts: dict[str, int]) -> DataValidation | None:
    if column.kind in ("choice", "bool"):
        values = [c for c in column.choices if c] if column.kind == "choice" else ["yes", "no"]
        return DataValidation(type="list", formula1='"' + ",".join(values) + '"',
                              allow_blank=True, showErrorMessage=True,
                              errorTitle=_("Not in the list"),
                              error=_("Choose one of the values in the list."))
    if column.name == "sector_code":
        return DataValidation(type="list", formula1='"' + ",".join(v.SECTORS) + '"',
                              allow_blank=True, showErrorMessage=True, errorStyle="warning",
                              errorTitle=_("Not in the list"),
                              error=_("This sector code is not one IOFS uses; check it."))
    letter = CODE_LISTS.get(column.name)
    if letter and counts.get(letter):
        return DataValidation(type="list",
                              formula1=f"{CODES}!${letter}$2:${letter}${counts[letter] + 1}",
                              allow_blank=True, showErrorMessage=True, errorStyle="warning",
                              errorTitle=_("Not a recorded code"),
                              error=_("This code is not in the codes sheet: an earlier sheet "
                                      "of this workbook must create it."))
    return None


def _write_sheet(book: Workbook, name: str, counts: dict[str, int]) -> None:
    sheet = book.create_sheet(name, 1 + SHEETS.index(name))
    for index, column in enumerate(COLUMNS[name], 1):
        letter = get_column_letter(index)
        cell = sheet.cell(1, index, column.name)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        explanation = " ".join(part for part in (_help(name, column.name), _format(column))
                               if part)
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


# --- upload -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem of an upload: sheet, Excel row (1 = headings), column and reason.

    ``row`` is None for a problem of a whole sheet; ``column`` (the heading) and ``letter``
    are None when no single column is at fault. ``forbidden`` marks a permission refusal.
    """

    sheet: str
    row: int | None
    column: str | None
    reason: str
    letter: str | None = None
    forbidden: bool = False

    def __str__(self) -> str:
        values = {"sheet": self.sheet, "row": self.row or 0, "reason": self.reason,
                  "column": f"{self.column} ({self.letter})" if self.letter else self.column}
        if not self.sheet:
            return self.reason
        if self.row is None:
            return _("sheet %(sheet)s: %(reason)s") % values
        if self.column is None:
            return _("sheet %(sheet)s, row %(row)d: %(reason)s") % values
        return _("sheet %(sheet)s, row %(row)d, column %(column)s: %(reason)s") % values


class UploadRejected(InputError):
    """The workbook has problems and nothing was saved; ``errors`` lists every one."""

    def __init__(self, errors: list[RowError]) -> None:
        summary = _("Nothing was saved; problems found: %(count)d.") % {"count": len(errors)}
        super().__init__(" ".join([summary, *(str(error) + "." for error in errors[:20])]))
        self.errors = errors

    @property
    def forbidden(self) -> bool:
        """Whether a problem is a permission refusal (the web layer may answer 403)."""
        return any(error.forbidden for error in self.errors)


@dataclass
class SheetCounts:
    """Rows of one sheet that created a record, changed one, or changed nothing."""

    created: int = 0
    changed: int = 0
    unchanged: int = 0


@dataclass
class UploadReport:
    """What an upload did, per sheet (only the sheets present in the workbook)."""

    sheets: dict[str, SheetCounts] = field(default_factory=dict)

    @property
    def created(self) -> int:
        return sum(counts.created for counts in self.sheets.values())

    @property
    def changed(self) -> int:
        return sum(counts.changed for counts in self.sheets.values())

    @property
    def unchanged(self) -> int:
        return sum(counts.unchanged for counts in self.sheets.values())


class _CellError(Exception):
    """A cell cannot be read as its column's kind; the message says why."""


def _plain_number(value: float) -> str:
    """The float as Excel shows it: 15 significant digits, no exponent."""
    if not math.isfinite(value):
        raise _CellError(_("Enter a number, e.g. 1234.56."))
    text = format(Decimal(format(value, ".15g")), "f")
    return text


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise _CellError(_("Enter a number, e.g. 1234.56."))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(_plain_number(value))
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise _CellError(_("Enter a number, e.g. 1234.56.")) from None
        if number.is_finite():
            return number
    raise _CellError(_("Enter a number, e.g. 1234.56."))


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 2958466:
        try:
            moment = from_excel(value)
        except (ValueError, OverflowError):
            moment = None
        if isinstance(moment, dt.datetime):
            return moment.date()
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _CellError(_("Enter a date as YYYY-MM-DD."))


def _years(value: Any) -> dict[str, Decimal]:
    parts = [part.strip() for part in str(value).split(";") if part.strip()]
    found: dict[str, Decimal] = {}
    for part in parts:
        year, colon, amount = part.partition(":")
        if not colon or not re.fullmatch(r"\d{4}", year.strip()):
            raise _CellError(_("Write the yearly amounts as year:amount separated by "
                               "semicolons, e.g. 2025:1000;2026:500."))
        if year.strip() in found:
            raise _CellError(_("A year appears twice."))
        found[year.strip()] = _decimal(amount)
    return found


def _cell(column: Column, value: Any) -> Any:
    """The cell's value as the input shape expects it."""
    if column.kind == "decimal":
        return _decimal(value)
    if column.kind == "int":
        number = _decimal(value)
        if number != number.to_integral_value():
            raise _CellError(_("Enter a whole number."))
        return int(number)
    if column.kind == "date":
        return _date(value)
    if column.kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("yes", "true", "1", "y", "oui", "نعم"):
            return True
        if text in ("no", "false", "0", "n", "non", "لا"):
            return False
        raise _CellError(_("Enter yes or no."))
    if column.kind == "years":
        return _years(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return _plain_number(value)
    return str(value).strip()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass
class _Sheet:
    name: str
    #: Position (0-based) and column of every heading.
    columns: list[tuple[int, Column]]
    #: (Excel row number, cells) of each non-blank data row.
    rows: list[tuple[int, tuple[Any, ...]]]


def _read(data: bytes) -> tuple[list[_Sheet], list[RowError]]:
    """The data sheets of the workbook, and the problems of its structure."""
    if len(data) > MAX_BYTES:
        raise UploadRejected([RowError("", None, None, _("The file is larger than %(size)d "
                                                         "MB.") % {"size": MAX_BYTES >> 20})])
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError):
        raise UploadRejected([RowError("", None, None, _(
            "The file is not an Excel workbook (.xlsx)."))]) from None
    problems: list[RowError] = []
    sheets: list[_Sheet] = []
    try:
        for name in book.sheetnames:
            if name in (README, CODES):
                continue
            if name not in SHEETS:
                problems.append(RowError(name, None, None, _(
                    "Unknown sheet; the sheets are: %(sheets)s.") % {
                    "sheets": ", ".join((*SHEETS, README, CODES))}))
                continue
            sheet, sheet_problems = _read_sheet(name, book[name].iter_rows(values_only=True))
            problems.extend(sheet_problems)
            if sheet is not None:
                sheets.append(sheet)
    finally:
        book.close()
    sheets.sort(key=lambda sheet: SHEETS.index(sheet.name))
    return sheets, problems


def _read_sheet(name: str, lines: Any) -> tuple[_Sheet | None, list[RowError]]:
    known = {column.name: column for column in COLUMNS[name]}
    problems: list[RowError] = []
    rows: list[tuple[int, tuple[Any, ...]]] = []
    headings: tuple[Any, ...] = ()
    for number, line in enumerate(lines, 1):
        if number == 1:
            headings = tuple(line)
            continue
        if all(_blank(value) for value in line):
            continue
        if len(rows) >= MAX_ROWS:
            problems.append(RowError(name, None, None, _(
                "The sheet has more than %(rows)d rows.") % {"rows": MAX_ROWS}))
            break
        rows.append((number, tuple(line)))
    columns: list[tuple[int, Column]] = []
    seen: set[str] = set()
    for position, heading in enumerate(headings):
        letter = get_column_letter(position + 1)
        if _blank(heading):
            if any(position < len(cells) and not _blank(cells[position]) for _n, cells in rows):
                problems.append(RowError(name, 1, None, _("A column has no heading."), letter))
            continue
        title = str(heading).strip().lower()
        if title not in known:
            problems.append(RowError(name, 1, str(heading).strip(), _(
                "Unknown column; the columns of this sheet are: %(columns)s.") % {
                "columns": ", ".join(known)}, letter))
            continue
        if title in seen:
            problems.append(RowError(name, 1, title, _("This column appears twice."), letter))
            continue
        seen.add(title)
        columns.append((position, known[title]))
    if problems:
        return None, problems
    return _Sheet(name, columns, rows), []


@dataclass
class _Row:
    """One data row being entered: where it is, its values and the letters of its columns."""

    sheet: str
    number: int
    letters: dict[str, str]
    values: dict[str, Any]


def _values(sheet: _Sheet, number: int, cells: tuple[Any, ...],
            errors: list[RowError]) -> _Row | None:
    letters = {column.name: get_column_letter(position + 1)
               for position, column in sheet.columns}
    values: dict[str, Any] = {}
    failed = False
    for position, column in sheet.columns:
        raw = cells[position] if position < len(cells) else None
        if _blank(raw):
            continue
        try:
            values[column.name] = _cell(column, raw)
        except _CellError as error:
            errors.append(RowError(sheet.name, number, column.name, str(error),
                                   letters[column.name]))
            failed = True
    return None if failed else _Row(sheet.name, number, letters, values)


def _error(row: _Row, reason: str, column: str | None, *, forbidden: bool = False) -> RowError:
    if column is not None:
        column = column.split(".")[0]
    letter = row.letters.get(column) if column else None
    return RowError(row.sheet, row.number, column, reason, letter, forbidden)


def _audit_end(session: Session) -> int:
    return int(session.execute(select(func.coalesce(func.max(AuditEntry.id), 0))).scalar_one())


def _outcome(session: Session, since: int, table: str) -> str:
    """``created``, ``changed`` or ``unchanged``, from the audit entries written since."""
    actions = session.execute(select(AuditEntry.action, AuditEntry.record_type).where(
        AuditEntry.id > since)).all()
    if not actions:
        return "unchanged"
    if any(action == "create" and record_type == table for action, record_type in actions):
        return "created"
    return "changed"


Enter = Callable[[_Row], tuple[str, Hashable | None]]


def _enter_contribution(session: Session, principal: Principal,
                        analytics_dir: Path | None) -> Enter:
    def enter(row: _Row) -> tuple[str, Hashable | None]:
        if not row.values.get("reference"):
            raise InputError(_("Give each contribution a reference, so that uploading the "
                               "sheet again changes nothing."), "reference")
        entry = checked(ContributionIn, row.values)
        contributions.put_contribution(session, principal, entry, analytics_dir)
        return "programmes_contribution", entry.reference
    return enter


def _enter_consignment(session: Session, principal: Principal) -> Enter:
    def enter(row: _Row) -> tuple[str, Hashable | None]:
        entry = checked(ConsignmentIn, row.values)
        pipeline.put_consignment(session, principal, entry)
        return "programmes_consignment", entry.reference
    return enter


def _enter_stage(session: Session, principal: Principal) -> Enter:
    def enter(row: _Row) -> tuple[str, Hashable | None]:
        values = dict(row.values)
        reference = str(values.pop("consignment", "") or "")
        if not reference:
            raise InputError(_("Enter the reference of the consignment."), "consignment")
        entry = checked(StageIn, values)
        target = pipeline.consignment(session, reference)
        authorize(principal, pipeline.WRITE, country=target.country)
        key = (reference, entry.stage, entry.dated, entry.quantity_t, entry.document)
        if any(stage.approval != "rejected" and (stage.stage, stage.dated, stage.quantity_t,
                                                 stage.document) == key[1:]
               for stage in pipeline.stages(session, target.id)):
            return "", key  # recorded already: re-uploading changes nothing
        pipeline.add_stage(session, principal, reference, entry)
        return "programmes_consignment_stage", key
    return enter


def _enter_beneficiaries(session: Session, principal: Principal) -> Enter:
    def enter(row: _Row) -> tuple[str, Hashable | None]:
        entry = checked(BeneficiariesIn, row.values)
        pipeline.put_beneficiaries(session, principal, entry)
        return "programmes_beneficiaries", (
            entry.project, entry.appeal, entry.consignment, entry.country, entry.measure,
            entry.unit, entry.sex, entry.age_group, entry.as_of)
    return enter


#: The column a permission refusal is about, per sheet.
FORBIDDEN_COLUMN = {CONTRIBUTIONS: None, CONSIGNMENTS: "country", STAGES: "consignment",
                    BENEFICIARIES: "country"}


def _stage_order(row: _Row) -> tuple[int, dt.date]:
    """Stage rows are entered in pipeline order, then date (rows that do not parse last)."""
    stage = row.values.get("stage")
    index = v.PIPELINE_STAGES.index(stage) if stage in v.PIPELINE_STAGES else len(
        v.PIPELINE_STAGES)
    dated = row.values.get("dated")
    return index, dated if isinstance(dated, dt.date) else dt.date.max


def upload(session: Session, principal: Principal, data: bytes,
           analytics_dir: Path | None = None) -> UploadReport:
    """Enter every row of the workbook ``data``; all or nothing.

    Raises :class:`UploadRejected` listing every problem (nothing written: the rows run in a
    savepoint that is rolled back, and the caller's transaction should roll back too), or
    :class:`~iofs.permissions.PermissionDenied` when the principal may enter none of
    these records. Returns the counts per sheet present.
    """
    if not (allows(principal, contributions.WRITE) or allows(principal, pipeline.WRITE)):
        authorize(principal, pipeline.WRITE)
    sheets, errors = _read(data)
    if errors:
        raise UploadRejected(errors)
    enter: dict[str, Enter] = {
        CONTRIBUTIONS: _enter_contribution(session, principal, analytics_dir),
        CONSIGNMENTS: _enter_consignment(session, principal),
        STAGES: _enter_stage(session, principal),
        BENEFICIARIES: _enter_beneficiaries(session, principal),
    }
    report = UploadReport()
    outer = session.begin_nested()
    try:
        for sheet in sheets:
            counts = report.sheets.setdefault(sheet.name, SheetCounts())
            rows = [row for number, cells in sheet.rows
                    if (row := _values(sheet, number, cells, errors)) is not None]
            if sheet.name == STAGES:
                rows.sort(key=_stage_order)
            seen: dict[Hashable, int] = {}
            for row in rows:
                _enter_row(session, row, enter[sheet.name], counts, seen, errors)
    except BaseException:
        outer.rollback()
        raise
    if errors:
        outer.rollback()
        errors.sort(key=lambda e: (SHEETS.index(e.sheet) if e.sheet in SHEETS else -1,
                                   e.row or 0, e.letter or ""))
        raise UploadRejected(errors)
    outer.commit()
    return report


def _enter_row(session: Session, row: _Row, enter: Enter, counts: SheetCounts,
               seen: dict[Hashable, int], errors: list[RowError]) -> None:
    since = _audit_end(session)
    try:
        with session.begin_nested():
            table, key = enter(row)
            if key is not None and key in seen:
                raise InputError(_("The same record is in row %(row)d.")
                                 % {"row": seen[key]}, None)
            if key is not None:
                seen[key] = row.number
            outcome = _outcome(session, since, table) if table else "unchanged"
    except PermissionDenied as error:
        errors.append(_error(row, str(error), FORBIDDEN_COLUMN[row.sheet], forbidden=True))
        return
    except InputError as error:
        errors.append(_error(row, str(error), error.field))
        return
    except (IntegrityError, DataError):
        errors.append(_error(row, _("The row could not be saved: a value is too long or "
                                    "conflicts with another record."), None))
        return
    setattr(counts, outcome, getattr(counts, outcome) + 1)
