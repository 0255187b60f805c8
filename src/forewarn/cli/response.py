"""``forewarn actions|tick|gap|ledger``: the response engine's commands (thin shells)."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from forewarn import ledger
from forewarn.cli.app import app, console, err_console, fitting, prose, settings_of, write_json
from forewarn.cli.progress import Update, shown
from forewarn.cli.views import stamp
from forewarn.config import Settings
from forewarn.data.countries import iso3_of
from forewarn.errors import ConfigError
from forewarn.notify import told
from forewarn.response import actions, clock, gap, waiting
from forewarn.response.actions import Decision, Verb
from forewarn.response.ladder import load_ladder, load_roles
from forewarn.store.db import open_existing

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
    """The recorded database: every command here reads or acts on what is recorded, so a
    database that does not exist is an error, never a new empty one."""
    engine = open_existing(settings)
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
    country: str | None = typer.Option(
        None, "--country", help="Only actions for this country's alerts (ISO3 or name)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    now: str | None = typer.Option(None, "--now", help=NOW_HELP),
) -> None:
    """Show the actions, oldest first."""
    settings = settings_of(ctx)
    iso3 = iso3_of(country) if country is not None else None  # an unknown country: one line
    if owner is not None:
        load_ladder(settings).check_owner(owner)
    day = _now(now).date() if overdue else None
    with _engine(settings) as engine, Session(engine) as session:
        found = actions.listing(session, owner=owner, overdue_on=day, iso3=iso3)
        where = actions.countries_of(session, [r.alert_id for r in found])
    rows = [_with_country(actions.as_dict(r), where) for r in found]
    if as_json:
        write_json(rows, None)
        return
    console.print(fitting(_actions_table(rows, False), lambda: _actions_table(rows, True)))


def _with_country(row: dict[str, Any], where: dict[int, tuple[str, str]]) -> dict[str, Any]:
    country, iso3 = where.get(row["alert_id"], ("", ""))
    return {**row, "country": country, "iso3": iso3}


def _actions_table(rows: list[dict[str, Any]], compact: bool) -> Table:
    """One row per action; ``compact`` stacks the country under the alert number, the owner
    under the action and the origin under the state, so that nothing is cut at 80 columns."""
    table = Table(title=f"forewarn actions ({len(rows)})")
    table.add_column("id", justify="right", no_wrap=True)
    if compact:
        for head in ("alert /\ncountry", "action /\nowner", "state /\nfrom", "deadline"):
            table.add_column(head, min_width=10)
    else:
        for head in ("alert", "country", "action", "owner", "state", "deadline", "from"):
            table.add_column(head, min_width=11 if head == "country" else None)
    for r in rows:
        origin = str(r["escalated_from"] or r["triggered_by"] or "")
        place = f"{r['country']} ({r['iso3']})" if r["iso3"] else ""
        if compact:
            state = f"{r['state']}\nfrom {origin}" if origin else r["state"]
            cells = [f"{r['alert_id']}\n{place}", f"{r['action']}\n{r['owner']}", state]
        else:
            cells = [str(r["alert_id"]), place, r["action"], r["owner"], r["state"]]
        table.add_row(str(r["id"]), *cells, r["deadline"], *([] if compact else [origin]))
    return table


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
    iso3 = iso3_of(country) if country is not None else None  # an unknown country: one line
    moment, calendar = _now(now), load_ladder(settings).calendar
    with _engine(settings) as engine, Session(engine) as session:
        result = gap.report(session, moment, iso3, calendar)
        heard = told.report(session, moment, iso3, calendar)
    if json_path is not None:
        write_json(result.as_dict() | {"told": heard.as_dict()}, json_path)
    _print_gap(result)
    _print_unanswered(result.totals)
    _print_told(heard)


def _print_told(heard: told.ToldReport) -> None:
    """From the first notification to the first acknowledgement, per alert told."""
    rows = [a for a in heard.alerts if a.first_told_at is not None]
    if not rows:
        console.print("nobody has been told of an alert or action yet (forewarn worker)")
        return
    table = Table(title="from being told to acknowledging (hours)")
    table.add_column("alert", justify="right", no_wrap=True)
    table.add_column("country", min_width=11)
    table.add_column("first told (UTC)", min_width=10)
    for col in ("to ack", "waiting"):
        table.add_column(col, justify="right", no_wrap=True)
    for a in rows:
        table.add_row(str(a.alert_id), a.country, stamp(a.first_told_at),
                      _fmt(a.hours_to_ack), _fmt(a.hours_waiting))  # fmt: skip
    console.print(table)
    t = heard.totals
    prose(
        f"{t.actions_told} actions told, {t.actions_acknowledged_after} acknowledged after; "
        f"median hours from the first notification to acknowledgement: per action "
        f"{_fmt(t.median_hours_to_ack)} (of the {t.actions_acknowledged_after} acknowledged), "
        f"per alert {_fmt(t.alerts_median_hours_to_ack)} (of the "
        f"{t.alerts_acknowledged_after} acknowledged)"
    )
    _print_told_unanswered(t)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _print_gap(result: gap.GapReport) -> None:
    console.print(fitting(_gap_table(result, False), lambda: _gap_table(result, True)))
    t = result.totals
    prose(
        f"{t.alerts} alerts: {t.acknowledged} acknowledged, {t.done} with an action done, "
        f"{t.never_answered} never answered; median days to acknowledgement "
        f"{_fmt(t.median_days_to_ack)} (of the {t.acknowledged} acknowledged), to first action "
        f"done {_fmt(t.median_days_to_done)} (of the {t.done} done); "
        f"{t.escalations} escalations, {t.overdue} overdue, {t.refused} refused, "
        f"{t.blocked} blocked ({t.vetoed} by veto)"
    )


COUNTS = ("esc.", "overdue", "refused", "blocked")
"""The per-alert counts of actions: escalated, overdue, refused, blocked."""


def _gap_table(result: gap.GapReport, compact: bool) -> Table:
    """Per alert; ``compact`` merges the four counts into one ``esc/ovd/ref/blk`` column and
    stacks the headers so that the country and level stay whole at 80 columns."""
    table = Table(title=f"warning-to-response gap as of {result.now[:10]} (days)")
    table.add_column("alert", justify="right", no_wrap=True)
    table.add_column("country", min_width=11)
    table.add_column("level", no_wrap=True)
    for head in ("to ack", "to done", "waiting"):
        table.add_column(head.replace(" ", "\n") if compact else head, justify="right",
                         no_wrap=True)  # fmt: skip
    heads = ("esc/ovd/\nref/blk",) if compact else COUNTS
    for head in heads:
        table.add_column(head, justify="right", no_wrap=True)
    for g in result.alerts:
        counts = (g.escalations, g.overdue, g.refused, g.blocked)
        shown = ["/".join(map(str, counts))] if compact else [str(c) for c in counts]
        table.add_row(
            str(g.alert_id), g.country, g.level, _fmt(g.days_to_ack), _fmt(g.days_to_done),
            _fmt(g.days_waiting), *shown,
        )  # fmt: skip
    if compact:
        table.caption = "esc/ovd/ref/blk: actions escalated / overdue / refused / blocked"
    return table


# --- the gap and the told figures with the unanswered counted (forewarn.response.waiting) ---


def _print_unanswered(t: gap.GapTotals) -> None:
    """The first response counted over every alert, the never answered included."""
    if not t.alerts:
        return
    prose("counting the never answered (as not answered, or as still waiting):")
    for w in t.answered_within:
        prose(indent=2, text=f"answered within {_window(w)}: {_share(w, 'alerts')}")
    prose(indent=2, text=f"median days to acknowledgement, {_all(t.first_response, 'alerts')}")
    prose(indent=2, text=f"median days to first action done, {_all(t.first_done, 'alerts')}")


def _print_told_unanswered(t: told.ToldTotals) -> None:
    """Told to acknowledged, counted over everyone told, the unanswered included."""
    prose("counting those told who did not answer:")
    for w in t.alerts_within:
        prose(
            indent=2, text=f"alerts acknowledged within {_window(w)} of being told: {_share(w, '')}"
        )
    prose(indent=2, text=f"median hours to acknowledgement, {_all(t.alerts_answer, 'alerts told')}")
    prose(
        indent=2, text=f"median hours to acknowledgement, {_all(t.actions_answer, 'actions told')}"
    )


def _window(w: waiting.Within) -> str:
    return f"{w.working_days} working day{'' if w.working_days == 1 else 's'}"


def _share(w: waiting.Within, noun: str) -> str:
    counted = f"{w.answered} of {w.judged}{' ' + noun if noun else ''}"
    if w.share is not None:
        counted += f" ({w.share:.0%})"
    return counted + (f"; {w.too_recent} too recent to judge" if w.too_recent else "")


def _all(m: waiting.Median, noun: str) -> str:
    unit = "h" if m.unit == "hours" else " days"
    head = f"all {m.cases} {noun}"
    if m.all_cases is not None:
        return f"{head}: {m.all_cases:.1f} (Kaplan–Meier; {m.waiting} still waiting)"
    if not m.cases:
        return f"{head}: -"
    return (
        f"{head}: not reached ({m.waiting} still waiting, the longest "
        f"{m.longest_wait or 0:.1f}{unit})"
    )


# --- the ledger -------------------------------------------------------------------------------


FULL = typer.Option(False, "--full", help="Re-check every entry, not only those added since.")
ANCHORS = typer.Option(
    [], "--anchor", help="A published anchor (forewarn ledger anchor) to check against; repeat."
)
TRUSTED = typer.Option(
    [], "--trusted-keys", help="A file of trusted public keys (besides the configured one)."
)
WAIVE = typer.Option(
    False,
    "--without-receipts",
    help="Do not fail when no receipts exist (a truncation or rewrite then goes undetected).",
)


def _trusted(settings: Settings, extra: list[Path]) -> dict[str, str]:
    files = tuple(p for p in (settings.ledger_trusted_keys, *extra) if p is not None)
    return ledger.trust_roots(settings.data_dir, files)


def _fresh(mark: ledger.Checkpoint | None, settings: Settings) -> ledger.Checkpoint | None:
    """``mark`` while its full verification is younger than the configured interval."""
    if mark is None:
        return None
    try:
        full_at = dt.datetime.strptime(mark.full_at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
    except ValueError:
        return None
    age = dt.datetime.now(dt.UTC) - full_at
    return mark if age < dt.timedelta(hours=settings.ledger_full_verify_hours) else None


def _check(
    settings: Settings,
    engine: Engine,
    full: bool,
    anchors: list[Path],
    trusted_files: list[Path],
    without_receipts: bool,
) -> ledger.Verification:
    """Verify (incrementally from the remembered checkpoint unless ``full``) and remember
    where the ledger was found intact (forgotten when it was not)."""
    receipts = _receipts(settings)
    state = ledger.checkpoint_path(receipts)
    result = ledger.verify(
        engine,
        ledger.read_receipts(receipts),
        trusted=_trusted(settings, trusted_files),
        anchors=[ledger.read_anchor(p) for p in anchors],
        require_receipts=not without_receipts,
        since=None if full else _fresh(ledger.read_checkpoint(state), settings),
    )
    ledger.write_checkpoint(state, result.checkpoint)
    return result


def _refuse(result: ledger.Verification, settings: Settings) -> None:
    where = f"entry {result.bad_seq}" if result.bad_seq else "the head"
    err_console.print(
        f"ledger NOT intact at {where}: {result.problem}", highlight=False, soft_wrap=True
    )
    problem = result.problem or ""
    if "no receipt" in problem:
        err_console.print(
            f"(receipts are kept in {_receipts(settings)}: restore that file from a copy, or "
            "check without receipts with --without-receipts and an --anchor)",
            highlight=False,
            soft_wrap=True,
        )
    elif "not trusted" in problem:
        err_console.print(
            "(trust a key only after checking it with its installation: list it in the "
            "trusted-keys file, FOREWARN_LEDGER_TRUSTED_KEYS or --trusted-keys)",
            highlight=False,
            soft_wrap=True,
        )
    raise typer.Exit(1)


def _summary(result: ledger.Verification) -> list[str]:
    n = result.checked
    if result.full:
        how = f"all {n} entries checked (full verification)"
    else:
        since = n - result.walked
        how = (
            f"entries {since + 1}-{n} checked, 1-{since} were verified before "
            "(incremental; --full re-checks every entry)"
            if result.walked
            else f"no new entries since the verification of entries 1-{n} (--full re-checks all)"
        )
    keys = len(result.keys)
    signing = f"signed by {keys} trusted key{'s' if keys != 1 else ''}"
    if result.unsigned:
        signing += f"; entries 1-{result.unsigned} were written before signing began (unsigned)"
    return [
        f"ledger intact: {n} entries, head {result.head_hash}, {result.receipts} receipts agree",
        how,
        signing,
        f"{result.anchors} anchor{'s' if result.anchors != 1 else ''} agree",
    ]


@ledger_app.command("verify")
def verify(
    ctx: typer.Context,
    full: bool = FULL,
    anchor: list[Path] = ANCHORS,
    trusted_keys: list[Path] = TRUSTED,
    without_receipts: bool = WAIVE,
) -> None:
    """Check the chain, signatures, head, receipts and anchors; exit 1 naming the first bad
    entry. Checks only entries added since the last verification, unless --full."""
    settings = settings_of(ctx)
    with _engine(settings) as engine:
        result = _check(settings, engine, full, anchor, trusted_keys, without_receipts)
    if not result.ok:
        _refuse(result, settings)
    for line in _summary(result):
        console.print(line, highlight=False, soft_wrap=True)


@ledger_app.command("export")
def export(
    ctx: typer.Context,
    out: Path | None = typer.Option(None, "--out", help="File to write (default: stdout)."),
    after: int = typer.Option(0, "--after", min=0, help="Only the entries after this one."),
) -> None:
    """Write the ledger as JSON Lines for outside verification (docs/ledger.md)."""
    settings = settings_of(ctx)
    with _engine(settings) as engine:
        if out is None:
            head = ledger.export(engine, sys.stdout, after)
        else:
            out.parent.mkdir(parents=True, exist_ok=True)
            with out.open("w", encoding="utf-8", newline="\n") as handle:
                head = ledger.export(engine, handle, after)
    err_console.print(
        f"exported {max(head.count - after, 0)} entries of ledger {head.ledger_id}; "
        f"head {head.hash}",
        highlight=False,
    )


@ledger_app.command("head")
def head(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    new_receipts: bool = typer.Option(
        False,
        "--new-receipts",
        help="Start a new receipts file from this head when it is missing (after checking "
        "the ledger against an anchor: the new file vouches for the history as it is now).",
    ),
) -> None:
    """Show the ledger's id, entry count and newest hash, and record it as a receipt."""
    settings = settings_of(ctx)
    path = _receipts(settings)
    with _engine(settings) as engine:
        current = ledger.record_receipt(engine, path, start=new_receipts)
    if not path.exists():
        err_console.print(
            f"note: no receipts file {path} for this non-empty ledger, none recorded "
            "(--new-receipts starts one)",
            highlight=False,
            soft_wrap=True,
        )
    if as_json:
        write_json(current.as_dict(), None)
    else:
        console.print(f"ledger {current.ledger_id}: {current.count} entries, head {current.hash}")


@ledger_app.command("anchor")
def anchor(
    ctx: typer.Context,
    out: Path | None = typer.Option(None, "--out", help="File to write (default: stdout)."),
) -> None:
    """Write a signed statement of the head (entry count, hash, time, trusted keys) to
    publish outside the system; refused when the ledger does not verify."""
    settings = settings_of(ctx)
    with _engine(settings) as engine:
        result = _check(settings, engine, False, [], [], False)
        if not result.ok:
            _refuse(result, settings)
        current = ledger.record_receipt(engine, _receipts(settings))
    signer = ledger.installation_key(ledger.key_path(settings.data_dir))
    made = ledger.make_anchor(current, signer, _trusted(settings, []))
    if out is None:
        sys.stdout.write(made.text())
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(made.text(), encoding="utf-8")
    err_console.print(
        f"anchored ledger {made.ledger_id} at entry {made.seq}, head {made.hash}, signed by "
        f"key {made.key[:16]}; publish it where the database's writers cannot change it",
        highlight=False,
    )


@ledger_app.command("keys")
def keys(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    trusted_file: bool = typer.Option(
        False, "--trusted-file", help="Print the trusted keys as a trusted-keys file."
    ),
) -> None:
    """List the signing keys registered in the ledger, and whether each is trusted here."""
    settings = settings_of(ctx)
    trusted = _trusted(settings, [])
    if trusted_file:
        for key, why in sorted(trusted.items()):
            sys.stdout.write(f"{key} {why}\n")
        return
    with _engine(settings) as engine, Session(engine) as session:
        found = ledger.registered_keys(session)
    rows = [
        {**k.__dict__, "trusted": k.public_key in trusted, "why": trusted.get(k.public_key)}
        for k in found
    ]
    if as_json:
        write_json(rows, None)
        return
    table = Table(title=f"ledger signing keys ({len(rows)})")
    for col in ("public key", "host", "registered", "signed", "entries", "trusted"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(
            r["public_key"],
            r["host"],
            str(r["registered_at"]),
            str(r["signed"]),
            f"{r['first']}-{r['last']}",
            r["why"] or "NO",
        )
    console.print(table)
