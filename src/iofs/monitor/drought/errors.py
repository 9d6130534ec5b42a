"""The drought module's input error, in a module of its own so that the CLI can catch it
without importing xarray, pandas or numba (they load only when a command needs them)."""

from __future__ import annotations


class PrecipitationInputError(ValueError):
    """The input cannot be read as monthly precipitation; the message says where and why."""
