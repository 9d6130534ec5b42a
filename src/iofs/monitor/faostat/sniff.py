"""What a FAOSTAT file is, before it is read: its encoding, header, domain and zip members.

FAOSTAT publishes bulk zips (``<Domain>_E_All_Data_(Normalized).zip`` …) holding the data CSV
beside supporting lists (flags, area codes …), in Latin-1 or UTF-8 (BOM allowed). The layout
(normalized or wide) is told by the header, in :mod:`iofs.monitor.faostat.plan`.
"""

from __future__ import annotations

import codecs
import csv
import re
import zipfile
from pathlib import Path

#: FAOSTAT domain codes recognised, with their names.
DOMAINS: dict[str, str] = {
    "FBS": "Food Balances (2010-)",
    "FBSH": "Food Balances (-2013, old methodology and population)",
    "QCL": "Crops and livestock products (production)",
    "QV": "Value of Agricultural Production",
    "TCL": "Crops and livestock products (trade)",
    "TM": "Detailed trade matrix",
    "CP": "Consumer Price Indices",
    "FS": "Suite of Food Security Indicators",
    "OA": "Annual population",
    "PP": "Producer Prices",
    "RL": "Land Use",
    "RFN": "Fertilizers by Nutrient",
    "ET": "Temperature change on land",
}

#: Old domain codes FAOSTAT has since merged, and the domain their data is stored under.
DOMAIN_ALIASES: dict[str, str] = {"QC": "QCL", "QL": "QCL", "TP": "TCL"}

#: What a domain code looks like: a domain outside :data:`DOMAINS` is stored as plain
#: observations (queryable and chartable, used by no indicator).
DOMAIN_CODE = re.compile(r"^[A-Z][A-Z0-9]{0,7}$")


def canonical_domain(code: str) -> str:
    """The store's domain for a FAOSTAT domain code (old codes mapped, see aliases)."""
    code = code.strip().upper()
    return DOMAIN_ALIASES.get(code, code)


def file_domain_code(path: Path, header: list[str], encoding: str) -> str | None:
    """The Domain Code the file states in its first rows (web downloads carry one)."""
    if "Domain Code" not in header:
        return None
    for row in sample_rows(path, encoding, 50):
        code = (row.get("Domain Code") or "").strip().upper()
        if code:
            return code
    return None


_FILENAME_DOMAINS: tuple[tuple[str, str], ...] = (
    (r"Trade_?DetailedTradeMatrix|Trade_Matrix", "TM"),
    (r"Trade_Crops_?Livestock|Trade_CropsLivestock|^Trade_", "TCL"),
    (r"FoodBalanceSheetsHistoric", "FBSH"),
    (r"FoodBalanceSheets|Food_Balance|FBS", "FBS"),
    (r"Value_of_Production", "QV"),
    (r"Production_Crops|Production_Livestock|Production_", "QCL"),
    (r"ConsumerPriceIndices|Consumer_?Prices", "CP"),
    (r"Food_Security|FoodSecurity", "FS"),
    (r"Population", "OA"),
)

#: Element codes that identify a domain when the file name does not.
_ELEMENT_DOMAINS: tuple[tuple[frozenset[int], str], ...] = (
    (frozenset({664, 674, 684, 645, 5301, 5142, 5511, 5611, 5911, 5072}), "FBS"),
    (frozenset({5510, 5312, 5419, 5320, 5321, 5513}), "QCL"),
    (frozenset({5610, 5622, 5910, 5922}), "TCL"),
    (frozenset({6120, 6121, 6122, 6123, 6125, 6126, 6128, 6132}), "FS"),
    (frozenset({152, 57, 58, 55}), "QV"),
    (frozenset({511, 512, 513}), "OA"),
)

#: How far :func:`detect_encoding` looks for a first non-ASCII byte (~0.1 s per 256 MB).
ENCODING_SCAN_BYTES = 1 << 28
#: The supporting lists of a bulk zip (not data).
SUPPORTING_FILES = re.compile(
    r"_(Flags|AreaCodes|ItemCodes|Elements|ItemCodes\w*|"
    r"Currencys|Purposes|Sources|Reporter\w*|Partner\w*)\.csv$",
    re.I,
)


class IngestError(ValueError):
    """The file cannot be ingested; the message names the file, line, field and reason."""


def detect_encoding(path: Path) -> str:
    """``utf-8`` or ``latin-1`` (FAOSTAT uses both), from the first bytes that are not ASCII.

    The file is scanned for its first non-ASCII chunk (up to :data:`ENCODING_SCAN_BYTES`;
    FAOSTAT's first "Côte d'Ivoire" may be far in): bytes there that are not UTF-8 mean
    Latin-1. An ASCII-only start is read as UTF-8; if a later byte is not UTF-8,
    the ingest retries as Latin-1.
    """
    chunk_size = 1 << 23
    with path.open("rb") as handle:
        scanned = 0
        while scanned < ENCODING_SCAN_BYTES:
            chunk = handle.read(chunk_size)
            if not chunk:
                break
            scanned += len(chunk)
            if chunk.isascii():
                continue
            # Everything before was ASCII, so the chunk starts on a character boundary.
            try:
                codecs.getincrementaldecoder("utf-8")().decode(chunk, final=False)
            except UnicodeDecodeError:
                return "latin-1"
            return "utf-8"
    return "utf-8"


def read_header(path: Path, encoding: str) -> list[str]:
    """The CSV header, stripped of a BOM and padding."""
    with path.open("r", encoding=encoding, newline="", errors="replace") as handle:
        try:
            header = next(csv.reader(handle))
        except StopIteration:
            raise IngestError(f"{path.name}: the file is empty") from None
        except csv.Error as error:
            raise IngestError(
                f"{path.name} line 1: the header is not well-formed CSV ({error})"
            ) from None
    return _clean_header(header)


def _clean_header(header: list[str]) -> list[str]:
    return [h.strip().lstrip("\ufeff").lstrip("ï»¿").strip() for h in header]


def sample_rows(path: Path, encoding: str, count: int = 400) -> list[dict[str, str]]:
    """The first ``count`` data rows as dicts keyed by the (cleaned) header."""
    with path.open("r", encoding=encoding, newline="", errors="replace") as handle:
        reader = csv.reader(handle)
        try:
            header = _clean_header(next(reader, []))
        except csv.Error as error:
            raise IngestError(
                f"{path.name} line 1: the header is not well-formed CSV ({error})"
            ) from None
        rows = []
        try:
            for number, row in enumerate(reader):
                if number >= count:
                    break
                rows.append(dict(zip(header, row, strict=False)))
        except csv.Error as error:
            raise IngestError(
                f"{path.name} line {reader.line_num}: not well-formed CSV ({error})"
            ) from None
    return rows


def recognise_domain(path: Path, header: list[str], encoding: str, name: str | None = None) -> str:
    """The FAOSTAT domain code (see :data:`DOMAINS`) from the file name, else its content."""
    label = name or path.name
    stated = file_domain_code(path, header, encoding)
    if stated is not None and DOMAIN_CODE.match(stated):
        return canonical_domain(stated)
    for pattern, domain in _FILENAME_DOMAINS:
        if re.search(pattern, label, re.I):
            return domain
    rows = sample_rows(path, encoding)
    if "Reporter Country Code" in header or "Partner Country Code" in header:
        return "TM"
    elements: set[int] = set()
    items: set[int] = set()
    for row in rows:
        for key, target in (("Element Code", elements), ("Item Code", items)):
            text = row.get(key, "").strip().lstrip("S'")
            if text.isdigit():
                target.add(int(text))
    if items & {23012, 23013, 23014}:
        return "CP"
    best = max(_ELEMENT_DOMAINS, key=lambda pair: len(pair[0] & elements))
    if best[0] & elements:
        return best[1]
    raise IngestError(
        f"{label}: cannot recognise the FAOSTAT domain from the file name or its "
        f"elements; give it explicitly (one of {', '.join(DOMAINS)})"
    )


def zip_members(path: Path) -> list[str]:
    """The data CSVs of a FAOSTAT zip (the normalized ones when both layouts are there)."""
    with zipfile.ZipFile(path) as archive:
        names = [
            n
            for n in archive.namelist()
            if n.lower().endswith(".csv") and not SUPPORTING_FILES.search(n)
        ]
    normalized = [n for n in names if "normalized" in n.lower()]
    return normalized or names
