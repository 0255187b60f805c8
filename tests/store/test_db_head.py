"""The quick schema check that lets commands skip Alembic when the database is current."""

from __future__ import annotations

from alembic.script import ScriptDirectory

from forewarn.store.db import alembic_config, at_head, head_revision, make_engine, migrate


def test_the_head_read_from_the_migration_files_is_alembics() -> None:
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert [head_revision()] == heads


def test_a_database_is_at_head_only_after_migration(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert not at_head(engine)  # empty: no alembic_version table
        migrate(database_url)
        assert at_head(engine)
    finally:
        engine.dispose()
