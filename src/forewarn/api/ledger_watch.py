"""The API's ledger verification: incremental on request, full in the background.

The first verification after the app starts reads the whole ledger; every later one checks
only what was appended since (:mod:`forewarn.ledger.checking` says what that catches), and
answers given within ``coalesce`` seconds of each other share one check. When the last full
verification is older than ``ledger_full_verify_hours``, the next request starts a new one in
a background thread and answers from the incremental check meanwhile. A problem found by a
full verification is reported by every answer until a later full verification passes; a
failed check is repeated at most once every ``RECHECK_FAILED`` seconds (so a broken ledger
does not make every request read it all), or at once by an administrator's full check.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from forewarn import ledger
from forewarn.api.context import ApiContext

RECHECK_FAILED = 60.0


@dataclass
class _Receipts:
    """The receipts file, read again only when it changed."""

    path: Path
    identity: tuple[int, int, int] | None = None
    receipts: list[ledger.Receipt] = field(default_factory=list)

    def read(self) -> list[ledger.Receipt]:
        try:
            info = os.stat(self.path)
        except FileNotFoundError:
            self.identity, self.receipts = None, []
            return []
        identity = (info.st_ino, info.st_size, info.st_mtime_ns)
        if identity != self.identity:
            self.receipts = ledger.read_receipts(self.path)
            self.identity = identity
        return self.receipts


@dataclass
class Watch:
    """What the app knows about its ledger between requests."""

    context: ApiContext
    coalesce: float = 1.0
    checkpoint: ledger.Checkpoint | None = None
    latest: ledger.Verification | None = None
    checked_at: float = float("-inf")
    full: ledger.Verification | None = None
    full_at: str | None = None
    full_running: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)
    receipts: _Receipts | None = None

    def _inputs(self) -> dict[str, Any]:
        settings = self.context.settings
        if self.receipts is None:
            self.receipts = _Receipts(self.context.receipts)
        files = () if settings.ledger_trusted_keys is None else (settings.ledger_trusted_keys,)
        return {
            "receipts": self.receipts.read(),
            "trusted": ledger.trust_roots(settings.data_dir, files),
            "require_receipts": True,
        }

    def _stale(self) -> bool:
        if self.full_at is None:
            return True
        at = dt.datetime.strptime(self.full_at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
        hours = self.context.settings.ledger_full_verify_hours
        return dt.datetime.now(dt.UTC) - at >= dt.timedelta(hours=hours)

    def _record_full(self, result: ledger.Verification) -> None:
        self.full, self.full_at = result, ledger.utc_stamp()
        if result.ok:
            self.checkpoint = result.checkpoint

    def verify_full(self) -> ledger.Verification:
        """Read the whole ledger now (the caller limits how often)."""
        result = ledger.verify(self.context.engine, **self._inputs())
        with self.lock:
            self._record_full(result)
            self.latest, self.checked_at = result, time.monotonic()
        return result

    def _background_full(self) -> None:
        try:
            self.verify_full()
        finally:
            self.full_running = False

    def verify(self) -> ledger.Verification:
        """The ledger checked as of now: incrementally, or fully when it never was."""
        with self.lock:
            latest, age = self.latest, time.monotonic() - self.checked_at
            wait = self.coalesce if latest is None or latest.ok else RECHECK_FAILED
            if latest is not None and age < wait:
                return latest
            if self.checkpoint is None:
                result = ledger.verify(self.context.engine, **self._inputs())
                self._record_full(result)
            else:
                since = self.checkpoint
                result = ledger.verify(self.context.engine, since=since, **self._inputs())
                self.checkpoint = result.checkpoint
                if self._stale() and not self.full_running:
                    self.full_running = True
                    threading.Thread(target=self._background_full, daemon=True).start()
            self.latest, self.checked_at = result, time.monotonic()
            return result

    def status(self, result: ledger.Verification) -> dict[str, Any]:
        """The JSON answer: this check, and the last full one (whose failure sticks)."""
        full = self.full
        failed = full is not None and not full.ok
        shown = full if failed and full is not None else result
        return {
            "ok": shown.ok,
            "checked": result.checked,
            "head_hash": result.head_hash,
            "receipts": result.receipts,
            "problem": shown.problem,
            "bad_seq": shown.bad_seq,
            "mode": "full" if result.full else "incremental",
            "new": result.walked,
            "unsigned": result.unsigned,
            "keys": list(result.keys),
            "full_check": {
                "at": self.full_at,
                "ok": None if full is None else full.ok,
                "running": self.full_running,
            },
        }


def watch(context: ApiContext) -> Watch:
    """The app's ledger watch (made on first use)."""
    return context.cached("ledger.watch", lambda: Watch(context))
