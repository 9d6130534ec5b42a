"""Operational store: SQLAlchemy engine, sessions, declarative base and migrations.

The same models run on SQLite (embedded default) and PostgreSQL. Schema changes go through
Alembic revisions in ``iofs/migrations``; :func:`upgrade` applies them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from importlib import resources
from pathlib import Path
from time import monotonic
from typing import TYPE_CHECKING, Any

from sqlalchemy import Float, Integer, MetaData, Numeric, String, cast, create_engine, event, func
from sqlalchemy.engine import Dialect, Engine, make_url
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator, TypeEngine

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every operational table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


#: How long a SQLite write waits for another one to finish before giving up (ms). SQLite lets
#: one writer at a time; with WAL, readers never wait. A long import holds the write lock for
#: its whole transaction, so other writes queue here instead of failing at once.
SQLITE_BUSY_TIMEOUT_MS = 30_000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_MS)}")
    cursor.close()


def is_busy(error: BaseException) -> bool:
    """Whether ``error`` is SQLite's "database is locked": another write held the database
    for longer than :data:`SQLITE_BUSY_TIMEOUT_MS` (not a failure of the database itself)."""
    orig = getattr(error, "orig", None)
    return orig is not None and "database is locked" in str(orig)


#: A pooled connection to a database server that has lain unused for longer than this
#: (seconds) is pinged before it is handed out; one used more recently is handed out at once.
#: ``pool_pre_ping`` pinged at every checkout: one more round trip in every request, and under
#: load each round trip also waits for the worker's interpreter lock. A server restart takes
#: longer than this, so the connections it broke have been idle longer and are caught.
PING_AFTER_IDLE_S = 1.0
_IDLE_SINCE = "iofs.idle_since"


def _note_idle(_dbapi_connection: Any, record: Any) -> None:
    record.info[_IDLE_SINCE] = monotonic()


def _ping_when_idle(engine: Engine) -> Any:
    """A checkout listener that pings a connection idle for over :data:`PING_AFTER_IDLE_S`;
    a dead one invalidates the pool, whose checkout then connects afresh (as pre-ping does)."""
    dialect = engine.dialect

    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is None or monotonic() - since < PING_AFTER_IDLE_S:
            return  # new, or used a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                raise InvalidatePoolError() from error
            raise

    return checkout


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL and a busy timeout; its folder is made.
    A server's pooled connections are pinged when they have been idle
    (:data:`PING_AFTER_IDLE_S`)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, **kwargs)
    event.listen(engine, "checkin", _note_idle)
    event.listen(engine, "checkout", _ping_when_idle(engine))
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory whose objects stay readable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def make_lookup_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions in which every statement commits on its own (``AUTOCOMMIT``), for a request's
    lookup of who is asking: one statement (an occasional ``last_used_at`` update is one more),
    so it needs no transaction, and its end costs no COMMIT round trip."""
    return sessionmaker(
        bind=engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
    )


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commits on success, rolls back on any exception."""
    with factory() as session, session.begin():
        yield session


def alembic_config(url: str) -> AlembicConfig:
    """Alembic configuration pointing at the packaged migrations and the given database."""
    # Alembic loads only for migrations: every other command starts without it.
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(resources.files("iofs") / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "heads") -> None:
    """Apply migrations up to ``revision`` (default: the newest of every module's branch).

    Each module keeps its tables on its own Alembic branch (``branch_labels`` = module name)
    starting from the shared core, so modules add migrations without colliding.
    """
    from alembic import command

    make_engine(url).dispose()  # creates the SQLite folder when needed
    command.upgrade(alembic_config(url), revision)


def current_revision(url: str) -> str | None:
    """The revision(s) the database is at ("a,b" for several branches), or None when empty."""
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            heads = MigrationContext.configure(connection).get_current_heads()
    finally:
        engine.dispose()
    return ",".join(sorted(heads)) or None


def pending_migrations(url: str) -> bool:
    """Whether the database lacks migrations that the code has."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(url))
    current = set((current_revision(url) or "").split(",")) - {""}
    return current != set(script.get_heads())


class ExactDecimal(TypeDecorator[Decimal]):
    """A :class:`~decimal.Decimal` stored exactly on every database.

    PostgreSQL keeps ``NUMERIC(precision, scale)``. SQLite has no exact decimal type (its
    NUMERIC affinity stores REAL, i.e. binary floating point), so there the value is kept as
    its canonical decimal text. Money and quantities use it: arithmetic happens in Python on
    Decimals, never on floats.
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int = 20, scale: int = 4) -> None:
        super().__init__()
        self.precision = precision
        self.scale = scale
        self._quantum = Decimal(1).scaleb(-scale)

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(self.precision + 2))
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        exact = Decimal(value).quantize(self._quantum)
        return str(exact) if dialect.name == "sqlite" else exact

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(str(value)).quantize(self._quantum)


def _scale_of(column: Any) -> int:
    kind = getattr(column, "type", None)
    if not isinstance(kind, ExactDecimal):
        raise TypeError(f"{column} is not an ExactDecimal column")
    return kind.scale


def exact_sum(session: Session, column: Any) -> ColumnElement[Any]:
    """``SUM(column)`` of an :class:`ExactDecimal` column, exact on every database; read the
    result back with :func:`exact_total`.

    PostgreSQL sums ``NUMERIC`` exactly. SQLite keeps the decimals as text and would sum them
    as binary floats, so there each value is summed as a whole number of its last decimal
    place (an integer sum, exact while every ``|value| × 10^scale`` is below 2^53: 9 × 10^13
    at 2 places, money; 9 × 10^12 at 3, tonnes).
    """
    scale = _scale_of(column)
    if session.get_bind().dialect.name == "sqlite":
        units = 10**scale
        return func.sum(cast(func.round(cast(column, Float) * units), Integer))
    return func.sum(column)


def exact_total(session: Session, value: Any, column: Any) -> Decimal:
    """An :func:`exact_sum` of ``column`` as a Decimal at the column's scale (no rows: 0)."""
    scale = _scale_of(column)
    quantum = Decimal(1).scaleb(-scale)
    if value is None:
        return Decimal(0).quantize(quantum)
    if session.get_bind().dialect.name == "sqlite":
        return (Decimal(int(value)) * quantum).quantize(quantum)
    return Decimal(value).quantize(quantum)


@event.listens_for(Base, "attribute_instrument", propagate=True)
def _quantize_exact_decimals(cls: type, key: str, instrumented: Any) -> None:
    """Quantize values assigned to :class:`ExactDecimal` columns to the column's scale.

    The object then holds what the database will return, so a record's audit snapshot taken
    before and after a reload is the same.
    """
    column = getattr(getattr(cls, "__table__", None), "c", {}).get(key)
    if column is None or not isinstance(column.type, ExactDecimal):
        return
    quantum = column.type._quantum

    def quantize(_target: Any, value: Any, _old: Any, _initiator: Any) -> Any:
        return None if value is None else Decimal(str(value)).quantize(quantum)

    event.listen(instrumented, "set", quantize, retval=True)


# --- bulk writes ----------------------------------------------------------------------------

#: PostgreSQL types of the column types bulk-inserted (binary COPY needs them).
PG_COPY_TYPES = {
    "Integer": "int4",
    "String": "varchar",
    "Text": "text",
    "Float": "float8",
    "Boolean": "bool",
    "DateTime": "timestamptz",
    "Date": "date",
}


def bulk_insert(
    session: Session, table: Any, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert plain rows with the driver's fastest path (binary COPY on PostgreSQL,
    executemany on SQLite), in the session's transaction.
    Values go to the driver as they are (see :func:`driver_value`)."""
    if not rows:
        return
    connection = session.connection()
    names = ", ".join(columns)
    if connection.dialect.name == "postgresql":
        raw: Any = connection.connection.driver_connection
        types = [PG_COPY_TYPES[type(table.c[name].type).__name__] for name in columns]
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY {table.name} ({names}) FROM STDIN (FORMAT BINARY)") as copy,
        ):
            copy.set_types(types)
            for row in rows:
                copy.write_row(row)
        return
    # Table and column names come from the models, never from input.
    connection.exec_driver_sql(
        f"INSERT INTO {table.name} ({names}) VALUES "  # noqa: S608
        f"({', '.join('?' * len(columns))})",
        rows,
    )


def driver_value(session: Session, column: Any, value: Any) -> Any:
    """``value`` as SQLAlchemy would hand it to the driver for ``column`` (e.g. SQLite keeps
    datetimes as text)."""
    dialect = session.get_bind().dialect
    process = column.type._cached_bind_processor(dialect)
    return value if process is None or value is None else process(value)
