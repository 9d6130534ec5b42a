"""Static assets are compressed and cached: pages link them with a content fingerprint, the
fingerprinted URL is cached for a year, the world map travels gzipped; pages are not gzipped."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def test_fingerprinted_assets_are_gzipped_and_cached_for_a_year(client: TestClient) -> None:
    home = client.get("/", headers={"Accept": "text/html", "Accept-Encoding": "gzip"})
    assert home.status_code == 200
    assert "content-encoding" not in home.headers  # pages never gzipped (BREACH)
    css = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]{12})"', home.text)
    assert css, "the stylesheet is linked with its fingerprint"
    page = client.get("/drought", headers={"Accept": "text/html"})
    world = re.search(
        r'data-topology="(/static/vendor/countries-50m\.json\?v=[0-9a-f]{12})"', page.text
    )
    assert world
    response = client.get(world.group(1), headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert int(response.headers.get("content-length", "0") or 0) < 400_000  # 756 KB raw
    bare = client.get("/static/css/app.css")
    assert bare.headers["cache-control"] == "public, max-age=3600"
