"""Countries in one place: ISO 3166-1 alpha-3 ↔ alpha-2 ↔ numeric/M49, names in ar/en/fr,
and the aliases outside sources use (OCHA FTS, WFP, FAOSTAT).

Inside iofs a country is its ISO 3166-1 alpha-3 code; the other codes and names are mapped at
the edges through this module (the shape of hdx-python-country's ``Country`` class). Codes and
English names come from pycountry (the ISO 3166 Maintenance Agency's list as packaged by
Debian's iso-codes); Arabic and French names from the iso-codes translations pycountry ships,
with the UN's own short names where they differ (UNTERM). FAO area codes are mapped by the
FAOSTAT module's reference table, which is data of that module.

A base layer: imports no iofs module.
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from functools import cache

#: Names the UN uses (UNTERM short names) where iso-codes' translation differs or is missing.
UN_NAMES: dict[str, dict[str, str]] = {
    "TUR": {"en": "Türkiye", "fr": "Türkiye", "ar": "تركيا"},
    "PSE": {"en": "State of Palestine", "fr": "État de Palestine", "ar": "دولة فلسطين"},
    "CIV": {"en": "Côte d'Ivoire", "fr": "Côte d'Ivoire", "ar": "كوت ديفوار"},
    "IRN": {
        "en": "Iran (Islamic Republic of)",
        "fr": "Iran (République islamique d')",
        "ar": "إيران (جمهورية - الإسلامية)",
    },
    "SYR": {
        "en": "Syrian Arab Republic",
        "fr": "République arabe syrienne",
        "ar": "الجمهورية العربية السورية",
    },
}

#: Names outside sources give to countries that ISO's own names do not match (lower case).
#: FTS: "occupied Palestinian territory", governments as "<name>, Government of"; WFP/HDX:
#: "State of Palestine", "Turkey"; Kosovo has the user-assigned code XKX (no ISO code).
ALIASES: dict[str, str] = {
    "occupied palestinian territory": "PSE",
    "state of palestine": "PSE",
    "palestine": "PSE",
    "türkiye": "TUR",
    "turkey": "TUR",
    "kosovo": "XKX",
    "iran": "IRN",
    "syria": "SYR",
    "gambia (republic of the)": "GMB",
}
GOVERNMENT_SUFFIX = ", government of"


@dataclass(frozen=True)
class Country:
    """One country's codes: ISO 3166-1 alpha-3, alpha-2 and numeric (= M49 for countries)."""

    iso3: str
    iso2: str
    numeric: str
    name_en: str


@cache
def _by_iso3() -> dict[str, Country]:
    import pycountry

    found = {
        c.alpha_3: Country(c.alpha_3, c.alpha_2, c.numeric, c.name) for c in pycountry.countries
    }
    found["XKX"] = Country("XKX", "XK", "", "Kosovo")
    return found


@cache
def _by_numeric() -> dict[str, Country]:
    return {c.numeric: c for c in _by_iso3().values() if c.numeric}


@cache
def historic_iso3() -> frozenset[str]:
    """Alpha-3 codes of former countries (ISO 3166-3), e.g. ``SCG``, ``YUG``."""
    import pycountry

    return frozenset(c.alpha_3 for c in pycountry.historic_countries)


@cache
def current_iso3() -> frozenset[str]:
    """Every current ISO 3166-1 alpha-3 code (249; Kosovo's user-assigned XKX excluded)."""
    return frozenset(code for code in _by_iso3() if code != "XKX")


def is_iso3(code: str) -> bool:
    """Whether ``code`` is a current ISO 3166-1 alpha-3 code (case-sensitive, upper case)."""
    return code in _by_iso3() and code != "XKX"


def get(iso3: str) -> Country | None:
    """The country of an alpha-3 code (any case), or None."""
    return _by_iso3().get(iso3.strip().upper())


def from_numeric(numeric: str | int) -> Country | None:
    """The country of an ISO 3166-1 numeric / M49 code (``"004"``, ``4``), or None."""
    return _by_numeric().get(str(numeric).strip().zfill(3))


def iso2(iso3: str) -> str | None:
    """The alpha-2 code of an alpha-3 code (``PSE`` → ``PS``), or None when unknown."""
    country = get(iso3)
    return country.iso2 if country is not None else None


@cache
def _translations(language: str) -> gettext.NullTranslations:
    import pycountry

    if language == "en":
        return gettext.NullTranslations()
    return gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True
    )


def name(iso3: str, language: str = "en") -> str:
    """The short name of a country in ``language`` (ar, en, fr); the code when unknown."""
    code = iso3.strip().upper()
    override = UN_NAMES.get(code, {}).get(language)
    if override:
        return override
    country = get(code)
    if country is None:
        return code
    return _translations(language).gettext(country.name_en)


def lookup(text: str) -> str | None:
    """The alpha-3 code of a code or name as outside sources write it, or None.

    Accepts alpha-3, alpha-2, numeric, ISO names (official or common), the aliases of
    :data:`ALIASES`, and FTS's ``"<country>, Government of"`` organisation names.
    """
    import pycountry

    key = text.strip().lower()
    if key.endswith(GOVERNMENT_SUFFIX):
        key = key[: -len(GOVERNMENT_SUFFIX)].strip()
    if not key:
        return None
    if key in ALIASES:
        return ALIASES[key]
    if key.isdigit():
        country = from_numeric(key)
        return country.iso3 if country else None
    try:
        return str(pycountry.countries.lookup(key).alpha_3)
    except LookupError:
        return None
