"""FAO area codes ↔ UN M49 ↔ ISO 3166-1 alpha-3, and the OIC groups used for aggregates.

The mapping covers every FAOSTAT area (see ``reference/SOURCES.md``). FAO's regional and
economic aggregates (World, Africa, Least Developed Countries, …) and former countries (USSR,
Sudan (former)) never get an ISO3 code, so they cannot be mistaken for a state.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

REFERENCE = resources.files("iofs.monitor.faostat") / "reference" / "fao_areas.csv"

#: Codes of the OIC aggregates reported beside the 57 states.
OIC_TOTAL = "OIC"
OIC_GROUPS: dict[str, str] = {"arab": "OIC-ARAB", "african": "OIC-AFR", "asian": "OIC-ASIA"}
AGGREGATE_CODES = (OIC_TOTAL, *OIC_GROUPS.values())

#: FAO uses codes from 5000 up for regions and country groups.
FIRST_AGGREGATE_CODE = 5000

#: M49 codes as FAOSTAT's current downloads use them, where the country-groups file differs:
#: "China, mainland" (FAO 41) is published with M49 156 and FAO's "China" aggregate (351) with
#: 159 (the country-groups file lists 1248 and 156).
M49_ALIASES: dict[int, int] = {156: 41, 159: 351, 1248: 41}


@dataclass(frozen=True)
class Area:
    """One FAOSTAT area."""

    fao_code: int
    m49: int | None
    iso3: str | None
    name: str
    kind: str  # country | former | aggregate


@lru_cache(maxsize=1)
def areas() -> tuple[Area, ...]:
    """Every FAOSTAT area of the packaged reference file."""
    text = REFERENCE.read_text(encoding="utf-8")
    return tuple(
        Area(
            int(r["fao_code"]),
            int(r["m49"]) if r["m49"] else None,
            r["iso3"] or None,
            r["name"],
            r["kind"],
        )
        for r in csv.DictReader(io.StringIO(text, newline=""))
    )


def by_fao_code() -> dict[int, Area]:
    """Areas keyed by FAO area code."""
    return {a.fao_code: a for a in areas()}


def by_iso3() -> dict[str, Area]:
    """Countries keyed by ISO3."""
    return {a.iso3: a for a in areas() if a.iso3}


def area_kind(fao_code: int) -> str:
    """``country``, ``former``, ``aggregate`` or ``unmapped`` (unknown code below 5000)."""
    area = by_fao_code().get(fao_code)
    if area is not None:
        return area.kind
    return "aggregate" if fao_code >= FIRST_AGGREGATE_CODE else "unmapped"


@dataclass(frozen=True)
class OicState:
    """An OIC member state as the indicators need it."""

    iso3: str
    name_en: str
    name_ar: str
    name_fr: str
    group: str  # arab | african | asian | unknown
    fao_code: int
    m49: int


@lru_cache(maxsize=1)
def oic_states() -> tuple[OicState, ...]:
    """The 57 OIC states with their OIC group, from :mod:`iofs.members.service`."""
    from iofs.members.service import reference_member_states

    return tuple(
        OicState(
            r["iso3"],
            r["name_en"],
            r["name_ar"],
            r["name_fr"],
            r["oic_group"] or "unknown",
            int(r["fao_code"]),
            int(r["m49"]),
        )
        for r in reference_member_states()
    )


def state_name(iso3: str, language: str = "en") -> str:
    """The state's name in ``language`` (en, ar, fr), or the code for an OIC aggregate."""
    for state in oic_states():
        if state.iso3 == iso3:
            return str(getattr(state, f"name_{language}", state.name_en))
    return iso3


def build_reference(country_groups_csv: Path) -> list[tuple[int, str, str, str, str]]:
    """Rows (fao_code, m49, iso3, name, kind) built from FAOSTAT_CountryGroups.csv.

    The FAOSTAT file pads header and values with spaces; they are stripped. An area is a
    ``country`` when its ISO3 is a current ISO 3166-1 code, ``former`` when it has
    none, and the groups (and FAO "China", 351) are ``aggregate``.
    """
    from iofs import countries

    with country_groups_csv.open(encoding="utf-8", newline="") as handle:
        rows = [{k.strip(): v.strip() for k, v in r.items()} for r in csv.DictReader(handle)]
    areas: dict[int, tuple[str, str, str]] = {}
    groups: dict[int, str] = {}
    for r in rows:
        areas.setdefault(int(r["Country Code"]), (r["Country"], r["M49 Code"], r["ISO3 Code"]))
        groups[int(r["Country Group Code"])] = r["Country Group"]
    out: list[tuple[int, str, str, str, str]] = []
    for code, (name, m49, iso3) in sorted(areas.items()):
        kind = "aggregate" if code == 351 else "country" if countries.is_iso3(iso3) else "former"
        out.append((code, m49, iso3 if kind == "country" else "", name, kind))
    out += [(code, "", "", name, "aggregate") for code, name in sorted(groups.items())]
    return out
