"""What the API builds once at start-up and every request shares."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import orjson
from fastapi import Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from forewarn import ledger
from forewarn.api.security import Cookies, Passwords
from forewarn.config import Settings
from forewarn.response.ladder import Ladder
from forewarn.store.auth import CredentialCheck

T = TypeVar("T")


@dataclass
class ApiContext:
    """Settings, engine, ladder, secrets and lazily loaded read-only data, per app."""

    settings: Settings
    engine: Engine
    credentials: CredentialCheck
    """Checks credentials on the event loop (see api.deps) through an engine of its own
    with one connection, apart from the pool the routes' threads share, so the loop never
    waits for a connection that only the loop itself could release."""
    ladder: Ladder
    cookies: Cookies
    passwords: Passwords
    _cache: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _loading: dict[str, threading.RLock] = field(default_factory=dict)

    @property
    def receipts(self) -> Path:
        """The ledger receipts file of this database (as the CLI keeps it)."""
        return ledger.receipts_path(self.settings.data_dir, self.settings.resolved_database_url())

    def cached(self, name: str, load: Callable[[], T]) -> T:
        """``load()`` once per app (e.g. the veto record); later calls share the result.

        Each name has its own lock, so a long load (a forecast) holds up only the callers
        that need the same thing; loads may nest. A value already loaded is read without it.
        """
        if name in self._cache:
            found: T = self._cache[name]
            return found
        with self._lock:
            lock = self._loading.setdefault(name, threading.RLock())
        with lock:
            if name not in self._cache:
                self._cache[name] = load()
            value: T = self._cache[name]
            return value

    def cached_value(self, name: str) -> Any:
        """What :meth:`cached` holds under ``name``, or None when nothing is loaded yet."""
        return self._cache.get(name)

    def cached_json(self, name: str, build: Callable[[], Any]) -> Response:
        """A JSON response of ``build()``, encoded once per app and then served as bytes.

        For read-only resources that do not change while the app runs (forecasts, country
        histories, the framework): every later request skips building and encoding.
        """
        body = self.cached(
            f"json:{name}", lambda: orjson.dumps(build(), option=orjson.OPT_SERIALIZE_NUMPY)
        )
        return Response(content=body, media_type="application/json")

    async def json_response(self, name: str, build: Callable[[], Any]) -> Response:
        """:meth:`cached_json` for async routes: served from memory once encoded; the first
        request builds it in the thread pool, so the event loop never waits for a model."""
        body = self._cache.get(f"json:{name}")
        if body is None:
            return await run_in_threadpool(self.cached_json, name, build)
        return Response(content=body, media_type="application/json")

    def write(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in a ledger write transaction (retried on conflicts), then a receipt."""
        result = ledger.retrying(self.engine, work)
        ledger.record_receipt(self.engine, self.receipts)
        return result


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
