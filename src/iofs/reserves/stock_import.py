"""Import of stock positions from a CSV or Excel (.xlsx) sheet.

One row per lot: ``warehouse, lot, commodity, grade, received_on, best_before,
rotation_due, quantity_t, as_of`` (and optionally ``system``). Every row is checked before
anything is written: the permission for the warehouse's state, the shape of each field, and
that no lot appears twice for the same date. Any problem stops the import and is reported with
its file, row (as a spreadsheet numbers it: the header is row 1), field and reason. A good
sheet creates missing lots and appends one movement per lot that brings its balance on
``as_of`` to the counted tonnes (a receipt, or a loss with the reason "stock count"); the
movement's reference is ``count:<lot>:<as_of>``, so importing the same sheet again changes
nothing.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from iofs.errors import InputError
from iofs.http.validation import translated_message
from iofs.i18n import gettext as _
from iofs.permissions import PermissionDenied, Principal, authorize
from iofs.reserves import ledger, registry
from iofs.reserves.models import Movement
from iofs.reserves.permissions import STOCK_WRITE
from iofs.reserves.schemas import StockPositionRow
from iofs.spreadsheets import WorkbookRefused, read_workbook

COLUMNS = (
    "warehouse",
    "lot",
    "commodity",
    "grade",
    "received_on",
    "best_before",
    "rotation_due",
    "quantity_t",
    "as_of",
    "system",
)
REQUIRED = ("warehouse", "lot", "commodity", "received_on", "quantity_t", "as_of")


@dataclass(frozen=True)
class RowProblem:
    """Why one row of a sheet cannot be imported."""

    file: str
    row: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}, row {self.row}, {self.field}: {self.reason}"


class StockImportError(InputError):
    """The sheet has problems; nothing was written. ``problems`` lists every one.

    ``status_code`` is 413 when the file was refused for its size (declared sheet size, cell
    count, uncompressed size), else 422.
    """

    def __init__(self, problems: list[RowProblem], *, too_large: bool = False) -> None:
        super().__init__(
            _("%(count)d problems in the sheet; nothing was imported.") % {"count": len(problems)},
            "file",
        )
        self.problems = problems
        self.status_code = 413 if too_large else 422


@dataclass
class ImportReport:
    """What an import did: lots created, movements appended, rows already up to date."""

    rows: int = 0
    lots_created: int = 0
    movements: int = 0
    unchanged: int = 0
    lots: list[str] = field(default_factory=list)


def read_rows(name: str, content: bytes) -> list[dict[str, str]]:
    """The sheet's rows as text dicts keyed by lower-case header (CSV or .xlsx).

    Workbooks are read through :func:`iofs.spreadsheets.read_workbook` (declared size, cell
    count, uncompressed size and entities checked before loading, rows streamed); CSV must be
    UTF-8. Raises :class:`StockImportError` naming the file, row and reason when the file
    cannot be read.
    """
    file = Path(name).name
    if name.lower().endswith(".xlsx"):
        try:
            with read_workbook(content) as book:
                if not book.sheetnames:
                    return []
                values = list(book.rows(book.sheetnames[0]))
        except WorkbookRefused as refused:
            raise StockImportError(
                [RowProblem(file, 1, "file", str(refused))], too_large=refused.too_large
            ) from None
        if not values:
            return []
        header = [str(cell or "").strip().lower() for cell in values[0]]
        return [
            {
                header[index]: _cell(cell)
                for index, cell in enumerate(row)
                if index < len(header) and header[index]
            }
            for row in values[1:]
        ]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        reason = _("The file is not UTF-8 text (byte %(byte)d); save it as CSV UTF-8.") % {
            "byte": error.start + 1
        }
        raise StockImportError([RowProblem(file, line, "file", reason)]) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows: list[dict[str, str]] = []
    try:
        for row in reader:
            if None in row:
                reason = _("This row has more cells than the header has columns.")
                raise StockImportError([RowProblem(file, reader.line_num, "file", reason)])
            rows.append(
                {(key or "").strip().lower(): (value or "").strip() for key, value in row.items()}
            )
    except csv.Error as error:
        reason = _("The CSV cannot be read here: %(reason)s.") % {"reason": error}
        raise StockImportError([RowProblem(file, reader.line_num, "file", reason)]) from None
    return rows


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "date") and callable(value.date):
        return str(value.date().isoformat())
    return str(value).strip()


def check(
    session: Session, principal: Principal, name: str, rows: list[dict[str, str]]
) -> tuple[list[StockPositionRow], list[RowProblem]]:
    """Every row validated (shape, warehouse, permission, duplicates), with the problems."""
    problems: list[RowProblem] = []
    good: list[StockPositionRow] = []
    if not rows:
        return [], [RowProblem(name, 1, "file", _("The sheet holds no rows."))]
    missing = [column for column in REQUIRED if column not in rows[0]]
    if missing:
        return [], [RowProblem(name, 1, column, _("This column is missing.")) for column in missing]
    seen: dict[tuple[str, str], int] = {}
    for number, raw in enumerate(rows, start=2):
        values = {key: value for key, value in raw.items() if key in COLUMNS and value != ""}
        unknown = sorted(key for key in raw if key and key not in COLUMNS)
        if unknown:
            problems.append(RowProblem(name, number, unknown[0], _("Unknown column.")))
            continue
        try:
            entry = StockPositionRow.model_validate(values)
        except ValidationError as error:
            first = error.errors()[0]
            problems.append(
                RowProblem(
                    name,
                    number,
                    ".".join(str(p) for p in first["loc"]),
                    translated_message(dict(first)),
                )
            )
            continue
        try:
            store = registry.warehouse(session, entry.warehouse)
            authorize(principal, STOCK_WRITE, country=store.country)
            if entry.system:
                registry.system(session, entry.system)
        except (InputError, PermissionDenied) as error:
            problems.append(
                RowProblem(name, number, getattr(error, "field", None) or "warehouse", str(error))
            )
            continue
        key = (entry.lot, entry.as_of.isoformat())
        if key in seen:
            problems.append(
                RowProblem(
                    name,
                    number,
                    "lot",
                    _("The lot appears twice for this date (row %(row)d).") % {"row": seen[key]},
                )
            )
            continue
        seen[key] = number
        good.append(entry)
    return good, problems


def import_positions(
    session: Session, principal: Principal, name: str, content: bytes
) -> ImportReport:
    """Import a stock-position sheet in the caller's transaction (see the module docstring).

    Raises :class:`StockImportError` (nothing written) when any row has a problem; an
    adjustment that would make a lot negative on a later date is reported against its row
    too, and the caller's transaction is rolled back.
    """
    entries, problems = check(session, principal, Path(name).name, read_rows(name, content))
    if problems:
        raise StockImportError(problems)
    report = ImportReport(rows=len(entries))
    for number, entry in enumerate(entries, start=2):
        reference = f"count:{entry.lot}:{entry.as_of.isoformat()}"
        try:
            target, outcome = ledger.put_lot_outcome(
                session,
                principal,
                {
                    "code": entry.lot,
                    "warehouse": entry.warehouse,
                    "system": entry.system,
                    "commodity": entry.commodity,
                    "grade": entry.grade,
                    "received_on": entry.received_on,
                    "best_before": entry.best_before,
                    "rotation_due": entry.rotation_due,
                },
            )
            report.lots_created += outcome == "created"
            report.lots.append(target.code)
            if session.execute(select(Movement.id).where(Movement.reference == reference)).first():
                report.unchanged += 1
                continue
            difference = entry.quantity_t - ledger.balance(session, target.id, entry.as_of)
            if difference == 0:
                report.unchanged += 1
                continue
            ledger.append(
                session,
                principal,
                target,
                "receipt" if difference > 0 else "loss",
                entry.as_of,
                abs(difference),
                reason=_("stock count"),
                reference=reference,
                document=Path(name).name,
            )
            report.movements += 1
        except InputError as error:
            raise StockImportError(
                [RowProblem(Path(name).name, number, error.field or "row", str(error))]
            ) from None
    return report
