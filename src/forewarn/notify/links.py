"""Acknowledgement links: signed, expiring, single-use, bound to one user and one action.

Every e-mail about an action carries ``<public URL>/ack/<token>``. The token is the link's id
(the notification's id and the action's), the user's id, the action's id and the moment it
expires, signed with the secret key (itsdangerous, HMAC-SHA1 over a salt of its own), so a
changed token is refused. Opening the link shows a confirmation page and changes nothing;
confirming acknowledges the action as that user through the action state machine (a ledger
entry with that user as actor) and marks the link used in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from forewarn.errors import Conflict, Forbidden, ForewarnError
from forewarn.response import actions
from forewarn.response.actions import Decision, Verb
from forewarn.response.ladder import Ladder, Roles
from forewarn.store.tables import AckUseRow, ActionRow, UserRow

SALT = "forewarn.ack-link"


class LinkRefused(ForewarnError):
    """An acknowledgement link that cannot be used."""

    exit_code = 2
    http_status = 400


class LinkTampered(LinkRefused):
    """The link is not one forewarn signed (changed, cut short or made up)."""


class LinkExpired(LinkRefused):
    http_status = 410


class LinkUsed(LinkRefused):
    http_status = 410


class NotYourAction(LinkRefused, Forbidden):
    http_status = 403


@dataclass(frozen=True)
class Claim:
    """What a link says: link ``link_id`` lets user ``user_id`` acknowledge ``action_id``
    until ``expires``."""

    link_id: str
    user_id: int
    action_id: int
    expires: dt.datetime


def _serializer(key: str) -> URLSafeSerializer:
    return URLSafeSerializer(key, salt=SALT)


def make_token(key: str, claim: Claim) -> str:
    """The signed token of ``claim`` (the same claim always gives the same token)."""
    body = {"l": claim.link_id, "u": claim.user_id, "a": claim.action_id}
    body["x"] = int(claim.expires.timestamp())
    return str(_serializer(key).dumps(body))


def claim_for(
    notification_uid: str, user_id: int, action_id: int, sent: dt.datetime, life: dt.timedelta
) -> Claim:
    """The claim of the link for ``action_id`` in notification ``notification_uid``; it
    expires ``life`` after the notification was made (so a resend carries the same link)."""
    return Claim(f"{notification_uid}:{action_id}", user_id, action_id, sent + life)


def _expected(data: Any) -> Claim:
    if not isinstance(data, dict) or set(data) != {"l", "u", "a", "x"}:
        raise LinkTampered("this link is not valid: it was changed or cut short")
    try:
        expires = dt.datetime.fromtimestamp(int(data["x"]), dt.UTC)
        return Claim(str(data["l"]), int(data["u"]), int(data["a"]), expires)
    except (TypeError, ValueError, OverflowError):
        raise LinkTampered("this link is not valid: it was changed or cut short") from None


def read_token(key: str, token: str, now: dt.datetime) -> Claim:
    """The claim of a token; LinkTampered if forewarn did not sign it, LinkExpired if old."""
    try:
        data = _serializer(key).loads(token)
    except BadSignature:
        raise LinkTampered("this link is not valid: it was changed or cut short") from None
    claim = _expected(data)
    if now >= claim.expires:
        raise LinkExpired(
            f"this link expired on {claim.expires:%Y-%m-%d %H:%M} UTC: acknowledge the action "
            "in the dashboard instead"
        )
    return claim


@dataclass(frozen=True)
class Target:
    """What a valid link would acknowledge, as the confirmation page shows it."""

    claim: Claim
    user: UserRow
    action: ActionRow


def check(session: Session, claim: Claim, lock: bool = False) -> Target:
    """The user and action of a valid claim; refuses a used link, a disabled user, an action
    the user does not own, or one that is closed or already acknowledged."""
    if session.get(AckUseRow, claim.link_id) is not None:
        raise LinkUsed("this link has already been used: each link acknowledges once")
    user = session.get(UserRow, claim.user_id)
    if user is None or not user.active:
        raise NotYourAction("this link's user is disabled")
    action = actions.get(session, claim.action_id, lock=lock)
    if action.owner not in (user.owner_roles or ()):
        raise NotYourAction(f"{user.name} does not hold the role that owns action {action.id}")
    state = actions.State(action.state)
    if state in actions.CLOSED:
        raise Conflict(f"action {action.id} is already {state.value}: nothing to acknowledge")
    if action.acknowledged_at is not None:
        raise Conflict(f"action {action.id} was already acknowledged by {action.acknowledged_by}")
    return Target(claim, user, action)


def use(session: Session, ladder: Ladder, claim: Claim, now: dt.datetime) -> ActionRow:
    """Acknowledge the claim's action as its user, in the caller's transaction, and mark the
    link used; every refusal of :func:`check` changes nothing."""
    target = check(session, claim, lock=True)
    roles = Roles("the users table", {target.user.name: frozenset(target.user.owner_roles)})
    decision = Decision(Verb.ACK, target.user.name, now)
    row = actions.decide(session, ladder, roles, target.action.id, decision)
    session.add(AckUseRow(link_id=claim.link_id, user_id=target.user.id, action_id=row.id,
                          used_at=now))  # fmt: skip
    session.flush()
    return row
