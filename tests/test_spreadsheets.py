"""The export writer (formula prefixes neutralised, XLSX text kept as text) and bounded workbook
reading (zip and XML bombs refused before openpyxl loads them); hostile workbooks for the
module tests are built here."""

from __future__ import annotations

import csv
import io
import re
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from iofs import spreadsheets
from iofs.spreadsheets import WorkbookLimits, WorkbookRefused

XXE = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
    b'uniqueCount="1"><si><t>&xxe;</t></si></sst>'
)
LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
        for n in range(1, 10)
    )
    + b']>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b"<si><t>&lol9;</t></si></sst>"
)


def plain_workbook(rows: list[list[object]], title: str = "Sheet") -> bytes:
    """A workbook with one sheet holding ``rows``."""
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rewrite_part(data: bytes, name: str, change: Callable[[bytes], bytes]) -> bytes:
    """``data`` (a zip) with part ``name`` replaced by ``change(part)`` (added when absent)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        names = source.namelist()
        for entry in names:
            content = source.read(entry)
            target.writestr(entry, change(content) if entry == name else content)
        if name not in names:
            target.writestr(name, change(b""))
    return out.getvalue()


def first_sheet(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return next(name for name in archive.namelist() if name.startswith("xl/worksheets/"))


def dimension_bomb(data: bytes, ref: str = "A1:XFD20000") -> bytes:
    """``data`` whose sheets declare the dimension ``ref`` (openpyxl pads every row to it)."""

    def change(part: bytes) -> bytes:
        return re.sub(rb'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{ref}"/>'.encode(), part)

    return rewrite_part(data, first_sheet(data), change)


def far_row_bomb(data: bytes, row: int = 1_048_576) -> bytes:
    """``data`` with a value in column A of row ``row`` of its first sheet."""

    def change(part: bytes) -> bytes:
        cell = (f'<row r="{row}"><c r="A{row}" t="inlineStr"><is><t>x</t></is></c></row>').encode()
        return part.replace(b"</sheetData>", cell + b"</sheetData>")

    return rewrite_part(data, first_sheet(data), change)


def zip_bomb(data: bytes, megabytes: int = 100) -> bytes:
    """``data`` whose first sheet unpacks to ``megabytes`` MB (blanks inside sheetData)."""

    def change(part: bytes) -> bytes:
        return part.replace(b"<sheetData>", b"<sheetData>" + b" " * (megabytes << 20))

    return rewrite_part(data, first_sheet(data), change)


def xml_attack(data: bytes, payload: bytes) -> bytes:
    """``data`` with its shared strings replaced by ``payload`` (XXE, billion laughs)."""
    return rewrite_part(data, "xl/sharedStrings.xml", lambda _part: payload)


# --- writer --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+1", "-1+2", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://evil.example","click")'],
)
def test_formula_text_is_quoted_in_csv(text: str) -> None:
    written = "'" + text.replace("\r", "\n")
    assert spreadsheets.csv_cell(text) == written
    rows = list(csv.reader(io.StringIO(spreadsheets.csv_text([["h"]], [[text]]), newline="")))
    assert rows == [["h"], [written]]


def test_numbers_stay_numbers_and_header_rows_stay_as_they_are() -> None:
    assert spreadsheets.csv_cell(-5) == "-5"
    assert spreadsheets.csv_cell(Decimal("-5.50")) == "-5.50"
    assert spreadsheets.csv_cell(Decimal("1E+3")) == "1000"
    assert spreadsheets.csv_cell(-0.25) == "-0.25"
    assert spreadsheets.csv_cell(True) == "true"
    assert spreadsheets.csv_cell(None) == ""
    assert spreadsheets.csv_cell(date(2025, 1, 2)) == "2025-01-02"
    assert spreadsheets.csv_cell("plain - text") == "plain - text"
    text = spreadsheets.csv_text([["Value"], ["#value+usd"]], [[Decimal("-1.5"), "-x"]])
    assert text == "Value\n#value+usd\n-1.5,'-x\n"


def test_xlsx_text_is_stored_as_text_and_reads_back_unchanged() -> None:
    book = Workbook()
    sheet = book.active
    spreadsheets.write_row(sheet, 1, ["=1+1", "-3", -3, Decimal("2.5"), "ok\x01"])
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")
    cells = load_workbook(io.BytesIO(buffer.getvalue()))["Sheet"][1]
    assert [cell.value for cell in cells] == ["=1+1", "-3", -3, 2.5, "ok"]
    assert [cell.data_type for cell in cells] == ["s", "s", "n", "n", "s"]
    assert cells[0].quotePrefix and not cells[4].quotePrefix


# --- reading -------------------------------------------------------------------------------


def _rows(data: bytes, limits: WorkbookLimits | None = None) -> list[tuple[object, ...]]:
    with spreadsheets.read_workbook(data, limits) as book:
        return [row for name in book.sheetnames for row in book.rows(name)]


def test_a_plain_workbook_reads_row_by_row() -> None:
    data = plain_workbook([["a", "b"], [1, None], [None, None, "c"]])
    assert _rows(data) == [("a", "b", None), (1, None, None), (None, None, "c")]


def test_declared_dimension_bomb_is_refused_before_rows_are_read() -> None:
    bomb = dimension_bomb(plain_workbook([["a"]]))
    tracemalloc.start()
    with pytest.raises(WorkbookRefused) as caught:
        _rows(bomb)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert caught.value.status_code == 413
    assert "declares 20,000 rows and 16,384 columns" in str(caught.value)
    assert peak < 20 * 2**20


def test_far_rows_columns_and_cells_are_refused() -> None:
    with pytest.raises(WorkbookRefused, match="down to row 1,048,576"):
        _rows(far_row_bomb(plain_workbook([["a"]])))
    undeclared = dimension_bomb(plain_workbook([[1, 2, 3, 4, 5]]), "A1")
    with pytest.raises(WorkbookRefused, match="values in column 5;"):
        _rows(undeclared, WorkbookLimits(max_columns=4))
    with pytest.raises(WorkbookRefused, match="declares 1 rows and 5 columns"):
        _rows(plain_workbook([[1, 2, 3, 4, 5]]), WorkbookLimits(max_columns=4))
    with pytest.raises(WorkbookRefused, match="more than 5 cells"):
        _rows(plain_workbook([[1, 2, 3], [4, 5, 6]]), WorkbookLimits(max_cells=5))


def test_zip_bombs_are_refused_by_size_and_by_ratio() -> None:
    start = time.process_time()
    with pytest.raises(WorkbookRefused, match="unpacks to 100 MB") as caught:
        _rows(zip_bomb(plain_workbook([["a"]])))
    assert caught.value.too_large and time.process_time() - start < 5
    with pytest.raises(WorkbookRefused, match="zip bomb"):
        _rows(zip_bomb(plain_workbook([["a"]]), 3))
    with pytest.raises(WorkbookRefused, match="holds 9 files"):
        _rows(plain_workbook([["a"]]), WorkbookLimits(max_entries=5))


@pytest.mark.parametrize("payload", [XXE, LAUGHS], ids=["xxe", "billion-laughs"])
def test_xml_entity_attacks_are_refused(payload: bytes) -> None:
    data = xml_attack(plain_workbook([["a"]]), payload)
    with pytest.raises(WorkbookRefused, match="document type declaration") as caught:
        _rows(data)
    assert caught.value.status_code == 422


@pytest.mark.parametrize("data", [b"", b"not a zip", b"PK\x03\x04broken"])
def test_a_file_that_is_not_a_workbook_is_one_sentence(data: bytes) -> None:
    with pytest.raises(WorkbookRefused, match="not an Excel workbook") as caught:
        _rows(data)
    assert caught.value.status_code == 422
