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

Appending keeps the file a sequence of whole lines (:func:`append_line`): writers take an
exclusive lock on it, a last line left torn (no newline: a write cut short by a full disk
or a crash) is cut off before the new line is written, and a write that fails part-way is
undone by truncating the file back to its length before it. So a torn line can only ever be
the last one, which :func:`read_receipts` forgives.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
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
    append_line(path, canonical({**head.as_dict(), "at": utc_stamp()}))
    return head


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[int]:
    """``path`` opened for reading and appending, under an exclusive lock."""
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd
    finally:
        os.close(fd)  # releases the lock


def _whole_lines(fd: int) -> int:
    """Cut off a torn last line (one without its newline); the length of what is left."""
    size = os.fstat(fd).st_size
    if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
        return size
    block = 4096
    end = size
    while end > 0:
        start = max(0, end - block)
        newline = os.pread(fd, end - start, start).rfind(b"\n")
        if newline >= 0:
            size = start + newline + 1
            break
        end = start
    else:
        size = 0
    os.ftruncate(fd, size)
    return size


def append_line(path: Path, text: str) -> None:
    """Append ``text`` and a newline to ``path`` as one whole line, or not at all.

    Under an exclusive lock: a torn last line is cut off first; a write that fails
    part-way (a full disk) is undone before the error is raised."""
    data = text.encode("utf-8") + b"\n"
    with _locked(path) as fd:
        size = _whole_lines(fd)
        try:
            written = 0
            while written < len(data):
                written += os.write(fd, data[written:])
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, size)
            raise OSError(exc.errno, exc.strerror, str(path)) from exc


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
