"""FAO/Bioversity Multi-Crop Passport Descriptors V.2.1 (Alercia, Diulgheroff & Mackay, 2015).

Validating every descriptor of a passport file to its type, format and code list, and
writing MCPD files back. The parts of one concern each live beside it: descriptors and code
lists (:mod:`~iofs.genebank.mcpd_codes`), reading tables and finding a workbook's MCPD sheet
(:mod:`~iofs.genebank.mcpd_tables`), the mapping file with its value mapping
(:mod:`~iofs.genebank.mcpd_mapping`), dates (:mod:`~iofs.genebank.mcpd_dates`) and
coordinates (:mod:`~iofs.genebank.mcpd_coordinates`); their names are re-exported here.

Each problem is an :class:`Issue` with the file line, the MCPD column and the reason; an
``error`` makes the row unimportable, a ``warning`` is reported but the row is kept (possibly
normalised, e.g. ``zea`` → ``Zea``). Dates are ``YYYYMMDD`` with ``--`` or ``00`` for unknown
month/day; coordinates are decimal degrees (WGS84 unless COORDDATUM says otherwise) and
``DDMMSSH``/``DDDMMSSH`` degrees-minutes-seconds; COORDUNCERT and ELEVATION are metres.
"""

from __future__ import annotations

import csv
import io
import json
import math
import operator
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from iofs.genebank.mcpd_codes import (
    AVAILABLE,
    COLLSRC_CODES,
    COUNTRY_CODES,
    DESCRIPTORS,
    GEOREFMETH_SUGGESTED,
    MAX_LENGTH,
    MCPD_COLUMNS,
    MLSSTAT_CODES,
    SAMPSTAT_CODES,
    STORAGE_CODES,
    SUBTAXA_FIXES,
    SUBTAXA_RANKS,
    TEXT_LIMIT,
    PassportFileError,
)
from iofs.genebank.mcpd_coordinates import LATITUDE, LONGITUDE, NUMBER, decimal_degrees, dms_degrees
from iofs.genebank.mcpd_coordinates import number as _number
from iofs.genebank.mcpd_dates import DATE as DATE
from iofs.genebank.mcpd_dates import date_problem as _date_problem
from iofs.genebank.mcpd_dates import partial_date as partial_date
from iofs.genebank.mcpd_mapping import PassportMapping, mapping_from_data
from iofs.genebank.mcpd_mapping import read_mapping as read_mapping
from iofs.genebank.mcpd_tables import PassportTable, read_table, text_table
from iofs.i18n import gettext as _
from iofs.spreadsheets import csv_cell

WIEWS = re.compile(r"^[A-Z]{3}[0-9]{3,4}$")
GENUS = re.compile(r"^[A-Z][a-z]+(-[a-z]+)?$")
SPECIES = re.compile(r"^(x |× )?[a-z][a-z-]*$")
OTHER_UNEXPLAINED = "'Other' codes (99/999) should be explained in REMARKS"
TRUE_WORDS = frozenset({"1", "true", "yes", "y", "t"})
FALSE_WORDS = frozenset({"0", "false", "no", "n", "f", ""})


@dataclass(frozen=True)
class Issue:
    """One problem: file line (header = 1), MCPD column, severity and reason (English)."""

    line: int
    column: str
    severity: str  # "error" | "warning"
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.column}: {self.severity}: {self.reason}"


@dataclass
class PassportRow:
    """A validated row: MCPD values (normalised), derived coordinates and availability."""

    line: int
    values: dict[str, str]
    available: bool = False
    lat: float | None = None
    lon: float | None = None
    issues: list[Issue] = field(default_factory=list)
    raw: dict[str, str] = field(default_factory=dict)
    #: The MCPD values in the standard's order, when the fast path already has them.
    ordered: list[str] | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return not any(i.severity == "error" for i in self.issues)

    @property
    def key(self) -> tuple[str, str]:
        return self.values["INSTCODE"], self.values["ACCENUMB"]


# --- header ---------------------------------------------------------------------------------

#: Unknown columns named in the header warning (the rest are counted).
UNKNOWN_NAMED = 3


@dataclass
class HeaderPlan:
    """Which file column feeds which MCPD column, and warnings about the header."""

    positions: dict[str, int]
    issues: list[Issue]


def _unknown_columns(names: list[str], line: int) -> Issue:
    """One warning for every header name that is not MCPD (a file may have a million)."""
    shown = ", ".join(repr(n[:40]) for n in names[:UNKNOWN_NAMED])
    more = f" … (and {len(names) - UNKNOWN_NAMED:,} more)" if len(names) > UNKNOWN_NAMED else ""
    noun = "column" if len(names) == 1 else "columns"
    return Issue(
        line,
        names[0][:40],
        "warning",
        f"{len(names):,} unknown {noun}: {shown}{more}; ignored (map them with --mapping)",
    )


def plan_header(
    header: list[str],
    mapping: dict[str, str] | PassportMapping | None = None,
    line: int = 1,
) -> HeaderPlan:
    """Match file headers to MCPD columns (case-insensitive; a mapping renames first, and its
    constants stand for absent columns)."""
    if isinstance(mapping, PassportMapping):
        columns, constants = mapping.columns, mapping.constants
    else:
        columns, constants = mapping or {}, {}
    positions: dict[str, int] = {}
    unknown: list[str] = []
    allowed = set(MCPD_COLUMNS) | {AVAILABLE}
    for index, raw in enumerate(header):
        name = raw.strip()
        target = columns[name] if name in columns else name.upper()
        if not target:
            continue
        if target not in allowed:
            unknown.append(name)
            continue
        if target in positions:
            raise PassportFileError(
                _("two columns give %(column)s: use one, or map the other") % {"column": target}
            )
        positions[target] = index
    for required in ("INSTCODE", "ACCENUMB", "GENUS"):
        if required not in positions and not constants.get(required):
            message = _("the required MCPD column %(column)s is missing") % {"column": required}
            if required == "INSTCODE":
                hint = (
                    _(
                        "map one of your columns to it with --mapping, or give every row's "
                        'institute in the mapping file: [constants] INSTCODE = "KAZ001"'
                    )
                    if unknown
                    else _(
                        "give every row's institute in the mapping file: "
                        '[constants] INSTCODE = "KAZ001"'
                    )
                )
            elif unknown:
                hint = _("map one of your columns to it with --mapping")
            else:
                hint = ""
            raise PassportFileError(f"{message} ({hint})" if hint else message)
    return HeaderPlan(positions, [_unknown_columns(unknown, line)] if unknown else [])


# --- validation ---------------------------------------------------------------------------


def _safe_url(value: str) -> bool:
    """Whether ``value`` is an http(s) address: the only links a page may show."""
    parts = urlsplit(value)
    return parts.scheme in {"http", "https"} and bool(parts.netloc) and value.isprintable()


def validate_row(line: int, raw: dict[str, str], today: date | None = None) -> PassportRow:
    """Validate one row of MCPD values (keys are MCPD codes) and return it normalised."""
    today = today or date.today()
    issues: list[Issue] = []
    values: dict[str, str] = {}

    def error(column: str, reason: str) -> None:
        issues.append(Issue(line, column, "error", reason))

    def warn(column: str, reason: str) -> None:
        issues.append(Issue(line, column, "warning", reason))

    for column in MCPD_COLUMNS:
        value = raw.get(column, "")
        stripped = value.strip()
        if stripped != value:
            warn(column, "leading or trailing spaces removed")
        if DESCRIPTORS[column][1] and "; " in stripped:
            warn(column, "multiple values are separated by ';' without spaces; normalised")
            stripped = ";".join(part.strip() for part in stripped.split(";"))
        limit = MAX_LENGTH.get(column, TEXT_LIMIT)
        if len(stripped) > limit:
            error(column, f"longer than {limit} characters")
            stripped = stripped[:limit]
        values[column] = stripped

    for column in ("INSTCODE", "ACCENUMB", "GENUS"):
        if not values[column]:
            error(column, "required")
    instcode = values["INSTCODE"]
    if instcode and not WIEWS.match(instcode):
        if WIEWS.match(instcode.upper()):
            warn("INSTCODE", f"{instcode!r} normalised to upper case")
            values["INSTCODE"] = instcode = instcode.upper()
        else:
            error(
                "INSTCODE",
                f"{instcode!r} is not a FAO WIEWS institute code "
                "(3 letters of ISO 3166-1 + 3 or 4 digits, e.g. KAZ015)",
            )
    for column in ("COLLCODE", "BREDCODE", "DUPLSITE", "DONORCODE"):
        for code in filter(None, values[column].split(";")):
            if not WIEWS.match(code):
                error(column, f"{code!r} is not a FAO WIEWS institute code")
    puid = values["PUID"]
    if puid:
        if any(ch.isspace() for ch in puid):
            error("PUID", "a persistent identifier contains no spaces")
        elif not puid.startswith(("http://", "https://", "doi:", "10.", "urn:")):
            warn("PUID", "expected a DOI or URI (e.g. https://doi.org/10.18730/...)")

    url = values["ACCEURL"]
    if url and not _safe_url(url):
        error(
            "ACCEURL",
            f"{url[:80]!r} is not a web address: only http:// and https:// links are accepted",
        )

    # taxonomy
    genus = values["GENUS"]
    if genus and not GENUS.match(genus):
        fixed = genus[:1].upper() + genus[1:].lower()
        if GENUS.match(fixed):
            warn("GENUS", f"{genus!r} normalised to {fixed!r} (initial capital)")
            values["GENUS"] = fixed
        else:
            error("GENUS", f"{genus!r} is not a genus name (one word, initial capital)")
    species = values["SPECIES"]
    if species:
        if species in {"sp", "spp.", "spp"}:
            warn("SPECIES", f"{species!r} normalised to 'sp.' (the only abbreviation allowed)")
            values["SPECIES"] = "sp."
        elif species != "sp." and not SPECIES.match(species):
            fixed = species.lower()
            if SPECIES.match(fixed):
                warn("SPECIES", f"{species!r} normalised to lower case")
                values["SPECIES"] = fixed
            else:
                error(
                    "SPECIES",
                    f"{species!r} is not a specific epithet (lower case, one word or 'sp.')",
                )
    subtaxa = values["SUBTAXA"]
    if subtaxa:
        rank, _space, rest = subtaxa.partition(" ")
        if rank in SUBTAXA_FIXES:
            fixed = f"{SUBTAXA_FIXES[rank]} {rest}".strip()
            warn("SUBTAXA", f"{subtaxa!r} normalised to {fixed!r}")
            values["SUBTAXA"] = fixed
        elif rank not in SUBTAXA_RANKS:
            warn("SUBTAXA", "should start with a rank: subsp., convar., var., f. or Group")
    for name in filter(None, values["ACCENAME"].split(";")):
        if name[:1].isalpha() and not name[:1].isupper():
            warn("ACCENAME", f"{name!r}: names start with an upper-case letter")
            break

    # dates
    for column in ("ACQDATE", "COLLDATE"):
        if values[column]:
            problem = _date_problem(values[column], today)
            if problem:
                error(column, problem)
    if (
        values["ACQDATE"]
        and values["COLLDATE"]
        and not any(i.column in {"ACQDATE", "COLLDATE"} and i.severity == "error" for i in issues)
        and values["COLLDATE"][:4] > values["ACQDATE"][:4]
    ):
        warn("COLLDATE", "collected after the acquisition date")

    # country
    country = values["ORIGCTY"]
    if country and country not in COUNTRY_CODES:
        if country.upper() in COUNTRY_CODES:
            warn("ORIGCTY", f"{country!r} normalised to upper case")
            values["ORIGCTY"] = country.upper()
        else:
            error("ORIGCTY", f"{country!r} is not an ISO 3166-1 alpha-3 (or 3166-3) code")

    # coordinates
    lat: float | None = None
    lon: float | None = None
    for axis in (LATITUDE, LONGITUDE):
        decimal_value: float | None = None
        text = values[axis.decimal]
        if text:
            decimal_value, problem = decimal_degrees(text, axis)
            if problem:
                error(axis.decimal, problem)
        dms_value: float | None = None
        dms = values[axis.dms]
        if dms:
            position, problem = dms_degrees(dms, axis)
            if position is None:
                error(axis.dms, problem or "not a position")
            else:
                dms_value = position.degrees
                if position.lower_case:
                    values[axis.dms] = dms = dms.upper()
                    warn(axis.dms, f"hemisphere letter normalised to upper case ({dms})")
                if (
                    decimal_value is not None
                    and abs(decimal_value - position.degrees) > position.tolerance + 1e-9
                ):
                    error(
                        axis.dms,
                        f"{dms} ({position.degrees:.5f}°) disagrees with {axis.decimal} {text}",
                    )
        chosen = decimal_value if decimal_value is not None else dms_value
        if axis is LATITUDE:
            lat = chosen
        else:
            lon = chosen
    if (lat is None) != (lon is None) and not any(
        i.column in {"DECLATITUDE", "DECLONGITUDE", "LATITUDE", "LONGITUDE"} for i in issues
    ):
        warn("DECLATITUDE", "latitude and longitude should be given together")
        lat = lon = None
    uncertainty = values["COORDUNCERT"]
    if uncertainty:
        number = _number(uncertainty)
        if number is None or number < 0:
            error("COORDUNCERT", f"{uncertainty!r} is not a distance in metres >= 0")
    if values["GEOREFMETH"] and values["GEOREFMETH"] not in GEOREFMETH_SUGGESTED:
        warn("GEOREFMETH", "not one of GPS, map, gazetteer, software")
    elevation = values["ELEVATION"]
    if elevation:
        number = _number(elevation)
        if number is None:
            error("ELEVATION", f"{elevation!r} is not a number of metres")
        elif not -430 <= number <= 8850:
            warn("ELEVATION", f"{elevation} m is outside the elevations on Earth")

    # code lists
    for column, codes in (
        ("SAMPSTAT", SAMPSTAT_CODES),
        ("COLLSRC", COLLSRC_CODES),
        ("MLSSTAT", MLSSTAT_CODES),
    ):
        value = values[column]
        if value and value not in codes:
            error(
                column,
                f"{value!r} is not a {column} code ({', '.join(sorted(codes, key=int))})"
                if len(codes) < 5
                else f"{value!r} is not in the {column} code list",
            )
    for code in filter(None, values["STORAGE"].split(";")):
        if code not in STORAGE_CODES:
            error("STORAGE", f"{code!r} is not in the STORAGE code list")
    other = "999" in {values["SAMPSTAT"]} or "99" in {values["COLLSRC"], values["MLSSTAT"]}
    if other and not values["REMARKS"]:
        warn("REMARKS", OTHER_UNEXPLAINED)
    for remark in filter(None, values["REMARKS"].split(";")):
        prefix, colon, _rest = remark.partition(":")
        if not colon or prefix not in DESCRIPTORS:
            warn("REMARKS", f"{remark[:40]!r}: remarks are FIELD:text with an MCPD field name")
            break
    for identifier in filter(None, values["OTHERNUMB"].split(";")):
        if ":" not in identifier:
            warn("OTHERNUMB", f"{identifier!r}: give INSTCODE:ID (or :ID when unknown)")
            break

    available_text = raw.get(AVAILABLE, "").strip().lower()
    available = available_text in TRUE_WORDS
    if available_text not in TRUE_WORDS | FALSE_WORDS:
        error(AVAILABLE, f"{available_text!r} is not yes/no")
    return PassportRow(
        line=line, values=values, available=available, lat=lat, lon=lon, issues=issues, raw=raw
    )


# --- fast path ----------------------------------------------------------------------------
#
# Most rows of a large file are clean: every descriptor already valid and normalised. For
# those, checking each value against its column's rules (memoised per distinct value, since
# code lists, taxa, countries and dates repeat) is several times cheaper than the full
# validation above. A row that fails any of these checks, or that uses a feature the fast
# path leaves out (DMS coordinates), goes through :func:`validate_row`, so the fast path
# only ever decides "no issues at all" and never words a reason. Tests check it agrees
# with :func:`validate_row` on every row it accepts.

_MULTI = frozenset(c for c, (_t, multi, _l) in DESCRIPTORS.items() if multi)
_PUID_PREFIXES = ("http://", "https://", "doi:", "10.", "urn:")
_SPECIES_FIXED = frozenset({"sp", "spp.", "spp"})
_AVAILABLE_WORDS = TRUE_WORDS | FALSE_WORDS
_CACHE_LIMIT = 4096


def _all_codes(pattern: re.Pattern[str]) -> Callable[[str], bool]:
    return lambda v: all(pattern.match(c) for c in v.split(";") if c)


def _in_range(low: float, high: float) -> Callable[[str], bool]:
    def check(value: str) -> bool:
        # NUMBER without the regex: a sign, then decimal digits with at most one point
        # (the value has no surrounding white space here, so NUMBER's "$" is the end).
        body = value[1:] if value[:1] in ("+", "-") else value
        if not body.replace(".", "", 1).isdecimal():
            return False
        return low <= float(value) <= high

    return check


def _remarks_clean(value: str) -> bool:
    for remark in value.split(";"):
        if remark:
            prefix, colon, _rest = remark.partition(":")
            if not colon or prefix not in DESCRIPTORS:
                return False
    return True


def _subtaxa_clean(value: str) -> bool:
    rank = value.partition(" ")[0]
    return rank not in SUBTAXA_FIXES and rank in SUBTAXA_RANKS


_RULES: dict[str, Callable[[str], bool]] = {
    "PUID": lambda v: not any(ch.isspace() for ch in v) and v.startswith(_PUID_PREFIXES),
    "INSTCODE": lambda v: WIEWS.match(v) is not None,
    "COLLCODE": _all_codes(WIEWS),
    "BREDCODE": _all_codes(WIEWS),
    "DUPLSITE": _all_codes(WIEWS),
    "DONORCODE": _all_codes(WIEWS),
    "GENUS": lambda v: GENUS.match(v) is not None,
    "SPECIES": lambda v: v not in _SPECIES_FIXED and (v == "sp." or SPECIES.match(v) is not None),
    "SUBTAXA": _subtaxa_clean,
    "ACCENAME": lambda v: (
        not any(n[:1].isalpha() and not n[:1].isupper() for n in v.split(";") if n)
    ),
    "ORIGCTY": lambda v: v in COUNTRY_CODES,
    "DECLATITUDE": _in_range(-90.0, 90.0),
    "DECLONGITUDE": _in_range(-180.0, 180.0),
    "LATITUDE": lambda v: False,
    "LONGITUDE": lambda v: False,  # DMS: full validation
    "COORDUNCERT": _in_range(0.0, math.inf),
    "GEOREFMETH": lambda v: v in GEOREFMETH_SUGGESTED,
    "ELEVATION": _in_range(-430.0, 8850.0),
    "SAMPSTAT": lambda v: v in SAMPSTAT_CODES,
    "COLLSRC": lambda v: v in COLLSRC_CODES,
    "MLSSTAT": lambda v: v in MLSSTAT_CODES,
    "STORAGE": lambda v: all(c in STORAGE_CODES for c in v.split(";") if c),
    "REMARKS": _remarks_clean,
    "OTHERNUMB": lambda v: all(":" in i for i in v.split(";") if i),
    "ACCEURL": _safe_url,
}


def _column_check(column: str, today: date) -> Callable[[str], bool]:
    """Whether a non-empty value of ``column`` passes :func:`validate_row` untouched."""
    limit = MAX_LENGTH.get(column, TEXT_LIMIT)
    multi = column in _MULTI
    rule: Callable[[str], bool]
    if column in {"ACQDATE", "COLLDATE"}:

        def rule(v: str) -> bool:
            return _date_problem(v, today) is None
    else:
        rule = _RULES.get(column, lambda v: True)

    def check(value: str) -> bool:
        return (
            value.strip() == value
            and len(value) <= limit
            and not (multi and "; " in value)
            and bool(rule(value))
        )

    return check


_SLOT = {column: i for i, column in enumerate(MCPD_COLUMNS)}


def _getter(indices: list[int]) -> Callable[[list[str]], tuple[str, ...]]:
    """``values -> tuple of values[i] for i in indices`` (in C when it can)."""
    if len(indices) > 1:
        return operator.itemgetter(*indices)
    return lambda values: tuple(values[i] for i in indices)


class _FastPath:
    """Accepts rows (MCPD values in standard order) that :func:`validate_row` would pass
    unchanged and without any issue; returns None for every other row."""

    def __init__(self, today: date) -> None:
        self.checks = [_column_check(c, today) for c in MCPD_COLUMNS]
        #: Verdicts by value, per column ("" is always fine: required columns are checked
        #: apart); a column whose values prove too varied to memoise is checked every time.
        self.caches: list[dict[str, bool]] = [{"": True} for _c in MCPD_COLUMNS]
        self.uncached: list[int] = []
        self.available: dict[str, bool | None] = {}
        self._plan()

    def _plan(self) -> None:
        self.cached = [i for i in range(len(MCPD_COLUMNS)) if i not in self.uncached]
        self.cached_values = _getter(self.cached)
        self.cached_caches = [self.caches[i] for i in self.cached]
        self.uncached_values = _getter(self.uncached)
        self.uncached_checks = [self.checks[i] for i in self.uncached]

    def accept(
        self, values: list[str], available_text: str
    ) -> tuple[bool, float | None, float | None, bool] | None:
        """``(available, lat, lon, other_code_unexplained)`` of a clean row (the last
        means its only issue is the REMARKS warning on 'Other' codes), else None."""
        verdicts = list(map(dict.get, self.cached_caches, self.cached_values(values)))
        if None in verdicts:  # values not seen yet: check and remember them
            clean, crowded = True, []
            for slot, verdict in zip(self.cached, verdicts, strict=True):
                if verdict is None:
                    cache = self.caches[slot]
                    verdict = cache[values[slot]] = self.checks[slot](values[slot])
                    if len(cache) >= _CACHE_LIMIT:
                        crowded.append(slot)  # e.g. accession numbers: all different
                clean = clean and verdict
            if crowded:
                self.uncached.extend(crowded)
                self._plan()
            if not clean:
                return None
        elif False in verdicts:
            return None
        for check, value in zip(self.uncached_checks, self.uncached_values(values), strict=True):
            if value and not check(value):
                return None
        s = _SLOT
        if not (values[s["INSTCODE"]] and values[s["ACCENUMB"]] and values[s["GENUS"]]):
            return None
        acqdate, colldate = values[s["ACQDATE"]], values[s["COLLDATE"]]
        if acqdate and colldate and colldate[:4] > acqdate[:4]:
            return None
        declat, declon = values[s["DECLATITUDE"]], values[s["DECLONGITUDE"]]
        if bool(declat) != bool(declon):
            return None
        available = self.available.get(available_text)
        if available is None:
            word = available_text.strip().lower()
            if word not in _AVAILABLE_WORDS:
                return None
            available = self.available[available_text] = word in TRUE_WORDS
        # The one warning a row can have on this path (validate_row's only issue then).
        other = (
            values[s["SAMPSTAT"]] == "999"
            or values[s["COLLSRC"]] == "99"
            or values[s["MLSSTAT"]] == "99"
        ) and not values[s["REMARKS"]]
        return (
            available,
            float(declat) if declat else None,
            float(declon) if declon else None,
            other,
        )


# --- reports ------------------------------------------------------------------------------


def _duplicate_issue(row: PassportRow, first: int) -> Issue:
    return Issue(
        row.line,
        "ACCENUMB",
        "error",
        f"{row.values['ACCENUMB']!r} of {row.values['INSTCODE']} repeats line {first}",
    )


@dataclass
class ValidationReport:
    """All rows of a file, validated, with header issues and duplicate keys caught."""

    rows: list[PassportRow]
    header_issues: list[Issue]
    header: list[str]

    @property
    def valid(self) -> list[PassportRow]:
        return [r for r in self.rows if r.ok]

    @property
    def invalid(self) -> list[PassportRow]:
        return [r for r in self.rows if not r.ok]

    def issues(self) -> Iterator[Issue]:
        yield from self.header_issues
        for row in self.rows:
            yield from row.issues

    @property
    def error_count(self) -> int:
        return sum(1 for i in self.issues() if i.severity == "error")

    @property
    def warning_count(self) -> int:
        return sum(1 for i in self.issues() if i.severity == "warning")


def validate_rows(
    rows: Iterable[tuple[int, dict[str, str]]], header: list[str], header_issues: list[Issue]
) -> ValidationReport:
    """Validate rows ``(line, {MCPD code: value})``; a repeated INSTCODE+ACCENUMB is an error."""
    validated: list[PassportRow] = []
    seen: dict[tuple[str, str], int] = {}
    today = date.today()
    for line, raw in rows:
        row = validate_row(line, raw, today)
        if row.values["INSTCODE"] and row.values["ACCENUMB"]:
            first = seen.setdefault(row.key, line)
            if first != line:
                row.issues.append(_duplicate_issue(row, first))
        validated.append(row)
    return ValidationReport(validated, header_issues, header)


class PassportStream:
    """A passport file validated row by row as it is read, for files too large to hold.

    Iterating yields every row (valid or not) once; meanwhile the stream counts rows, errors
    and warnings and keeps the rows with errors (for the error list and ``--reject-file``).
    Same rules and messages as :func:`validate_rows`, clean rows taking the fast path.
    """

    def __init__(
        self,
        header: list[str],
        rows: Iterable[tuple[int, list[str]]],
        plan: HeaderPlan,
        progress: Callable[[int], object] | None = None,
        transform: Callable[[list[str], str], tuple[list[str], str]] | None = None,
    ) -> None:
        self.header = header
        self._transform = transform
        self.header_issues = plan.issues
        self.invalid: list[PassportRow] = []
        self.row_count = 0
        self.error_count = sum(1 for i in plan.issues if i.severity == "error")
        self.warning_count = len(plan.issues) - self.error_count
        self._rows = rows
        self._plan = plan
        self._progress = progress
        self._consumed = False
        #: What it was opened from, to read it again elsewhere.
        self.source: PassportSource | None = None

    def state(self) -> tuple[list[PassportRow], int, int, int]:
        """What reading the stream found (rows with errors, rows, errors, warnings)."""
        return self.invalid, self.row_count, self.error_count, self.warning_count

    def discard(self) -> None:
        """Give up reading here (another process reads the source; see :meth:`adopt`)."""
        self._consumed = True
        close = getattr(self._rows, "close", None)
        if close is not None:
            close()

    def adopt(self, state: tuple[list[PassportRow], int, int, int]) -> None:
        """Take the :meth:`state` of the same source read elsewhere."""
        self.invalid, self.row_count, self.error_count, self.warning_count = state

    @property
    def valid_count(self) -> int:
        return self.row_count - len(self.invalid)

    def issues(self) -> Iterator[Issue]:
        """Header issues and those of the rows with errors (after iterating)."""
        yield from self.header_issues
        for row in self.invalid:
            yield from row.issues

    def __iter__(self) -> Iterator[PassportRow]:
        if self._consumed:
            raise RuntimeError("a passport stream is read once")
        self._consumed = True
        today = date.today()
        fast = _FastPath(today)
        positions = self._plan.positions
        index = [positions.get(c) for c in MCPD_COLUMNS]
        count = len(MCPD_COLUMNS)
        in_order = index == list(range(count))  # the file's first columns are MCPD's
        available_at = positions.get(AVAILABLE)
        width = max(positions.values(), default=-1) + 1
        seen: dict[tuple[str, str], int] = {}
        columns = MCPD_COLUMNS
        progress = self._progress
        transform = self._transform
        for line, cells in self._rows:
            self.row_count += 1
            if progress is not None:
                progress(1)
            accepted = None
            whole = len(cells) >= width
            values = (
                cells[:count]
                if in_order and whole
                else [cells[i] if i is not None and i < len(cells) else "" for i in index]
            )
            available_text = (
                cells[available_at]
                if available_at is not None and available_at < len(cells)
                else ""
            )
            if transform is not None:
                values, available_text = transform(values, available_text)
            if whole or transform is not None:
                accepted = fast.accept(values, available_text)
            if accepted is not None:
                row = PassportRow(
                    line,
                    dict(zip(columns, values, strict=True)),
                    accepted[0],
                    accepted[1],
                    accepted[2],
                    [Issue(line, "REMARKS", "warning", OTHER_UNEXPLAINED)] if accepted[3] else [],
                    {},
                    values,
                )
            else:
                raw = dict(zip(columns, values, strict=True))
                raw[AVAILABLE] = available_text
                row = validate_row(line, raw, today)
                if transform is not None:  # rejected rows keep the file's own cells
                    row.raw = {
                        name: (cells[i] if i < len(cells) else "") for name, i in positions.items()
                    }
            key = (row.values["INSTCODE"], row.values["ACCENUMB"])
            if key[0] and key[1]:
                first = seen.setdefault(key, line)
                if first != line:
                    if not row.raw:  # a fast-path row: its values are the file's cells
                        row.raw = {
                            name: (cells[i] if i < len(cells) else "")
                            for name, i in positions.items()
                        }
                    row.issues.append(_duplicate_issue(row, first))
            if row.issues:
                errors = sum(1 for i in row.issues if i.severity == "error")
                self.error_count += errors
                self.warning_count += len(row.issues) - errors
                if errors:
                    self.invalid.append(row)
            yield row


@dataclass(frozen=True)
class PassportSource:
    """A passport file and how to read it: the mapping file's content and the sheet."""

    path: Path
    mapping: PassportMapping | None = None
    sheet: str | None = None

    def as_json(self) -> str:
        """The source as JSON (for a child process; see :func:`source_from_json`)."""
        return json.dumps(
            {
                "path": str(self.path),
                "mapping": self.mapping.as_dict() if self.mapping else None,
                "sheet": self.sheet,
            }
        )


def source_from_json(text: str) -> PassportSource:
    """The :class:`PassportSource` of :meth:`PassportSource.as_json`."""
    data = json.loads(text)
    mapping = data.get("mapping")
    return PassportSource(
        Path(data["path"]),
        mapping_from_data(mapping, mapping.get("name", "mapping")) if mapping else None,
        data.get("sheet"),
    )


def _as_mapping(mapping: dict[str, str] | PassportMapping | None) -> PassportMapping | None:
    if mapping is None or isinstance(mapping, PassportMapping):
        return mapping
    return PassportMapping(columns=dict(mapping))


def stream_table(
    table: PassportTable,
    mapping: dict[str, str] | PassportMapping | None = None,
    progress: Callable[[int], object] | None = None,
) -> PassportStream:
    """A :class:`PassportStream` over an open table (closed if its header is refused)."""
    plan_mapping = _as_mapping(mapping)
    try:
        plan = plan_header(table.header, plan_mapping, table.header_line)
    except PassportFileError as error:
        table.close()
        raise PassportFileError(f"{table.name}: {error}") from None
    transform = plan_mapping.transformer() if plan_mapping else None
    return PassportStream(table.header, table.rows, plan, progress, transform)


def open_passport(
    path: Path,
    mapping: dict[str, str] | PassportMapping | None = None,
    progress: Callable[[int], object] | None = None,
    sheet: str | None = None,
) -> PassportStream:
    """A passport file (CSV/TSV/XLSX) to validate while reading (see :class:`PassportStream`);
    a workbook's MCPD sheet is found by its header unless ``sheet`` names it.

    Raises :class:`PassportFileError` at once for an unreadable file or header."""
    plan_mapping = _as_mapping(mapping)
    table = read_table(path, sheet=sheet, columns=plan_mapping.columns if plan_mapping else None)
    stream = stream_table(table, plan_mapping, progress)
    stream.source = PassportSource(path, plan_mapping, table.sheet)
    return stream


def validate_file(
    path: Path,
    mapping: dict[str, str] | PassportMapping | None = None,
    progress: object | None = None,
    sheet: str | None = None,
) -> ValidationReport:
    """Read and validate a passport file (CSV/TSV/XLSX); ``progress(n)`` is called per row."""
    stream = open_passport(path, mapping, progress if callable(progress) else None, sheet)
    return ValidationReport(list(stream), stream.header_issues, stream.header)


def validate_text(text: str, name: str = "upload.csv") -> ValidationReport:
    """Validate MCPD CSV given as text (an upload): the same reader as a file's."""
    stream = stream_table(text_table(text, name))
    return ValidationReport(list(stream), stream.header_issues, stream.header)


# --- writing ------------------------------------------------------------------------------


def mcpd_cell(value: str) -> str:
    """An MCPD value as CSV text through the shared export writer: a number stays as it is
    (``-12.5``), text that a spreadsheet would run as a formula (``=…``, ``+…``, ``@…``) gets
    a leading quote (:func:`iofs.spreadsheets.csv_cell`)."""
    return value if NUMBER.match(value) else csv_cell(value)


def write_mcpd(records: Iterable[dict[str, str]], out: io.TextIOBase | io.StringIO) -> int:
    """Write records (MCPD code -> text) as MCPD CSV: all columns in the standard's order,
    ``\\n`` line ends, minimal quoting, formula-like text neutralised (:func:`mcpd_cell`).
    Returns the number of rows."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(MCPD_COLUMNS)
    count = 0
    for record in records:
        writer.writerow([mcpd_cell(record.get(c, "")) for c in MCPD_COLUMNS])
        count += 1
    return count


def taxon_name(values: dict[str, str]) -> str:
    """The normalised scientific name: ``Genus species subtaxa`` (authorities left out)."""
    return " ".join(
        p
        for p in (values.get("GENUS", ""), values.get("SPECIES", ""), values.get("SUBTAXA", ""))
        if p
    )


#: What the module offers, its parts' names included (re-exported).
__all__ = [
    "AVAILABLE",
    "COLLSRC_CODES",
    "COUNTRY_CODES",
    "DATE",
    "DESCRIPTORS",
    "GEOREFMETH_SUGGESTED",
    "MAX_LENGTH",
    "MCPD_COLUMNS",
    "MLSSTAT_CODES",
    "SAMPSTAT_CODES",
    "STORAGE_CODES",
    "SUBTAXA_FIXES",
    "SUBTAXA_RANKS",
    "TEXT_LIMIT",
    "WIEWS",
    "HeaderPlan",
    "Issue",
    "PassportFileError",
    "PassportMapping",
    "PassportRow",
    "PassportSource",
    "PassportStream",
    "PassportTable",
    "ValidationReport",
    "mcpd_cell",
    "open_passport",
    "partial_date",
    "plan_header",
    "read_mapping",
    "read_table",
    "source_from_json",
    "stream_table",
    "taxon_name",
    "validate_file",
    "validate_row",
    "validate_rows",
    "validate_text",
    "write_mcpd",
]
