"""Migrations run up from empty on SQLite and PostgreSQL and match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from iofs.db import current_revision, make_engine
from iofs.models import Base


def test_migrated_schema_matches_models(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection)
            differences = compare_metadata(context, Base.metadata)
        assert differences == [], f"models and migrations differ: {differences}"
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert current_revision(database_url) is not None


def test_upgrade_from_empty_sqlite(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from iofs.db import upgrade

    url = f"sqlite:///{tmp_path / 'sub' / 'fresh.sqlite3'}"
    assert current_revision(url) is None
    upgrade(url)
    upgrade(url)  # a second upgrade is a no-op
    assert current_revision(url) is not None
