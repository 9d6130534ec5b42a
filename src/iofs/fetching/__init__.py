"""Downloads of public datasets and the record of each fetch run (a base layer).

:mod:`iofs.fetching.download` is the one resumable, checked HTTP downloader (Range resume,
ETag / Last-Modified conditional requests, size and SHA-256, timeouts, retries with backoff);
:mod:`iofs.fetching.runs` runs one source (download, then the module's ingest) and records it
in the ``fetch_runs`` table (:mod:`iofs.fetching.models`). Modules (prices, IPC, risk,
FAOSTAT) declare their sources in their own ``fetch.py``; this package imports no module.
"""
