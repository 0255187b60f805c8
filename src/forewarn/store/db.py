"""Engines, sessions and migrations for SQLite (WAL, the embedded default) and PostgreSQL."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from forewarn.config import Settings

if TYPE_CHECKING:
    from alembic.config import Config


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
    from alembic.config import Config  # Alembic is loaded only when a migration may run

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("forewarn.store") / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(url: str) -> None:
    """Bring the database at ``url`` to the newest schema."""
    from alembic import command

    command.upgrade(alembic_config(url), "head")


def open_database(settings: Settings) -> Engine:
    """Migrate the configured database (unless it is already at the newest revision) and
    return an engine for it."""
    url = settings.resolved_database_url()
    engine = make_engine(url)
    if not at_head(engine):
        migrate(url)
    return engine


def at_head(engine: Engine) -> bool:
    """Whether the database's Alembic revision is the packaged migrations' single head
    (a quick check that spares each command loading Alembic and its scripts)."""
    head = head_revision()
    if head is None:
        return False
    try:
        with engine.connect() as conn:
            found = {str(r) for r in conn.execute(text("SELECT version_num FROM alembic_version"))
                     .scalars()}  # fmt: skip
    except SQLAlchemyError:
        return False
    return found == {head}


_ASSIGN = re.compile(r"^(down_revision|revision)\s*(?::[^=]+)?=\s*(.+?)\s*$", re.MULTILINE)


@cache
def head_revision() -> str | None:
    """The one revision of the packaged migrations that no other revises (read from their
    source), or None when the files do not name exactly one."""
    revisions: set[str] = set()
    revised: set[str] = set()
    folder = resources.files("forewarn.store") / "migrations" / "versions"
    for item in folder.iterdir():
        if not item.name.endswith(".py") or item.name.startswith("__"):
            continue
        for key, value in _ASSIGN.findall(item.read_text(encoding="utf-8")):
            try:
                parsed = ast.literal_eval(value)
            except (ValueError, SyntaxError):
                return None
            names = parsed if isinstance(parsed, tuple | list) else [parsed]
            (revisions if key == "revision" else revised).update(str(n) for n in names if n)
    heads = revisions - revised
    return next(iter(heads)) if len(heads) == 1 else None


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session whose work is committed as one transaction, or rolled back on error."""
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as session, session.begin():
        yield session
