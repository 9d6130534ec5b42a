"""The process's shared DuckDB database (iofs.analytics_store.duckdb_cursor, #21 item 2): each
read gets a cursor of its own, a file renamed over another under the same name is read anew,
threads query at once, and temporary objects of one cursor are not seen by another."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from iofs.analytics_store.duckdb_cursor import duckdb_cursor


def _publish(frame: pd.DataFrame, target: Path) -> None:
    """Write ``frame`` beside ``target`` and rename it over, as the ingests publish."""
    staged = target.with_name("." + target.name)
    frame.to_parquet(staged, index=False)
    os.replace(staged, target)


def test_a_file_replaced_under_the_same_name_is_read_anew(tmp_path: Path) -> None:
    target = tmp_path / "slice.parquet"
    sql = f"SELECT sum(x) FROM read_parquet('{target.as_posix()}')"
    _publish(pd.DataFrame({"x": [1, 2, 3]}), target)
    with duckdb_cursor() as con:
        assert con.execute(sql).fetchone() == (6,)
    _publish(pd.DataFrame({"x": [10, 20]}), target)  # same size class, same name
    with duckdb_cursor() as con:
        assert con.execute(sql).fetchone() == (30,)


def test_cursors_are_closed_and_keep_their_temporary_objects(tmp_path: Path) -> None:
    with duckdb_cursor() as first:
        first.execute("CREATE TEMP TABLE mine AS SELECT 1 AS x")
        with duckdb_cursor() as second, pytest.raises(duckdb.CatalogException):
            second.execute("SELECT * FROM mine")
    with pytest.raises(duckdb.ConnectionException):
        first.execute("SELECT 1")


def test_threads_query_at_once(tmp_path: Path) -> None:
    target = tmp_path / "rows.parquet"
    _publish(pd.DataFrame({"x": range(10_000)}), target)

    def total(_: int) -> int:
        with duckdb_cursor() as con:
            row = con.execute(f"SELECT sum(x) FROM read_parquet('{target.as_posix()}')").fetchone()
        assert row is not None
        return int(row[0])

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(total, range(64))) == {49_995_000}
