"""Limits on costly requests: a per-user rate and one costly request at a time.

Full ledger verifications and ledger exports read the whole ledger; each user may start
``api_costly_per_minute`` of them a minute, and only one runs at a time in the app (the
others are answered 429 with ``Retry-After``), so viewers cannot crowd out the readers.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from forewarn.api.errors import TooManyAttempts


class TooManyRequests(TooManyAttempts):
    """A costly request refused for now (429 with ``Retry-After``)."""


@dataclass
class Costly:
    """Who started a costly request when, and whether one is running."""

    per_minute: int
    _started: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _slot: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(1))

    def admit(self, user: str, what: str) -> None:
        """Count a costly request by ``user``; 429 when over the rate or one is running."""
        now = time.monotonic()
        with self._lock:
            times = self._started.setdefault(user, deque())
            while times and now - times[0] >= 60:
                times.popleft()
            if len(times) >= self.per_minute:
                wait = math.ceil(60 - (now - times[0]))
                raise TooManyRequests(
                    f"{what}: at most {self.per_minute} a minute per user; try again later",
                    max(wait, 1),
                )
            if not self._slot.acquire(blocking=False):
                raise TooManyRequests(f"{what}: another one is running; try again shortly", 5)
            times.append(now)

    def release(self) -> None:
        """The costly request admitted last has ended."""
        self._slot.release()
