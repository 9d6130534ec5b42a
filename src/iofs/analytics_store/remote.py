"""The shared store's side: an fsspec/s3fs filesystem and the keys under the store's prefix.

Layout under ``s3://bucket/prefix``:

- ``objects/<sha256>``: the bytes of a file, named by their SHA-256 (content-addressed).
  Uploads never overwrite a body a published manifest names, so a reader never downloads a
  half-replaced file, and a killed push leaves only unnamed objects behind. S3 has no rename,
  and a temporary key copied into place would move every byte twice; a content address needs
  neither, and an unchanged file (or the same bytes under two names) is stored once.
- ``generations/<n>.json``: manifest number ``n``, created with ``If-None-Match: *``, so two
  servers pushing at the same moment cannot both publish generation ``n``: the second one
  merges its changes onto the first's and takes ``n + 1``.
- ``manifest.json``: the newest manifest (what pulls read), written after its generation file
  and after every object it names.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from iofs.analytics_store.errors import StoreError, describe, not_configured
from iofs.analytics_store.manifest import Manifest, local_path
from iofs.i18n import gettext as _

if TYPE_CHECKING:
    from iofs.config import Settings

T = TypeVar("T")

MANIFEST = "manifest.json"
#: One filesystem per process and configuration: its first request sets up a botocore
#: session (a second or more), which later pushes and pulls reuse.
_FILESYSTEMS: dict[tuple[int, str], Any] = {}
_LOCK = threading.Lock()
#: Seconds to wait to connect, and for an answer, before a request fails.
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 60


@dataclass
class Remote:
    """The shared store ``url`` (``s3://bucket/prefix``) through an s3fs filesystem."""

    url: str
    endpoint: str | None
    fs: Any

    @property
    def root(self) -> str:
        """``bucket/prefix`` (fsspec paths have no scheme)."""
        return self.url.removeprefix("s3://")

    def key(self, *parts: str) -> str:
        """The path of ``parts`` under the store's prefix."""
        return "/".join((self.root, *parts))

    def object_key(self, sha256: str) -> str:
        """Where the body with this SHA-256 is kept."""
        return self.key("objects", sha256)

    def generation_key(self, generation: int) -> str:
        """Where manifest number ``generation`` is kept."""
        return self.key("generations", f"{generation:012d}.json")

    def call(self, action: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``action(*args, **kwargs)`` (a filesystem method); its failure becomes a
        :class:`StoreError` (FileNotFoundError of a key, FileExistsError pass through)."""
        try:
            return action(*args, **kwargs)
        except StoreError:
            raise
        except FileExistsError:
            raise
        except Exception as error:
            if isinstance(error, FileNotFoundError) and "bucket" not in str(error).lower():
                raise
            raise describe(error, self.url, self.endpoint) from error

    def read_manifest(self) -> Manifest:
        """The newest published manifest (generation 0, no files, when none was pushed)."""
        try:
            raw = self.call(self.fs.cat_file, self.key(MANIFEST))
        except FileNotFoundError:
            return Manifest(0, {})
        return self._parse(raw, self.key(MANIFEST))

    def read_generation(self, generation: int) -> Manifest | None:
        """Manifest number ``generation``, or None when it was never published."""
        try:
            raw = self.call(self.fs.cat_file, self.generation_key(generation))
        except FileNotFoundError:
            return None
        return self._parse(raw, self.generation_key(generation))

    def _parse(self, raw: bytes, key: str) -> Manifest:
        """A manifest's bytes read, and every path checked to stay inside the store."""
        try:
            manifest = Manifest.from_json(json.loads(raw))
            for name in manifest.files:
                local_path(Path("."), name)
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise StoreError(
                _(
                    "The manifest s3://%(key)s cannot be used (%(reason)s); push again from a "
                    "server whose store is whole."
                )
                % {"key": key, "reason": str(error)[:200]}
            ) from None
        return manifest

    def has_object(self, sha256: str) -> bool:
        """Whether the body with this SHA-256 is stored."""
        return bool(self.call(self.fs.exists, self.object_key(sha256)))


def open_remote(settings: Settings) -> Remote:
    """The shared store of ``settings``; :class:`StoreError` when ``IOFS_ANALYTICS_URL`` is
    unset. Credentials: ``IOFS_S3_ACCESS_KEY_ID`` / ``IOFS_S3_SECRET_ACCESS_KEY`` when set,
    else botocore's usual chain (``AWS_ACCESS_KEY_ID`` …, ``~/.aws``, instance roles)."""
    import s3fs  # type: ignore[import-untyped]

    if not settings.analytics_url:
        raise not_configured()
    options: dict[str, Any] = {
        "skip_instance_cache": True,
        "use_listings_cache": False,
        "config_kwargs": {
            "connect_timeout": CONNECT_TIMEOUT,
            "read_timeout": READ_TIMEOUT,
            "retries": {"max_attempts": 2},
        },
    }
    if settings.s3_endpoint_url:
        options["endpoint_url"] = settings.s3_endpoint_url
    if settings.s3_access_key_id:
        options["key"] = settings.s3_access_key_id
    if settings.s3_secret_access_key:
        options["secret"] = settings.s3_secret_access_key
    if settings.s3_region:
        options["client_kwargs"] = {"region_name": settings.s3_region}
    key = (os.getpid(), json.dumps(options, sort_keys=True))
    with _LOCK:
        fs = _FILESYSTEMS.get(key)
        if fs is None:
            fs = _FILESYSTEMS[key] = s3fs.S3FileSystem(**options)
    return Remote(settings.analytics_url, settings.s3_endpoint_url, fs)
