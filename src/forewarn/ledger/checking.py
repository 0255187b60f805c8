"""Verifying the ledger: the chain, signatures and trust, the head, receipts and anchors.

A **full** verification reads every entry: each must hash to its stored hash, link to the
one before, and, from the first entry that must be signed on, carry a valid signature by a
registered and trusted key; then the head row, the receipts and the anchors must agree.

An **incremental** verification starts from a :class:`Checkpoint` (the position and hash of
the newest entry a previous verification found intact): it re-reads that entry and the key
registrations, walks only the entries after it, and checks the head, the receipts beyond
the checkpoint and every anchor. It catches whatever a full verification catches about the
new entries, any rewrite or removal that reaches the checkpoint entry, a truncation, and a
database replaced. It does not re-read the older entries, so an entry before the checkpoint
that was edited, deleted or swapped in place without touching the checkpoint entry goes
unnoticed until the next full verification.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from forewarn.ledger.anchors import Anchor
from forewarn.ledger.book import KEY_REGISTERED, Head, entry_of, key_subject, read_head, snapshot
from forewarn.ledger.chain import GENESIS, canonical, entry_hash, utc_stamp
from forewarn.ledger.keys import signature_ok
from forewarn.ledger.receipts import Receipt
from forewarn.ledger.tables import LedgerRow


def short(key: str) -> str:
    """A public key as people read it: its first 16 hex characters."""
    return key[:16]


@dataclass(frozen=True)
class Checkpoint:
    """Where a verification found the ledger intact: entry ``seq`` with ``hash``; when the
    full verification it extends ran; the first signed entry (None: none yet)."""

    ledger_id: str
    seq: int
    hash: str
    full_at: str
    signing_from: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Verification:
    """The outcome of :func:`verify`: how far the ledger is intact, the first problem if any,
    and what was checked."""

    checked: int
    head_hash: str
    receipts: int
    problem: str | None = None
    bad_seq: int | None = None
    full: bool = True
    walked: int = 0
    unsigned: int = 0
    keys: tuple[str, ...] = ()
    anchors: int = 0
    checkpoint: Checkpoint | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class Inputs:
    """What to check the database against (all optional)."""

    receipts: Sequence[Receipt] = ()
    trusted: Mapping[str, str] | None = None
    """The trusted keys; None accepts any key registered in the ledger."""
    anchors: Sequence[Anchor] = ()
    require_receipts: bool = False


@dataclass
class _Walk:
    """State of a walk along the chain."""

    head: Head
    trusted: Mapping[str, str] | None
    receipts: dict[int, list[Receipt]] = field(default_factory=dict)
    anchors: dict[int, list[Anchor]] = field(default_factory=dict)
    registered: dict[str, int] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    checked: int = 0
    prev: str = GENESIS
    signing_from: int | None = None
    walked: int = 0

    def must_sign(self, seq: int) -> int | None:
        """The first entry that had to be signed, when entry ``seq`` must be (else None)."""
        starts = [s for s in (self.signing_from, self.head.signed_from) if s is not None]
        start = min(starts, default=None)
        return start if start is not None and seq >= start else None


# --- one entry --------------------------------------------------------------------------------


def _content(row: LedgerRow) -> str | None:
    try:
        document = entry_of(row).document()
    except ValueError:
        return f"entry {row.seq}: its payload is not JSON (modified)"
    if canonical(document["payload"]) != row.payload or entry_hash(document) != row.hash:
        return f"entry {row.seq}: its content does not match its hash (modified)"
    return None


def _registers(row: LedgerRow, key: str) -> bool:
    """Whether ``row`` is the registration of ``key`` (its first signed entry must be)."""
    if row.kind != KEY_REGISTERED or row.subject != key_subject(key):
        return False
    return bool(entry_of(row).payload.get("public_key") == key)


def _signature(walk: _Walk, row: LedgerRow) -> str | None:
    key, signature = row.signer, row.signature
    if key is None or signature is None:
        start = walk.must_sign(row.seq)
        if key is not None or signature is not None:
            return f"entry {row.seq}: its signature is incomplete (modified)"
        if start is not None:
            return (
                f"entry {row.seq} is not signed, but every entry from {start} on must be "
                "(appended or rewritten outside forewarn)"
            )
        return None
    if not signature_ok(key, signature, bytes.fromhex(row.hash)):
        return f"entry {row.seq}: its signature does not verify (forged or modified)"
    if key not in walk.registered:
        if not _registers(row, key):
            return (
                f"entry {row.seq} is signed by key {short(key)}, which no earlier entry registers"
            )
        walk.registered[key] = row.seq
    if walk.trusted is not None and key not in walk.trusted:
        return (
            f"entry {row.seq} is signed by key {short(key)} (registered at entry "
            f"{walk.registered[key]}), which is not trusted"
        )
    walk.used.add(key)
    if walk.signing_from is None:
        walk.signing_from = row.seq
    return None


def _against_outside(walk: _Walk, row: LedgerRow) -> str | None:
    for receipt in walk.receipts.get(row.seq, []):
        if receipt.hash != row.hash:
            return f"entry {row.seq} differs from the receipt of {receipt.at} (rewritten)"
    for anchor in walk.anchors.get(row.seq, []):
        if anchor.hash != row.hash:
            return f"entry {row.seq} differs from the anchor of {anchor.at} (rewritten)"
    return None


def _check_row(walk: _Walk, row: LedgerRow) -> str | None:
    expected = walk.checked + 1
    if row.seq != expected:
        return f"entry {expected} is missing (the next stored entry is {row.seq})"
    if row.seq > walk.head.count:
        return f"entry {row.seq} lies beyond the head, which records {walk.head.count} entries"
    problem = _content(row)
    if problem is None and row.prev_hash != walk.prev:
        problem = (
            f"entry {row.seq} does not link to entry {row.seq - 1} (removed, inserted or moved)"
        )
    return problem or _signature(walk, row) or _against_outside(walk, row)


def _walk_rows(walk: _Walk, rows: Iterable[LedgerRow]) -> str | None:
    for row in rows:
        bad = _check_row(walk, row)
        if bad is not None:
            return bad
        walk.checked, walk.prev = row.seq, row.hash
        walk.walked += 1
    return None


def _rows_after(session: Session, seq: int) -> Generator[LedgerRow, None, None]:
    """The entries after ``seq``, streamed; the server-side cursor is closed even when the
    walk stops early (a broken chain)."""
    query = select(LedgerRow).where(LedgerRow.seq > seq).order_by(LedgerRow.seq)
    rows = session.scalars(query.execution_options(yield_per=1000))
    try:
        yield from rows
    finally:
        rows.close()


# --- resuming from a checkpoint ---------------------------------------------------------------


def _key_rows(session: Session, upto: int) -> list[LedgerRow]:
    """The entries about keys up to entry ``upto`` (a range scan of the subject index)."""
    query = select(LedgerRow).where(
        LedgerRow.subject >= "key:", LedgerRow.subject < "key;", LedgerRow.seq <= upto
    )
    return sorted(session.scalars(query), key=lambda r: r.seq)


def _recheck(walk: _Walk, row: LedgerRow | None, seq: int, what: str) -> str | None:
    """Re-read one old entry: present, unmodified, its signature valid."""
    if row is None:
        return f"entry {seq} is missing ({what})"
    problem = _content(row)
    signed = problem is None and row.signer is not None and row.signature is not None
    if signed and not signature_ok(row.signer or "", row.signature or "", bytes.fromhex(row.hash)):
        problem = f"entry {seq}: its signature does not verify (forged or modified)"
    return problem


def _resume(session: Session, walk: _Walk, since: Checkpoint) -> tuple[str, int | None] | None:
    """Start the walk at ``since``: its entry unchanged, the keys registered before it."""
    head, at = walk.head, since.full_at
    if since.ledger_id != head.ledger_id:
        return f"the database holds ledger {head.ledger_id}, not {since.ledger_id} (replaced?)", 0
    if since.seq > head.count:
        missing = f"entries {head.count + 1}-{since.seq} are missing"
        return f"{missing} (verified intact on {at})", head.count + 1
    if since.seq:
        row = session.get(LedgerRow, since.seq)
        problem = _recheck(walk, row, since.seq, f"it was verified intact on {at}")
        if problem is None and row is not None and row.hash != since.hash:
            problem = f"entry {since.seq} differs from the one verified intact on {at} (rewritten)"
        if problem is not None:
            return problem, since.seq
    for row in _key_rows(session, since.seq):
        problem = _recheck(walk, row, row.seq, "")
        if problem is not None:
            return problem, row.seq
        if (
            row.signer is not None
            and row.signer not in walk.registered
            and _registers(row, row.signer)
        ):
            walk.registered[row.signer] = row.seq
    walk.checked, walk.prev, walk.signing_from = since.seq, since.hash, since.signing_from
    return None


def _old_anchors(session: Session, walk: _Walk, upto: int) -> tuple[str, int] | None:
    """Anchors at or before the checkpoint: each anchored entry re-read and compared."""
    for seq in sorted(s for s in walk.anchors if 0 < s <= upto):
        row = session.get(LedgerRow, seq)
        anchor = walk.anchors[seq][0]
        problem = _recheck(walk, row, seq, f"the anchor of {anchor.at} recorded it")
        if problem is None and row is not None:
            problem = _against_outside(walk, row)
        if problem is not None:
            return problem, seq
    return None


# --- the whole -----------------------------------------------------------------------------------


def _outside_ledgers(head: Head, inputs: Inputs) -> str | None:
    for receipt in inputs.receipts:
        if receipt.ledger_id != head.ledger_id:
            return (
                f"the database holds ledger {head.ledger_id} but the receipts record ledger "
                f"{receipt.ledger_id} (database replaced?)"
            )
    for anchor in inputs.anchors:
        if anchor.ledger_id != head.ledger_id:
            return (
                f"the database holds ledger {head.ledger_id} but the anchor of {anchor.at} "
                f"records ledger {anchor.ledger_id} (database replaced?)"
            )
    return None


def _trust(inputs: Inputs) -> tuple[Mapping[str, str] | None, str | None]:
    """The trusted keys, extended by those listed in anchors signed by a trusted key."""
    trusted = None if inputs.trusted is None else dict(inputs.trusted)
    for anchor in inputs.anchors:
        if not anchor.signed():
            return trusted, f"the anchor of {anchor.at}: its signature does not verify (forged)"
        if trusted is not None and anchor.key not in trusted:
            return trusted, (
                f"the anchor of {anchor.at} is signed by key {short(anchor.key)}, "
                "which is not trusted (forged?)"
            )
    for anchor in inputs.anchors:
        if trusted is not None:
            trusted.update({k: f"listed by the anchor of {anchor.at}" for k in anchor.keys})
    return trusted, None


def _check_end(walk: _Walk, inputs: Inputs) -> tuple[str, int | None] | None:
    head, n = walk.head, walk.checked
    if head.count > n:
        return f"entries {n + 1}-{head.count} are missing (the head records {head.count})", n + 1
    if head.hash != walk.prev:
        return f"the head does not match entry {n} (head or entry rewritten)", n
    for seq, found in sorted(walk.receipts.items(), reverse=True)[:1]:
        if seq > n:
            return (
                f"entries {n + 1}-{seq} are missing (a receipt of {found[0].at} recorded them)",
                n + 1,
            )
    for seq, anchored in sorted(walk.anchors.items(), reverse=True)[:1]:
        if seq > n:
            at = anchored[0].at
            return f"entries {n + 1}-{seq} are missing (the anchor of {at} recorded them)", n + 1
    if inputs.require_receipts and n > 0 and not inputs.receipts:
        return (
            f"no receipt of this ledger's head was found, so a rewrite or truncation of its "
            f"{n} entries could not be detected"
        ), None
    return None


def _outcome(walk: _Walk, inputs: Inputs, since: Checkpoint | None, problem: Any) -> Verification:
    unsigned = walk.checked if walk.signing_from is None else walk.signing_from - 1
    text, bad = (None, None) if problem is None else problem
    mark = None
    if text is None:
        full_at = utc_stamp() if since is None else since.full_at
        mark = Checkpoint(walk.head.ledger_id, walk.checked, walk.prev, full_at, walk.signing_from)
    return Verification(
        walk.checked,
        walk.prev,
        len(inputs.receipts),
        problem=text,
        bad_seq=bad,
        full=since is None,
        walked=walk.walked,
        unsigned=unsigned,
        keys=tuple(sorted(walk.used)),
        anchors=len(inputs.anchors),
        checkpoint=mark,
    )


def _run(session: Session, walk: _Walk, inputs: Inputs, since: Checkpoint | None) -> Any:
    if since is not None:
        resumed = _resume(session, walk, since) or _old_anchors(session, walk, since.seq)
        if resumed is not None:
            return resumed
    rows = _rows_after(session, walk.checked)
    try:
        bad = _walk_rows(walk, rows)
    finally:
        rows.close()
    if bad is not None:
        return bad, walk.checked + 1
    return _check_end(walk, inputs)


def verify(
    engine: Engine,
    receipts: Sequence[Receipt] = (),
    *,
    trusted: Mapping[str, str] | None = None,
    anchors: Sequence[Anchor] = (),
    require_receipts: bool = False,
    since: Checkpoint | None = None,
) -> Verification:
    """Verify the ledger fully, or incrementally from ``since``.

    ``trusted`` maps the trusted public keys to why they are trusted (None: any key the
    ledger registers is accepted, which proves nothing against someone who can write the
    database); anchors signed by a trusted key add the keys they list. With
    ``require_receipts``, a non-empty ledger without any receipt fails.
    """
    inputs = Inputs(tuple(receipts), trusted, tuple(anchors), require_receipts)
    with snapshot(engine) as session:
        head = read_head(session)
        if head is None:
            return Verification(0, GENESIS, len(receipts), "the ledger head row is missing")
        keys, distrust = _trust(inputs)
        walk = _Walk(head, keys)
        for receipt in inputs.receipts:
            walk.receipts.setdefault(receipt.count, []).append(receipt)
        for anchor in inputs.anchors:
            walk.anchors.setdefault(anchor.seq, []).append(anchor)
        early = _outside_ledgers(head, inputs) or distrust
        problem = (early, None) if early else _run(session, walk, inputs, since)
    return _outcome(walk, inputs, since, problem)
