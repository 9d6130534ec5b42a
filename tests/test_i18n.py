"""Every user-facing message is translated into Arabic and French; negotiation works."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from iofs import i18n

SRC = Path(__file__).resolve().parents[1] / "src" / "iofs"
METHOD_MAP = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {
    "**/templates/**.html": {
        "extensions": "jinja2.ext.i18n",
        "trim_blocks": "true",
        "lstrip_blocks": "true",
    }
}


def _messages() -> list[tuple[str, str | tuple[str, ...]]]:
    found = []
    for filename, _line, message, _comments, _context in extract_from_dir(
        str(SRC),
        METHOD_MAP,
        OPTIONS,
        keywords={"_": None, "gettext": None, "N_": None, "ngettext": (1, 2)},
    ):
        if message:
            found.append((filename, message))
    return found


def test_messages_are_found() -> None:
    msgids = {m if isinstance(m, str) else m[0] for _f, m in _messages()}
    assert "Member states" in msgids
    assert "%(num)d state" in msgids


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_every_message_is_translated(language: str) -> None:
    translations = i18n.translations(language)
    missing = []
    for filename, message in _messages():
        if isinstance(message, tuple):
            translated = translations.ngettext(message[0], message[1], 1)
            original = message[0]
        else:
            translated = translations.gettext(message)
            original = message
        same_is_right = language == "fr" and _same_in_french(original)
        if translated == original and not same_is_right:
            missing.append(f"{filename}: {original!r}")
    assert not missing, f"untranslated into {language}:\n" + "\n".join(sorted(set(missing)))


def _same_in_french(message: str) -> bool:
    """Messages legitimately spelt the same in French are marked in the catalog as such."""
    catalog = i18n.translations("fr")
    return message in getattr(catalog, "_catalog", {}) or any(
        message in getattr(f, "_catalog", {}) for f in _fallbacks(catalog)
    )


def _fallbacks(translations: object) -> list[object]:
    chain = []
    current = getattr(translations, "_fallback", None)
    while current is not None:
        chain.append(current)
        current = getattr(current, "_fallback", None)
    return chain


@pytest.mark.parametrize(
    ("query", "cookie", "header", "expected"),
    [
        ("ar", None, "fr-FR,fr;q=0.9", "ar"),
        (None, "fr", "ar", "fr"),
        (None, None, "de-DE,fr;q=0.8,ar;q=0.9", "ar"),
        (None, None, "de-DE", "en"),
        ("xx", None, "fr", "fr"),
        (None, None, "ar;q=0, fr;q=0.1", "fr"),
        (None, None, "ar;q=abc", "en"),
    ],
)
def test_language_negotiation(
    query: str | None, cookie: str | None, header: str, expected: str
) -> None:
    assert i18n.negotiate(query, cookie, header) == expected


def test_arabic_is_right_to_left() -> None:
    assert i18n.text_direction("ar") == "rtl"
    assert i18n.text_direction("fr") == "ltr"
