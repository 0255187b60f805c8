"""How often log-ins may fail, by whom, from where: the limits ``POST /auth/login`` keeps.

Three limits, counted in the database so that every worker sees them:

* **one user name from one address** backs off: the first :data:`PAIR_FREE` failures are
  free, then each further attempt waits :data:`BACKOFF_FIRST` after the last failure,
  doubling with every failure up to :data:`BACKOFF_MAX`. Failures are forgotten after
  :data:`PAIR_MEMORY`, and a successful log-in clears them. It is keyed on the address too,
  so a stranger elsewhere cannot lock a named user out: the stranger only slows himself.
* **one address, any user names** (password spraying): :data:`ADDRESS_LIMIT` failures in
  :data:`WINDOW` stop every log-in from that address until the oldest of them leaves it.
* **everyone** (a spray from many addresses): past :data:`GLOBAL_LIMIT` failures in
  :data:`WINDOW` only a user name logging in from an address it logged in from within
  :data:`KNOWN_FOR` is let through, to the limits above; others wait until the failures
  leave the window. A known user at a known address is never locked out by others.

The address is the connection's, or a trusted proxy's ``X-Forwarded-For``
(``FOREWARN_TRUSTED_PROXIES``, see :mod:`forewarn.api.middleware`).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy.orm import Session

from forewarn.store import auth

PAIR_FREE = 5
BACKOFF_FIRST = dt.timedelta(minutes=1)
BACKOFF_MAX = dt.timedelta(hours=1)
PAIR_MEMORY = dt.timedelta(hours=24)
WINDOW = dt.timedelta(minutes=15)
ADDRESS_LIMIT = 20
GLOBAL_LIMIT = 200
KNOWN_FOR = dt.timedelta(days=30)


@dataclass(frozen=True)
class Wait:
    """A log-in refused for now: why, and how many seconds until it may be tried again."""

    reason: str
    seconds: int


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def backoff(failures: int) -> dt.timedelta:
    """How long after the last failure the next attempt waits (zero while still free)."""
    if failures < PAIR_FREE:
        return dt.timedelta(0)
    doublings = min(failures - PAIR_FREE, 12)
    wait: dt.timedelta = min(BACKOFF_FIRST * 2**doublings, BACKOFF_MAX)
    return wait


def _seconds(until: dt.datetime, now: dt.datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds()))


def wait_for(session: Session, name: str, address: str, now: dt.datetime) -> Wait | None:
    """Whether a log-in as ``name`` from ``address`` must wait, and how long."""
    pair = auth.pair_failures(session, name, address, now - PAIR_MEMORY)
    if pair.last is not None and pair.count >= PAIR_FREE:
        until = _utc(pair.last) + backoff(pair.count)
        if now < until:
            reason = f"too many failed log-ins as {name!r} from this address: try again later"
            return Wait(reason, _seconds(until, now))
    mine = auth.address_failures(session, address, now - WINDOW)
    if mine.first is not None and mine.count >= ADDRESS_LIMIT:
        reason = "too many failed log-ins from this address: try again later"
        return Wait(reason, _seconds(_utc(mine.first) + WINDOW, now))
    everyone = auth.all_failures(session, now - WINDOW)
    crowded = everyone.first is not None and everyone.count >= GLOBAL_LIMIT
    if crowded and not auth.known_address(session, name, address, now - KNOWN_FOR):
        assert everyone.first is not None
        reason = (
            "too many failed log-ins on this server: for now only log-ins from an address "
            "you used before are accepted; try again later"
        )
        return Wait(reason, _seconds(_utc(everyone.first) + WINDOW, now))
    return None
