"""Actions and their life: the state machine, and the small repository functions around it.

An action is ``open`` when an alert (or an escalation, or a veto) opens it. Its owner may
``acknowledge`` it, then close it as ``done`` (with one of the ladder's outcomes), ``refused``
(a reason is required) or ``blocked`` (a reference is required, e.g. the vetoed draft
S/2017/172). An open or acknowledged action whose deadline has passed becomes ``overdue`` on
the next tick, and ``escalated`` when the tick opens the next action for the next owner. An
overdue action whose ladder step has nowhere to escalate stays overdue, in plain view; its
owner may still acknowledge it or close it late. Every change is appended to the ledger in
the transaction that makes it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import Table, or_, select
from sqlalchemy.orm import Session

from forewarn import ledger
from forewarn.errors import Conflict, Forbidden, InvalidInput, NotFound
from forewarn.response.ladder import Ladder, LadderAction, Roles
from forewarn.store import outbox
from forewarn.store.tables import ActionRow, AlertRow

CLOCK_ACTOR = "forewarn-clock"


class State(StrEnum):
    """Where an action stands."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    DONE = "done"
    REFUSED = "refused"
    BLOCKED = "blocked"
    OVERDUE = "overdue"
    ESCALATED = "escalated"


LIVE = frozenset({State.OPEN, State.ACKNOWLEDGED})
"""States the clock watches: past the deadline, they become overdue."""
CLOSED = frozenset({State.DONE, State.REFUSED, State.BLOCKED, State.ESCALATED})


class Verb(StrEnum):
    """What an owner can do to an action."""

    ACK = "ack"
    DONE = "done"
    REFUSE = "refuse"
    BLOCK = "block"


class InvalidRequest(InvalidInput):
    """A request that lacks what the rules require (a reason, a reference, an outcome).

    Its message speaks of the decision's fields (reason, reference, outcome), never of a
    command-line option: the shells add their own names for ``field``."""


@dataclass(frozen=True)
class Decision:
    """An owner's request: ``verb`` by ``by`` at ``at``, with what the verb requires."""

    verb: Verb
    by: str
    at: dt.datetime
    reason: str | None = None
    reference: str | None = None
    outcome: str | None = None
    veto: bool = False


# --- pure rules -------------------------------------------------------------------------------


def next_state(state: State, verb: Verb) -> State:
    """The state ``verb`` leads to from ``state``; Conflict when it cannot apply."""
    if state in CLOSED:
        raise Conflict(f"the action is already {state.value}: it cannot be changed")
    if verb is Verb.ACK:
        if state is State.ACKNOWLEDGED:
            raise Conflict("the action is already acknowledged")
        return State.OVERDUE if state is State.OVERDUE else State.ACKNOWLEDGED
    return {Verb.DONE: State.DONE, Verb.REFUSE: State.REFUSED, Verb.BLOCK: State.BLOCKED}[verb]


def check_decision(decision: Decision, owner: str, outcomes: list[str], roles: Roles) -> None:
    """Raise unless ``decision`` carries what its verb requires and its author owns the action."""
    if owner not in roles.of(decision.by):
        raise Forbidden(f"{decision.by} does not hold the role {owner!r} that owns this action")
    if decision.verb is Verb.REFUSE and not (decision.reason or "").strip():
        raise InvalidRequest("a refusal must give its reason", "reason")
    if decision.verb is Verb.BLOCK and not (decision.reference or "").strip():
        raise InvalidRequest("a block must cite its reference, e.g. the vetoed draft", "reference")
    if decision.veto and decision.verb is not Verb.BLOCK:
        raise InvalidRequest("only a block can record a veto", "veto")
    if decision.verb is Verb.DONE and outcomes and decision.outcome not in outcomes:
        raise InvalidRequest(f"done needs an outcome among: {'; '.join(outcomes)}", "outcome")


def is_overdue(row: ActionRow, today: dt.date) -> bool:
    """Whether the clock should mark ``row`` overdue on ``today``."""
    return State(row.state) in LIVE and row.deadline < today


# --- repository -------------------------------------------------------------------------------


def get(session: Session, action_id: int, lock: bool = False) -> ActionRow:
    """The action ``action_id`` (row-locked when ``lock``); NotFound when absent."""
    row = session.get(ActionRow, action_id, with_for_update=lock)
    if row is None:
        raise NotFound(f"no action {action_id}")
    return row


def listing(
    session: Session,
    *,
    owner: str | None = None,
    overdue_on: dt.date | None = None,
    iso3: str | None = None,
) -> list[ActionRow]:
    """Actions by id, optionally of one owner, overdue on a day (marked or not yet), or
    opened by an alert for one country."""
    query = select(ActionRow).order_by(ActionRow.id)
    if owner is not None:
        query = query.where(ActionRow.owner == owner)
    if iso3 is not None:
        alerts = select(AlertRow.id).where(AlertRow.iso3 == iso3)
        query = query.where(ActionRow.alert_id.in_(alerts))
    if overdue_on is not None:
        past = (ActionRow.state.in_([s.value for s in LIVE])) & (ActionRow.deadline < overdue_on)
        query = query.where(or_(ActionRow.state == State.OVERDUE.value, past))
    return list(session.scalars(query))


def countries_of(session: Session, alert_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """The country (name, ISO3) of each alert in ``alert_ids``."""
    if not alert_ids:
        return {}
    query = select(AlertRow.id, AlertRow.country, AlertRow.iso3).where(
        AlertRow.id.in_(sorted(set(alert_ids)))
    )
    return {row.id: (row.country, row.iso3) for row in session.execute(query)}


_PUBLIC = (
    "id", "alert_id", "action", "title", "basis", "owner", "state", "deadline", "created_at",
    "chain", "generation", "escalated_from", "triggered_by", "outcome", "reason", "reference",
    "veto",
)  # fmt: skip


def _public(values: Mapping[str, Any]) -> dict[str, Any]:
    record = {key: values.get(key) for key in _PUBLIC}
    record["deadline"] = values["deadline"].isoformat()
    record["created_at"] = ledger.utc_stamp(values["created_at"])
    record["veto"] = bool(values.get("veto"))
    return record


def triggered_by(session: Session, action_id: int) -> list[ActionRow]:
    """The actions that a veto blocking action ``action_id`` opened."""
    query = select(ActionRow).where(ActionRow.triggered_by == action_id).order_by(ActionRow.id)
    return list(session.scalars(query))


def as_dict(row: ActionRow) -> dict[str, Any]:
    """The action as plain JSON values (the ``actions list --json`` shape)."""
    return _public({key: getattr(row, key) for key in _PUBLIC})


@dataclass(frozen=True)
class Opening:
    """Where a new action comes from: its alert, chain and generation, the day its deadline
    counts from, and the moment it opens."""

    alert_id: int
    chain: str
    generation: int
    start: dt.date
    at: dt.datetime
    escalated_from: int | None = None
    triggered_by: int | None = None


Plan = tuple[LadderAction, Opening]
_ACTIONS = cast(Table, ActionRow.__table__)
_INSERT_ACTIONS = _ACTIONS.insert().returning(_ACTIONS.c.id, sort_by_parameter_order=True)


def _values(ladder: Ladder, step: LadderAction, opening: Opening) -> dict[str, Any]:
    return {
        "alert_id": opening.alert_id,
        "chain": opening.chain,
        "generation": opening.generation,
        "action": step.id,
        "title": step.title,
        "basis": step.basis,
        "owner": step.owner,
        "state": State.OPEN.value,
        "deadline": ladder.calendar.add_working_days(opening.start, step.deadline_days),
        "outcomes": list(step.outcomes),
        "created_at": opening.at,
        "escalated_from": opening.escalated_from,
        "triggered_by": opening.triggered_by,
        "veto": False,
    }


def _opened(action_id: int, row: Mapping[str, Any]) -> ledger.Record:
    payload = {
        **_public({**row, "id": action_id}),
        "effective_at": ledger.utc_stamp(row["created_at"]),
    }
    return ledger.Record("action.opened", f"action:{action_id}", payload, CLOCK_ACTOR)


def insert_actions(
    session: Session, ladder: Ladder, plans: Sequence[Plan]
) -> tuple[list[int], list[ledger.Record]]:
    """Insert open actions (one statement) with their deadlines; their ids and the ledger
    records of their opening (in plan order), for the caller to append in its transaction."""
    if not plans:
        return [], []
    rows = [_values(ladder, step, opening) for step, opening in plans]
    ids = list(session.connection().execute(_INSERT_ACTIONS, rows).scalars())
    return ids, [_opened(i, row) for i, row in zip(ids, rows, strict=True)]


def open_action(session: Session, ladder: Ladder, step: LadderAction, opening: Opening) -> int:
    """Insert an open action for ``step`` and record it in the ledger; its id."""
    (action_id,), records = insert_actions(session, ladder, [(step, opening)])
    outbox.tell(session, ledger.append_many(session, records))
    return action_id


def _record(row: ActionRow, decision: Decision, new: State) -> None:
    if decision.verb is Verb.ACK:
        row.acknowledged_at, row.acknowledged_by = decision.at, decision.by
    else:
        row.closed_at, row.closed_by = decision.at, decision.by
        row.reason, row.reference = decision.reason, decision.reference
        row.outcome, row.veto = decision.outcome, decision.veto
    row.state = new.value


_KINDS = {
    Verb.ACK: "action.acknowledged",
    Verb.DONE: "action.done",
    Verb.REFUSE: "action.refused",
    Verb.BLOCK: "action.blocked",
}


def decide(
    session: Session, ladder: Ladder, roles: Roles, action_id: int, decision: Decision
) -> ActionRow:
    """Apply an owner's decision to action ``action_id`` and record it in the ledger.

    A block that records a veto opens the ladder's conditional actions for it (the General
    Assembly debate of resolution 76/262), counted from the day of the veto.
    """
    row = get(session, action_id, lock=True)
    new = next_state(State(row.state), decision.verb)
    check_decision(decision, row.owner, row.outcomes, roles)
    _record(row, decision, new)
    payload = {
        "action_id": row.id,
        "alert_id": row.alert_id,
        "state": row.state,
        "effective_at": ledger.utc_stamp(decision.at),
        "reason": decision.reason,
        "reference": decision.reference,
        "outcome": decision.outcome,
        "veto": decision.veto,
    }
    entry = ledger.append(session, _KINDS[decision.verb], f"action:{row.id}", payload, decision.by)
    outbox.tell(session, [entry])
    if decision.veto:
        for step in ladder.opened_by_veto_of(row.action):
            chain, day = f"{step.id}:{row.id}", decision.at.date()
            opening = Opening(row.alert_id, chain, 0, day, decision.at, triggered_by=row.id)
            open_action(session, ladder, step, opening)
    return row


def _lock_due(session: Session, action_ids: Sequence[int], today: dt.date) -> list[ActionRow]:
    """Lock the given actions that are still due; rows another clock holds are skipped."""
    query = (
        select(ActionRow)
        .where(ActionRow.id.in_(action_ids))
        .order_by(ActionRow.id)
        .with_for_update(skip_locked=True)
    )
    return [row for row in session.scalars(query) if is_overdue(row, today)]


def _overdue(row: ActionRow, now: dt.datetime, blocked_by: int | None) -> ledger.Record:
    row.state, row.overdue_at = State.OVERDUE.value, now
    facts: dict[str, Any] = {
        "action_id": row.id,
        "alert_id": row.alert_id,
        "deadline": row.deadline.isoformat(),
    }
    if blocked_by is not None:
        facts["escalation_blocked_by"] = blocked_by  # the blocked action it would reopen
    facts["effective_at"] = ledger.utc_stamp(now)
    return ledger.Record("action.overdue", f"action:{row.id}", facts, CLOCK_ACTOR)


def _blocked(session: Session, alert_id: int, action: str) -> ActionRow | None:
    """The first action ``action`` blocked for this alert or an alert superseding it (the
    same country's later alerts): the matter it belongs to."""
    alert = session.get(AlertRow, alert_id)
    if alert is None:
        return None
    matter = select(AlertRow.id).where(AlertRow.iso3 == alert.iso3, AlertRow.seq >= alert.seq)
    query = (
        select(ActionRow)
        .where(
            ActionRow.alert_id.in_(matter),
            ActionRow.action == action,
            ActionRow.state == State.BLOCKED.value,
        )
        .order_by(ActionRow.id)
    )
    return session.scalars(query).first()


def _opened_for(session: Session, blocked: ActionRow, step: LadderAction) -> bool:
    query = select(ActionRow.id).where(
        ActionRow.triggered_by == blocked.id, ActionRow.action == step.id
    )
    return session.scalars(query).first() is not None


@dataclass(frozen=True)
class Route:
    """Where a missed action escalates: the step to open (None: it stays overdue), the
    blocked action whose blocked path it follows, if any."""

    step: LadderAction | None
    blocked: ActionRow | None = None


def route(session: Session, ladder: Ladder, row: ActionRow) -> Route:
    """Where the missed action ``row`` escalates.

    Its ladder step's ``escalates_to``, unless that action is already blocked for the
    matter (e.g. the art. 99 letter vetoed): a blocked action is never opened again, the
    escalation follows its blocked path instead (the actions a veto of it opens, e.g. the
    General Assembly debate), to the first one not yet opened for that block, and so on
    along the path; when every one is open already, the missed action stays overdue.
    """
    target = ladder.get(row.action).escalates_to
    step = ladder.get(target) if target is not None else None
    found: ActionRow | None = None
    for _ in range(len(ladder.actions)):  # the ladder has no loops (checked on loading)
        blocked = _blocked(session, row.alert_id, step.id) if step is not None else None
        if step is None or blocked is None:
            return Route(step, found)
        found = blocked
        step = next(
            (s for s in ladder.opened_by_veto_of(step.id) if not _opened_for(session, found, s)),
            None,
        )
    return Route(None, found)


def escalate(
    session: Session, ladder: Ladder, action_ids: Sequence[int], now: dt.datetime
) -> tuple[int, int]:
    """Mark the given actions overdue if they still are due, and open their escalations.

    Returns (overdue, escalated). An action whose ladder step names no next step stays
    overdue; an escalation into a blocked action follows its blocked path (:func:`route`).
    Rows are locked and re-read, so a second clock finds them handled or skips them while
    the first holds them.
    """
    due = _lock_due(session, action_ids, now.date())
    plans: list[Plan] = []
    blocked_by: dict[int, int] = {}
    for row in due:
        way = route(session, ladder, row)
        if way.blocked is not None:
            blocked_by[row.id] = way.blocked.id
        if way.step is not None:
            opening = Opening(
                row.alert_id,
                row.chain,
                row.generation + 1,
                now.date(),
                now,
                escalated_from=row.id,
                triggered_by=way.blocked.id if way.blocked is not None else None,
            )
            plans.append((way.step, opening))
    new_ids, opened = insert_actions(session, ladder, plans)
    moved = {
        plan[1].escalated_from: (i, plan[0], rec)
        for i, plan, rec in zip(new_ids, plans, opened, strict=True)
    }
    records: list[ledger.Record] = []
    for row in due:
        records.append(_overdue(row, now, blocked_by.get(row.id)))
        if row.id in moved:
            new_id, target_step, record = moved[row.id]
            row.state = State.ESCALATED.value
            to = {**records[-1].payload, "to_action_id": new_id, "to_owner": target_step.owner}
            records += [
                record,
                ledger.Record("action.escalated", f"action:{row.id}", to, CLOCK_ACTOR),
            ]
    outbox.tell(session, ledger.append_many(session, records))
    return len(due), len(plans)
