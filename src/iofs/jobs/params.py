"""A job's parameters written as ``KEY=VALUE`` (the CLI's ``--param``, the schedules form)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from iofs.errors import InputError
from iofs.i18n import gettext as _


def parse_pairs(pairs: Iterable[str]) -> dict[str, Any]:
    """``KEY=VALUE`` items as a dict; each value is read as JSON when it parses (``7``,
    ``true``, ``["KAZ", "EGY"]``), else kept as text. Blank items are skipped.
    :class:`InputError` names a malformed item."""
    params: dict[str, Any] = {}
    for pair in pairs:
        if not pair.strip():
            continue
        key, sep, raw = pair.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise InputError(
                _("%(item)s: write KEY=VALUE, KEY a name such as keep.") % {"item": pair.strip()},
                "params",
            )
        try:
            params[key] = json.loads(raw)
        except ValueError:
            params[key] = raw.strip()
    return params
