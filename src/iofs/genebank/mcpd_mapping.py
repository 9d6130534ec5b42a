"""The mapping file of a passport import: how a curator's file becomes MCPD V.2.1.

Two shapes are read, both by :func:`read_mapping`:

* **columns only** (the original format, still accepted): CSV with ``source,target`` rows, or a
  flat JSON object ``{"source header": "MCPD code"}``; an empty target drops the column.
* **full** (JSON, TOML or YAML), any of these sections::

      [columns]                 # file header -> MCPD code ("" drops the column)
      "Accession no" = "ACCENUMB"
      [constants]               # for every row, where the file has no such column (or the
      INSTCODE = "KAZ001"       #   cell is empty)
      [values.SAMPSTAT]         # words -> codes, per descriptor (case and spaces ignored;
      "Landrace" = "300"        #   each part of a multi-valued cell, e.g. STORAGE)
      [convert]                 # built-in conversions:
      ORIGCTY = "country-name"  #   names in Arabic, English or French -> ISO 3166-1 alpha-3
      ACQDATE = "partial-date"  #   2004 -> 2004----, 2004-05 -> 200405--, 2004-05-12 -> 20040512
      GENUS = "genus-species"   #   "Triticum aestivum" -> GENUS Triticum, SPECIES aestivum

Country names come from :mod:`iofs.countries` (the full ISO 3166-1 list as pycountry packages
it, with the iso-codes Arabic and French translations and the UN's short names) and from the
member states' reference (``members/reference/member_states.csv``: names in ar/en/fr).
"""

from __future__ import annotations

import csv
import io
import json
import re
import tomllib
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from iofs import countries
from iofs.genebank import mcpd_codes
from iofs.genebank.mcpd_codes import AVAILABLE, MCPD_COLUMNS, PassportFileError
from iofs.genebank.mcpd_dates import partial_date

#: The built-in conversions and the descriptors each applies to.
CONVERSIONS: dict[str, frozenset[str]] = {
    "country-name": frozenset({"ORIGCTY"}),
    "partial-date": frozenset({"ACQDATE", "COLLDATE"}),
    "genus-species": frozenset({"GENUS"}),
}
SECTIONS = ("columns", "constants", "values", "convert")


def word_key(text: str) -> str:
    """How words are compared: case, accents, inner spaces and surrounding punctuation
    ignored (``"  Land-race "`` and ``"landrace"`` differ, ``"Égypte"`` and ``"egypte"`` do
    not)."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", plain).strip(" .,;:")


@cache
def country_names() -> dict[str, str]:
    """Every country name iofs knows (ar, en, fr; ISO and UN short names, the member states'
    reference names) by :func:`word_key`, to its ISO 3166-1 alpha-3 code."""
    from iofs.members import service as members

    names: dict[str, str] = {}
    for iso3 in sorted(countries.current_iso3()):
        for language in ("en", "fr", "ar"):
            names.setdefault(word_key(countries.name(iso3, language)), iso3)
    for row in members.reference_member_states():
        for column in ("name_en", "name_fr", "name_ar"):
            if row.get(column):
                names.setdefault(word_key(row[column]), row["iso3"])
    for alias, iso3 in countries.ALIASES.items():
        names.setdefault(word_key(alias), iso3)
    return names


def country_code(text: str) -> str | None:
    """The alpha-3 code of a country name or code (ar/en/fr), or None."""
    key = word_key(text)
    if not key:
        return None
    found = country_names().get(key)
    if found is None and re.fullmatch(r"[a-z]{2,3}", key):
        found = countries.lookup(key)  # ISO codes written in any case
    return found or countries.lookup(text)


def split_taxon(genus: str) -> tuple[str, str, str] | None:
    """(genus, species, subtaxa) of a whole name written in GENUS (``Triticum aestivum subsp.
    compactum``), or None when it is one word."""
    parts = genus.split()
    if len(parts) < 2:
        return None
    return parts[0], parts[1], " ".join(parts[2:])


@dataclass
class PassportMapping:
    """What a mapping file says (see the module's description); file name for messages."""

    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    convert: dict[str, str] = field(default_factory=dict)
    name: str = "mapping"

    @property
    def transforms_values(self) -> bool:
        return bool(self.constants or self.values or self.convert)

    def as_dict(self) -> dict[str, Any]:
        """The mapping as JSON-ready data (read back by :func:`mapping_from_data`)."""
        return {
            "columns": self.columns,
            "constants": self.constants,
            "values": self.values,
            "convert": self.convert,
            "name": self.name,
        }

    def transformer(self) -> Callable[[list[str], str], tuple[list[str], str]] | None:
        """``(MCPD values in the standard's order, AVAILABLE text) -> the same, mapped``, or
        None when the mapping only renames columns. Results are memoised per distinct
        value (code words, countries, dates and taxa repeat)."""
        if not self.transforms_values:
            return None
        slot = {column: i for i, column in enumerate(MCPD_COLUMNS)}
        constants = [(slot[c], v) for c, v in self.constants.items() if c in slot]
        available_constant = self.constants.get(AVAILABLE)
        steps: list[tuple[int, Callable[[str], str]]] = []
        for column, words in self.values.items():
            if column in slot:
                steps.append((slot[column], _word_step(words, column in mcpd_codes.MULTI)))
        genus_at = None
        for column, kind in self.convert.items():
            if kind == "genus-species":
                genus_at = slot[column]
            elif kind == "country-name":
                steps.append((slot[column], _memoised(lambda v: country_code(v) or v)))
            else:
                steps.append((slot[column], _memoised(partial_date)))
        species_at, subtaxa_at = slot["SPECIES"], slot["SUBTAXA"]

        def transform(values: list[str], available: str) -> tuple[list[str], str]:
            values = list(values)
            for at, constant in constants:
                if not values[at].strip():
                    values[at] = constant
            for at, step in steps:
                if values[at]:
                    values[at] = step(values[at])
            if genus_at is not None and " " in values[genus_at].strip():
                split = split_taxon(values[genus_at])
                if split is not None:
                    values[genus_at] = split[0]
                    if not values[species_at].strip():
                        values[species_at] = split[1]
                    if split[2] and not values[subtaxa_at].strip():
                        values[subtaxa_at] = split[2]
            if available_constant is not None and not available.strip():
                available = available_constant
            return values, available

        return transform


def _memoised(function: Callable[[str], str]) -> Callable[[str], str]:
    seen: dict[str, str] = {}

    def step(value: str) -> str:
        found = seen.get(value)
        if found is None:
            found = function(value)
            if len(seen) < 65_536:
                seen[value] = found
        return found

    return step


def _word_step(words: Mapping[str, str], multi: bool) -> Callable[[str], str]:
    table = {word_key(word): code for word, code in words.items()}

    def one(value: str) -> str:
        return table.get(word_key(value), value)

    if not multi:
        return _memoised(one)

    def several(value: str) -> str:
        whole = table.get(word_key(value))
        return whole if whole is not None else ";".join(one(p) for p in value.split(";"))

    return _memoised(several)


# --- reading -------------------------------------------------------------------------------


def _target(name: str, where: str, value: object) -> str:
    text = str(value or "").strip().upper()
    if text and text not in mcpd_codes.ALLOWED_TARGETS:
        raise PassportFileError(
            f"{name}: {where} maps to {str(value)!r}, which is not an MCPD column"
        )
    return text


def _table(name: str, data: Mapping[str, Any], section: str) -> dict[str, Any]:
    value = data.get(section) or {}
    if not isinstance(value, dict):
        raise PassportFileError(f"{name}: [{section}] must be a table of names and values")
    return value


def mapping_from_data(data: Any, name: str) -> PassportMapping:
    """A mapping from parsed JSON/TOML/YAML (either shape), checked; raises
    :class:`PassportFileError` naming the file and the entry at fault."""
    if not isinstance(data, dict):
        raise PassportFileError(f"{name}: the mapping must be an object of names and values")
    full = any(isinstance(data.get(s), dict) for s in SECTIONS) or (
        bool(data)
        and all(data.get(s) is None for s in data if s in SECTIONS)
        and set(data) <= {*SECTIONS, "name"}
    )
    if not full:  # the original flat shape: source -> target
        return PassportMapping(
            columns={
                str(k).strip(): _target(name, repr(str(k)), v)
                for k, v in data.items()
                if k != "name"
            },
            name=name,
        )
    unknown = sorted(set(data) - {*SECTIONS, "name"})
    if unknown:
        raise PassportFileError(
            f"{name}: unknown section {unknown[0]!r} (use {', '.join(SECTIONS)})"
        )
    mapping = PassportMapping(name=name)
    for source, target in _table(name, data, "columns").items():
        mapping.columns[str(source).strip()] = _target(name, f"columns {str(source)!r}", target)
    for column, value in _table(name, data, "constants").items():
        code = _target(name, f"constants {str(column)!r}", column)
        if not code:
            raise PassportFileError(f"{name}: a constant needs an MCPD column name")
        if isinstance(value, bool):
            value = "yes" if value else "no"
        mapping.constants[code] = str(value).strip()
    for column, words in _table(name, data, "values").items():
        code = _target(name, f"values {str(column)!r}", column)
        if not isinstance(words, dict) or not code:
            raise PassportFileError(f"{name}: [values.{column}] must be a table of word = code")
        allowed = mcpd_codes.CODE_LISTS.get(code)
        table: dict[str, str] = {}
        for word, target in words.items():
            text = str(target).strip()
            parts = text.split(";") if code in mcpd_codes.MULTI else [text]
            if allowed is not None and not all(p in allowed for p in parts):
                raise PassportFileError(
                    f"{name}: values.{code} {str(word)!r} maps to {text!r}, "
                    f"which is not a {code} code"
                )
            table[str(word)] = text
        mapping.values[code] = table
    for column, kind in _table(name, data, "convert").items():
        code = _target(name, f"convert {str(column)!r}", column)
        applies = CONVERSIONS.get(str(kind))
        if applies is None:
            raise PassportFileError(
                f"{name}: convert {code} = {str(kind)!r} is not a conversion "
                f"({', '.join(CONVERSIONS)})"
            )
        if code not in applies:
            raise PassportFileError(
                f"{name}: the {kind} conversion applies to {', '.join(sorted(applies))}, not {code}"
            )
        mapping.convert[code] = str(kind)
    return mapping


def read_mapping(path: Path) -> PassportMapping:
    """The mapping file ``path`` (``.csv``, ``.json``, ``.toml``, ``.yaml``/``.yml``); raises
    :class:`PassportFileError` with a sentence naming the file, and the line where known."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise PassportFileError(f"{path.name}: the mapping is not UTF-8 text") from None
    suffix = path.suffix.lower()
    if suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise PassportFileError(
                f"{path.name}: line {error.lineno}: not JSON ({error.msg})"
            ) from None
        return mapping_from_data(data, path.name)
    if suffix == ".toml":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise PassportFileError(f"{path.name}: not TOML ({error})") from None
        return mapping_from_data(data, path.name)
    if suffix in {".yaml", ".yml"}:
        import yaml  # type: ignore[import-untyped]

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f"line {mark.line + 1}: " if mark is not None else ""
            raise PassportFileError(f"{path.name}: {where}not YAML") from None
        return mapping_from_data(data, path.name)
    reader = csv.DictReader(io.StringIO(text))
    try:
        fields = reader.fieldnames
        if fields is None or not {"source", "target"} <= set(fields):
            raise PassportFileError(
                f"{path.name}: the mapping needs columns source,target "
                "(or use a .json, .toml or .yaml mapping)"
            )
        columns = {
            (r["source"] or "").strip(): _target(
                path.name, f"line {reader.line_num} {(r['source'] or '').strip()!r}", r["target"]
            )
            for r in reader
        }
    except csv.Error as error:
        raise PassportFileError(f"{path.name}: line {reader.line_num}: {error}") from None
    return PassportMapping(columns=columns, name=path.name)
