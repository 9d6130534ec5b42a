"""The sheets and columns of the programmes bulk-entry workbook, and how a cell is read.

The columns of each data sheet are the fields of the input shapes in
:mod:`iofs.programmes.schemas`; :data:`HELP` explains each (unit, format, allowed values) for
the template (:mod:`.workbook_template`) and the upload (:mod:`.workbook_upload`) reads cells
with :func:`cell_value`.

Numbers are exact decimals. A cell typed as text is read as written; a numeric cell (a binary
float in the file) is read with the 15 significant digits Excel shows, so 1234567.89 stays
1234567.89 and a computed 0.1 + 0.2 is 0.3, never 0.30000000000000004.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import types
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from openpyxl.utils.datetime import from_excel
from pydantic import BaseModel

from iofs.i18n import N_
from iofs.i18n import gettext as _
from iofs.programmes.schemas import BeneficiariesIn, ConsignmentIn, ContributionIn, StageIn
from iofs.spreadsheets import WorkbookLimits

MAX_BYTES = 5 * 1024 * 1024
#: Data rows (not blank) a sheet may hold.
MAX_ROWS = 10_000
#: What an uploaded workbook may hold before it is read (:mod:`iofs.spreadsheets`): rows
#: numbered up to twice the data rows (blank rows between them are skipped), 64 columns.
LIMITS = WorkbookLimits(max_rows=2 * MAX_ROWS + 1, max_columns=64)

CONTRIBUTIONS = "contributions"
CONSIGNMENTS = "consignments"
STAGES = "stages"
BENEFICIARIES = "beneficiaries"
#: Data sheets in the order they are entered.
SHEETS = (CONTRIBUTIONS, CONSIGNMENTS, STAGES, BENEFICIARIES)
README = "read me"
CODES = "codes"

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
        "illustrative": N_("yes when the figures are not from a source (demonstration data)."),
    },
    CONTRIBUTIONS: {
        "reference": N_(
            "Your reference of the contribution, e.g. F4H-GAZA-KAZ-2. Required "
            "here: uploading the sheet again updates the same contribution "
            "instead of adding another."
        ),
        "donor": N_(
            "Code of the organisation that gives: ISO3 code for a state (see the codes sheet)."
        ),
        "recipient": N_("Code of the organisation that receives; empty: IOFS."),
        "country": N_("Country of destination, ISO 3166 alpha-3 code; empty: the project's."),
        "sector_code": N_(
            "OECD DAC 5-digit purpose code, e.g. 72040 emergency food "
            "assistance; empty: the project's."
        ),
        "modality": N_("Cash or goods in kind."),
        "status": N_("pledge (announced; shown but never counted as funding), commitment or paid."),
        "decided_on": N_("Date of the pledge, commitment or payment."),
        "currency": N_("ISO 4217 code of the currency of the amount, e.g. USD or KZT; empty: USD."),
        "amount": N_(
            "Amount in that currency; for goods in kind, their value (empty: the "
            "stored market price, when there is one)."
        ),
        "exchange_rate": N_(
            "US dollars per one unit of the currency, e.g. 0.0021 for KZT; empty for USD."
        ),
        "rate_date": N_("Date of the exchange rate (not for USD)."),
        "rate_source": N_("Where the exchange rate comes from, e.g. a central bank (not for USD)."),
        "commodity": N_("Commodity given in kind, e.g. wheat flour; empty for cash."),
        "quantity": N_("Quantity given in kind, in the unit of the unit column."),
        "unit": N_("Unit of the quantity: t or mt (tonnes) or kg; empty for cash."),
        "valuation_method": N_("How goods in kind were valued."),
        "valuation_source": N_("Source of the valuation, e.g. an invoice number."),
        "earmarking": N_("How tightly the donor earmarked the contribution."),
        "parent": N_(
            "Reference of the contribution this one passes on (an allocation, not "
            "new money); empty for new money."
        ),
        "new_money": N_(
            "yes for new money, no for money passed on; empty: yes unless a parent is given."
        ),
        "description": N_("Short description."),
        "confirmed_by": N_("Who confirmed it on the donor's side: an office or a title."),
        "document": N_("The document that proves it: a letter number, a link, a bank reference."),
        "years": N_(
            "Split of the USD value by year of use, as year:amount separated by "
            "semicolons, e.g. 2025:1000;2026:500; the amounts add up to the USD "
            "value. Empty: all in the year of the decision."
        ),
    },
    CONSIGNMENTS: {
        "reference": N_(
            "Reference of the consignment, e.g. a waybill series; uploading the "
            "sheet again updates the same consignment."
        ),
        "appeal": N_(
            "Code of the appeal the consignment serves (see the codes sheet); an "
            "appeal or a project is required."
        ),
        "project": N_(
            "Code of the country project the consignment serves (see the codes "
            "sheet); an appeal or a project is required."
        ),
        "contribution": N_("Reference of the contribution that paid for it; may be empty."),
        "country": N_("Country of destination, ISO 3166 alpha-3 code, e.g. PSE."),
        "commodity": N_("Commodity shipped, e.g. wheat flour."),
        "origin": N_("Where the goods come from."),
        "destination": N_("Where the goods go."),
    },
    STAGES: {
        "consignment": N_(
            "Reference of the consignment (see the codes sheet or the "
            "consignments sheet of this workbook)."
        ),
        "stage": N_(
            "Pipeline stage reached, in order: pledged, procured, dispatched, "
            "received, distributed."
        ),
        "dated": N_("Date the stage was reached."),
        "quantity_t": N_("Tonnes at this stage (one tranche)."),
        "loss_t": N_("Tonnes lost since the previous stage; empty: none."),
        "document": N_("Waybill, goods received note or distribution report reference."),
        "note": N_("Remark."),
    },
    BENEFICIARIES: {
        "consignment": N_("Reference of the consignment that reached the people; may be empty."),
        "appeal": N_(
            "Code of the appeal (see the codes sheet); an appeal or a project is required."
        ),
        "project": N_(
            "Code of the country project (see the codes sheet); an appeal or a project is required."
        ),
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
CODE_LISTS = {
    "donor": "A",
    "recipient": "A",
    "appeal": "C",
    "programme": "E",
    "project": "G",
    "consignment": "I",
}


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


def _columns(
    model: type[BaseModel], *, skip: tuple[str, ...] = (), required: tuple[str, ...] = ()
) -> tuple[Column, ...]:
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


def help_text(sheet: str, column: str) -> str:
    message = HELP[sheet].get(column) or HELP["*"].get(column, "")
    return _(message) if message else ""


def format_text(column: Column) -> str:
    if column.kind == "decimal":
        return _(DECIMAL_FORMAT) % {"places": column.places}
    return _(FORMATS[column.kind])


def allowed_values(column: Column) -> str:
    if column.kind == "choice":
        return ", ".join(choice for choice in column.choices if choice) or ""
    if column.kind == "bool":
        return "yes, no"
    return ""


class CellError(Exception):
    """A cell cannot be read as its column's kind; the message says why."""


def plain_number(value: float) -> str:
    """The float as Excel shows it: 15 significant digits, no exponent."""
    if not math.isfinite(value):
        raise CellError(_("Enter a number, e.g. 1234.56."))
    text = format(Decimal(format(value, ".15g")), "f")
    return text


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise CellError(_("Enter a number, e.g. 1234.56."))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(plain_number(value))
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise CellError(_("Enter a number, e.g. 1234.56.")) from None
        if number.is_finite():
            return number
    raise CellError(_("Enter a number, e.g. 1234.56."))


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
    raise CellError(_("Enter a date as YYYY-MM-DD."))


def _years(value: Any) -> dict[str, Decimal]:
    parts = [part.strip() for part in str(value).split(";") if part.strip()]
    found: dict[str, Decimal] = {}
    for part in parts:
        year, colon, amount = part.partition(":")
        if not colon or not re.fullmatch(r"\d{4}", year.strip()):
            raise CellError(
                _(
                    "Write the yearly amounts as year:amount separated by "
                    "semicolons, e.g. 2025:1000;2026:500."
                )
            )
        if year.strip() in found:
            raise CellError(_("A year appears twice."))
        found[year.strip()] = _decimal(amount)
    return found


def cell_value(column: Column, value: Any) -> Any:
    """The cell's value as the input shape expects it."""
    if column.kind == "decimal":
        return _decimal(value)
    if column.kind == "int":
        number = _decimal(value)
        if number != number.to_integral_value():
            raise CellError(_("Enter a whole number."))
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
        raise CellError(_("Enter yes or no."))
    if column.kind == "years":
        return _years(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return plain_number(value)
    return str(value).strip()


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
