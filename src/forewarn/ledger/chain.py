"""The ledger's chain: canonical JSON, entry hashes and linking, with no database.

Each entry is the canonical JSON (sorted keys, no whitespace, UTF-8) of
``{seq, kind, subject, payload, actor, at, prev}``; its hash is the SHA-256 of those bytes and
``prev`` is the previous entry's hash (64 zeros for the first).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

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

    def document(self) -> dict[str, Any]:
        """The hashed part: every field but ``hash``."""
        return {
            "seq": self.seq,
            "kind": self.kind,
            "subject": self.subject,
            "payload": dict(self.payload),
            "actor": self.actor,
            "at": self.at,
            "prev": self.prev,
        }

    def line(self) -> str:
        """The entry as one canonical JSON line, hash included (the export format)."""
        return canonical({**self.document(), "hash": self.hash})


@dataclass(frozen=True)
class Record:
    """What to append: ``kind`` of event, its ``subject``, the facts, and who did it."""

    kind: str
    subject: str
    payload: Mapping[str, Any]
    actor: str


def link(records: Sequence[Record], first: int, prev: str) -> list[LedgerEntry]:
    """Entries for ``records`` numbered from ``first``, chained after the hash ``prev``."""
    entries = []
    for seq, record in enumerate(records, first):
        body = json.loads(canonical(dict(record.payload)))
        document = {"seq": seq, "kind": record.kind, "subject": record.subject, "payload": body}
        document.update(actor=record.actor, at=utc_stamp(), prev=prev)
        prev = entry_hash(document)
        entries.append(LedgerEntry(**document, hash=prev))
    return entries
