"""Receipts of the ledger's head, kept in a file outside the database.

After each commit that appends, the head (ledger id, entry count, newest hash) is appended
to a receipts file, so that deleting or rewriting the newest entries inside the database is
detected by comparing with what was seen before.

The file is started while the ledger is still empty (:func:`start_receipts`, when the
database is opened). A receipts file that is missing for a non-empty ledger is not silently
started again by the next command that appends: that would make a history truncated or
rewritten after the file was removed look vouched for. Verification then fails until an
administrator starts a new file on purpose (``start=True``, ``forewarn ledger head
--new-receipts``).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from forewarn.errors import DataError
from forewarn.ledger.book import Head, read_head
from forewarn.ledger.chain import canonical, utc_stamp


def receipts_path(data_dir: Path, database_url: str) -> Path:
    """The receipts file for the database at ``database_url`` (one file per database)."""
    rendered = make_url(database_url).render_as_string(hide_password=True)
    key = hashlib.sha256(rendered.encode("utf-8")).hexdigest()[:16]
    return data_dir / "ledger-receipts" / f"{key}.jsonl"


@dataclass(frozen=True)
class Receipt:
    """A head seen after a commit: ``count`` entries, the newest with ``hash``."""

    ledger_id: str
    count: int
    hash: str
    at: str


def record_receipt(engine: Engine, path: Path, start: bool = False) -> Head:
    """Read the committed head and append it to the receipts file ``path``.

    The file is created only for an empty ledger, or with ``start``; otherwise a missing
    file stays missing (see the module's note) and nothing is written."""
    with Session(engine) as session:
        head = read_head(session)
    if head is None:
        raise DataError("the ledger head row is missing")
    if not (start or head.count == 0 or path.exists()):
        return head
    path.parent.mkdir(parents=True, exist_ok=True)
    line = canonical({**head.as_dict(), "at": utc_stamp()}) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode("utf-8"))
    finally:
        os.close(fd)
    return head


def start_receipts(engine: Engine, path: Path) -> None:
    """Start the receipts file ``path`` with a receipt of the empty ledger, if there is no
    file yet and the ledger is empty (called whenever a writer opens the database)."""
    if not path.exists():
        record_receipt(engine, path)


def read_receipts(path: Path) -> list[Receipt]:
    """The receipts in ``path`` (none if it does not exist); a torn last line is ignored."""
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    receipts = []
    for number, line in enumerate(lines, 1):
        try:
            data = json.loads(line)
            receipts.append(Receipt(data["ledger_id"], data["count"], data["hash"], data["at"]))
        except (ValueError, KeyError, TypeError) as exc:
            if number == len(lines):
                break
            raise DataError(f"receipts file {path}: line {number} is damaged") from exc
    return receipts
