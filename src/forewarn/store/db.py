"""Engines, sessions and migrations for SQLite (WAL, the embedded default) and PostgreSQL.

The database URL is checked before use (a malformed URL or an unsupported back end is one
ConfigError, never the password), commands that only read refuse a database that does not
exist yet (:func:`open_existing`: a mistyped SQLite path must not show an empty new
database), and driver failures (an unreachable server, a full disk) become one line through
:func:`failure_of`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, exc, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from forewarn import ledger
from forewarn.config import Settings
from forewarn.errors import (
    ConfigError,
    Conflict,
    ForewarnError,
    NotFound,
    SchemaError,
    Unavailable,
)

CONNECT_TIMEOUT = 10
"""Seconds to wait for a PostgreSQL server before giving up."""

if TYPE_CHECKING:
    from alembic.config import Config


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def parse_url(url: str) -> URL:
    """``url`` parsed; SQLite or PostgreSQL (``postgresql://`` uses psycopg 3), else a
    ConfigError that does not repeat the URL (it may hold a password)."""
    try:
        parsed = make_url(url)
    except exc.ArgumentError:
        raise ConfigError(
            "FOREWARN_DATABASE_URL is not a database URL (e.g. sqlite:///path/forewarn.db or "
            "postgresql://user@host/db)"
        ) from None
    backend = parsed.get_backend_name()
    if backend in {"postgresql", "postgres"} and "+" not in parsed.drivername:
        return parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername not in {"sqlite", "sqlite+pysqlite", "postgresql+psycopg"}:
        raise ConfigError(
            f"FOREWARN_DATABASE_URL: back end {parsed.drivername!r} is not supported "
            "(forewarn runs on sqlite:/// and postgresql://)"
        )
    return parsed


def shown(url: str | URL) -> str:
    """The URL as it may be shown: without its password."""
    parsed = url if isinstance(url, URL) else make_url(url)
    return parsed.render_as_string(hide_password=True)


def make_engine(url: str, pool_size: int | None = None) -> Engine:
    """An engine for ``url``; SQLite files get WAL, foreign keys and a busy timeout.

    ``pool_size`` fixes the number of pooled connections (no overflow) for an engine used
    from a single thread, such as the API's credential check on the event loop."""
    parsed = parse_url(url)
    pool: dict[str, Any] = {}
    if pool_size is not None:
        pool = {"pool_size": pool_size, "max_overflow": 0}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 30}, **pool)
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        args = {"connect_timeout": CONNECT_TIMEOUT}
        engine = create_engine(parsed, pool_pre_ping=True, connect_args=args, **pool)
    event.listen(engine, "before_cursor_execute", _refuse_nul)
    return engine


def _refuse_nul(
    conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
) -> None:
    """No text with a NUL character reaches the database (PostgreSQL cannot store it,
    SQLite would cut it off in some readers): whatever path it came by, it is refused."""
    stack = [parameters]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list | tuple):
            stack.extend(value)
        elif isinstance(value, str) and "\x00" in value:
            raise SchemaError("text with a NUL character cannot be stored")


def alembic_config(url: str) -> Config:
    """An Alembic configuration pointing at the packaged migrations."""
    from alembic.config import Config  # Alembic is loaded only when a migration may run

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("forewarn.store") / "migrations"))
    rendered = parse_url(url).render_as_string(hide_password=False)
    cfg.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    return cfg


def migrate(url: str) -> None:
    """Bring the database at ``url`` to the newest schema (one-line errors when it cannot)."""
    from alembic import command  # Alembic is loaded only when a migration may run

    try:
        command.upgrade(alembic_config(url), "head")
    except exc.SQLAlchemyError as error:
        raise failure_of(error, url) or error from None


def sign_as_installation(engine: Engine, settings: Settings) -> Engine:
    """Make ``engine``'s ledger appends signed with this installation's key (the file
    ``ledger-key.pem`` in the data folder, created on the first append); returns it."""
    return ledger.sign_with(engine, ledger.KeyFile(ledger.key_path(settings.data_dir)))


def missing_database(url: str) -> Path | None:
    """The SQLite file ``url`` names when it does not exist (None for PostgreSQL, whose
    server says so itself, and for an in-memory database)."""
    parsed = parse_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    path = Path(parsed.database)
    return None if path.exists() else path


def require_database(settings: Settings) -> None:
    """NotFound when the configured SQLite database does not exist (nothing is created)."""
    absent = missing_database(settings.resolved_database_url())
    if absent is not None:
        raise NotFound(
            f"no database at {absent}: nothing has been recorded there "
            "(check FOREWARN_DATABASE_URL or FOREWARN_DATA_DIR; 'forewarn warn', "
            "'forewarn assess import' and 'forewarn users add' create it)"
        )


def open_database(settings: Settings, create: bool = True) -> Engine:
    """Migrate the configured database and return an engine for it that signs as this
    installation (and starts the ledger's receipts file while the ledger is empty).

    With ``create=False`` (commands that only read, or act on what is recorded) a SQLite
    file that does not exist is a NotFound naming it, instead of a new empty database."""
    url = settings.resolved_database_url()
    if not create:
        require_database(settings)
    engine = make_engine(url)
    if not at_head(engine):  # a quick check spares loading Alembic on every command
        migrate(url)
    engine = sign_as_installation(engine, settings)
    ledger.start_receipts(engine, ledger.receipts_path(settings.data_dir, url))
    return engine


def open_existing(settings: Settings) -> Engine:
    """:func:`open_database` for a database that must exist already."""
    return open_database(settings, create=False)


_FULL = ("database or disk is full", "no space left on device", "disk full", "could not extend")


def failure_of(error: BaseException, url: str | None = None) -> ForewarnError | None:
    """The one-line error for a database driver's failure, or None if it is not one.

    Unreachable servers, refused log-ins, missing databases, full disks and files that are
    not databases; the message names the database without its password."""
    if isinstance(error, ForewarnError):
        return error
    if isinstance(error, exc.ArgumentError | exc.NoSuchModuleError):
        return ConfigError(f"FOREWARN_DATABASE_URL: {str(error).splitlines()[0]}")
    if not isinstance(error, exc.DBAPIError) or isinstance(error, exc.ProgrammingError):
        return None
    cause = str(getattr(error, "orig", error) or error).strip().splitlines()
    detail = cause[0] if cause else type(error).__name__
    if isinstance(error, exc.IntegrityError):
        return Conflict(f"the database refused the change: {detail}")
    if isinstance(error, exc.DataError):
        return SchemaError(f"the database refused a value: {detail}")
    where = f"the database {shown(url)}" if url else "the database"
    if any(word in detail.lower() for word in _FULL):
        return Unavailable(
            f"{where} cannot write: the disk is full ({detail}); the change under way was not saved"
        )
    return Unavailable(f"cannot use {where}: {detail}")


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
    except exc.SQLAlchemyError:
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
