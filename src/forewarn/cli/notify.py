"""``forewarn worker``, ``forewarn notifications`` and ``forewarn webhooks``: telling people.

The worker runs the clock and delivers the outbox (docs/notifications.md); the other commands
inspect and retry deliveries and manage webhook subscriptions. Changes made here are recorded
in the ledger with the operating-system user as actor.
"""

from __future__ import annotations

import datetime as dt
import getpass
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import typer
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from forewarn import ledger
from forewarn.cli.app import app, console, err_console, settings_of, write_json
from forewarn.config import Settings
from forewarn.notify import config as notify_config
from forewarn.notify import dispatch, queue, status, subscriptions
from forewarn.notify.worker import RoundReport, Worker
from forewarn.response.ladder import load_ladder
from forewarn.store import auth
from forewarn.store.db import open_database, require_database

worker_app = typer.Typer(help="The worker: runs the clock and delivers notifications.")
notifications_app = typer.Typer(help="Notifications: list them, retry failed ones.")
webhooks_app = typer.Typer(help="Webhook subscriptions: add (secret shown once), list, remove.")
app.add_typer(worker_app, name="worker")
app.add_typer(notifications_app, name="notifications")
app.add_typer(webhooks_app, name="webhooks")
T = TypeVar("T")


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _receipts(settings: Settings) -> Path:
    return ledger.receipts_path(settings.data_dir, settings.resolved_database_url())


@contextmanager
def _engine(settings: Settings) -> Iterator[Engine]:
    """The database, which must exist: every command here works on what is recorded."""
    engine = open_database(settings, create=False)
    try:
        yield engine
    finally:
        engine.dispose()


def _write(settings: Settings, work: Callable[[Session], T]) -> T:
    with _engine(settings) as engine:
        result = ledger.retrying(engine, work)
        ledger.record_receipt(engine, _receipts(settings))
    return result


# --- the worker -------------------------------------------------------------------------------


def _progress(result: RoundReport) -> None:
    tick = result.tick
    err_console.print(
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%S} UTC: "
        + (f"tick: {tick.opened} opened, {tick.overdue} overdue, {tick.escalated} escalated; "
           if result.ticked else "")
        + f"{result.reminded} reminded, {result.digests} digests; sent {result.sent.delivered} "
        f"delivered, {result.sent.deferred} deferred, {result.sent.failed} failed",
        soft_wrap=True,
    )  # fmt: skip
    if result.mail_error:
        err_console.print(f"e-mail deferred: {result.mail_error}", markup=False, soft_wrap=True)


def _trouble(exc: Exception) -> None:
    err_console.print(f"database unavailable, trying again: {type(exc).__name__}")


def _delivery(settings: Settings, engine: Engine) -> notify_config.Delivery:
    """The delivery settings, checked for what is used (e-mail only with users to mail)."""
    with Session(engine) as session:
        return notify_config.delivery(settings, auth.mail_recipients(session))


def _mail_line(delivery: notify_config.Delivery) -> str:
    mail = delivery.mail
    if mail is None:
        return "e-mail off (no e-mail settings, no user with an address): webhooks only"
    return f"SMTP {mail.host}:{mail.port} ({mail.tls})"


@worker_app.callback(invoke_without_command=True)
def worker(
    ctx: typer.Context,
    once: bool = typer.Option(False, "--once", help="Do one round and exit (for cron, tests)."),
) -> None:
    """Run the clock and deliver notifications until SIGTERM (--once: one round)."""
    if ctx.invoked_subcommand is not None:
        return
    settings = settings_of(ctx)
    require_database(settings)
    ladder = load_ladder(settings)
    with _engine(settings) as engine:
        delivery = _delivery(settings, engine)
        with Session(engine) as session:
            subscriptions.check_stored(session)
        runner = Worker(engine, ladder, delivery, _receipts(settings))
        runner.install_signals()
        err_console.print(
            f"worker {runner.name}: {_mail_line(delivery)}, tick every {delivery.interval:g}s, "
            f"outbox every {delivery.poll:g}s" + (" (one round)" if once else "; stop with SIGTERM")
        )
        runner.run(once=once, report=_progress, trouble=_trouble)
    if not once:
        err_console.print("worker stopped")


@worker_app.command("status")
def worker_status(
    ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")
) -> None:
    """Last tick, outbox depth, oldest undelivered notification, failures."""
    settings = settings_of(ctx)
    ladder = load_ladder(settings)
    with _engine(settings) as engine, ledger.snapshot(engine) as session:
        found = status.status(session, ladder, dt.datetime.now(dt.UTC))
    if as_json:
        write_json(found.as_dict(), None)
        return
    console.print(
        f"last tick: {found.last_tick_at or 'never'}; last round: {found.last_round_at or 'never'}"
    )
    console.print(
        f"outbox: {found.pending} waiting ({found.retrying} being retried), {found.held} held "
        f"for digests, {found.failed} failed for good, {found.delivered} delivered"
    )
    if found.oldest_undelivered_at:
        console.print(
            f"oldest undelivered: {found.oldest_undelivered_at} "
            f"({found.oldest_undelivered_age_seconds:.0f} s ago)"
        )
    if found.last_error:
        console.print(f"last error: {found.last_error}")
    for seen in found.workers:
        state = f"stopped {seen.stopped_at}" if seen.stopped_at else "running"
        console.print(f"worker {seen.id}: {state}, last round {seen.last_round_at or '-'}")
    for warning in found.warnings:
        err_console.print(f"warning: {warning}")


# --- notifications ----------------------------------------------------------------------------


@notifications_app.command("list")
def list_notifications(
    ctx: typer.Context,
    failed: bool = typer.Option(False, "--failed", help="Only dead-lettered notifications."),
    limit: int = typer.Option(200, "--limit", min=1, help="At most this many, newest first."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show notifications, newest first (what, to whom, state, attempts, last error)."""
    with _engine(settings_of(ctx)) as engine, Session(engine) as session:
        records = [dispatch.describe(r) for r in queue.listing(session, failed, limit)]
    if as_json:
        write_json(records, None)
        return
    table = Table(title=f"notifications ({len(records)}{', failed' if failed else ''})")
    for col in ("id", "event", "about", "to", "state", "tries", "last error"):
        table.add_column(col, overflow="fold")
    for r in records:
        to = f"user {r['user_id']}" if r["user_id"] else f"webhook {r['webhook_id']}"
        table.add_row(str(r["id"]), r["event"], r["subject"], f"{to} ({r['channel']})",
                      r["state"], str(r["attempts"]), r["last_error"] or "")  # fmt: skip
    console.print(table)


@notifications_app.command("retry")
def retry(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help="The notification's id (or uid)."),
    send: bool = typer.Option(True, "--send/--queue-only", help="Try to deliver it now."),
) -> None:
    """Put a failed notification back in the queue and try to deliver it now."""
    settings = settings_of(ctx)
    require_database(settings)
    delivery = None
    if send:
        with _engine(settings) as engine:
            delivery = _delivery(settings, engine)
    now = dt.datetime.now(dt.UTC)
    row = _write(settings, lambda s: queue.requeue(s, ref, _actor(), now))
    console.print(f"notification {row.id} ({row.uid}) is queued again")
    if delivery is None:
        return
    with _engine(settings) as engine:
        counts = dispatch.deliver_now(engine, delivery, row.id, f"cli:{getpass.getuser()}")
        ledger.record_receipt(engine, _receipts(settings))
        with Session(engine) as session:
            after = queue.find(session, str(row.id))
    if counts.delivered:
        console.print(f"notification {row.id} delivered")
        return
    console.print(f"notification {row.id} not delivered yet ({after.state}): {after.last_error}")
    if after.state == "failed":
        sys.exit(1)


# --- webhooks ---------------------------------------------------------------------------------


@webhooks_app.command("add")
def add_webhook(
    ctx: typer.Context,
    url: str = typer.Argument(..., help="https:// address (http:// only on loopback)."),
    events: list[str] = typer.Option(
        ..., "--events", help="Events to send, comma-separated or repeated; * for all."
    ),
) -> None:
    """Subscribe a URL to events; prints the signing secret once."""
    made = _write(settings_of(ctx), lambda s: subscriptions.subscribe(s, url, events, _actor()))
    typer.echo(made.secret)
    err_console.print(
        f"webhook {made.id} for {made.url} ({', '.join(made.events)}): the secret above is "
        "shown once; the receiver checks the Forewarn-Signature header with it"
    )


@webhooks_app.command("list")
def list_webhooks(
    ctx: typer.Context,
    show_removed: bool = typer.Option(False, "--all", help="Also removed subscriptions."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show webhook subscriptions (never their secrets)."""
    from forewarn.store.webhooks import list_webhooks as rows

    with _engine(settings_of(ctx)) as engine, Session(engine) as session:
        records = [subscriptions.record(r) for r in rows(session, show_removed)]
    if as_json:
        write_json(records, None)
        return
    table = Table(title=f"webhooks ({len(records)})")
    for col in ("id", "url", "events", "created", "removed"):
        table.add_column(col, overflow="fold")
    for r in records:
        table.add_row(str(r["id"]), r["url"], ", ".join(r["events"]), r["created_at"][:19],
                      (r["removed_at"] or "")[:19])  # fmt: skip
    console.print(table)


@webhooks_app.command("remove")
def remove_webhook(
    ctx: typer.Context, webhook_id: int = typer.Argument(..., help="Subscription id.")
) -> None:
    """Stop a subscription (its undelivered notifications fail)."""
    _write(settings_of(ctx), lambda s: subscriptions.unsubscribe(s, webhook_id, _actor()))
    console.print(f"webhook {webhook_id} removed")
