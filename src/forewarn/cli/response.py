"""``forewarn actions|tick|gap|ledger``: the response engine's commands (thin shells)."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from forewarn import ledger
from forewarn.cli.app import app, console, err_console, settings_of, write_json
from forewarn.cli.progress import Update, shown
from forewarn.config import Settings
from forewarn.errors import ConfigError
from forewarn.response import actions, clock, gap
from forewarn.response.actions import Decision, Verb
from forewarn.response.ladder import load_ladder, load_roles
from forewarn.store.db import open_database

actions_app = typer.Typer(help="Deadline-bound actions opened by alerts: list them, act on them.")
ledger_app = typer.Typer(help="The tamper-evident ledger: verify it, export it, show its head.")
app.add_typer(actions_app, name="actions")
app.add_typer(ledger_app, name="ledger")

NOW_HELP = "The moment to act as of (ISO date or date-time, UTC); default: now."


def _now(value: str | None) -> dt.datetime:
    if value is None:
        return dt.datetime.now(dt.UTC)
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"--now {value!r}: not an ISO date or date-time") from None
    return clock.as_utc(parsed)


def _receipts(settings: Settings) -> Path:
    return ledger.receipts_path(settings.data_dir, settings.resolved_database_url())


@contextmanager
def _engine(settings: Settings) -> Iterator[Engine]:
    engine = open_database(settings)
    try:
        yield engine
    finally:
        engine.dispose()


# --- actions ----------------------------------------------------------------------------------


@actions_app.command("list")
def list_actions(
    ctx: typer.Context,
    overdue: bool = typer.Option(False, "--overdue", help="Only actions past their deadline."),
    owner: str | None = typer.Option(None, "--owner", help="Only actions owned by this role."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    now: str | None = typer.Option(None, "--now", help=NOW_HELP),
) -> None:
    """Show the actions, oldest first."""
    settings = settings_of(ctx)
    day = _now(now).date() if overdue else None
    with _engine(settings) as engine, Session(engine) as session:
        rows = [actions.as_dict(r) for r in actions.listing(session, owner=owner, overdue_on=day)]
    if as_json:
        write_json(rows, None)
        return
    table = Table(title=f"forewarn actions ({len(rows)})")
    for col in ("id", "alert", "action", "owner", "state", "deadline", "from"):
        table.add_column(col, overflow="fold")
    for r in rows:
        origin = r["escalated_from"] or r["triggered_by"] or ""
        table.add_row(
            str(r["id"]),
            str(r["alert_id"]),
            r["action"],
            r["owner"],
            r["state"],
            r["deadline"],
            str(origin),
        )
    console.print(table)


def _decide(ctx: typer.Context, action_id: int, decision: Decision) -> None:
    settings = settings_of(ctx)
    ladder, roles = load_ladder(settings), load_roles()
    with _engine(settings) as engine:
        row = ledger.retrying(
            engine, lambda s: actions.decide(s, ladder, roles, action_id, decision)
        )
        ledger.record_receipt(engine, _receipts(settings))
        with Session(engine) as session:
            opened = actions.triggered_by(session, row.id)
    console.print(f"action {row.id} ({row.title}): {row.state} by {decision.by}")
    for new in opened:
        console.print(
            f"opened action {new.id} ({new.title}) for {new.owner}, due {new.deadline} "
            f"[{new.basis}]"
        )


BY = typer.Option(..., "--by", help="The user acting (must hold the action's owner role).")
NOW = typer.Option(None, "--now", help=NOW_HELP)


@actions_app.command("ack")
def ack(ctx: typer.Context, action_id: int, by: str = BY, now: str | None = NOW) -> None:
    """Acknowledge an action: its owner has seen it (the deadline still runs)."""
    _decide(ctx, action_id, Decision(Verb.ACK, by, _now(now)))


@actions_app.command("done")
def done(
    ctx: typer.Context,
    action_id: int,
    by: str = BY,
    outcome: str | None = typer.Option(None, "--outcome", help="One of the ladder's outcomes."),
    now: str | None = NOW,
) -> None:
    """Close an action as done, with its outcome."""
    _decide(ctx, action_id, Decision(Verb.DONE, by, _now(now), outcome=outcome))


@actions_app.command("refuse")
def refuse(
    ctx: typer.Context,
    action_id: int,
    by: str = BY,
    reason: str | None = typer.Option(None, "--reason", help="Why (required)."),
    now: str | None = NOW,
) -> None:
    """Refuse an action; the reason is recorded in the ledger."""
    _decide(ctx, action_id, Decision(Verb.REFUSE, by, _now(now), reason=reason))


@actions_app.command("block")
def block(
    ctx: typer.Context,
    action_id: int,
    by: str = BY,
    reference: str | None = typer.Option(
        None, "--reference", help="What blocked it, e.g. the vetoed draft S/2017/172 (required)."
    ),
    veto: bool = typer.Option(
        False, "--veto", help="The block is a veto: opens the General Assembly debate."
    ),
    reason: str | None = typer.Option(None, "--reason", help="Optional explanation."),
    now: str | None = NOW,
) -> None:
    """Record that an action was blocked (by a veto, with --veto)."""
    decision = Decision(Verb.BLOCK, by, _now(now), reason=reason, reference=reference, veto=veto)
    _decide(ctx, action_id, decision)


# --- the clock and the gap --------------------------------------------------------------------


class _Steps:
    """The clock's progress (``start``, ``advance``) shown as a bar or as lines."""

    def __init__(self, update: Update) -> None:
        self.update = update
        self.label, self.total, self.done = "", 0, 0

    def start(self, label: str, total: int) -> None:
        self.label, self.total, self.done = label, total, 0
        self.update(label, 0, total)

    def advance(self, done: int) -> None:
        self.done += done
        self.update(self.label, self.done, self.total)


@app.command("tick")
def tick(ctx: typer.Context, now: str | None = NOW) -> None:
    """Open actions for new alerts and escalate overdue ones (safe to run again or twice)."""
    settings = settings_of(ctx)
    ladder, moment, receipts = load_ladder(settings), _now(now), _receipts(settings)
    with _engine(settings) as engine, shown() as update:
        report = clock.tick(
            engine, ladder, moment, _Steps(update), lambda: _receipt(engine, receipts)
        )
    console.print(
        f"tick {moment.date()}: {report.opened} actions opened for {report.alerts} new alerts; "
        f"{report.overdue} overdue, {report.escalated} escalated"
    )


def _receipt(engine: Engine, path: Path) -> None:
    ledger.record_receipt(engine, path)


@app.command("gap")
def gap_command(
    ctx: typer.Context,
    country: str | None = typer.Option(None, "--country", help="ISO3 code or country name."),
    json_path: Path | None = typer.Option(None, "--json", help="Also write the report as JSON."),
    now: str | None = NOW,
) -> None:
    """The warning-to-response gap: per alert and in total."""
    settings = settings_of(ctx)
    with _engine(settings) as engine, Session(engine) as session:
        result = gap.report(session, _now(now), country)
    if json_path is not None:
        write_json(result.as_dict(), json_path)
    _print_gap(result)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _print_gap(result: gap.GapReport) -> None:
    table = Table(title=f"warning-to-response gap as of {result.now[:10]} (days)")
    for col in (
        "alert",
        "country",
        "level",
        "to ack",
        "to done",
        "waiting",
        "esc.",
        "overdue",
        "refused",
        "blocked",
    ):
        table.add_column(col)
    for g in result.alerts:
        table.add_row(
            str(g.alert_id),
            g.country,
            g.level,
            _fmt(g.days_to_ack),
            _fmt(g.days_to_done),
            _fmt(g.days_waiting),
            str(g.escalations),
            str(g.overdue),
            str(g.refused),
            str(g.blocked),
        )
    console.print(table)
    t = result.totals
    console.print(
        f"{t.alerts} alerts: {t.acknowledged} acknowledged, {t.done} with an action done, "
        f"{t.never_answered} never answered; median days to acknowledgement "
        f"{_fmt(t.median_days_to_ack)}, to first action done {_fmt(t.median_days_to_done)}; "
        f"{t.escalations} escalations, {t.overdue} overdue, {t.refused} refused, "
        f"{t.blocked} blocked ({t.vetoed} by veto)"
    )


# --- the ledger -------------------------------------------------------------------------------


@ledger_app.command("verify")
def verify(ctx: typer.Context) -> None:
    """Check the hash chain, the head and the receipts; exit 1 naming the first bad entry."""
    settings = settings_of(ctx)
    receipts = ledger.read_receipts(_receipts(settings))
    with _engine(settings) as engine:
        result = ledger.verify(engine, receipts)
    if not result.ok:
        where = f"entry {result.bad_seq}" if result.bad_seq else "the head"
        err_console.print(f"ledger NOT intact at {where}: {result.problem}")
        raise typer.Exit(1)
    console.print(
        f"ledger intact: {result.checked} entries, head {result.head_hash}, "
        f"{result.receipts} receipts agree"
    )


@ledger_app.command("export")
def export(
    ctx: typer.Context,
    out: Path | None = typer.Option(None, "--out", help="File to write (default: stdout)."),
) -> None:
    """Write the ledger as JSON Lines for outside verification (docs/ledger.md)."""
    settings = settings_of(ctx)
    with _engine(settings) as engine:
        if out is None:
            head = ledger.export(engine, sys.stdout)
        else:
            out.parent.mkdir(parents=True, exist_ok=True)
            with out.open("w", encoding="utf-8", newline="\n") as handle:
                head = ledger.export(engine, handle)
    err_console.print(f"exported {head.count} entries of ledger {head.ledger_id}; head {head.hash}")


@ledger_app.command("head")
def head(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show the ledger's id, entry count and newest hash (publish it as a receipt)."""
    settings = settings_of(ctx)
    with _engine(settings) as engine:
        current = ledger.record_receipt(engine, _receipts(settings))
    if as_json:
        write_json(current.as_dict(), None)
    else:
        console.print(f"ledger {current.ledger_id}: {current.count} entries, head {current.hash}")
