"""Engines, sessions and migrations for SQLite (WAL, the embedded default) and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from forewarn import ledger
from forewarn.config import Settings


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str, pool_size: int | None = None) -> Engine:
    """An engine for ``url``; SQLite files get WAL, foreign keys and a busy timeout.

    ``pool_size`` fixes the number of pooled connections (no overflow) for an engine used
    from a single thread, such as the API's credential check on the event loop."""
    parsed = make_url(url)
    pool: dict[str, Any] = {}
    if pool_size is not None:
        pool = {"pool_size": pool_size, "max_overflow": 0}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **pool)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **pool)


def alembic_config(url: str) -> Config:
    """An Alembic configuration pointing at the packaged migrations."""
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("forewarn.store") / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(url: str) -> None:
    """Bring the database at ``url`` to the newest schema."""
    command.upgrade(alembic_config(url), "head")


def sign_as_installation(engine: Engine, settings: Settings) -> Engine:
    """Make ``engine``'s ledger appends signed with this installation's key (the file
    ``ledger-key.pem`` in the data folder, created on the first append); returns it."""
    return ledger.sign_with(engine, ledger.KeyFile(ledger.key_path(settings.data_dir)))


def open_database(settings: Settings) -> Engine:
    """Migrate the configured database and return an engine for it that signs as this
    installation (and starts the ledger's receipts file while the ledger is empty)."""
    url = settings.resolved_database_url()
    migrate(url)
    engine = sign_as_installation(make_engine(url), settings)
    ledger.start_receipts(engine, ledger.receipts_path(settings.data_dir, url))
    return engine


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session whose work is committed as one transaction, or rolled back on error."""
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as session, session.begin():
        yield session
