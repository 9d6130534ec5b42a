"""SQL text of the FAOSTAT store's DuckDB queries: quoted names, literals, ENUM types.

The store's SQL is assembled from quoted identifiers and quoted literals only; no user text
reaches it unquoted.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def identifier(name: str) -> str:
    """``name`` as a double-quoted SQL identifier (a CSV column name)."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str | Path) -> str:
    """``text`` (or a path) as a single-quoted SQL string literal."""
    return "'" + str(text).replace("'", "''") + "'"


def enum_type(values: Iterable[str]) -> str:
    """An inline DuckDB ENUM type of ``values`` (first occurrence kept, in order).

    Parquet writes an ENUM column as its dictionary, without hashing every string (a VARCHAR
    column of the same values costs ~50 ns a row), and a sort on it is a sort on integers.
    """
    return f"ENUM({', '.join(literal(v) for v in dict.fromkeys(values))})"


def parquet_list(paths: Iterable[Path]) -> str:
    """A ``read_parquet`` of ``paths`` as one table (columns matched by name)."""
    return f"read_parquet([{', '.join(literal(p) for p in paths)}], union_by_name = true)"
