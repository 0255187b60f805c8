"""``forewarn users`` and ``forewarn tokens``: no default account, the first admin made on
the command line, tokens shown once, revoked and disabled at once."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from forewarn.config import Settings

from .conftest import PASSWORD, assert_error, bearer, ledger_kinds


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


Cli = Callable[..., Run]


@pytest.fixture
def cli(api_settings: Settings, main_in_process: Callable[..., tuple[int, str, str]]) -> Cli:
    """``cli(*args, stdin="...")``: ``forewarn ARGS`` in-process on the test database."""
    env = {
        "FOREWARN_DATABASE_URL": api_settings.resolved_database_url(),
        "FOREWARN_DATA_DIR": str(api_settings.data_dir),
    }

    def run(*args: str, stdin: str = "") -> Run:
        return Run(*main_in_process(args, env, stdin))

    return run


def _add(cli: Cli, name: str, *options: str) -> Run:
    return cli("users", "add", name, *options, "--password-stdin", stdin=PASSWORD + "\n")


def test_there_is_no_default_account(cli: Cli, client: TestClient) -> None:
    listed = cli("users", "list", "--json")
    assert (listed.code, json.loads(listed.out)) == (0, [])
    for name in ("admin", "root", "forewarn"):
        response = client.post("/auth/login", data={"username": name, "password": "admin"})
        assert_error(response, 401)


def test_first_admin_logs_in_and_is_in_the_ledger(
    cli: Cli, client: TestClient, engine: Engine
) -> None:
    added = _add(cli, "ada", "--role", "admin", "--owner-role", "special_adviser", "--clearance")
    assert added.code == 0, added.err
    (user,) = json.loads(cli("users", "list", "--json").out)
    assert (user["role"], user["owner_roles"], user["clearance"]) == (
        "admin",
        ["special_adviser"],
        True,
    )
    response = client.post("/auth/login", data={"username": "ada", "password": PASSWORD})
    assert response.json()["user"]["role"] == "admin"
    (registered, _), (kind, actor), *_ = ledger_kinds(engine)  # first: the CLI's signing key
    assert registered == "key.registered"
    assert kind == "user.added" and actor.startswith("cli:")


@pytest.mark.parametrize(
    ("options", "stdin", "message"),
    [
        (("--role", "viewer", "--owner-role", "analyst"), PASSWORD, "viewer"),
        (("--role", "decision", "--owner-role", "pope"), PASSWORD, "no ladder role 'pope'"),
        (("--role", "analyst"), "short", "at least 12"),
    ],
)
def test_users_add_refuses_bad_requests(
    cli: Cli, engine: Engine, options: tuple[str, ...], stdin: str, message: str
) -> None:
    result = cli("users", "add", "eve", *options, "--password-stdin", stdin=stdin + "\n")
    assert result.code != 0 and message in result.err
    assert json.loads(cli("users", "list", "--json").out) == []


def test_a_name_is_taken_once(cli: Cli) -> None:
    assert _add(cli, "ada", "--role", "admin").code == 0
    again = _add(cli, "ada", "--role", "viewer")
    assert again.code == 2 and "already exists" in again.err


def test_tokens_are_shown_once_and_revoked_at_once(
    cli: Cli, client: TestClient, engine: Engine
) -> None:
    _add(cli, "ada", "--role", "admin")
    created = cli("tokens", "create", "ada", "--label", "laptop")
    token = created.out.strip()
    assert created.code == 0 and token.startswith("fwt_")
    assert client.get("/auth/me", headers=bearer(token)).json()["name"] == "ada"
    listed = cli("tokens", "list")
    assert "laptop" in listed.out and token not in listed.out
    assert cli("tokens", "revoke", "1").code == 0
    assert_error(client.get("/auth/me", headers=bearer(token)), 401)
    assert cli("tokens", "revoke", "1").code == 2
    assert ("token.revoked", ledger_kinds(engine)[-1][1]) == ledger_kinds(engine)[-1]


def test_disabling_a_user_ends_their_access(cli: Cli, client: TestClient) -> None:
    _add(cli, "ada", "--role", "admin")
    token = cli("tokens", "create", "ada").out.strip()
    assert cli("users", "disable", "ada").code == 0
    assert_error(client.get("/auth/me", headers=bearer(token)), 401)
    (user,) = json.loads(cli("users", "list", "--json").out)
    assert user["active"] is False
    assert cli("tokens", "create", "ada").code == 2


def test_serve_refuses_to_start_without_a_secret_key(cli: Cli) -> None:
    result = cli("serve", "--port", "1")
    assert result.code == 2 and "FOREWARN_SECRET_KEY" in result.err
