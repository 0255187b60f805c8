"""The ledger in the database: transactions, appending, the head, verification, export.

A head row (count and newest hash) is updated in the same transaction as every append, and
receipts of the head are kept in a file outside the database (:mod:`.receipts`), so that
deleting or rewriting the newest entries is detected as surely as editing old ones.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO, TypeVar, cast

from sqlalchemy import Engine, Table, bindparam, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from forewarn.errors import DataError
from forewarn.ledger.chain import (
    GENESIS,
    LedgerEntry,
    Record,
    canonical,
    entry_hash,
    link,
)
from forewarn.ledger.tables import LedgerHeadRow, LedgerRow

if TYPE_CHECKING:
    from forewarn.ledger.receipts import Receipt

HEAD_ID = 1
T = TypeVar("T")


def _entry_of(row: LedgerRow) -> LedgerEntry:
    return LedgerEntry(
        row.seq,
        row.kind,
        row.subject,
        json.loads(row.payload),
        row.actor,
        row.recorded_at,
        row.prev_hash,
        row.hash,
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
    }


def append_many(session: Session, records: Sequence[Record]) -> list[LedgerEntry]:
    """Append ``records`` in order inside the caller's transaction (three statements in all)."""
    if not records:
        return []
    for record in records:  # refuse bad records before touching the head
        for name in ("kind", "subject", "actor"):
            if not getattr(record, name):
                raise ValueError(f"ledger entry needs a non-empty {name}")
        canonical(dict(record.payload))
    first, prev = _claim(session, len(records))
    entries = link(records, first, prev)
    connection = session.connection()
    connection.execute(_INSERT, [_row(e) for e in entries])
    connection.execute(_SEAL, {"digest": entries[-1].hash})
    return entries


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
    return [_entry_of(r) for r in rows]


# --- the head and its receipts ----------------------------------------------------------------


@dataclass(frozen=True)
class Head:
    """The ledger's identity, entry count and newest hash."""

    ledger_id: str
    count: int
    hash: str

    def as_dict(self) -> dict[str, Any]:
        return {"ledger_id": self.ledger_id, "count": self.count, "hash": self.hash}


def read_head(session: Session) -> Head | None:
    """The head row, or None when it is missing."""
    row = session.get(LedgerHeadRow, HEAD_ID)
    return None if row is None else Head(row.ledger_id, row.count, row.last_hash)


# --- verification -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """The outcome of :func:`verify`: the intact prefix, and the first problem if any."""

    checked: int
    head_hash: str
    receipts: int
    problem: str | None = None
    bad_seq: int | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass
class _Walk:
    """State of a walk along the chain."""

    head: Head
    receipts: dict[int, list[Receipt]] = field(default_factory=dict)
    checked: int = 0
    prev: str = GENESIS


def _check_row(walk: _Walk, row: LedgerRow) -> str | None:
    expected = walk.checked + 1
    if row.seq != expected:
        return f"entry {expected} is missing (the next stored entry is {row.seq})"
    if row.seq > walk.head.count:
        return f"entry {row.seq} lies beyond the head, which records {walk.head.count} entries"
    try:
        document = _entry_of(row).document()
    except ValueError:
        return f"entry {row.seq}: its payload is not JSON (modified)"
    if canonical(document["payload"]) != row.payload or entry_hash(document) != row.hash:
        return f"entry {row.seq}: its content does not match its hash (modified)"
    if row.prev_hash != walk.prev:
        return f"entry {row.seq} does not link to entry {row.seq - 1} (removed, inserted or moved)"
    for receipt in walk.receipts.get(row.seq, []):
        if receipt.hash != row.hash:
            return f"entry {row.seq} differs from the receipt of {receipt.at} (rewritten)"
    return None


def _check_end(walk: _Walk) -> tuple[str, int | None] | None:
    head, n = walk.head, walk.checked
    if head.count > n:
        return f"entries {n + 1}-{head.count} are missing (the head records {head.count})", n + 1
    if head.hash != walk.prev:
        return f"the head does not match entry {n} (head or entry rewritten)", n
    beyond = max(walk.receipts, default=0)
    if beyond > n:
        at = walk.receipts[beyond][0].at
        return f"entries {n + 1}-{beyond} are missing (a receipt of {at} recorded them)", n + 1
    return None


def _walk_chain(session: Session, walk: _Walk) -> str | None:
    rows = session.scalars(
        select(LedgerRow).order_by(LedgerRow.seq).execution_options(yield_per=1000)
    )
    try:  # a chain that breaks early leaves a server-side cursor: close it
        for row in rows:
            bad = _check_row(walk, row)
            if bad is not None:
                return bad
            walk.checked, walk.prev = row.seq, row.hash
    finally:
        rows.close()
    return None


def _foreign_receipt(head: Head, receipts: list[Receipt]) -> str | None:
    for receipt in receipts:
        if receipt.ledger_id != head.ledger_id:
            return (
                f"the database holds ledger {head.ledger_id} but the receipts record ledger "
                f"{receipt.ledger_id} (database replaced?)"
            )
    return None


def verify(engine: Engine, receipts: list[Receipt]) -> Verification:
    """Walk the chain, then check it against the head row and the receipts."""
    with snapshot(engine) as session:
        head = read_head(session)
        if head is None:
            return Verification(0, GENESIS, len(receipts), "the ledger head row is missing")
        foreign = _foreign_receipt(head, receipts)
        if foreign is not None:
            return Verification(0, GENESIS, len(receipts), foreign)
        walk = _Walk(head)
        for receipt in receipts:
            walk.receipts.setdefault(receipt.count, []).append(receipt)
        bad = _walk_chain(session, walk)
    if bad is not None:
        return Verification(walk.checked, walk.prev, len(receipts), bad, walk.checked + 1)
    end = _check_end(walk)
    if end is not None:
        return Verification(walk.checked, walk.prev, len(receipts), end[0], end[1])
    return Verification(walk.checked, walk.prev, len(receipts))


def export(engine: Engine, out: TextIO) -> Head:
    """Write every entry as one canonical JSON line, oldest first; return the head."""
    with snapshot(engine) as session:
        head = read_head(session)
        if head is None:
            raise DataError("the ledger head row is missing")
        rows = session.scalars(
            select(LedgerRow).order_by(LedgerRow.seq).execution_options(yield_per=1000)
        )
        try:
            for row in rows:
                if row.seq > head.count:
                    break
                out.write(_entry_of(row).line() + "\n")
        finally:
            rows.close()
    return head
