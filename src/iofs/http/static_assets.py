"""Static asset URLs that name their content, so browsers may keep them for a year.

``static_url("/static/vendor/countries-50m.json")`` → ``…countries-50m.json?v=<sha256 prefix>``:
the query changes whenever the file's bytes do, so the app can answer such URLs with
``Cache-Control: public, max-age=31536000, immutable`` (see :mod:`iofs.web.static_cache`); a URL
without the fingerprint gets a short lifetime. Files are read once per process.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from iofs import i18n

#: URL prefix → folder of the package it is served from (longest prefix first).
ROOTS = (("/static/vendor/", "vendor"), ("/static/", "web/static"))
#: Cache lifetimes (seconds): fingerprinted URLs, and the same files without a fingerprint.
IMMUTABLE_MAX_AGE = 365 * 24 * 3600
SHORT_MAX_AGE = 3600


def asset_path(url: str) -> Path | None:
    """The packaged file behind a ``/static/…`` URL (None outside the static folders)."""
    for prefix, folder in ROOTS:
        if url.startswith(prefix):
            root = (i18n.package_root() / folder).resolve()
            path = (root / url[len(prefix) :]).resolve()
            return path if path.is_relative_to(root) else None
    return None


@lru_cache(maxsize=256)
def static_url(url: str) -> str:
    """``url`` with ``?v=`` and the first 12 hex digits of its file's SHA-256 (unchanged when
    the file is missing)."""
    path = asset_path(url)
    if path is None or not path.is_file():
        return url
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return f"{url}?v={digest}"
