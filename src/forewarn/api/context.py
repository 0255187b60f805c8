"""What the API builds once at start-up and every request shares."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from forewarn.api.security import Cookies, Passwords
from forewarn.config import Settings
from forewarn.response import ledger
from forewarn.response.ladder import Ladder

T = TypeVar("T")


@dataclass
class ApiContext:
    """Settings, engine, ladder, secrets and lazily loaded read-only data, per app."""

    settings: Settings
    engine: Engine
    ladder: Ladder
    cookies: Cookies
    passwords: Passwords
    _cache: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def receipts(self) -> Path:
        """The ledger receipts file of this database (as the CLI keeps it)."""
        return ledger.receipts_path(self.settings.data_dir, self.settings.resolved_database_url())

    def cached(self, name: str, load: Callable[[], T]) -> T:
        """``load()`` once per app (e.g. the veto record); later calls share the result."""
        with self._lock:
            if name not in self._cache:
                self._cache[name] = load()
            value: T = self._cache[name]
            return value

    def write(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in a ledger write transaction (retried on conflicts), then a receipt."""
        result = ledger.retrying(self.engine, work)
        ledger.record_receipt(self.engine, self.receipts)
        return result


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
