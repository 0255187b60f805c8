"""Daily digests: one message a day for the users who chose it, instead of one per event.

After the configured local hour (``FOREWARN_DIGEST_HOUR`` in ``FOREWARN_DIGEST_TIMEZONE``),
each such user with something to report gets one digest for the day: the actions their roles
own that are due or overdue (each with its acknowledgement link), and the events held for
them since the last digest (new actions, escalations, alerts, vetoes). The digest's unique
key (user and local day) means a day never gets two, whichever worker makes it; the events
it carries are marked delivered, each in the ledger, when the digest is.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from forewarn import ledger
from forewarn.notify.config import Delivery
from forewarn.response.actions import State
from forewarn.store import outbox
from forewarn.store.tables import ActionRow, AlertRow, NotificationRow, UserRow

EVENT = "digest"
_SHOWN = [State.OPEN.value, State.ACKNOWLEDGED.value, State.OVERDUE.value]


def local_day(delivery: Delivery, now: dt.datetime) -> dt.date | None:
    """Today's date where digests are sent, once the digest hour has come (else None)."""
    local = now.astimezone(delivery.digest_zone)
    return local.date() if local.hour >= delivery.digest_hour else None


def _key(user: UserRow, day: dt.date) -> str:
    return f"digest:u{user.id}:{day.isoformat()}"


def _actions(session: Session, user: UserRow, today: dt.date) -> tuple[list[Any], list[Any]]:
    """(due, overdue) actions the user's roles own, by deadline."""
    roles = list(user.owner_roles or ())
    if not roles:
        return [], []
    query = (
        select(ActionRow, AlertRow)
        .join(AlertRow, AlertRow.id == ActionRow.alert_id)
        .where(ActionRow.owner.in_(roles), ActionRow.state.in_(_SHOWN))
        .order_by(ActionRow.deadline, ActionRow.id)
    )
    due: list[Any] = []
    overdue: list[Any] = []
    for action, alert in session.execute(query):
        item = {"alert": outbox.alert_facts(alert), "action": outbox.action_facts(action)}
        late = action.state == State.OVERDUE.value or action.deadline < today
        (overdue if late else due).append(item)
    return due, overdue


def _make(session: Session, user_id: int, day: dt.date, now: dt.datetime) -> bool:
    user = session.get(UserRow, user_id)
    if user is None or not user.digest or not user.active or not user.email:
        return False
    if session.scalar(select(NotificationRow.id).where(NotificationRow.key == _key(user, day))):
        return False
    held = list(session.scalars(
        select(NotificationRow)
        .where(NotificationRow.user_id == user.id, NotificationRow.state == outbox.HELD)
        .order_by(NotificationRow.id)
        .with_for_update()
    ))  # fmt: skip
    due, overdue = _actions(session, user, now.date())
    if not (held or due or overdue):
        return False
    payload = {"event": EVENT, "audience": "owner", "day": day.isoformat(), "due": due,
               "overdue": overdue, "events": [dict(h.payload) for h in held]}  # fmt: skip
    notice = outbox.Notice(EVENT, f"digest:{day.isoformat()}", None, "owner", payload)
    row = NotificationRow(**outbox.row_for_user(notice, user, now, key=_key(user, day)))
    session.add(row)
    session.flush()
    for item in held:
        item.state, item.digest_id = outbox.DIGESTED, row.id
    return True


def make_digests(engine: Engine, delivery: Delivery, now: dt.datetime) -> int:
    """Make the digests due as of ``now``; how many were made."""
    day = local_day(delivery, now)
    if day is None:
        return 0
    with Session(engine) as session:
        query = select(UserRow.id).where(
            UserRow.digest.is_(True), UserRow.active.is_(True), UserRow.email.is_not(None)
        )
        users = list(session.scalars(query))
    made = 0
    for user_id in users:
        made += ledger.retrying(engine, lambda s, u=user_id: _make(s, u, day, now))  # type: ignore[misc]
    return made
