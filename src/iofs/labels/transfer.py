"""Labels in and out as CSV: ``domain,code,language,text,source`` (UTF-8, one label a line).

Exports go through the shared safe writer (:func:`iofs.spreadsheets.csv_text`), so a text that
begins like a formula (``=``, ``+``, ``-``, ``@``) is written with a leading quote and never
runs in a spreadsheet. Imports are validated whole before anything is written; any bad row
stops the import with its line and field, and the labels stay as they were (all-or-nothing).
A leading quote the export added is removed on import.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from iofs.errors import InputError
from iofs.i18n import gettext as _
from iofs.labels import service
from iofs.labels.domains import DOMAINS, FALLBACK, LANGUAGES
from iofs.labels.models import DataLabel
from iofs.labels.permissions import EDIT
from iofs.permissions import Principal, authorize
from iofs.spreadsheets import FORMULA_PREFIXES, csv_text

COLUMNS = ("domain", "code", "language", "text", "source")
#: Most lines an import reads (a whole vocabulary in three languages fits many times over).
MAX_ROWS = 100_000


class ImportRefused(InputError):
    """A line of an imported file is wrong; ``line`` is its number in the file (header 1)."""

    def __init__(self, message: str, line: int, field: str | None) -> None:
        super().__init__(message, field)
        self.line = line


@dataclass(frozen=True)
class ImportSummary:
    """What an import did: labels created, changed, and lines already as in the store."""

    created: int
    changed: int
    unchanged: int


def export_csv(session: Session, domain: str | None = None, language: str | None = None) -> str:
    """The labels (of one domain and/or language) as CSV text, formulas neutralised."""
    query = select(DataLabel).order_by(DataLabel.domain, DataLabel.code, DataLabel.language)
    if domain:
        query = query.where(DataLabel.domain == domain)
    if language:
        query = query.where(DataLabel.language == language)
    rows = (
        (r.domain, r.code, r.language, r.text, r.source) for r in session.execute(query).scalars()
    )
    return csv_text([list(COLUMNS)], rows)


def _unquoted(text: str) -> str:
    """Undo the export's formula quote (``'=x`` back to ``=x``)."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES) else text


def parse_csv(data: str) -> list[dict[str, str]]:
    """The rows of an import file, each checked; raises :class:`ImportRefused` at the first
    bad line (its number, the field and why)."""
    reader = csv.DictReader(io.StringIO(data.lstrip("\ufeff")))
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [name for name in COLUMNS if name != "source" and name not in header]
    if missing:
        raise ImportRefused(
            _("Line 1: the header lacks the column(s) %(columns)s (expected %(expected)s).")
            % {"columns": ", ".join(missing), "expected": ",".join(COLUMNS)},
            1,
            missing[0],
        )
    reader.fieldnames = header
    rows: list[dict[str, str]] = []
    seen: dict[tuple[str, str, str], int] = {}
    english = set()
    for line, raw in enumerate(reader, start=2):
        if line > MAX_ROWS + 1:
            raise ImportRefused(
                _("The file has more than %(rows)d lines.") % {"rows": MAX_ROWS}, line, None
            )
        if None in raw:
            raise ImportRefused(
                _("Line %(line)d has more cells than the header.") % {"line": line}, line, None
            )
        row = {name: _unquoted((raw.get(name) or "").strip()) for name in COLUMNS}
        checks = (
            ("domain", row["domain"] in DOMAINS, _("unknown domain %(value)s")),
            ("language", row["language"] in LANGUAGES, _("unknown language %(value)s")),
            ("code", bool(row["code"]), _("the code is empty")),
            ("text", bool(row["text"]), _("the text is empty")),
            ("code", len(row["code"]) <= service.MAX_CODE, _("the code is too long")),
            ("text", len(row["text"]) <= service.MAX_TEXT, _("the text is too long")),
            ("source", len(row["source"]) <= service.MAX_SOURCE, _("the source is too long")),
        )
        for field, ok, reason in checks:
            if not ok:
                raise ImportRefused(
                    _("Line %(line)d, field %(field)s: %(reason)s.")
                    % {"line": line, "field": field, "reason": reason % {"value": row[field]}},
                    line,
                    field,
                )
        key = (row["domain"], row["code"], row["language"])
        if key in seen:
            raise ImportRefused(
                _(
                    "Line %(line)d, field code: %(code)s in %(language)s is already on line "
                    "%(first)d."
                )
                % {
                    "line": line,
                    "code": row["code"],
                    "language": row["language"],
                    "first": seen[key],
                },
                line,
                "code",
            )
        seen[key] = line
        if row["language"] == FALLBACK:
            english.add((row["domain"], row["code"]))
        rows.append(row)
    return rows


def import_csv(session: Session, principal: Principal, data: str) -> ImportSummary:
    """Import a CSV of labels in the caller's transaction (``labels.edit``; audited). A
    translation of a code with no English label in the store nor in the file is refused."""
    authorize(principal, EDIT)
    rows = parse_csv(data)
    known = {
        (d, c)
        for d, c in session.execute(
            select(DataLabel.domain, DataLabel.code).where(DataLabel.language == FALLBACK)
        )
    }
    known |= {(r["domain"], r["code"]) for r in rows if r["language"] == FALLBACK}
    for line, row in enumerate(rows, start=2):
        if (row["domain"], row["code"]) not in known:
            raise ImportRefused(
                _(
                    "Line %(line)d, field code: %(domain)s has no code %(code)s; add its "
                    "English label (language en) first."
                )
                % {"line": line, "domain": row["domain"], "code": row["code"]},
                line,
                "code",
            )
    counts = {"created": 0, "changed": 0, "unchanged": 0}
    # English first, so that each translation finds its code.
    for row in sorted(rows, key=lambda r: r["language"] != FALLBACK):
        _label, outcome = service.put_label(
            session,
            principal,
            row["domain"],
            row["code"],
            row["language"],
            row["text"],
            row["source"] or None,
        )
        counts[outcome] += 1
    return ImportSummary(counts["created"], counts["changed"], counts["unchanged"])
