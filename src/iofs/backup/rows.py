"""Table rows as JSON lines: the logical dump of a backup, its digest, and its reload.

Each row is one JSON array of its column values in the table's column order. Values that
JSON cannot hold exactly are tagged: ``{"$d": "12.50"}`` a Decimal (its text, so money stays
exact), ``{"$dt": …}`` / ``{"$date": …}`` / ``{"$time": …}`` ISO 8601, ``{"$b": …}`` base64
bytes, ``{"$j": …}`` a JSON column's document, ``{"$td": seconds}`` a duration, ``{"$f": …}``
a non-finite float. Enum members are written by name, as SQLAlchemy stores them. Rows are
read in primary-key order, so the SHA-256 of the lines identifies a table's content: the
restore recomputes it from the restored database and compares.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import json
import math
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import IO, Any

from sqlalchemy import Connection, Table, func, select, text

#: Rows inserted per statement on restore, and fetched per round trip on backup.
BATCH_ROWS = 2_000


class UnsupportedValue(TypeError):
    """A column holds a value this format has no encoding for (a programming error)."""


def encode(value: Any) -> Any:
    """``value`` as JSON (see the module docstring for the tags)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$f": repr(value)}
    if isinstance(value, Decimal):
        return {"$d": str(value)}
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, time):
        return {"$time": value.isoformat()}
    if isinstance(value, timedelta):
        return {"$td": value.total_seconds()}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$b": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict | list):
        return {"$j": value}
    raise UnsupportedValue(f"cannot back up a value of type {type(value).__name__}")


_DECODERS: dict[str, Any] = {
    "$d": Decimal,
    "$dt": datetime.fromisoformat,
    "$date": date.fromisoformat,
    "$time": time.fromisoformat,
    "$td": lambda seconds: timedelta(seconds=seconds),
    "$b": base64.b64decode,
    "$f": float,
    "$j": lambda document: document,
}


def decode(value: Any) -> Any:
    """The Python value :func:`encode` wrote."""
    if isinstance(value, dict):
        ((tag, payload),) = value.items()
        return _DECODERS[tag](payload)
    return value


def line(values: Iterable[Any]) -> bytes:
    """One row as its JSON line (compact, UTF-8, newline-terminated)."""
    encoded = [encode(value) for value in values]
    return (json.dumps(encoded, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


@dataclass(frozen=True)
class TableDump:
    """What was written for one table: its columns, row count and SHA-256 of the lines."""

    name: str
    columns: list[str]
    rows: int
    sha256: str


def _ordered(table: Table) -> Any:
    keys = list(table.primary_key.columns) or list(table.columns)
    return select(table).order_by(*keys)


def stream_lines(connection: Connection, table: Table) -> Iterator[bytes]:
    """Every row of ``table`` as JSON lines, in primary-key order, fetched in batches."""
    result = connection.execution_options(stream_results=True, yield_per=BATCH_ROWS).execute(
        _ordered(table)
    )
    for row in result:
        yield line(row)


def dump_table(connection: Connection, table: Table, handle: IO[bytes]) -> TableDump:
    """Write ``table``'s rows to ``handle``; returns the count and digest."""
    digest = hashlib.sha256()
    rows = 0
    for encoded in stream_lines(connection, table):
        handle.write(encoded)
        digest.update(encoded)
        rows += 1
    return TableDump(table.name, [c.name for c in table.columns], rows, digest.hexdigest())


def digest_table(connection: Connection, table: Table) -> tuple[int, str]:
    """(rows, SHA-256) of ``table`` as it is now, computed exactly as :func:`dump_table` does."""
    digest = hashlib.sha256()
    rows = 0
    for encoded in stream_lines(connection, table):
        digest.update(encoded)
        rows += 1
    return rows, digest.hexdigest()


def load_table(
    connection: Connection, table: Table, columns: list[str], lines: Iterable[bytes]
) -> int:
    """Insert the rows of ``lines`` (written with ``columns``) into ``table``; returns the
    count. Columns the backup has but the table lacks are a mismatch the caller checks first."""
    batch: list[dict[str, Any]] = []
    count = 0
    for raw in lines:
        values = json.loads(raw)
        batch.append({name: decode(value) for name, value in zip(columns, values, strict=True)})
        if len(batch) >= BATCH_ROWS:
            connection.execute(table.insert(), batch)
            count += len(batch)
            batch.clear()
    if batch:
        connection.execute(table.insert(), batch)
        count += len(batch)
    return count


def reset_sequences(connection: Connection, table: Table) -> None:
    """On PostgreSQL, move ``table``'s id sequence past the restored ids, so that the next
    insert does not collide with a restored row (SQLite's rowids need nothing)."""
    if connection.dialect.name != "postgresql":
        return
    for column in table.primary_key.columns:
        try:
            integer = column.type.python_type is int
        except NotImplementedError:
            integer = False
        if not integer or column.autoincrement is False:
            continue
        sequence = connection.execute(
            text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": table.name, "column": column.name},
        ).scalar()
        if sequence is None:
            continue
        highest = connection.execute(select(func.max(column))).scalar()
        connection.execute(
            text("SELECT setval(:sequence, :value, :called)"),
            {"sequence": sequence, "value": highest or 1, "called": highest is not None},
        )
