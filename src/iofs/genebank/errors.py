"""Errors of the gene bank services."""

from __future__ import annotations

from iofs.errors import InputError, NotFoundError


class GenebankError(InputError):
    """Invalid gene bank input; names the field."""


class UnknownRecord(GenebankError, NotFoundError):
    """No such accession, lot or test."""
