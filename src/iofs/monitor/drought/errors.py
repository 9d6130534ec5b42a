"""The drought module's input errors, in a module of their own so that the CLI can catch them
without importing xarray, pandas or numba (they load only when a command needs them)."""

from __future__ import annotations

from iofs.errors import InputError


class PrecipitationInputError(ValueError):
    """The input cannot be read as monthly precipitation; the message says where and why."""


class DroughtInputError(InputError):
    """Bad input to a drought computation (message names the field and reason)."""
