"""Excel bulk entry of contributions, consignments, pipeline stages and beneficiary counts:
the upload.

:func:`upload` reads every sheet and enters each row through the same services as the forms
and the API (permissions, audit log, maker–checker: new figures wait for approval). Each row
runs in its own savepoint so that every bad row is found; when any row fails, nothing is
written and :class:`UploadRejected` lists every problem with its sheet, Excel row, column
and reason. Sheets are entered in the order contributions → consignments → stages →
beneficiaries, so a row may refer to a record created by an earlier sheet of the same file.
Re-uploading the same workbook changes nothing: contributions and consignments are matched by
reference, beneficiary counts by their key, and a stage row equal to a recorded stage
(consignment, stage, date, tonnes, document) that was not rejected is left as it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from iofs import spreadsheets
from iofs.errors import InputError
from iofs.i18n import gettext as _
from iofs.permissions import PermissionDenied, Principal, allows, authorize
from iofs.programmes import contributions, pipeline
from iofs.programmes import vocabulary as v
from iofs.programmes.exchange.workbook_columns import (
    BENEFICIARIES,
    CODES,
    COLUMNS,
    CONSIGNMENTS,
    CONTRIBUTIONS,
    LIMITS,
    MAX_BYTES,
    MAX_ROWS,
    README,
    SHEETS,
    STAGES,
    CellError,
    Column,
    blank,
    cell_value,
)
from iofs.programmes.schemas import BeneficiariesIn, ConsignmentIn, ContributionIn, StageIn, checked
from iofs.records import Outcome


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
        values = {
            "sheet": self.sheet,
            "row": self.row or 0,
            "reason": self.reason,
            "column": f"{self.column} ({self.letter})" if self.letter else self.column,
        }
        if not self.sheet:
            return self.reason
        if self.row is None:
            return _("sheet %(sheet)s: %(reason)s") % values
        if self.column is None:
            return _("sheet %(sheet)s, row %(row)d: %(reason)s") % values
        return _("sheet %(sheet)s, row %(row)d, column %(column)s: %(reason)s") % values


class UploadRejected(InputError):
    """The workbook has problems and nothing was saved; ``errors`` lists every one.

    ``refused`` is set when the file itself was refused before its rows were read (too large,
    not a workbook, an XML attack): then ``errors`` holds that one sentence.
    """

    def __init__(
        self, errors: list[RowError], refused: spreadsheets.WorkbookRefused | None = None
    ) -> None:
        summary = _("Nothing was saved; problems found: %(count)d.") % {"count": len(errors)}
        super().__init__(
            " ".join([summary, *(str(error).rstrip(".") + "." for error in errors[:20])])
        )
        self.errors = errors
        self.refused = refused

    @property
    def status_code(self) -> int:
        """The answer of the web layer: 413 for a file too large, 403 when a row is not the
        principal's to enter, else 422."""
        if self.refused is not None:
            return self.refused.status_code
        return 403 if self.forbidden else 422

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
        raise UploadRejected(
            [
                RowError(
                    "",
                    None,
                    None,
                    _("The file is larger than %(size)d MB.") % {"size": MAX_BYTES >> 20},
                )
            ],
            spreadsheets.WorkbookRefused("", too_large=True),
        )
    problems: list[RowError] = []
    sheets: list[_Sheet] = []
    try:
        with spreadsheets.read_workbook(data, LIMITS) as book:
            for name in book.sheetnames:
                if name in (README, CODES):
                    continue
                if name not in SHEETS:
                    problems.append(
                        RowError(
                            name,
                            None,
                            None,
                            _("Unknown sheet; the sheets are: %(sheets)s.")
                            % {"sheets": ", ".join((*SHEETS, README, CODES))},
                        )
                    )
                    continue
                sheet, sheet_problems = _read_sheet(name, book.rows(name))
                problems.extend(sheet_problems)
                if sheet is not None:
                    sheets.append(sheet)
    except spreadsheets.WorkbookRefused as refused:
        raise UploadRejected([RowError("", None, None, str(refused))], refused) from None
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
        if all(blank(value) for value in line):
            continue
        if len(rows) >= MAX_ROWS:
            problems.append(
                RowError(
                    name,
                    None,
                    None,
                    _("The sheet has more than %(rows)d rows.") % {"rows": MAX_ROWS},
                )
            )
            break
        rows.append((number, tuple(line)))
    columns: list[tuple[int, Column]] = []
    seen: set[str] = set()
    for position, heading in enumerate(headings):
        letter = get_column_letter(position + 1)
        if blank(heading):
            if any(position < len(cells) and not blank(cells[position]) for _n, cells in rows):
                problems.append(RowError(name, 1, None, _("A column has no heading."), letter))
            continue
        title = str(heading).strip().lower()
        if title not in known:
            problems.append(
                RowError(
                    name,
                    1,
                    str(heading).strip(),
                    _("Unknown column; the columns of this sheet are: %(columns)s.")
                    % {"columns": ", ".join(known)},
                    letter,
                )
            )
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


def _values(
    sheet: _Sheet, number: int, cells: tuple[Any, ...], errors: list[RowError]
) -> _Row | None:
    letters = {column.name: get_column_letter(position + 1) for position, column in sheet.columns}
    values: dict[str, Any] = {}
    failed = False
    for position, column in sheet.columns:
        raw = cells[position] if position < len(cells) else None
        if blank(raw):
            continue
        try:
            values[column.name] = cell_value(column, raw)
        except CellError as error:
            errors.append(
                RowError(sheet.name, number, column.name, str(error), letters[column.name])
            )
            failed = True
    return None if failed else _Row(sheet.name, number, letters, values)


def _error(row: _Row, reason: str, column: str | None, *, forbidden: bool = False) -> RowError:
    if column is not None:
        column = column.split(".")[0]
    letter = row.letters.get(column) if column else None
    return RowError(row.sheet, row.number, column, reason, letter, forbidden)


#: Enters one row: what it did to its record, and the key that makes two rows the same record.
Enter = Callable[[_Row], tuple[Outcome, Hashable | None]]


def _enter_contribution(
    session: Session, principal: Principal, analytics_dir: Path | None
) -> Enter:
    def enter(row: _Row) -> tuple[Outcome, Hashable | None]:
        if not row.values.get("reference"):
            raise InputError(
                _(
                    "Give each contribution a reference, so that uploading the "
                    "sheet again changes nothing."
                ),
                "reference",
            )
        entry = checked(ContributionIn, row.values)
        _row, outcome = contributions.put_contribution_outcome(
            session, principal, entry, analytics_dir
        )
        return outcome, entry.reference

    return enter


def _enter_consignment(session: Session, principal: Principal) -> Enter:
    def enter(row: _Row) -> tuple[Outcome, Hashable | None]:
        entry = checked(ConsignmentIn, row.values)
        _row, outcome = pipeline.put_consignment_outcome(session, principal, entry)
        return outcome, entry.reference

    return enter


def _enter_stage(session: Session, principal: Principal) -> Enter:
    def enter(row: _Row) -> tuple[Outcome, Hashable | None]:
        values = dict(row.values)
        reference = str(values.pop("consignment", "") or "")
        if not reference:
            raise InputError(_("Enter the reference of the consignment."), "consignment")
        entry = checked(StageIn, values)
        target = pipeline.consignment(session, reference)
        authorize(principal, pipeline.WRITE, country=target.country)
        key = (reference, entry.stage, entry.dated, entry.quantity_t, entry.document)
        if any(
            stage.approval != "rejected"
            and (stage.stage, stage.dated, stage.quantity_t, stage.document) == key[1:]
            for stage in pipeline.stages(session, target.id)
        ):
            return "unchanged", key  # recorded already: re-uploading changes nothing
        pipeline.add_stage(session, principal, reference, entry)
        return "created", key

    return enter


def _enter_beneficiaries(session: Session, principal: Principal) -> Enter:
    def enter(row: _Row) -> tuple[Outcome, Hashable | None]:
        entry = checked(BeneficiariesIn, row.values)
        _row, outcome = pipeline.put_beneficiaries_outcome(session, principal, entry)
        return outcome, (
            entry.project,
            entry.appeal,
            entry.consignment,
            entry.country,
            entry.measure,
            entry.unit,
            entry.sex,
            entry.age_group,
            entry.as_of,
        )

    return enter


#: The column a permission refusal is about, per sheet.
FORBIDDEN_COLUMN = {
    CONTRIBUTIONS: None,
    CONSIGNMENTS: "country",
    STAGES: "consignment",
    BENEFICIARIES: "country",
}


def _stage_order(row: _Row) -> tuple[int, dt.date]:
    """Stage rows are entered in pipeline order, then date (rows that do not parse last)."""
    stage = row.values.get("stage")
    index = v.PIPELINE_STAGES.index(stage) if stage in v.PIPELINE_STAGES else len(v.PIPELINE_STAGES)
    dated = row.values.get("dated")
    return index, dated if isinstance(dated, dt.date) else dt.date.max


def upload(
    session: Session,
    principal: Principal,
    data: bytes,
    analytics_dir: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> UploadReport:
    """Enter every row of the workbook ``data``; all or nothing.

    Raises :class:`UploadRejected` listing every problem (nothing written: the rows run in a
    savepoint that is rolled back, and the caller's transaction should roll back too), or
    :class:`~iofs.permissions.PermissionDenied` when the principal may enter none of
    these records. Returns the counts per sheet present. ``progress(done, total)`` is called
    after each row entered (rows of every sheet; a background job's progress bar).
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
    total = sum(len(sheet.rows) for sheet in sheets)
    done = 0
    outer = session.begin_nested()
    try:
        for sheet in sheets:
            counts = report.sheets.setdefault(sheet.name, SheetCounts())
            rows = [
                row
                for number, cells in sheet.rows
                if (row := _values(sheet, number, cells, errors)) is not None
            ]
            if sheet.name == STAGES:
                rows.sort(key=_stage_order)
            seen: dict[Hashable, int] = {}
            for row in rows:
                _enter_row(session, row, enter[sheet.name], counts, seen, errors)
                done += 1
                if progress is not None:
                    progress(done, total)
    except BaseException:
        outer.rollback()
        raise
    if errors:
        outer.rollback()
        errors.sort(
            key=lambda e: (
                SHEETS.index(e.sheet) if e.sheet in SHEETS else -1,
                e.row or 0,
                e.letter or "",
            )
        )
        raise UploadRejected(errors)
    outer.commit()
    return report


def _enter_row(
    session: Session,
    row: _Row,
    enter: Enter,
    counts: SheetCounts,
    seen: dict[Hashable, int],
    errors: list[RowError],
) -> None:
    try:
        with session.begin_nested():
            outcome, key = enter(row)
            if key is not None and key in seen:
                raise InputError(_("The same record is in row %(row)d.") % {"row": seen[key]}, None)
            if key is not None:
                seen[key] = row.number
    except PermissionDenied as error:
        errors.append(_error(row, str(error), FORBIDDEN_COLUMN[row.sheet], forbidden=True))
        return
    except InputError as error:
        errors.append(_error(row, str(error), error.field))
        return
    except (IntegrityError, DataError):
        errors.append(
            _error(
                row,
                _(
                    "The row could not be saved: a value is too long or "
                    "conflicts with another record."
                ),
                None,
            )
        )
        return
    setattr(counts, outcome, getattr(counts, outcome) + 1)
