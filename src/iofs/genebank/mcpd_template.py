"""A mapping template for a passport file (``iofs genebank mapping-template FILE``).

The file's columns, each with its distinct values (the most frequent, with counts, capped),
beside the MCPD descriptor guessed from its header and the codes its values could map to,
written as a mapping file (TOML or YAML; the shape :mod:`iofs.genebank.mcpd_mapping` reads)
for the curator to correct. Guesses are only guesses: a column not recognised maps to ``""``
(dropped) and a value not recognised is written commented out, for the curator to decide.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from iofs.genebank import vocabulary
from iofs.genebank.mcpd_codes import (
    ALLOWED_TARGETS,
    CODE_LISTS,
    CODE_WORDS,
    COUNTRY_CODES,
    MULTI,
    PassportFileError,
)
from iofs.genebank.mcpd_dates import DATE, partial_date
from iofs.genebank.mcpd_mapping import country_code, word_key
from iofs.genebank.mcpd_tables import PassportTable, read_table, text_header

#: Distinct values remembered per column (the rest are counted as "more").
TRACKED = 10_000

#: Header words legacy files use, normalised (upper case, letters and digits only) -> MCPD.
HEADER_WORDS: dict[str, str] = {
    "ACCESSION": "ACCENUMB",
    "ACCESSIONNUMBER": "ACCENUMB",
    "ACCESSIONNO": "ACCENUMB",
    "ACCNO": "ACCENUMB",
    "ACCNUM": "ACCENUMB",
    "ACCESSIONID": "ACCENUMB",
    "INSTITUTE": "INSTCODE",
    "INSTITUTECODE": "INSTCODE",
    "HOLDINGINSTITUTE": "INSTCODE",
    "HOLDER": "INSTCODE",
    "EPITHET": "SPECIES",
    "SPECIFICEPITHET": "SPECIES",
    "TAXON": "GENUS",
    "TAXONOMY": "GENUS",
    "SCIENTIFICNAME": "GENUS",
    "BOTANICALNAME": "GENUS",
    "LATINNAME": "GENUS",
    "CROP": "CROPNAME",
    "COUNTRY": "ORIGCTY",
    "COUNTRYOFORIGIN": "ORIGCTY",
    "ORIGINCOUNTRY": "ORIGCTY",
    "ORIGIN": "ORIGCTY",
    "ACQUISITIONDATE": "ACQDATE",
    "DATEACQUIRED": "ACQDATE",
    "ACQUIRED": "ACQDATE",
    "ACQUISITION": "ACQDATE",
    "COLLECTED": "COLLDATE",
    "DATEOFACQUISITION": "ACQDATE",
    "COLLECTIONDATE": "COLLDATE",
    "COLLECTINGDATE": "COLLDATE",
    "DATECOLLECTED": "COLLDATE",
    "STATUS": "SAMPSTAT",
    "BIOLOGICALSTATUS": "SAMPSTAT",
    "SAMPLESTATUS": "SAMPSTAT",
    "COLLECTINGSOURCE": "COLLSRC",
    "COLLECTIONSOURCE": "COLLSRC",
    "SOURCE": "COLLSRC",
    "STORAGETYPE": "STORAGE",
    "MLS": "MLSSTAT",
    "MLSSTATUS": "MLSSTAT",
    "LAT": "DECLATITUDE",
    "LON": "DECLONGITUDE",
    "LONG": "DECLONGITUDE",
    "ALTITUDE": "ELEVATION",
    "ALT": "ELEVATION",
    "NAME": "ACCENAME",
    "ACCESSIONNAME": "ACCENAME",
    "VARIETY": "ACCENAME",
    "VARIETYNAME": "ACCENAME",
    "CULTIVARNAME": "ACCENAME",
    "NOTES": "REMARKS",
    "COMMENTS": "REMARKS",
    "REMARK": "REMARKS",
    "DONOR": "DONORNAME",
    "DONORINSTITUTE": "DONORNAME",
    "SITE": "COLLSITE",
    "LOCATION": "COLLSITE",
    "COLLECTIONSITE": "COLLSITE",
    "COLLECTINGSITE": "COLLSITE",
    "AVAILABILITY": "AVAILABLE",
    "PEDIGREE": "ANCEST",
    "ANCESTRY": "ANCEST",
    "DOI": "PUID",
    "URL": "ACCEURL",
}
_CODE_LABELS = {
    "SAMPSTAT": vocabulary.SAMPSTAT_LABELS,
    "COLLSRC": vocabulary.COLLSRC_LABELS,
    "STORAGE": vocabulary.STORAGE_LABELS,
    "MLSSTAT": vocabulary.MLSSTAT_LABELS,
}


@dataclass
class ColumnSurvey:
    """One column: its header, the descriptor guessed, its values and what they suggest."""

    header: str
    target: str = ""
    values: Counter[str] = field(default_factory=Counter)
    untracked: int = 0  # cells whose value was not among the first TRACKED distinct ones
    words: dict[str, str] = field(default_factory=dict)  # value -> guessed code ("" unknown)
    convert: str = ""

    @property
    def distinct(self) -> int:
        return len(self.values)


@dataclass
class Survey:
    """A file's columns surveyed for a mapping template."""

    name: str
    sheet: str | None
    rows: int
    columns: list[ColumnSurvey]


def guess_target(header: str) -> str:
    """The MCPD descriptor a header probably means, or "" (none recognised)."""
    key = re.sub(r"[^A-Z0-9]", "", header.upper())
    if key in ALLOWED_TARGETS:
        return key
    if header.strip().upper() in ALLOWED_TARGETS:
        return header.strip().upper()
    return HEADER_WORDS.get(key, "")


def _open(path: Path, sheet: str | None) -> PassportTable:
    try:
        return read_table(path, sheet=sheet)
    except PassportFileError:  # no MCPD header anywhere: the first sheet with a header row
        if sheet is not None or path.suffix.lower() not in {".xlsx", ".xlsm"}:
            raise
        return read_table(path, accept=text_header)


def _suggest(column: ColumnSurvey) -> None:
    target, values = column.target, list(column.values)
    if target in CODE_WORDS:
        codes = CODE_LISTS[target]
        for value in values:
            parts = value.split(";") if target in MULTI else [value]
            if all(p.strip() in codes for p in parts):
                continue
            column.words[value] = ";".join(
                CODE_WORDS[target].get(word_key(p), "") if p.strip() not in codes else p.strip()
                for p in parts
            )
            if "" in column.words[value].split(";"):
                column.words[value] = ""
    elif target == "ORIGCTY":
        if any(v not in COUNTRY_CODES for v in values):
            column.convert = "country-name"
            column.words = {v: "" for v in values if country_code(v) is None}
    elif target in {"ACQDATE", "COLLDATE"}:
        if any(not DATE.match(v) and DATE.match(partial_date(v)) for v in values):
            column.convert = "partial-date"
    elif target == "GENUS" and any(" " in v.strip() for v in values):
        column.convert = "genus-species"


def survey_table(table: PassportTable, limit: int) -> Survey:
    """Count each column's values over the whole table (``limit`` kept for the template)."""
    columns = [ColumnSurvey(h.strip(), guess_target(h)) for h in table.header]
    seen_targets: set[str] = set()
    for column in columns:  # a descriptor guessed twice: the second is dropped
        if column.target in seen_targets:
            column.target = ""
        seen_targets.add(column.target)
    rows = 0
    try:
        for _line, cells in table.rows:
            rows += 1
            for column, cell in zip(columns, cells, strict=False):
                value = cell.strip()
                if not value:
                    continue
                if value in column.values or len(column.values) < TRACKED:
                    column.values[value] += 1
                else:
                    column.untracked += 1
    finally:
        table.close()
    for column in columns:
        _suggest(column)
        kept = dict(column.values.most_common(limit))
        column.words = {v: c for v, c in column.words.items() if v in kept}
    return Survey(table.name, table.sheet, rows, [c for c in columns if c.header])


def survey_file(path: Path, *, sheet: str | None = None, limit: int = 20) -> Survey:
    """:func:`survey_table` of a CSV/TSV/XLSX file (a workbook's MCPD sheet as an import
    finds it, else its first sheet with a header row)."""
    return survey_table(_open(path, sheet), limit)


# --- writing -------------------------------------------------------------------------------


def _quoted(text: str) -> str:
    """A TOML basic string (also a YAML double-quoted scalar)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _sample(column: ColumnSurvey, limit: int) -> str:
    shown = ", ".join(f"{_quoted(v[:40])} ({n})" for v, n in column.values.most_common(limit))
    more = column.distinct - min(limit, column.distinct)
    extra = f", … {more:,} more" if more else ""
    if column.untracked:
        extra += f", over {TRACKED:,} distinct in all"
    return f"{column.distinct:,} distinct: {shown}{extra}" if column.values else "empty"


def _codes_comment(target: str) -> str:
    labels = _CODE_LABELS[target]
    return f"{target} codes: " + ", ".join(f"{code} {label}" for code, label in labels.items())


def _lines(survey: Survey, limit: int) -> Iterable[tuple[int, str]]:
    """(indent level, text) lines of the template, "#" comments included, format-neutral:
    level 0 ``[section]`` headings, level 1 ``key = value`` entries."""
    where = f" (sheet {survey.sheet})" if survey.sheet else ""
    yield 0, f"# Mapping for {survey.name}{where}: {survey.rows:,} rows, made by"
    yield 0, "# `iofs genebank mapping-template`. Check every guess, then try it with"
    yield 0, f"#   iofs genebank import {survey.name} --mapping THIS_FILE --dry-run"
    yield 0, '# A column mapped to "" is left out; lines starting with # are not read.'
    yield 0, ""
    yield 0, "[columns]"
    for column in survey.columns:
        guess = column.target or "no MCPD descriptor guessed"
        yield 1, f"# {_quoted(column.header)} ({guess}): {_sample(column, limit)}"
        yield 1, f"{_quoted(column.header)} = {_quoted(column.target)}"
    targets = {c.target for c in survey.columns if c.target}
    yield 0, ""
    yield 0, "[constants]"
    yield 1, "# Values for every row where the file has no such column (or the cell is empty)."
    if "INSTCODE" not in targets:
        yield 1, "# The file has no INSTCODE column: give the holding institute's FAO WIEWS"
        yield 1, '# code (3 letters of the country + 3 or 4 digits), e.g. INSTCODE = "KAZ001":'
        yield 1, '# INSTCODE = ""'
    converted = [c for c in survey.columns if c.convert]
    yield 0, ""
    yield 0, "[convert]"
    yield 1, "# country-name: names in ar/en/fr -> ISO 3166-1 alpha-3; partial-date: 2004 ->"
    yield 1, "# 2004----, 2004-05 -> 200405--; genus-species: 'Triticum aestivum' in GENUS."
    for column in converted:
        unknown = [v for v, code in column.words.items() if not code]
        if column.convert == "country-name" and unknown:
            yield (
                1,
                "# not a country name iofs knows (map in [values.ORIGCTY]): "
                + ", ".join(_quoted(v) for v in unknown),
            )
        yield 1, f"{column.target} = {_quoted(column.convert)}"
    for column in survey.columns:
        if not column.words:
            continue
        yield 0, ""
        yield 0, f"[values.{column.target}]"
        if column.target in _CODE_LABELS:
            yield 1, "# " + _codes_comment(column.target)
        for value, code in column.words.items():
            count = column.values[value]
            rows = f"{count} row" + ("" if count == 1 else "s")
            if code:
                yield 1, f"{_quoted(value)} = {_quoted(code)}  # {rows}"
            else:
                yield 1, f'# {_quoted(value)} = ""  # {rows}; no guess: give the code'


def render(survey: Survey, kind: str = "toml", limit: int = 20) -> str:
    """The template as TOML or YAML text (same entries, same comments)."""
    out: list[str] = []
    for level, text in _lines(survey, limit):
        if kind == "toml" or not text or text.startswith("#"):
            out.append(("  " * level if kind == "yaml" else "") + text)
        elif text.startswith("[values."):
            if not any(line.startswith("values:") for line in out):
                out.append("values:")
            out.append(f"  {text[len('[values.') : -1]}:")
        elif text.startswith("["):
            out.append(f"{text[1:-1]}:")
        else:
            key, _eq, rest = text.partition(" = ")
            value, _hash, comment = rest.partition("  # ")
            indent = "    " if out and _in_values(out) else "  "
            out.append(f"{indent}{key}: {value}" + (f"  # {comment}" if comment else ""))
    return "\n".join(out).rstrip("\n") + "\n"


def _in_values(out: list[str]) -> bool:
    for line in reversed(out):
        if line and not line.startswith(" ") and not line.startswith("#"):
            return line == "values:"
    return False
