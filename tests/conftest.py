"""Shared fixtures: the data mirror, isolated settings, and databases on both back ends.

The PostgreSQL back end is used when ``FOREWARN_TEST_POSTGRES_URL`` names a server (the
test command starts one with ``scripts/postgres.sh``). Under ``CI=true`` its absence is an
error, so CI can never pass while silently skipping the PostgreSQL half of the suite.
"""

from __future__ import annotations

import io
import os
import sys
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from forewarn.config import Settings

REPO = Path(__file__).resolve().parents[1]
RESULTS_CACHE = Path(os.environ.get("FOREWARN_TEST_CACHE", REPO / ".test-cache"))
"""Model results shared by the tests (keyed by data, model and code, so never stale)."""


@pytest.fixture(scope="session")
def mirror() -> Path:
    """The local mirror of the registry's files (``../shared/data`` by default)."""
    path = Path(os.environ.get("FOREWARN_DATA_MIRROR", REPO.parent / "shared" / "data")).resolve()
    if not (path / "ewp-2025").is_dir():
        pytest.fail(f"data mirror not found at {path}; set FOREWARN_DATA_MIRROR")
    return path


@pytest.fixture
def settings(mirror: Path, tmp_path: Path) -> Settings:
    """Settings isolated in ``tmp_path`` (database, receipts), with the mirror for data and
    the shared results cache."""
    return Settings(
        data_mirror=mirror,
        cache_dir=RESULTS_CACHE,
        data_dir=tmp_path / "data",
        database_url=f"sqlite:///{tmp_path / 'forewarn.db'}",
    )


def _postgres_admin_url() -> str | None:
    url = os.environ.get("FOREWARN_TEST_POSTGRES_URL")
    if not url and os.environ.get("CI") == "true":
        pytest.fail("CI=true but FOREWARN_TEST_POSTGRES_URL is not set (scripts/postgres.sh)")
    return url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    admin = _postgres_admin_url()
    if not admin:
        pytest.skip("no PostgreSQL server (set FOREWARN_TEST_POSTGRES_URL)")
    name = f"fw_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test on both back ends: a SQLite file, then a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'forewarn.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def db_settings(settings: Settings, database_url: str) -> Settings:
    """Isolated settings whose database is ``database_url`` (both back ends)."""
    return settings.model_copy(update={"database_url": database_url})


InProcess = Callable[..., tuple[int, str, str]]
"""``main_in_process(args, env, stdin="", keep=())`` → exit code, stdout, stderr."""


@pytest.fixture
def main_in_process(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> InProcess:
    """Run ``forewarn ARGS`` in this process, as the console script would: every
    ``FOREWARN_*`` variable but those in ``keep`` removed, then ``env`` set, ``stdin`` fed."""
    from forewarn.cli import main

    def invoke(
        args: tuple[str, ...], env: Mapping[str, str], stdin: str = "", keep: tuple[str, ...] = ()
    ) -> tuple[int, str, str]:
        for key in [k for k in os.environ if k.startswith("FOREWARN_") and k not in keep]:
            monkeypatch.delenv(key)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        monkeypatch.setattr(sys, "argv", ["forewarn", *args])
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        capsys.readouterr()
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke
