"""Sentences a job stores are written in its owner's language (the worker has no request)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from iofs.i18n import current_language, set_language


@contextmanager
def in_language(language: str) -> Iterator[None]:
    """Translate into ``language`` inside the block, then restore the language before it."""
    before = current_language()
    set_language(language)
    try:
        yield
    finally:
        set_language(before)
