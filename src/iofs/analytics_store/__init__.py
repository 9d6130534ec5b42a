"""The analytics store shared through S3-compatible object storage, as a **mirror**.

DuckDB's httpfs extension cannot be installed offline and every monitor module reads the
local Parquet files of ``Settings.analytics_dir``; so the shared store is not read in place.
Each app server keeps its local analytics directory as a *cache* of the shared store named by
``IOFS_ANALYTICS_URL`` (``s3://bucket/prefix``):

- :func:`~iofs.analytics_store.sync.push` (after every ingest, fetch and slice removal, and
  ``iofs analytics push``) uploads what changed locally and then, last, a new manifest;
- :func:`~iofs.analytics_store.sync.pull` (a background thread of each app process every
  ``IOFS_ANALYTICS_SYNC_SECONDS``, and ``iofs analytics pull``) brings the local copy to the
  newest manifest, each file staged beside its target and renamed over it.

The remote layout (:mod:`iofs.analytics_store.remote`): ``objects/<sha256>`` (content-addressed
file bodies), ``generations/<n>.json`` (each manifest, created exclusively) and
``manifest.json`` (the newest manifest, written last). A base layer: it imports only
:mod:`iofs.config`, :mod:`iofs.errors`, :mod:`iofs.i18n`, :mod:`iofs.ingest_files` and
:mod:`iofs.slices`.
"""

from iofs.analytics_store.errors import StoreError
from iofs.analytics_store.sync import PullReport, PushReport, pull, push, status

__all__ = ["PullReport", "PushReport", "StoreError", "pull", "push", "status"]
