"""FAO/Bioversity Multi-Crop Passport Descriptors V.2.1 (Alercia, Diulgheroff & Mackay, 2015).

Reading passport files (CSV, TSV, XLSX; a column mapping for non-MCPD headers), validating
every descriptor to its type, format and code list, and writing MCPD files back.

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

from iofs import countries

#: The 41 MCPD V.2.1 descriptors in the standard's order, then the ACCEURL extension
#: (Genesys/EURISCO). name -> (type, multi-valued, code list or None).
DESCRIPTORS: dict[str, tuple[str, bool, str | None]] = {
    "PUID": ("text", False, None),
    "INSTCODE": ("text", False, None),
    "ACCENUMB": ("text", False, None),
    "COLLNUMB": ("text", False, None),
    "COLLCODE": ("text", True, None),
    "COLLNAME": ("text", True, None),
    "COLLINSTADDRESS": ("text", True, None),
    "COLLMISSID": ("text", False, None),
    "GENUS": ("text", False, None),
    "SPECIES": ("text", False, None),
    "SPAUTHOR": ("text", False, None),
    "SUBTAXA": ("text", False, None),
    "SUBTAUTHOR": ("text", False, None),
    "CROPNAME": ("text", False, None),
    "ACCENAME": ("text", True, None),
    "ACQDATE": ("date", False, None),
    "ORIGCTY": ("code", False, "ISO3166"),
    "COLLSITE": ("text", False, None),
    "DECLATITUDE": ("number", False, None),
    "LATITUDE": ("text", False, None),
    "DECLONGITUDE": ("number", False, None),
    "LONGITUDE": ("text", False, None),
    "COORDUNCERT": ("number", False, None),
    "COORDDATUM": ("text", False, None),
    "GEOREFMETH": ("text", False, "GEOREFMETH"),
    "ELEVATION": ("number", False, None),
    "COLLDATE": ("date", False, None),
    "BREDCODE": ("text", True, None),
    "BREDNAME": ("text", True, None),
    "SAMPSTAT": ("code", False, "SAMPSTAT"),
    "ANCEST": ("text", False, None),
    "COLLSRC": ("code", False, "COLLSRC"),
    "DONORCODE": ("text", False, None),
    "DONORNAME": ("text", False, None),
    "DONORNUMB": ("text", False, None),
    "OTHERNUMB": ("text", True, None),
    "DUPLSITE": ("text", True, None),
    "DUPLINSTNAME": ("text", True, None),
    "STORAGE": ("code", True, "STORAGE"),
    "MLSSTAT": ("code", False, "MLSSTAT"),
    "REMARKS": ("text", True, None),
    "ACCEURL": ("text", False, None),
}
MCPD_COLUMNS: list[str] = list(DESCRIPTORS)
#: Column managed by iofs beside MCPD: whether the accession is available for distribution.
AVAILABLE = "AVAILABLE"

#: MCPD V.2.1 code lists (codes only; labels are translated in the pages).
SAMPSTAT_CODES = frozenset(
    {
        "100",
        "110",
        "120",
        "130",
        "200",
        "300",
        "400",
        "410",
        "411",
        "412",
        "413",
        "414",
        "415",
        "416",
        "420",
        "421",
        "422",
        "423",
        "500",
        "600",
        "999",
    }
)
COLLSRC_CODES = frozenset(
    {
        "10",
        "11",
        "12",
        "13",
        "14",
        "15",
        "20",
        "21",
        "22",
        "23",
        "24",
        "25",
        "26",
        "27",
        "28",
        "30",
        "40",
        "50",
        "60",
        "61",
        "62",
        "99",
    }
)
STORAGE_CODES = frozenset({"10", "11", "12", "13", "20", "30", "40", "50", "99"})
MLSSTAT_CODES = frozenset({"0", "1", "99"})
#: Suggested (not normative) georeferencing methods.
GEOREFMETH_SUGGESTED = frozenset(
    {"GPS", "map", "gazetteer", "software", "determined from map", "estimated using software"}
)
SUBTAXA_RANKS = ("subsp.", "convar.", "var.", "subvar.", "f.", "Group", "cv.", "nothosubsp.")
SUBTAXA_FIXES = {
    "ssp.": "subsp.",
    "ssp": "subsp.",
    "subsp": "subsp.",
    "var": "var.",
    "convar": "convar.",
    "forma": "f.",
}

COUNTRY_CODES = countries.current_iso3() | countries.historic_iso3()

MAX_LENGTH: dict[str, int] = {
    "PUID": 255,
    "INSTCODE": 16,
    "ACCENUMB": 128,
    "COLLNUMB": 128,
    "COLLCODE": 255,
    "COLLMISSID": 255,
    "GENUS": 64,
    "SPECIES": 64,
    "SPAUTHOR": 255,
    "SUBTAXA": 255,
    "SUBTAUTHOR": 255,
    "CROPNAME": 128,
    "DECLATITUDE": 32,
    "DECLONGITUDE": 32,
    "COORDUNCERT": 32,
    "COORDDATUM": 64,
    "GEOREFMETH": 255,
    "ELEVATION": 32,
    "BREDCODE": 255,
    "DONORCODE": 16,
    "DONORNUMB": 128,
    "DUPLSITE": 255,
    "STORAGE": 64,
    "ACCEURL": 255,
}
TEXT_LIMIT = 10_000

WIEWS = re.compile(r"^[A-Z]{3}[0-9]{3,4}$")
GENUS = re.compile(r"^[A-Z][a-z]+(-[a-z]+)?$")
SPECIES = re.compile(r"^(x |× )?[a-z][a-z-]*$")
DATE = re.compile(r"^(\d{4})(\d{2}|--)(\d{2}|--)$")
DMS_LAT = re.compile(r"^(\d{2})([\d-]{2})([\d-]{2})([NS])$")
DMS_LON = re.compile(r"^(\d{3})([\d-]{2})([\d-]{2})([EW])$")
NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
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


class PassportFileError(ValueError):
    """The file itself cannot be read (format, encoding, missing required columns)."""


# --- reading ------------------------------------------------------------------------------


def read_mapping(path: Path) -> dict[str, str]:
    """A column mapping ``source header -> MCPD code`` from CSV (``source,target``) or JSON.

    An empty target drops the column. Targets must be MCPD codes, ACCEURL or AVAILABLE.
    """
    text = path.read_text(encoding="utf-8-sig")
    mapping: dict[str, str]
    if path.suffix.lower() == ".json":
        loaded = json.loads(text)
        if not isinstance(loaded, dict):
            raise PassportFileError(f"{path.name}: the mapping must be a JSON object")
        mapping = {str(k).strip(): str(v or "").strip().upper() for k, v in loaded.items()}
    else:
        reader = csv.DictReader(io.StringIO(text))
        if reader.fieldnames is None or not {"source", "target"} <= set(reader.fieldnames):
            raise PassportFileError(f"{path.name}: the mapping needs columns source,target")
        mapping = {(r["source"] or "").strip(): (r["target"] or "").strip().upper() for r in reader}
    allowed = set(MCPD_COLUMNS) | {AVAILABLE}
    for source, target in mapping.items():
        if target and target not in allowed:
            raise PassportFileError(
                f"{path.name}: {source!r} maps to {target!r}, which is not an MCPD column"
            )
    return mapping


def read_table(path: Path) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """Header and ``(line, cells)`` rows of a CSV, TSV or XLSX file."""
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        return _read_xlsx(path)
    if suffix not in {".csv", ".tsv", ".txt"}:
        raise PassportFileError(f"{path.name}: use a .csv, .tsv or .xlsx file")
    handle = path.open(encoding="utf-8-sig", newline="")
    try:
        sample = handle.read(65536)
        handle.seek(0)
    except UnicodeDecodeError:
        handle.close()
        raise PassportFileError(f"{path.name}: not UTF-8 text") from None
    delimiter = (
        "\t"
        if suffix == ".tsv"
        or sample.split("\n", 1)[0].count("\t") > sample.split("\n", 1)[0].count(",")
        else ","
    )
    reader = csv.reader(handle, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        handle.close()
        raise PassportFileError(f"{path.name}: the file is empty") from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for cells in reader:
                if "".join(cells).strip():  # not a blank row
                    yield reader.line_num, cells
        except UnicodeDecodeError:
            raise PassportFileError(f"{path.name}: not UTF-8 text") from None
        finally:
            handle.close()

    return header, rows()


def _read_xlsx(path: Path) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    sheet = workbook.worksheets[0]
    iterator = sheet.iter_rows(values_only=True)
    try:
        header = ["" if v is None else str(v) for v in next(iterator)]
    except StopIteration:
        raise PassportFileError(f"{path.name}: the sheet is empty") from None

    def cell(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    def rows() -> Iterator[tuple[int, list[str]]]:
        for number, values in enumerate(iterator, start=2):
            cells = [cell(v) for v in values]
            if any(c.strip() for c in cells):
                yield number, cells
        workbook.close()

    return header, rows()


@dataclass
class HeaderPlan:
    """Which file column feeds which MCPD column, and warnings about the header."""

    positions: dict[str, int]
    issues: list[Issue]


def plan_header(header: list[str], mapping: dict[str, str] | None = None) -> HeaderPlan:
    """Match file headers to MCPD columns (case-insensitive; a mapping renames first)."""
    mapping = mapping or {}
    positions: dict[str, int] = {}
    issues: list[Issue] = []
    allowed = set(MCPD_COLUMNS) | {AVAILABLE}
    for index, raw in enumerate(header):
        name = raw.strip()
        target = mapping[name] if name in mapping else name.upper()
        if not target:
            continue
        if target not in allowed:
            issues.append(
                Issue(1, name, "warning", "not an MCPD column; ignored (map it with --mapping)")
            )
            continue
        if target in positions:
            raise PassportFileError(f"two columns give {target}: use one, or map the other")
        positions[target] = index
    for required in ("INSTCODE", "ACCENUMB", "GENUS"):
        if required not in positions:
            raise PassportFileError(
                f"the required MCPD column {required} is missing"
                + (" (map your header with --mapping)" if mapping or header else "")
            )
    return HeaderPlan(positions, issues)


# --- validation ---------------------------------------------------------------------------


def _date_problem(value: str, today: date | None = None) -> str | None:
    today = today or date.today()
    match = DATE.match(value)
    if match is None:
        return f"{value!r} is not a date YYYYMMDD (unknown month/day as -- or 00)"
    year, month, day = match.groups()
    month_known = month not in {"--", "00"}
    day_known = day not in {"--", "00"}
    if month_known and not 1 <= int(month) <= 12:
        return f"{value!r}: month {month} does not exist"
    if day_known and not month_known:
        return f"{value!r}: a day is given without a month"
    if month_known and day_known:
        try:
            moment = date(int(year), int(month), int(day))
        except ValueError:
            return f"{value!r}: day {day} does not exist in month {month}"
        if moment > today:
            return f"{value!r} is in the future"
    elif int(year) > today.year:
        return f"{value!r} is in the future"
    return None


def _dms_degrees(match: re.Match[str]) -> tuple[float, float]:
    """Decimal degrees of a DMS match and the half-width of its uncertainty (degrees)."""
    degrees, minutes, seconds, hemisphere = match.groups()
    value = float(degrees)
    tolerance = 1 / 60 / 60
    if "-" in minutes:
        tolerance = 1.0
    else:
        value += int(minutes) / 60
        if "-" in seconds:
            tolerance = 1 / 60
        else:
            value += int(seconds) / 3600
    if hemisphere in {"S", "W"}:
        value = -value
    return value, tolerance


def _number(value: str) -> float | None:
    return float(value) if NUMBER.match(value) else None


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
        rank, _, rest = subtaxa.partition(" ")
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
    for dec_column, dms_column, pattern, bound in (
        ("DECLATITUDE", "LATITUDE", DMS_LAT, 90.0),
        ("DECLONGITUDE", "LONGITUDE", DMS_LON, 180.0),
    ):
        decimal_value: float | None = None
        text = values[dec_column]
        if text:
            decimal_value = _number(text)
            if decimal_value is None:
                error(dec_column, f"{text!r} is not a number of decimal degrees")
            elif not -bound <= decimal_value <= bound:
                error(dec_column, f"{text} is outside -{bound:g}..{bound:g} degrees")
                decimal_value = None
        dms_value: float | None = None
        dms = values[dms_column]
        if dms:
            match = pattern.match(dms)
            if match is None:
                hint = (
                    f"; {dms!r} looks like decimal degrees: put it in {dec_column}"
                    if _number(dms) is not None
                    else ""
                )
                form = "DDMMSSH (H = N/S)" if bound == 90 else "DDDMMSSH (H = E/W)"
                error(dms_column, f"{dms!r} is not {form}, missing digits as '-'{hint}")
            else:
                degrees, tolerance = _dms_degrees(match)
                minutes, seconds = match.group(2), match.group(3)
                if (
                    abs(degrees) > bound
                    or ("-" not in minutes and int(minutes) >= 60)
                    or ("-" not in seconds and int(seconds) >= 60)
                ):
                    error(dms_column, f"{dms!r} is not a valid position")
                else:
                    dms_value = degrees
                    if (
                        decimal_value is not None
                        and abs(decimal_value - degrees) > tolerance + 1e-9
                    ):
                        error(
                            dms_column, f"{dms} ({degrees:.5f}°) disagrees with {dec_column} {text}"
                        )
        chosen = decimal_value if decimal_value is not None else dms_value
        if dec_column == "DECLATITUDE":
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
    ) -> None:
        self.header = header
        self.header_issues = plan.issues
        self.invalid: list[PassportRow] = []
        self.row_count = 0
        self.error_count = sum(1 for i in plan.issues if i.severity == "error")
        self.warning_count = len(plan.issues) - self.error_count
        self._rows = rows
        self._plan = plan
        self._progress = progress
        self._consumed = False
        #: The file and column mapping it was opened from, to read it again elsewhere.
        self.source: tuple[Path, dict[str, str] | None] | None = None

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
        width = max(positions.values()) + 1
        seen: dict[tuple[str, str], int] = {}
        columns = MCPD_COLUMNS
        progress = self._progress
        for line, cells in self._rows:
            self.row_count += 1
            if progress is not None:
                progress(1)
            accepted = None
            if len(cells) >= width:
                values = (
                    cells[:count]
                    if in_order
                    else [cells[i] if i is not None else "" for i in index]
                )
                accepted = fast.accept(values, "" if available_at is None else cells[available_at])
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
                raw = {name: (cells[i] if i < len(cells) else "") for name, i in positions.items()}
                row = validate_row(line, raw, today)
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


def open_passport(
    path: Path,
    mapping: dict[str, str] | None = None,
    progress: Callable[[int], object] | None = None,
) -> PassportStream:
    """A passport file (CSV/TSV/XLSX) to validate while reading (see :class:`PassportStream`).

    Raises :class:`PassportFileError` at once for an unreadable file or header."""
    header, rows = read_table(path)
    try:
        plan = plan_header(header, mapping)
    except PassportFileError:
        getattr(rows, "close", lambda: None)()
        raise
    stream = PassportStream(header, rows, plan, progress)
    stream.source = (path, mapping)
    return stream


def validate_file(
    path: Path, mapping: dict[str, str] | None = None, progress: object | None = None
) -> ValidationReport:
    """Read and validate a passport file (CSV/TSV/XLSX); ``progress(n)`` is called per row."""
    stream = open_passport(path, mapping, progress if callable(progress) else None)
    return ValidationReport(list(stream), stream.header_issues, stream.header)


# --- writing ------------------------------------------------------------------------------


def write_mcpd(records: Iterable[dict[str, str]], out: io.TextIOBase | io.StringIO) -> int:
    """Write records (MCPD code -> text) as MCPD CSV: all columns in the standard's order,
    ``\\n`` line ends, minimal quoting. Returns the number of rows."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(MCPD_COLUMNS)
    count = 0
    for record in records:
        writer.writerow([record.get(c, "") for c in MCPD_COLUMNS])
        count += 1
    return count


def taxon_name(values: dict[str, str]) -> str:
    """The normalised scientific name: ``Genus species subtaxa`` (authorities left out)."""
    return " ".join(
        p
        for p in (values.get("GENUS", ""), values.get("SPECIES", ""), values.get("SUBTAXA", ""))
        if p
    )
