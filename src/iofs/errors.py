"""Errors that services raise for bad input; the web layer turns them into 4xx answers."""

from __future__ import annotations


class InputError(ValueError):
    """A request cannot be done as asked; the message (already translated) says why.

    ``field`` names the offending field; the web layer answers 422 with it, or 404 when
    ``not_found`` is set.
    """

    not_found = False

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFoundError(InputError):
    """The record asked for does not exist."""

    not_found = True
