"""The ledger's chain: canonical JSON, entry hashes, linking and signing, with no database.

Each entry is the canonical JSON (sorted keys, no whitespace, UTF-8) of
``{seq, kind, subject, payload, actor, at, prev}`` plus, for a signed entry, ``key`` (the
signer's Ed25519 public key, 64 hex); its hash is the SHA-256 of those bytes and ``prev`` is
the previous entry's hash (64 zeros for the first). A signed entry's ``sig`` is the Ed25519
signature of the 32 bytes of its hash, kept outside the hashed document.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from forewarn.ledger.keys import Signer

GENESIS = "0" * 64


def canonical(obj: Any) -> str:
    """The canonical JSON text of ``obj``: sorted keys, no whitespace, no NaN."""
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def entry_hash(document: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the UTF-8 bytes of the canonical JSON of an entry without its hash."""
    return hashlib.sha256(canonical(document).encode("utf-8")).hexdigest()


def utc_stamp(moment: dt.datetime | None = None) -> str:
    """``moment`` (default: now) as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC."""
    moment = moment or dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class LedgerEntry:
    """One ledger entry as it is hashed and exported."""

    seq: int
    kind: str
    subject: str
    payload: Mapping[str, Any]
    actor: str
    at: str
    prev: str
    hash: str
    key: str | None = None
    sig: str | None = None

    def document(self) -> dict[str, Any]:
        """The hashed part: every field but ``hash`` and ``sig`` (``key`` only when signed)."""
        document = {
            "seq": self.seq,
            "kind": self.kind,
            "subject": self.subject,
            "payload": dict(self.payload),
            "actor": self.actor,
            "at": self.at,
            "prev": self.prev,
        }
        if self.key is not None:
            document["key"] = self.key
        return document

    def line(self) -> str:
        """The entry as one canonical JSON line, hash and signature included (the export)."""
        signature = {} if self.sig is None else {"sig": self.sig}
        return canonical({**self.document(), "hash": self.hash, **signature})


@dataclass(frozen=True)
class Record:
    """What to append: ``kind`` of event, its ``subject``, the facts, and who did it."""

    kind: str
    subject: str
    payload: Mapping[str, Any]
    actor: str


def link(
    records: Sequence[Record], first: int, prev: str, signer: Signer | None = None
) -> list[LedgerEntry]:
    """Entries for ``records`` numbered from ``first``, chained after the hash ``prev``, each
    signed by ``signer`` when one is given."""
    entries = []
    for seq, record in enumerate(records, first):
        body = json.loads(canonical(dict(record.payload)))
        document = {"seq": seq, "kind": record.kind, "subject": record.subject, "payload": body}
        document.update(actor=record.actor, at=utc_stamp(), prev=prev)
        if signer is not None:
            document["key"] = signer.public
        prev = entry_hash(document)
        sig = None if signer is None else signer.sign(bytes.fromhex(prev))
        entries.append(LedgerEntry(**document, hash=prev, sig=sig))
    return entries
