"""The tamper-evident ledger: an append-only, SHA-256 hash-chained record of what happened.

Every stage writes to it (alerts raised, assessments recorded, actions opened, decided and
escalated, notifications delivered), so it sits below all of them and below the store: it
depends on nothing of forewarn's but the error classes and the shared declarative base.
``docs/ledger.md`` explains the threat model and how an outside party verifies an export.

* :mod:`.chain` — canonical JSON, entry hashes, linking (no database);
* :mod:`.book` — transactions, appending, the head row, verification and export;
* :mod:`.receipts` — receipts of the head kept in a file outside the database.
"""

from __future__ import annotations

from forewarn.ledger.book import (
    HEAD_ID,
    Head,
    Verification,
    append,
    append_many,
    entries_about,
    export,
    has_entry,
    read_head,
    retrying,
    snapshot,
    verify,
    write_transaction,
)
from forewarn.ledger.chain import GENESIS, LedgerEntry, Record, canonical, entry_hash, utc_stamp
from forewarn.ledger.receipts import Receipt, read_receipts, receipts_path, record_receipt

__all__ = [
    "GENESIS",
    "HEAD_ID",
    "Head",
    "LedgerEntry",
    "Receipt",
    "Record",
    "Verification",
    "append",
    "append_many",
    "canonical",
    "entries_about",
    "entry_hash",
    "export",
    "has_entry",
    "read_head",
    "read_receipts",
    "receipts_path",
    "record_receipt",
    "retrying",
    "snapshot",
    "utc_stamp",
    "verify",
    "write_transaction",
]
