"""The ledger in the database: transactions, appending (signed), the head, export.

A head row (count and newest hash) is updated in the same transaction as every append, and
receipts of the head are kept in a file outside the database (:mod:`.receipts`), so that
deleting or rewriting the newest entries is detected as surely as editing old ones. Every
append is signed with the key attached to the engine (:mod:`.keys`); the first append by a
key records it in the ledger with a ``key.registered`` entry. :mod:`.checking` verifies.
"""

from __future__ import annotations

import json
import random
import socket
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TextIO, TypeVar, cast

from sqlalchemy import Engine, Table, bindparam, func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from forewarn.errors import DataError
from forewarn.ledger.chain import LedgerEntry, Record, canonical, link
from forewarn.ledger.keys import Signer, signer_for
from forewarn.ledger.tables import LedgerHeadRow, LedgerRow

HEAD_ID = 1
KEY_REGISTERED = "key.registered"
KEY_ACTOR = "forewarn-ledger"
T = TypeVar("T")


def entry_of(row: LedgerRow) -> LedgerEntry:
    """The entry a stored row holds (ValueError when its payload is not JSON)."""
    return LedgerEntry(
        row.seq,
        row.kind,
        row.subject,
        json.loads(row.payload),
        row.actor,
        row.recorded_at,
        row.prev_hash,
        row.hash,
        row.signer,
        row.signature,
    )


# --- transactions -----------------------------------------------------------------------------


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Session]:
    """A transaction that may append to the ledger, committed at the end or rolled back.

    On SQLite it starts with ``BEGIN IMMEDIATE``, taking the write lock before the first read,
    so that what it reads cannot change under it; on PostgreSQL the callers lock the rows they
    change (``SELECT ... FOR UPDATE``) and :func:`append` locks the head row.
    """
    session = Session(engine, expire_on_commit=False)
    try:
        if engine.dialect.name == "sqlite":
            session.execute(text("BEGIN IMMEDIATE"))
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def snapshot(engine: Engine) -> Iterator[Session]:
    """A read-only session whose reads all see one consistent snapshot of the database."""
    with Session(engine) as session:
        if engine.dialect.name == "sqlite":
            session.execute(text("BEGIN"))
        else:
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        try:
            yield session
        finally:
            session.rollback()


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, IntegrityError):
        return True
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return code in {"40001", "40P01", "55P03"} or "database is locked" in str(exc)


def retrying(engine: Engine, work: Callable[[Session], T], attempts: int = 8) -> T:
    """Run ``work`` in a :func:`write_transaction`, retrying after conflicts with other writers.

    A unique-constraint violation means another process did the same work first: the retry
    re-reads the state and finds nothing left to do. Lock timeouts, deadlocks and serialisation
    failures are retried too, with a randomised back-off.
    """
    for attempt in range(1, attempts + 1):
        try:
            with write_transaction(engine) as session:
                return work(session)
        except (IntegrityError, OperationalError) as exc:
            if attempt == attempts or not _retryable(exc):
                raise
            time.sleep(random.uniform(0, min(0.02 * 2**attempt, 1.0)))
    raise AssertionError("unreachable")


# --- appending --------------------------------------------------------------------------------


_HEAD = cast(Table, LedgerHeadRow.__table__)
_ENTRIES = cast(Table, LedgerRow.__table__)
_CLAIM = (
    _HEAD.update()
    .where(_HEAD.c.id == HEAD_ID)
    .values(count=_HEAD.c.count + bindparam("n"))
    .returning(_HEAD.c.count, _HEAD.c.last_hash)
)
_SEAL = _HEAD.update().where(_HEAD.c.id == HEAD_ID).values(last_hash=bindparam("digest"))
_INSERT = _ENTRIES.insert()


def _claim(session: Session, n: int) -> tuple[int, str]:
    """Lock the head row, add ``n`` to its count; return (first new seq, previous hash).

    Updating first takes the write lock (SQLite) or the row lock (PostgreSQL) before anything
    is read, whatever kind of transaction the caller opened.
    """
    claimed = session.connection().execute(_CLAIM, {"n": n}).one_or_none()
    if claimed is None:
        raise DataError("the ledger head row is missing: migrate the database (or it was tampered)")
    return int(claimed[0]) - n + 1, str(claimed[1])


def _row(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "kind": entry.kind,
        "subject": entry.subject,
        "payload": canonical(entry.payload),
        "actor": entry.actor,
        "recorded_at": entry.at,
        "prev_hash": entry.prev,
        "hash": entry.hash,
        "signer": entry.key,
        "signature": entry.sig,
    }


def key_subject(public: str) -> str:
    """The subject of the entries about the key ``public``."""
    return f"key:{public}"


def registration(signer: Signer) -> Record:
    """The entry that records ``signer``'s public key in the ledger (signed by that key)."""
    payload = {"algorithm": "Ed25519", "public_key": signer.public, "host": socket.gethostname()}
    return Record(KEY_REGISTERED, key_subject(signer.public), payload, KEY_ACTOR)


def append_many(session: Session, records: Sequence[Record]) -> list[LedgerEntry]:
    """Append ``records`` in order inside the caller's transaction, signed with the key
    attached to the session's engine (DataError without one); returns their entries.

    The first append by a key is preceded by its ``key.registered`` entry. Four or five
    statements in all, whatever the number of records."""
    if not records:
        return []
    for record in records:  # refuse bad records before touching the head
        for name in ("kind", "subject", "actor"):
            if not getattr(record, name):
                raise ValueError(f"ledger entry needs a non-empty {name}")
        canonical(dict(record.payload))
    signer = signer_for(session)
    first, prev = _claim(session, len(records))  # the head is locked from here on
    chained = list(records)
    if not has_entry(session, KEY_REGISTERED, key_subject(signer.public)):
        _claim(session, 1)
        chained.insert(0, registration(signer))
    entries = link(chained, first, prev, signer)
    connection = session.connection()
    connection.execute(_INSERT, [_row(e) for e in entries])
    connection.execute(_SEAL, {"digest": entries[-1].hash})
    return entries[len(entries) - len(records) :]


def append(
    session: Session, kind: str, subject: str, payload: Mapping[str, Any], actor: str
) -> LedgerEntry:
    """Append one entry inside the caller's transaction and return it.

    ``kind`` says what happened ("alert.raised", "action.opened", …), ``subject`` what it
    happened to ("alert:12", "action:40"), ``payload`` the facts (JSON values only) and
    ``actor`` who did it. The head row is locked until the caller's transaction ends, so
    concurrent writers append one after the other; if the transaction rolls back, the entry
    and the head update vanish together.
    """
    return append_many(session, [Record(kind, subject, payload, actor)])[0]


def has_entry(session: Session, kind: str, subject: str) -> bool:
    """Whether the ledger holds an entry of ``kind`` about ``subject``."""
    found = session.execute(
        select(LedgerRow.seq).where(LedgerRow.subject == subject, LedgerRow.kind == kind).limit(1)
    ).first()
    return found is not None


def entries_about(session: Session, subject: str) -> list[LedgerEntry]:
    """The entries about ``subject``, oldest first."""
    rows = session.scalars(
        select(LedgerRow).where(LedgerRow.subject == subject).order_by(LedgerRow.seq)
    )
    return [entry_of(r) for r in rows]


@dataclass(frozen=True)
class RegisteredKey:
    """A signing key recorded in the ledger: where, by which host, and what it signed."""

    public_key: str
    registered_at: int
    host: str
    signed: int
    first: int
    last: int


def registered_keys(session: Session) -> list[RegisteredKey]:
    """The keys registered in the ledger, in the order they were registered."""
    query = select(LedgerRow).where(
        LedgerRow.subject >= "key:", LedgerRow.subject < "key;", LedgerRow.kind == KEY_REGISTERED
    )
    stats = {
        signer: (int(n), int(first), int(last))
        for signer, n, first, last in session.execute(
            select(
                LedgerRow.signer,
                func.count(),
                func.min(LedgerRow.seq),
                func.max(LedgerRow.seq),
            ).group_by(LedgerRow.signer)
        )
    }
    keys: dict[str, RegisteredKey] = {}
    for row in sorted(session.scalars(query), key=lambda r: r.seq):
        public = str(json.loads(row.payload).get("public_key", ""))
        if public and public not in keys:
            host = str(json.loads(row.payload).get("host", ""))
            n, first, last = stats.get(public, (0, 0, 0))
            keys[public] = RegisteredKey(public, row.seq, host, n, first, last)
    return list(keys.values())


# --- the head and its receipts ----------------------------------------------------------------


@dataclass(frozen=True)
class Head:
    """The ledger's identity, entry count and newest hash (and the first entry that must be
    signed, which is not part of a receipt)."""

    ledger_id: str
    count: int
    hash: str
    signed_from: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"ledger_id": self.ledger_id, "count": self.count, "hash": self.hash}


def read_head(session: Session) -> Head | None:
    """The head row, or None when it is missing."""
    row = session.get(LedgerHeadRow, HEAD_ID)
    if row is None:
        return None
    return Head(row.ledger_id, row.count, row.last_hash, row.signed_from)


def export(engine: Engine, out: TextIO, after: int = 0) -> Head:
    """Write every entry (those after entry ``after``) as one canonical JSON line, oldest
    first; return the head."""
    with snapshot(engine) as session:
        head = read_head(session)
        if head is None:
            raise DataError("the ledger head row is missing")
        for lines in export_lines(session, head, after):
            out.write(lines)
    return head


def export_lines(session: Session, head: Head, after: int = 0, batch: int = 1000) -> Iterator[str]:
    """The export of the entries after ``after`` up to the head, as text of ``batch`` lines."""
    query = (
        select(LedgerRow)
        .where(LedgerRow.seq > after, LedgerRow.seq <= head.count)
        .order_by(LedgerRow.seq)
        .execution_options(yield_per=batch)
    )
    rows = session.scalars(query)
    try:
        for part in rows.partitions():
            yield "".join(entry_of(row).line() + "\n" for row in part)
    finally:
        rows.close()
