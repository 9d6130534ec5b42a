"""Following a keyset-paged API list to its end, as a client would (tests of iofs.http.paging)."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

LINK = re.compile(r'<([^>]+)>; rel="next"')


def api_rows(
    client: TestClient, url: str, headers: dict[str, str] | None = None, items: str = "items"
) -> list[dict[str, Any]]:
    """Every row of the paged list at ``url`` (the answer's ``items`` key), following the
    ``Link: rel="next"`` URL page after page; on every page the header must agree with the
    body's ``next`` cursor, and the last page must carry neither."""
    rows: list[dict[str, Any]] = []
    while url:
        response = client.get(url, headers=headers or {})
        assert response.status_code == 200, response.text
        body = response.json()
        rows += body[items]
        if body["next"] is None:
            assert "Link" not in response.headers
            url = ""
        else:
            found = LINK.fullmatch(response.headers.get("Link", ""))
            assert found and f"after={body['next']}" in found.group(1)
            url = found.group(1)
    return rows
