"""Languages: English, Arabic (right-to-left) and French, through gettext.

A base layer: domain modules, the CLI and the web app all translate through this module, and
it imports no part of iofs.

Catalogs are the ``.po`` files under ``src/iofs/**/locale/<lang>/LC_MESSAGES/``: each module
keeps its own, and all of a language's files are merged at start-up (no compiled ``.mo`` files
are kept in the repository). The language of a request comes from ``?lang=``, then the
``lang`` cookie, then ``Accept-Language``, then the configured default.
"""

from __future__ import annotations

import gettext as gettext_module
import io
from contextvars import ContextVar
from functools import lru_cache
from importlib import resources
from pathlib import Path

LANGUAGES: dict[str, dict[str, str]] = {
    "en": {"name": "English", "dir": "ltr"},
    "ar": {"name": "العربية", "dir": "rtl"},
    "fr": {"name": "Français", "dir": "ltr"},
}
DEFAULT_LANGUAGE = "en"
LANGUAGE_COOKIE = "lang"

_current: ContextVar[str] = ContextVar("iofs_language", default=DEFAULT_LANGUAGE)


def package_root() -> Path:
    """Directory of the installed ``iofs`` package."""
    return Path(str(resources.files("iofs")))


def catalog_files(language: str) -> list[Path]:
    """Every ``.po`` file of ``language`` in the package, sorted for a stable merge order."""
    return sorted(package_root().glob(f"**/locale/{language}/LC_MESSAGES/*.po"))


@lru_cache(maxsize=8)
def translations(language: str) -> gettext_module.NullTranslations:
    """Merged translations of ``language``; English falls through to the msgids."""
    if language == "en":
        return gettext_module.NullTranslations()
    # Babel loads only when a catalog is first needed: the CLI mostly speaks English.
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    merged: gettext_module.NullTranslations | None = None
    for path in catalog_files(language):
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        part = gettext_module.GNUTranslations(buffer)
        if merged is None:
            merged = part
        else:
            merged.add_fallback(part)
    return merged or gettext_module.NullTranslations()


def negotiate(
    query: str | None,
    cookie: str | None,
    accept_language: str | None,
    default: str = DEFAULT_LANGUAGE,
) -> str:
    """Pick the language: explicit ``?lang=``, then cookie, then ``Accept-Language``."""
    for candidate in (query, cookie):
        if candidate and candidate.lower() in LANGUAGES:
            return candidate.lower()
    if accept_language:
        weighted: list[tuple[float, str]] = []
        for part in accept_language.split(","):
            pieces = part.strip().split(";")
            tag = pieces[0].strip().lower().split("-")[0]
            quality = 1.0
            for param in pieces[1:]:
                name, _, value = param.strip().partition("=")
                if name == "q":
                    try:
                        quality = float(value)
                    except ValueError:
                        quality = 0.0
            if tag in LANGUAGES and quality > 0:
                weighted.append((quality, tag))
        if weighted:
            return max(weighted, key=lambda item: item[0])[1]
    return default


def set_language(language: str) -> None:
    """Make ``language`` current for this request (a context variable)."""
    _current.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)


def current_language() -> str:
    """The current request's language code."""
    return _current.get()


def text_direction(language: str | None = None) -> str:
    """'rtl' for Arabic, else 'ltr'."""
    return LANGUAGES[language or current_language()]["dir"]


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for deferred translation
    """Mark ``message`` for extraction; it is translated where it is shown."""
    return message


def gettext(message: str) -> str:
    """Translate ``message`` into the current language."""
    return translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate with plural forms into the current language."""
    return translations(current_language()).ngettext(singular, plural, n)


_ = gettext
