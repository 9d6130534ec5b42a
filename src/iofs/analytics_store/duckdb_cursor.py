"""One in-memory DuckDB database per process, and a cursor of it for each read.

Opening a DuckDB connection costs 20–50 ms of CPU on this project's machines (measured:
``duckdb.connect()`` and a first ``SELECT 1``, 35 ms; a cursor of an open connection,
0.5 ms), more than most of the queries the pages run on the analytics store's Parquet files.
The read paths therefore share one database per process and take a cursor each: DuckDB's own
way to query one database from several threads (a cursor is a connection of its own, with its
own temporary objects and transaction; "DuckDB Python API: multiple threads", duckdb.org).

The database holds nothing: queries read the store's Parquet files, and no file contents are
cached between queries. Ingests, which change
global settings (``SET memory_limit``, ``preserve_insertion_order``) and build temporary
tables for minutes, keep connections of their own. A process started by ``fork`` opens its
own database on first use.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

_lock = threading.Lock()
_database: tuple[int, duckdb.DuckDBPyConnection] | None = None


def _shared() -> duckdb.DuckDBPyConnection:
    """This process's database (opened on first use, again after a fork)."""
    global _database
    import duckdb

    with _lock:
        if _database is None or _database[0] != os.getpid():
            database = duckdb.connect()
            # Each read sees the files as they are now, as a fresh connection did: no file
            # contents or Parquet footers kept between queries (an ingest renames a new
            # file over an old one under the same name).
            database.execute("SET enable_external_file_cache = false")
            database.execute("SET parquet_metadata_cache = false")
            _database = (os.getpid(), database)
        return _database[1]


@contextmanager
def duckdb_cursor() -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor of the process's in-memory DuckDB database, closed on exit."""
    base = _shared()
    with _lock:
        cursor = base.cursor()
    try:
        yield cursor
    finally:
        cursor.close()
