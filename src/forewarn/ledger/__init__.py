"""The tamper-evident ledger: an append-only, SHA-256 hash-chained, Ed25519-signed record of
what happened.

Every stage writes to it (alerts raised, assessments recorded, actions opened, decided and
escalated, notifications delivered), so it sits below all of them and below the store: it
depends on nothing of forewarn's but the error classes and the shared declarative base.
``docs/ledger.md`` explains the threat model and how an outside party verifies an export.

* :mod:`.chain` — canonical JSON, entry hashes, linking and signing (no database);
* :mod:`.keys` — installation keys, the key an engine signs with, trusted keys;
* :mod:`.book` — transactions, appending, the head row, export;
* :mod:`.checking` — full and incremental verification;
* :mod:`.receipts`, :mod:`.anchors`, :mod:`.checkpoints` — what is kept outside the database.
"""

from __future__ import annotations

from forewarn.ledger.anchors import Anchor, make_anchor, read_anchor
from forewarn.ledger.book import (
    HEAD_ID,
    KEY_REGISTERED,
    Head,
    RegisteredKey,
    append,
    append_many,
    entries_about,
    export,
    export_lines,
    has_entry,
    read_head,
    registered_keys,
    retrying,
    snapshot,
    write_transaction,
)
from forewarn.ledger.chain import GENESIS, LedgerEntry, Record, canonical, entry_hash, utc_stamp
from forewarn.ledger.checking import Checkpoint, Verification, verify
from forewarn.ledger.checkpoints import checkpoint_path, read_checkpoint, write_checkpoint
from forewarn.ledger.keys import (
    KeyFile,
    Signer,
    installation_key,
    key_path,
    read_trusted,
    sign_with,
    trust_roots,
)
from forewarn.ledger.receipts import (
    Receipt,
    read_receipts,
    receipts_path,
    record_receipt,
    start_receipts,
)

__all__ = [
    "GENESIS",
    "HEAD_ID",
    "KEY_REGISTERED",
    "Anchor",
    "Checkpoint",
    "Head",
    "KeyFile",
    "LedgerEntry",
    "Receipt",
    "Record",
    "RegisteredKey",
    "Signer",
    "Verification",
    "append",
    "append_many",
    "canonical",
    "checkpoint_path",
    "entries_about",
    "entry_hash",
    "export",
    "export_lines",
    "has_entry",
    "installation_key",
    "key_path",
    "make_anchor",
    "read_anchor",
    "read_checkpoint",
    "read_head",
    "read_receipts",
    "read_trusted",
    "receipts_path",
    "record_receipt",
    "registered_keys",
    "retrying",
    "sign_with",
    "snapshot",
    "start_receipts",
    "trust_roots",
    "utc_stamp",
    "verify",
    "write_checkpoint",
    "write_transaction",
]
