"""Repository functions for users, API tokens, browser sessions and failed log-ins.

Nothing here hashes or checks a secret: callers pass the argon2 hash of a password and the
SHA-256 of a token (see :mod:`forewarn.api.security`), so the database never sees either.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from forewarn.errors import Conflict, InvalidInput, NotFound
from forewarn.store.tables import LoginFailureRow, LoginSuccessRow, TokenRow, UserRow

API_TOKEN = "api"
SESSION = "session"


@dataclass(frozen=True)
class NewUser:
    """What ``forewarn users add`` records about a person."""

    name: str
    password_hash: str
    role: str
    owner_roles: tuple[str, ...] = ()
    clearance: bool = False
    email: str | None = None
    language: str = "en"
    digest: bool = False


# --- users ------------------------------------------------------------------------------------


def add_user(session: Session, user: NewUser, now: dt.datetime) -> UserRow:
    """Insert a user; Conflict when the name is taken, InvalidInput when it is unusable."""
    if (
        not 0 < len(user.name) <= 200
        or not user.name.isprintable()
        or user.name != user.name.strip()
    ):
        raise InvalidInput(
            "a user name is 1-200 printable characters, no surrounding spaces", "name"
        )
    if find_user(session, user.name) is not None:
        raise Conflict(f"a user named {user.name!r} already exists")
    row = UserRow(
        name=user.name,
        password_hash=user.password_hash,
        role=user.role,
        owner_roles=sorted(set(user.owner_roles)),
        clearance=user.clearance,
        active=True,
        created_at=now,
        email=user.email,
        language=user.language,
        digest=user.digest,
    )
    session.add(row)
    session.flush()
    return row


def find_user(session: Session, name: str) -> UserRow | None:
    """The user called ``name`` (active or not), if any."""
    return session.scalars(select(UserRow).where(UserRow.name == name)).first()


def get_user(session: Session, name: str) -> UserRow:
    """The user called ``name``; NotFound when absent."""
    row = find_user(session, name)
    if row is None:
        raise NotFound(f"no user {name!r}")
    return row


def list_users(session: Session) -> list[UserRow]:
    """Every user, by name."""
    return list(session.scalars(select(UserRow).order_by(UserRow.name)))


def mail_recipients(session: Session) -> list[str]:
    """The names of the active users with an e-mail address (those told by e-mail)."""
    query = select(UserRow.name).where(
        UserRow.active.is_(True), UserRow.email.is_not(None), UserRow.email != ""
    )
    return list(session.scalars(query.order_by(UserRow.name)))


@dataclass(frozen=True)
class Contact:
    """How a user is told: e-mail address, language, digest or one message per event.

    ``None`` leaves a field as it is; an empty ``email`` removes the address."""

    email: str | None = None
    language: str | None = None
    digest: bool | None = None


def set_contact(session: Session, name: str, contact: Contact) -> tuple[UserRow, dict[str, Any]]:
    """Change how user ``name`` is told; the row and the changed fields (old, new)."""
    row = get_user(session, name)
    changed: dict[str, Any] = {}
    wanted = {
        "email": (contact.email or None) if contact.email is not None else row.email,
        "language": contact.language if contact.language is not None else row.language,
        "digest": contact.digest if contact.digest is not None else row.digest,
    }
    for field, value in wanted.items():
        if getattr(row, field) != value:
            changed[field] = [getattr(row, field), value]
            setattr(row, field, value)
    session.flush()
    return row, changed


def set_password_hash(session: Session, user_id: int, password_hash: str) -> None:
    """Replace a user's stored hash (after a re-hash with stronger parameters)."""
    session.execute(
        update(UserRow).where(UserRow.id == user_id).values(password_hash=password_hash)
    )


def disable_user(session: Session, name: str, now: dt.datetime) -> UserRow:
    """Disable a user and revoke every token and session they hold."""
    row = get_user(session, name)
    if not row.active:
        raise Conflict(f"user {name!r} is already disabled")
    row.active, row.disabled_at = False, now
    session.execute(
        update(TokenRow)
        .where(TokenRow.user_id == row.id, TokenRow.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return row


# --- tokens and sessions ----------------------------------------------------------------------


def add_token(
    session: Session,
    user: UserRow,
    token_hash: str,
    now: dt.datetime,
    *,
    kind: str = API_TOKEN,
    label: str | None = None,
    expires_at: dt.datetime | None = None,
) -> TokenRow:
    """Store the SHA-256 of a new token or session secret for an active user."""
    if not user.active:
        raise Conflict(f"user {user.name!r} is disabled")
    row = TokenRow(
        user_id=user.id,
        kind=kind,
        label=label,
        token_hash=token_hash,
        created_at=now,
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class Credential:
    """Who a live credential belongs to: what a request needs to know about its user."""

    token_id: int
    user_id: int
    name: str
    role: str
    owner_roles: tuple[str, ...]
    clearance: bool

    @classmethod
    def of(cls, token: TokenRow, user: UserRow) -> Credential:
        """The credential of a token row just made for ``user``."""
        owners = tuple(user.owner_roles or ())
        return cls(token.id, user.id, user.name, user.role, owners, user.clearance)


_CREDENTIAL = (
    select(
        TokenRow.id, UserRow.id, UserRow.name, UserRow.role, UserRow.owner_roles, UserRow.clearance
    )
    .join(UserRow, UserRow.id == TokenRow.user_id)
    .where(
        TokenRow.token_hash == bindparam("token_hash"),
        TokenRow.kind == bindparam("kind"),
        TokenRow.revoked_at.is_(None),
        TokenRow.expires_at.is_(None) | (TokenRow.expires_at > bindparam("now")),
        UserRow.active.is_(True),
    )
)


class CredentialCheck:
    """Looks up a live credential and its active user on every API request, cheaply.

    The statement is compiled once for the engine's dialect and run on the driver's own
    connection from the engine's pool, with the column types' own conversions (SQLite's
    date strings and JSON text), so a check costs the query and little else; the ORM
    round trip cost several times the query itself.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        dialect = engine.dialect
        compiled = _CREDENTIAL.compile(dialect=dialect)
        self.sql = compiled.string
        self.order = compiled.positiontup
        columns = TokenRow.__table__.c, UserRow.__table__.c
        self.write_now = columns[0].expires_at.type.dialect_impl(dialect).bind_processor(dialect)
        roles = columns[1].owner_roles.type.dialect_impl(dialect)
        self.read_roles = roles.result_processor(dialect, None)

    def __call__(self, token_hash: str, kind: str, now: dt.datetime) -> Credential | None:
        """The live credential of ``kind`` with this hash and its active user, or None."""
        named: dict[str, Any] = {"token_hash": token_hash, "kind": kind}
        named["now"] = self.write_now(now) if self.write_now else now
        params = named if self.order is None else tuple(named[k] for k in self.order)
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute(self.sql, params)
            row = cursor.fetchone()
            cursor.close()
        finally:
            connection.close()  # back to the pool (which ends the read transaction)
        if row is None:
            return None
        token_id, user_id, name, role, owner_roles, clearance = row
        if self.read_roles is not None:
            owner_roles = self.read_roles(owner_roles)
        return Credential(token_id, user_id, name, role, tuple(owner_roles or ()), bool(clearance))


def revoke_token(session: Session, token_id: int, now: dt.datetime) -> TokenRow:
    """Revoke token ``token_id``; NotFound when absent, Conflict when already revoked."""
    row = session.get(TokenRow, token_id)
    if row is None:
        raise NotFound(f"no token {token_id}")
    if row.revoked_at is not None:
        raise Conflict(f"token {token_id} is already revoked")
    row.revoked_at = now
    return row


def list_tokens(session: Session, user: str | None = None) -> list[tuple[TokenRow, str]]:
    """API tokens (never sessions) with their user's name, oldest first."""
    query = (
        select(TokenRow, UserRow.name)
        .join(UserRow, UserRow.id == TokenRow.user_id)
        .where(TokenRow.kind == API_TOKEN)
        .order_by(TokenRow.id)
    )
    if user is not None:
        query = query.where(UserRow.name == user)
    return [(row, name) for row, name in session.execute(query)]


def purge_sessions(session: Session, user_id: int, now: dt.datetime) -> None:
    """Delete a user's expired browser sessions."""
    session.execute(
        delete(TokenRow).where(
            TokenRow.user_id == user_id, TokenRow.kind == SESSION, TokenRow.expires_at <= now
        )
    )


# --- failed log-ins ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Failures:
    """Failed log-ins counted since some moment: how many, the first and the last."""

    count: int
    first: dt.datetime | None
    last: dt.datetime | None


def _failures(session: Session, since: dt.datetime, *where: Any) -> Failures:
    query = select(
        func.count(LoginFailureRow.id), func.min(LoginFailureRow.at), func.max(LoginFailureRow.at)
    ).where(LoginFailureRow.at > since, *where)
    count, first, last = session.execute(query).one()
    return Failures(int(count or 0), first, last)


def failures_since(session: Session, username: str, address: str, since: dt.datetime) -> int:
    """How many log-ins as ``username`` from ``address`` failed since ``since``."""
    return pair_failures(session, username, address, since).count


def pair_failures(session: Session, username: str, address: str, since: dt.datetime) -> Failures:
    """The failed log-ins as ``username`` from ``address`` since ``since``."""
    where = (LoginFailureRow.username == username[:200], LoginFailureRow.address == address[:64])
    return _failures(session, since, *where)


def address_failures(session: Session, address: str, since: dt.datetime) -> Failures:
    """The failed log-ins from ``address``, whatever the user name, since ``since``."""
    return _failures(session, since, LoginFailureRow.address == address[:64])


def all_failures(session: Session, since: dt.datetime) -> Failures:
    """Every failed log-in since ``since``."""
    return _failures(session, since)


def record_failure(
    session: Session, username: str, address: str, now: dt.datetime, keep_after: dt.datetime
) -> None:
    """Record a failed log-in; forget failures older than ``keep_after``."""
    session.execute(delete(LoginFailureRow).where(LoginFailureRow.at <= keep_after))
    session.add(LoginFailureRow(username=username[:200], address=address[:64], at=now))


def clear_failures(session: Session, username: str, address: str) -> None:
    """Forget the failures of ``username`` from ``address`` (after a successful log-in)."""
    session.execute(
        delete(LoginFailureRow).where(
            LoginFailureRow.username == username[:200], LoginFailureRow.address == address[:64]
        )
    )


def record_success(session: Session, username: str, address: str, now: dt.datetime) -> None:
    """Remember that ``username`` logged in from ``address`` at ``now``."""
    key = (LoginSuccessRow.username == username[:200], LoginSuccessRow.address == address[:64])
    session.execute(delete(LoginSuccessRow).where(*key))
    session.add(LoginSuccessRow(username=username[:200], address=address[:64], at=now))


def known_address(session: Session, username: str, address: str, since: dt.datetime) -> bool:
    """Whether ``username`` logged in from ``address`` since ``since``."""
    query = select(LoginSuccessRow.id).where(
        LoginSuccessRow.username == username[:200],
        LoginSuccessRow.address == address[:64],
        LoginSuccessRow.at > since,
    )
    return session.scalars(query).first() is not None
