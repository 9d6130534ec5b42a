"""Reading posted HTML forms into the dicts the services' input shapes validate."""

from __future__ import annotations

from fastapi import Request

#: Longest field name and value read from a form (longer values are cut, then validated).
MAX_NAME, MAX_VALUE = 40, 4000


async def filled_fields(request: Request) -> dict[str, str]:
    """The posted text fields that are filled in. A blank field means "not given", so the
    input shape's default applies; files and over-long names are left out."""
    form = await request.form()
    return {
        key: value[:MAX_VALUE]
        for key, value in form.multi_items()
        if isinstance(value, str) and value.strip() and len(key) <= MAX_NAME
    }
