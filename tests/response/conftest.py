"""Fixtures for the response engine: a migrated database, alerts inserted as the warning stage
would, raw SQL for tampering, and the CLI run in-process or as a real subprocess."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from forewarn.config import Settings
from forewarn.response.ladder import Ladder, Roles, load_ladder, load_roles
from forewarn.store.db import open_database, transaction
from forewarn.store.tables import AlertRow, Base

REPO = Path(__file__).resolve().parents[2]
FOREWARN = Path(sys.executable).with_name("forewarn")
MONDAY = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)
"""Monday 3 March 2025, 09:00 UTC: the day the scripted alerts are raised."""


SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
"""For tests of pure rules that touch the database only to set the scene."""


@pytest.fixture
def engine(db_settings: Settings) -> Iterator[Engine]:
    """The migrated test database (SQLite file or fresh PostgreSQL database)."""
    engine = open_database(db_settings)
    yield engine
    engine.dispose()


@pytest.fixture
def ladder(settings: Settings) -> Ladder:
    return load_ladder(settings)


@pytest.fixture
def roles() -> Roles:
    return load_roles()


AlertMaker = Callable[..., int]


def insert_alerts(engine: Engine, specs: Sequence[dict[str, Any]]) -> list[int]:
    """Insert alerts as the warning stage does (one transaction) and return their ids."""
    with transaction(engine) as session:
        rows = [_alert(session, spec) for spec in specs]
        session.add_all(rows)
        session.flush()
        return [row.id for row in rows]


def _alert(session: Session, spec: dict[str, Any]) -> AlertRow:
    iso3 = spec.get("iso3", "SYR")
    return AlertRow(
        iso3=iso3,
        seq=spec.get("seq") or _next_seq(session, iso3),
        ccode=spec.get("ccode"),
        country=spec.get("country", iso3.title()),
        level=spec.get("level", "warning"),
        rule=spec.get("rule", "test-rule"),
        base_year=spec.get("base_year", 2024),
        created_at=spec.get("created_at", MONDAY),
        snapshot=spec.get("snapshot", {"risk_2y": 0.05}),
        previous_id=spec.get("previous_id"),
    )


def _next_seq(session: Session, iso3: str) -> int:
    current = session.scalar(select(func.max(AlertRow.seq)).where(AlertRow.iso3 == iso3))
    return (current or 0) + 1


@pytest.fixture
def raise_alert(engine: Engine) -> AlertMaker:
    """``raise_alert(level=..., iso3=..., created_at=..., previous_id=...)`` -> alert id."""

    def make(**spec: Any) -> int:
        return insert_alerts(engine, [spec])[0]

    return make


def count_rows(engine: Engine, table: type[Base], *where: Any) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(table).where(*where)) or 0)


# --- raw SQL, as a tamperer with database access would use -------------------------------------


def raw_sql(url: str, *statements: str) -> None:
    """Run SQL on the database behind ``url`` with the plain driver (sqlite3 or psycopg)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        assert parsed.database
        conn = sqlite3.connect(parsed.database)
        try:
            for statement in statements:
                conn.execute(statement)
            conn.commit()
        finally:
            conn.close()
        return
    plain = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain) as pg:
        for statement in statements:
            pg.execute(statement)  # type: ignore[call-overload]


# --- the command line -------------------------------------------------------------------------


@dataclass(frozen=True)
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


def cli_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment of a CLI run: ours less FOREWARN_*, plus the test's database and data."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOREWARN_")}
    env["FOREWARN_DATABASE_URL"] = settings.resolved_database_url()
    env["FOREWARN_DATA_DIR"] = str(settings.data_dir)
    env.update(extra)
    return env


@pytest.fixture
def cli(db_settings: Settings, main_in_process: Any) -> Callable[..., CliResult]:
    """Run ``forewarn ARGS`` in-process against the test database; returns code and output."""

    def run(*args: str, **env: str) -> CliResult:
        return CliResult(*main_in_process(args, cli_env(db_settings, **env)))

    return run


def spawn_cli(settings: Settings, *args: str) -> subprocess.Popen[str]:
    """Start ``forewarn ARGS`` as a real process on the test database."""
    return subprocess.Popen(
        [str(FOREWARN), *args],
        env=cli_env(settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
