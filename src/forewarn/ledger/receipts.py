"""Receipts of the ledger's head, kept in a file outside the database.

After each commit that appends, the head (ledger id, entry count, newest hash) is appended
to a receipts file, so that deleting or rewriting the newest entries inside the database is
detected by comparing with what was seen before.
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


def record_receipt(engine: Engine, path: Path) -> Head:
    """Read the committed head and append it to the receipts file ``path``."""
    with Session(engine) as session:
        head = read_head(session)
    if head is None:
        raise DataError("the ledger head row is missing")
    path.parent.mkdir(parents=True, exist_ok=True)
    line = canonical({**head.as_dict(), "at": utc_stamp()}) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode("utf-8"))
    finally:
        os.close(fd)
    return head


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
