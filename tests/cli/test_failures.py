"""Every failure of the command line is one line and a non-zero exit, and writes nothing.

A database that does not exist is refused by every command that reads or acts on what is
recorded (a mistyped path must not show an empty new database); malformed URLs and
unreachable servers are one line that never shows the password; a panel with a header and
no rows is one line for every command that reads a panel.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from forewarn import cli

FOREWARN = Path(sys.executable).with_name("forewarn")
PANEL = Path("ewp-2025") / "prepared2024predictors-2025-09-03.csv"

READS_RECORDED: list[tuple[str, ...]] = [
    ("alerts", "list"),
    ("alerts", "list", "--level", "warning"),
    ("alerts", "show", "1"),
    ("actions", "list"),
    ("actions", "list", "--overdue"),
    ("actions", "ack", "1", "--by", "elif"),
    ("actions", "done", "1", "--by", "elif", "--outcome", "x"),
    ("actions", "refuse", "1", "--by", "elif", "--reason", "x"),
    ("actions", "block", "1", "--by", "elif", "--reference", "S/1"),
    ("tick",),
    ("gap",),
    ("ledger", "verify"),
    ("ledger", "export"),
    ("ledger", "head"),
    ("ledger", "keys"),
    ("ledger", "anchor"),
    ("users", "list"),
    ("users", "disable", "bob"),
    ("tokens", "list"),
    ("tokens", "create", "bob"),
    ("tokens", "revoke", "1"),
    ("assess", "show", "SYR"),
    ("assess", "export", "--out", "out.csv"),
    ("assess", "audit"),
    ("assess", "review", "1", "--public"),
    ("report", "country", "SYR"),
    ("report", "watchlist"),
    ("serve", "--port", "9"),
    ("users", "set", "bob", "--language", "id"),
    ("worker", "--once"),
    ("worker", "status"),
    ("notifications", "list"),
    ("notifications", "retry", "1"),
    ("webhooks", "add", "https://example.org/hook", "--events", "alert.raised"),
    ("webhooks", "list"),
    ("webhooks", "remove", "1"),
]
"""Commands that read, or act on, what the database records."""
MAY_CREATE = {"warn", "assess import", "users add", "events warn"}
"""Commands that record something new and so may create the database."""
NO_DATABASE = {
    "data list", "data check", "models", "backtest", "forecast", "demo", "framework show",
    "plot risk", "plot factors", "plot replay", "replay", "unsc decide", "unsc vetoes",
    "unsc restraint", "mandate check", "mandate list", "events import", "events list",
    "events monthly", "events replay",
}  # fmt: skip


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def run(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    main_in_process: Callable[..., tuple[int, str, str]],
) -> Callable[..., Run]:
    """``forewarn ARGS`` in-process, in ``tmp_path``, with a database path that is unused."""
    keep = tuple(k for k in os.environ if "TEST" in k or k == "FOREWARN_DATA_MIRROR")

    def go(*args: str, **env: str) -> Run:
        base = {
            "FOREWARN_DATA_DIR": str(tmp_path / "data"),
            "FOREWARN_DATABASE_URL": f"sqlite:///{tmp_path / 'typo.db'}",
            "FOREWARN_SECRET_KEY": "k" * 40,
        }
        monkeypatch.chdir(tmp_path)
        return Run(*main_in_process(args, base | env, keep=keep))

    return go


def _one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


@pytest.mark.parametrize("args", READS_RECORDED, ids=" ".join)
def test_a_command_on_what_is_recorded_refuses_a_missing_database(
    run: Callable[..., Run], tmp_path: Path, args: tuple[str, ...]
) -> None:
    result = run(*args)
    assert result.code == 2, result
    line = _one_line(result.err)
    assert line.startswith(f"error: no database at {tmp_path / 'typo.db'}")
    assert not (tmp_path / "typo.db").exists()
    assert not (tmp_path / "out.csv").exists()


def _commands(group: object, prefix: str = "") -> set[str]:
    found = {f"{prefix}{c.name}" for c in group.registered_commands if c.name}  # type: ignore[attr-defined]
    for sub in group.registered_groups:  # type: ignore[attr-defined]
        found |= _commands(sub.typer_instance, f"{prefix}{sub.name} ")
        callback = sub.typer_instance.registered_callback
        if callback is not None and callback.invoke_without_command:
            found.add(f"{prefix}{sub.name}")  # a group that is a command itself (worker)
    return found


def test_every_command_is_classified_by_what_it_does_to_the_database() -> None:
    cli._register()
    classified = {" ".join(a for a in args if not a.startswith("-") and not a[0].isdigit())
                  for args in READS_RECORDED}  # fmt: skip
    classified = {" ".join(c.split()[:2]) if c.split()[0] in _GROUPS else c.split()[0]
                  for c in classified}  # fmt: skip
    assert _commands(cli.app) == classified | MAY_CREATE | NO_DATABASE


_GROUPS = {"alerts", "actions", "ledger", "users", "tokens", "assess", "report", "worker",
           "notifications", "webhooks"}  # fmt: skip


def test_a_write_command_creates_the_database(run: Callable[..., Run], tmp_path: Path) -> None:
    sheet = tmp_path / "a.csv"
    sheet.write_text(
        "country,date,analyst,indicator,judgement,evidence_text,evidence_source,"
        "evidence_date,reliability,credibility,confidential\n"
        "SYR,2024-02-01,amara,7.1,present-weak,report,OHCHR,2024-01-10,B,2,false\n",
        encoding="utf-8",
    )
    result = run("assess", "import", str(sheet))
    assert result.code == 0, result.err
    assert (tmp_path / "typo.db").exists()
    assert run("assess", "show", "SYR").code == 0


# --- the database URL ----------------------------------------------------------------------


def _spawn(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOREWARN_")}
    env["FOREWARN_DATABASE_URL"] = url
    return subprocess.run(
        [str(FOREWARN), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        input="a long enough password\n",
    )


@pytest.mark.parametrize(
    ("url", "code", "message"),
    [
        ("not a url", 2, "FOREWARN_DATABASE_URL is not a database URL"),
        ("mysql://someone:hunter2@db/forewarn", 2, "back end 'mysql' is not supported"),
        ("postgresql://someone:hunter2@127.0.0.1:9/forewarn", 4, "Connection refused"),
        ("postgresql://someone:hunter2@no-such-host.invalid/fw", 4, "cannot use the database"),
    ],
)
def test_a_bad_database_url_is_one_line_without_the_password(
    url: str, code: int, message: str
) -> None:
    for args in (("alerts", "list"), ("users", "add", "x", "--role", "admin", "--password-stdin")):
        done = _spawn(url, *args)
        assert done.returncode == code, done.stderr
        line = _one_line(done.stderr)
        assert message in line and "hunter2" not in line


@pytest.mark.postgres
def test_a_postgresql_database_that_does_not_exist_is_one_line() -> None:
    admin = os.environ.get("FOREWARN_TEST_POSTGRES_URL")
    if not admin:
        pytest.skip("no PostgreSQL server (set FOREWARN_TEST_POSTGRES_URL)")
    url = admin.rsplit("/", 1)[0] + "/forewarn_no_such_database"
    done = _spawn(url, "alerts", "list")
    assert done.returncode == 4
    assert 'database "forewarn_no_such_database" does not exist' in _one_line(done.stderr)


# --- panels ------------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [("forecast",), ("backtest",), ("warn",)], ids=lambda a: a[0])
def test_a_panel_with_a_header_and_no_rows_is_one_line(
    run: Callable[..., Run], mirror: Path, tmp_path: Path, args: tuple[str, ...]
) -> None:
    header = (mirror / PANEL).read_text(encoding="utf-8").splitlines()[0]
    empty = tmp_path / "empty.csv"
    empty.write_text(header + "\n", encoding="utf-8")
    result = run(*args, "--data", str(empty))
    assert result.code == 2, result
    assert _one_line(result.err) == f"error: {empty}: a header but no rows of data"
    assert not (tmp_path / "typo.db").exists()
