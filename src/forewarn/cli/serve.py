"""``forewarn serve``, ``forewarn users`` and ``forewarn tokens``: the API and who may use it.

Users carry an e-mail address, a language (en, id) and a digest choice, which decide how
the worker tells them about their actions (docs/notifications.md).

There is no default account: the first admin is made here, on the command line. User and
token changes are recorded in the ledger with the operating-system user as actor.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import typer
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from forewarn import ledger
from forewarn.api.security import Passwords, Role, digest, new_token
from forewarn.cli.app import app, console, err_console, settings_of, write_json
from forewarn.config import Settings
from forewarn.errors import ConfigError
from forewarn.i18n import normalise
from forewarn.response.ladder import load_ladder
from forewarn.store import auth, outbox
from forewarn.store.db import open_database

users_app = typer.Typer(help="People who may use the API: add, list, disable.")
tokens_app = typer.Typer(help="API tokens: create (shown once), list, revoke.")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
T = TypeVar("T")


@app.command("serve")
def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    workers: int = typer.Option(1, "--workers", min=1, help="Worker processes."),
    access_log: bool = typer.Option(
        True,
        "--access-log/--no-access-log",
        help="Log every request (leave it to a reverse proxy that logs them already).",
    ),
    shutdown_grace: int = typer.Option(
        5,
        "--shutdown-grace",
        min=0,
        help="Seconds requests under way may take to finish on SIGTERM or Ctrl-C; then they "
        "are stopped, forecasts being computed included.",
    ),
) -> None:
    """Run the REST API (OpenAPI schema at /openapi.json, interactive docs at /docs).

    Writes to the database (assessments, action decisions) are in the ledger whatever the
    access log says; the access log only lists the requests. On SIGTERM (or Ctrl-C) it stops
    taking requests, lets those under way finish for --shutdown-grace seconds, and exits;
    a forecast still being computed then is abandoned, with the processes it forked."""
    import uvicorn

    from forewarn.api.app import create_app

    settings = settings_of(ctx)
    application = create_app(settings)
    open_database(settings, create=False).dispose()  # no users without a database
    # the app reads forwarded headers itself, from FOREWARN_TRUSTED_PROXIES only: uvicorn's
    # own handling would believe any X-Forwarded-For sent from loopback
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "access_log": access_log,
        "proxy_headers": False,
        "timeout_graceful_shutdown": shutdown_grace,
    }
    if workers == 1:
        uvicorn.run(application, **options)
        _abandon_computations()
        return
    if not settings.secret_key:
        raise ConfigError("several workers need FOREWARN_SECRET_KEY to share sessions")
    uvicorn.run("forewarn.api.app:app_from_env", factory=True, workers=workers, **options)


def _abandon_computations() -> None:
    """Once the server has stopped, exit without waiting for the threads still computing
    a forecast for a request that was stopped (nobody will read it; the results cache is
    written atomically, and the processes they forked die with them)."""
    main = threading.main_thread()
    deadline = time.monotonic() + 1.0  # idle worker threads end by themselves at once
    for thread in threading.enumerate():
        if thread is not main and not thread.daemon:
            thread.join(max(0.0, deadline - time.monotonic()))
    busy = [t for t in threading.enumerate() if t is not main and not t.daemon and t.is_alive()]
    if not busy:
        return
    err_console.print(f"stopped; abandoning {len(busy)} computation thread(s) under way")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


# --- shared -----------------------------------------------------------------------------------


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@contextmanager
def _engine(settings: Settings, create: bool = False) -> Iterator[Engine]:
    engine = open_database(settings, create=create)
    try:
        yield engine
    finally:
        engine.dispose()


def _write(settings: Settings, work: Callable[[Session], T], create: bool = False) -> T:
    """Run ``work`` in a ledger write transaction and keep a receipt of the new head (only
    ``users add`` may create the database)."""
    with _engine(settings, create) as engine:
        result = ledger.retrying(engine, work)
        url = settings.resolved_database_url()
        ledger.record_receipt(engine, ledger.receipts_path(settings.data_dir, url))
    return result


def _note(session: Session, kind: str, subject: str, facts: dict[str, Any]) -> None:
    ledger.append(session, kind, subject, facts, _actor())


# --- users ------------------------------------------------------------------------------------


def _owner_roles(settings: Settings, role: Role, owner_roles: list[str]) -> tuple[str, ...]:
    if owner_roles and role is Role.VIEWER:
        raise ConfigError("a viewer cannot hold ladder roles: viewers may not act on actions")
    known = sorted({a.owner for a in load_ladder(settings).actions.values()})
    unknown = [r for r in owner_roles if r not in known]
    if unknown:
        raise ConfigError(f"no ladder role {unknown[0]!r} (the ladder's: {', '.join(known)})")
    return tuple(owner_roles)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    value: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


def _add(session: Session, new: auth.NewUser) -> None:
    row = auth.add_user(session, new, _now())
    facts: dict[str, Any] = {"name": row.name, "role": row.role, "owner_roles": row.owner_roles}
    facts |= {"email_set": row.email is not None, "language": row.language, "digest": row.digest}
    _note(session, "user.added", f"user:{row.name}", facts | {"clearance": row.clearance})


def _email(value: str | None) -> str | None:
    """The address, checked loosely (one @, no spaces); "" removes it."""
    if value is None or value == "":
        return value
    address = value.strip()
    local, at, domain = address.rpartition("@")
    if not at or not local or "." not in domain or any(c.isspace() for c in address):
        raise ConfigError(f"--email {value!r}: not an e-mail address")
    return address


def _language(value: str | None) -> str | None:
    return None if value is None else normalise(value)


EMAIL = typer.Option(None, "--email", help="Where notifications are sent.")
LANGUAGE = typer.Option(None, "--language", help="Language of the user's messages: en or id.")


@users_app.command("add")
def add_user(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The user name used to log in."),
    role: Role = typer.Option(..., "--role", help="viewer, analyst, decision or admin."),
    owner_role: list[str] = typer.Option(
        [], "--owner-role", help="A ladder role the user holds (repeat), e.g. special_adviser."
    ),
    clearance: bool = typer.Option(False, "--clearance", help="May read confidential evidence."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input."
    ),
    email: str | None = EMAIL,
    language: str | None = LANGUAGE,
    digest: bool = typer.Option(
        False, "--digest", help="One daily digest instead of a message per event."
    ),
) -> None:
    """Add a user; the password is asked for (or read with --password-stdin)."""
    settings = settings_of(ctx)
    owners = _owner_roles(settings, role, owner_role)
    address, lang = _email(email) or None, _language(language) or "en"
    hashed = Passwords().hash(_password(password_stdin))
    new = auth.NewUser(name, hashed, role.value, owners, clearance, address, lang, digest)
    _write(settings, lambda s: _add(s, new), create=True)
    held = f"; ladder roles: {', '.join(owners)}" if owners else ""
    console.print(f"user {name} added as {role.value}{held}" + (", cleared" if clearance else ""))


def _user_record(row: Any) -> dict[str, Any]:
    return {
        "name": row.name,
        "role": row.role,
        "owner_roles": list(row.owner_roles),
        "clearance": row.clearance,
        "active": row.active,
        "created_at": ledger.utc_stamp(row.created_at),
        "email": row.email,
        "language": row.language,
        "digest": row.digest,
    }


@users_app.command("list")
def list_users(
    ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")
) -> None:
    """Show every user: role, ladder roles, clearance, whether active."""
    with _engine(settings_of(ctx)) as engine, Session(engine) as session:
        records = [_user_record(r) for r in auth.list_users(session)]
    if as_json:
        write_json(records, None)
        return
    table = Table(title=f"forewarn users ({len(records)})")
    for col in ("name", "role", "ladder roles", "clearance", "active", "e-mail", "told"):
        table.add_column(col)
    for r in records:
        flags = ("yes" if r["clearance"] else "no", "yes" if r["active"] else "DISABLED")
        told = f"{r['language']}, {'daily digest' if r['digest'] else 'each event'}"
        table.add_row(r["name"], r["role"], ", ".join(r["owner_roles"]) or "-", *flags,
                      r["email"] or "-", told)  # fmt: skip
    console.print(table)


@users_app.command("set")
def set_user(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="User name."),
    email: str | None = typer.Option(
        None, "--email", help="Where notifications are sent ('' removes the address)."
    ),
    language: str | None = LANGUAGE,
    digest: bool | None = typer.Option(
        None, "--digest/--no-digest", help="A daily digest, or a message per event."
    ),
) -> None:
    """Change how a user is told: e-mail address, language, digest."""
    contact = auth.Contact(_email(email), _language(language), digest)

    def work(session: Session) -> dict[str, Any]:
        row, changed = auth.set_contact(session, name, contact)
        if changed.get("digest") == [True, False]:
            outbox.release_held(session, row.id, _now())
        if changed:
            facts = {k: v for k, v in changed.items() if k != "email"}
            if "email" in changed:
                facts["email_set"] = row.email is not None
            _note(session, "user.updated", f"user:{row.name}", {"name": row.name, **facts})
        return changed

    changed = _write(settings_of(ctx), work)
    console.print(
        f"user {name}: " + (", ".join(f"{k} changed" for k in changed) if changed else "no change")
    )


@users_app.command("disable")
def disable_user(ctx: typer.Context, name: str = typer.Argument(..., help="User name.")) -> None:
    """Disable a user and revoke their tokens and sessions."""

    def work(session: Session) -> None:
        auth.disable_user(session, name, _now())
        _note(session, "user.disabled", f"user:{name}", {"name": name})

    _write(settings_of(ctx), work)
    console.print(f"user {name} disabled; their tokens and sessions are revoked")


# --- tokens -----------------------------------------------------------------------------------


@tokens_app.command("create")
def create_token(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The user the token acts as."),
    label: str | None = typer.Option(None, "--label", help="What the token is for."),
) -> None:
    """Make an API token for a user and print it once (only its SHA-256 is kept)."""
    token = new_token()

    def work(session: Session) -> int:
        user = auth.get_user(session, name)
        row = auth.add_token(session, user, digest(token), _now(), label=label)
        _note(session, "token.created", f"token:{row.id}", {"user": name, "label": label})
        return row.id

    token_id = _write(settings_of(ctx), work)
    typer.echo(token)
    err_console.print(
        f"token {token_id} for {name}: shown once, keep it secret "
        "(send it as 'Authorization: Bearer <token>')"
    )


@tokens_app.command("list")
def list_tokens(
    ctx: typer.Context,
    name: str | None = typer.Argument(None, help="Only this user's tokens."),
) -> None:
    """Show API tokens (ids, users, labels, state), never the tokens themselves."""
    with _engine(settings_of(ctx)) as engine, Session(engine) as session:
        rows = auth.list_tokens(session, name)
    table = Table(title=f"API tokens ({len(rows)})")
    for col in ("id", "user", "label", "created", "state"):
        table.add_column(col)
    for row, user in rows:
        state = "revoked" if row.revoked_at else "live"
        table.add_row(str(row.id), user, row.label or "-", ledger.utc_stamp(row.created_at), state)
    console.print(table)


@tokens_app.command("revoke")
def revoke_token(ctx: typer.Context, token_id: int = typer.Argument(..., help="Token id.")) -> None:
    """Revoke an API token: it stops working at once."""

    def work(session: Session) -> None:
        auth.revoke_token(session, token_id, _now())
        _note(session, "token.revoked", f"token:{token_id}", {"token_id": token_id})

    _write(settings_of(ctx), work)
    console.print(f"token {token_id} revoked")
