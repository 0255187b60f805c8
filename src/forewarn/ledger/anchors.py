"""Anchors: signed statements of the ledger's head, to publish outside the system.

An anchor says "ledger L held N entries, the newest with hash H, at time T", lists the keys
its maker trusts, and is signed with its maker's installation key. Published where the
database's writers cannot reach (a mailing list, a website, a registered letter), it lets
anyone later check that the first N entries were not rewritten or removed, and that the
entries after them are signed by trusted keys.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from forewarn.errors import DataError
from forewarn.ledger.book import Head
from forewarn.ledger.chain import canonical, utc_stamp
from forewarn.ledger.keys import HEX_KEY, Signer, signature_ok

STATEMENT = "forewarn ledger anchor"
FIELDS = {"statement", "ledger_id", "seq", "hash", "at", "key", "keys", "sig"}


@dataclass(frozen=True)
class Anchor:
    """A signed statement of a ledger head."""

    ledger_id: str
    seq: int
    hash: str
    at: str
    key: str
    keys: tuple[str, ...]
    sig: str

    def statement(self) -> dict[str, Any]:
        """What is signed: every field but ``sig``."""
        return {
            "statement": STATEMENT,
            "ledger_id": self.ledger_id,
            "seq": self.seq,
            "hash": self.hash,
            "at": self.at,
            "key": self.key,
            "keys": list(self.keys),
        }

    def signed(self) -> bool:
        """Whether ``sig`` is the signature of the statement by ``key``."""
        message = canonical(self.statement()).encode("utf-8")
        return signature_ok(self.key, self.sig, message)

    def text(self) -> str:
        """The anchor as published: indented JSON, signature included."""
        return json.dumps({**self.statement(), "sig": self.sig}, indent=2, sort_keys=True) + "\n"


def make_anchor(head: Head, signer: Signer, trusted: Mapping[str, str]) -> Anchor:
    """An anchor of ``head`` signed by ``signer``, listing the ``trusted`` keys."""
    keys = tuple(sorted({*trusted, signer.public}))
    draft = Anchor(head.ledger_id, head.count, head.hash, utc_stamp(), signer.public, keys, "")
    signature = signer.sign(canonical(draft.statement()).encode("utf-8"))
    return Anchor(**{**draft.__dict__, "sig": signature})


def _field(path: Path, data: Mapping[str, Any], name: str, kind: type) -> Any:
    value = data.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise DataError(f"anchor {path}: field {name!r} is missing or not a {kind.__name__}")
    return value


def read_anchor(path: Path) -> Anchor:
    """The anchor in ``path``; DataError naming the file and field when it is malformed."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DataError(f"anchor {path}: cannot be read ({exc.strerror})") from None
    except ValueError:
        raise DataError(f"anchor {path}: not JSON") from None
    if not isinstance(data, dict) or data.get("statement") != STATEMENT:
        raise DataError(f"anchor {path}: not a forewarn ledger anchor")
    unknown = sorted(set(data) - FIELDS)
    if unknown:
        raise DataError(f"anchor {path}: unknown field {unknown[0]!r}")
    keys = _field(path, data, "keys", list)
    if not all(isinstance(k, str) and HEX_KEY.fullmatch(k) for k in keys):
        raise DataError(f"anchor {path}: field 'keys' must list public keys (64 hex)")
    texts = {n: _field(path, data, n, str) for n in ("ledger_id", "hash", "at", "key", "sig")}
    return Anchor(seq=_field(path, data, "seq", int), keys=tuple(keys), **texts)
