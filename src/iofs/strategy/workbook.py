"""Excel round trip of a state's report: download the template, fill it in, upload it.

The upload is checked before it is read (zip and XML bombs, declared sizes:
:mod:`iofs.spreadsheets`) and streamed. The import is validated before anything is written and
is all-or-nothing: one bad row and nothing is saved; each problem names its row and column.
Re-importing the same file changes nothing (rows equal to what is stored are skipped). Every
cell of the download is written by the export writer: a comment that looks like a formula
stays text.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from sqlalchemy.orm import Session

from iofs import validation
from iofs.errors import InputError
from iofs.i18n import gettext as _
from iofs.permissions import Principal, authorize
from iofs.spreadsheets import (
    WorkbookLimits,
    WorkbookRefused,
    read_workbook,
    write_cell,
    write_row,
)
from iofs.strategy import framework, progress, reporting
from iofs.strategy.models import Kpi

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_BYTES = 2 * 1024 * 1024
#: What an uploaded report may hold before it is read (:mod:`iofs.spreadsheets`).
LIMITS = WorkbookLimits(max_rows=5_000, max_columns=64, max_cells=200_000)
SHEET = "Report"
HEADER_ROW = 5
COLUMNS = [
    "kpi_code",
    "kpi",
    "unit",
    "baseline",
    "target",
    "value",
    "evidence_url",
    "comment",
    "status",
    "review_comment",
]
LETTER = {name: chr(ord("A") + i) for i, name in enumerate(COLUMNS)}


class ImportFailed(Exception):
    """The workbook has problems; nothing was saved. ``problems``: one sentence each.

    ``refused`` is set when the file itself was refused before its rows were read (too large,
    not a workbook, an XML attack).
    """

    def __init__(self, problems: list[str], refused: WorkbookRefused | None = None) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems
        self.refused = refused

    @property
    def status_code(self) -> int:
        """413 for a file too large to read, 422 for every other problem."""
        return self.refused.status_code if self.refused is not None else 422


@dataclass(frozen=True)
class ImportResult:
    changed: int
    unchanged: int


def reportable_kpis(session: Session) -> list[Kpi]:
    """KPIs a member state reports by hand (state level, manual), by code."""
    return [
        k for k in framework.all_kpis(session) if k.level == "state" and k.data_source == "manual"
    ]


def _plain(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def export_report(
    session: Session, principal: Principal, iso3: str, year: int, with_scorecard: bool = False
) -> bytes:
    """The template of ``iso3``'s report for ``year``, pre-filled with the values the
    principal may see; optionally a second sheet with the state's scorecard."""
    code = framework.state_code(session, iso3)
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    write_cell(sheet, 1, 1, _("IOFS Strategic Vision 2031 — member-state report")).font = Font(
        bold=True, size=13
    )
    write_row(
        sheet,
        2,
        [
            _("State (ISO3)"),
            code,
            None,
            _("Fill in column F (value) and G (evidence link); do not change columns A, B2 or B3."),
        ],
    )
    write_row(sheet, 3, [_("Year"), year])
    for index, name in enumerate(COLUMNS, 1):
        cell = write_cell(sheet, HEADER_ROW, index, name)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EEF2F5")
    values = {v.kpi_id: v for v in reporting.list_values(session, principal, iso3=code, year=year)}
    row = HEADER_ROW + 1
    for kpi in reportable_kpis(session):
        plan = framework.plan_for(session, kpi.id, code)
        target = progress.assess(kpi.direction, plan.baseline, plan.targets, year, None).target
        entry = values.get(kpi.id)
        write_row(
            sheet,
            row,
            [
                kpi.code,
                kpi.name,
                kpi.unit,
                _plain(plan.baseline[1]) if plan.baseline else None,
                _plain(target[1]) if target else None,
                _plain(entry.value) if entry else None,
                entry.evidence_url if entry else None,
                entry.comment if entry else None,
                entry.status if entry else None,
                entry.review_comment if entry else None,
            ],
        )
        row += 1
    for letter, width in zip("ABCDEFGHIJ", (14, 48, 12, 12, 12, 14, 40, 30, 22, 30), strict=True):
        sheet.column_dimensions[letter].width = width
    if with_scorecard:
        card = book.create_sheet("Scorecard")
        write_row(
            card,
            1,
            [
                "kpi_code",
                "kpi",
                "unit",
                "value",
                "expected",
                "target_year",
                "target",
                "status",
                "illustrative_plan",
            ],
        )
        for number, line in enumerate(progress.state_scorecard(session, code, year), 2):
            a = line.assessment
            write_row(
                card,
                number,
                [
                    line.kpi.code,
                    line.kpi.name,
                    line.kpi.unit,
                    _plain(a.value),
                    _plain(a.expected),
                    a.target[0] if a.target else None,
                    _plain(a.target[1]) if a.target else None,
                    a.status,
                    "yes" if line.illustrative_plan else "no",
                ],
            )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _where(row: int, column: str) -> str:
    return _("row %(row)d, column %(letter)s (%(name)s)") % {
        "row": row,
        "letter": LETTER[column],
        "name": column,
    }


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def import_report(
    session: Session, principal: Principal, iso3: str, year: int, content: bytes
) -> ImportResult:
    """Validate the whole workbook, then save every changed row; raises :class:`ImportFailed`.

    The caller commits on success and rolls back on failure.
    """
    code = framework.state_code(session, iso3)
    authorize(principal, "strategy.values.write", country=code)
    if len(content) > MAX_BYTES:
        message = _("The file is larger than 2 MB.")
        raise ImportFailed([message], WorkbookRefused(message, too_large=True))
    try:
        with read_workbook(content, LIMITS) as book:
            if SHEET not in book.sheetnames:
                raise ImportFailed(
                    [_("The workbook has no sheet named %(sheet)s.") % {"sheet": SHEET}]
                )
            rows = [list(r) for r in book.rows(SHEET)]
    except WorkbookRefused as refused:
        raise ImportFailed([str(refused)], refused) from None

    def cell(r: int, c: int) -> Any:
        line = rows[r - 1] if r - 1 < len(rows) else []
        return line[c - 1] if c - 1 < len(line) else None

    problems: list[str] = []
    if _cell_text(cell(2, 2)).upper() != code:
        problems.append(
            _("row 2, column B: this workbook is for %(other)s, not %(code)s.")
            % {"other": _cell_text(cell(2, 2))[:8] or "?", "code": code}
        )
    if _cell_text(cell(3, 2)) != str(year):
        problems.append(
            _("row 3, column B: this workbook is for %(other)s, not %(year)d.")
            % {"other": _cell_text(cell(3, 2))[:8] or "?", "year": year}
        )
    header = [_cell_text(cell(HEADER_ROW, i)) for i in range(1, len(COLUMNS) + 1)]
    if header != COLUMNS:
        problems.append(
            _("row %(row)d: the column headings must be %(names)s.")
            % {"row": HEADER_ROW, "names": ", ".join(COLUMNS)}
        )
    if problems:
        raise ImportFailed(problems)
    try:
        period = reporting.get_period(session, year)
    except InputError as error:
        raise ImportFailed([str(error)]) from None
    if period.status != "open":
        raise ImportFailed([_("The reporting period %(year)d is not open.") % {"year": year}])
    kpis = {k.code: k for k in reportable_kpis(session)}
    planned: list[tuple[int, Kpi, Decimal, str, str]] = []
    seen: dict[str, int] = {}
    for r in range(HEADER_ROW + 1, len(rows) + 1):
        kpi_code = _cell_text(cell(r, 1))
        raw_value = cell(r, 6)
        link_text, comment_text = _cell_text(cell(r, 7)), _cell_text(cell(r, 8))
        if not kpi_code and raw_value is None and not link_text and not comment_text:
            continue
        kpi = kpis.get(kpi_code)
        if kpi is None:
            problems.append(
                f"{_where(r, 'kpi_code')}: "
                + _("%(code)s is not a KPI that member states report.") % {"code": kpi_code[:32]}
            )
            continue
        if kpi_code in seen:
            problems.append(
                f"{_where(r, 'kpi_code')}: "
                + _("%(code)s appears twice (also row %(other)d).")
                % {"code": kpi_code, "other": seen[kpi_code]}
            )
            continue
        seen[kpi_code] = r
        if raw_value is None or _cell_text(raw_value) == "":
            continue  # not reported yet: left for later
        try:
            amount = validation.number(
                _cell_text(raw_value)
                if not isinstance(raw_value, int | float | Decimal)
                else str(raw_value)
            )
            link = validation.url(link_text)
            comment = validation.text(comment_text, "comment", 4000)
        except InputError as error:
            problems.append(f"{_where(r, error.field or 'value')}: {error}")
            continue
        existing = reporting.find_value(session, kpi.id, code, period.id)
        same = (
            existing is not None
            and existing.value == amount
            and existing.evidence_url == link
            and existing.comment == comment
        )
        if existing is not None and existing.status == "approved" and not same:
            problems.append(f"{_where(r, 'value')}: " + _("This value is approved and locked."))
            continue
        if not link and not (existing is not None and existing.evidence_sha256):
            problems.append(
                f"{_where(r, 'evidence_url')}: " + _("Give evidence: a link or a file.")
            )
            continue
        if not same or (existing is not None and existing.status == "correction_requested"):
            planned.append((r, kpi, amount, link, comment))
    if problems:
        raise ImportFailed(problems)
    for _row, kpi, amount, link, comment in planned:
        reporting.report_value(
            session,
            principal,
            reporting.ValueInput(
                kpi_id=kpi.id,
                iso3=code,
                year=year,
                value=amount,
                evidence_url=link,
                comment=comment,
            ),
        )
    return ImportResult(changed=len(planned), unchanged=len(seen) - len(planned))
