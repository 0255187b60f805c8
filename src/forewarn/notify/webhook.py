"""Webhooks: a JSON body, a ``Forewarn-Signature`` header, the notification's id as the
idempotency key; several deliveries at once over one pooled HTTP client.

The body is the same bytes on every attempt (canonical JSON of the notification), so a
receiver can deduplicate on ``id`` (also sent as ``Idempotency-Key``); each attempt is signed
anew with its own timestamp. A 2xx answer is a delivery; 408, 425, 429, 5xx and network
failures are retried with back-off; other answers (4xx, redirects, which are not followed)
fail for good, since repeating the same request would get the same answer.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx

import forewarn
from forewarn.notify.signing import HEADER, header
from forewarn.notify.smtp import DEFERRED, DELIVERED, FAILED, Outcome

RETRYABLE = frozenset({408, 425, 429})
CONCURRENCY = 8


@dataclass(frozen=True)
class Post:
    """One webhook delivery: where, with which secret, and what."""

    uid: str
    url: str
    secret: str
    event: str
    body: bytes
    attempt: int


def body(uid: str, event: str, created_at: str, payload: Mapping[str, Any]) -> bytes:
    """The JSON body of a notification (canonical: the same bytes on every attempt)."""
    document = {"id": uid, "event": event, "created_at": created_at, "data": dict(payload)}
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def headers(post: Post, now: float | None = None) -> dict[str, str]:
    """The request headers, with a fresh signature."""
    return {
        "Content-Type": "application/json",
        HEADER: header(post.secret, int(now if now is not None else time.time()), post.body),
        "Forewarn-Notification-Id": post.uid,
        "Idempotency-Key": post.uid,
        "Forewarn-Event": post.event,
        "Forewarn-Attempt": str(post.attempt),
        "User-Agent": f"forewarn/{forewarn.__version__}",
    }


def outcome(status: int) -> Outcome:
    """What an HTTP status means for the delivery."""
    if 200 <= status < 300:
        return Outcome(DELIVERED, detail={"http_status": status})
    problem = f"the receiver answered HTTP {status}"
    if status in RETRYABLE or status >= 500:
        return Outcome(DEFERRED, problem, {"http_status": status})
    return Outcome(FAILED, problem, {"http_status": status})


def send(client: httpx.Client, post: Post) -> Outcome:
    """Deliver one webhook."""
    try:
        response = client.post(post.url, content=post.body, headers=headers(post))
    except httpx.HTTPError as exc:
        return Outcome(DEFERRED, f"cannot reach the receiver: {type(exc).__name__}: {exc}"[:300])
    return outcome(response.status_code)


def client(timeout: float) -> httpx.Client:
    """A pooled client that never follows redirects."""
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    return httpx.Client(timeout=timeout, follow_redirects=False, limits=limits)


def send_all(
    posts: Sequence[Post], timeout: float, http: httpx.Client | None = None
) -> list[Outcome]:
    """Deliver ``posts``, several at once; one outcome each, in order."""
    if not posts:
        return []
    own = http is None
    pool = http or client(timeout)
    try:
        with ThreadPoolExecutor(max_workers=min(CONCURRENCY, len(posts))) as executor:
            return list(executor.map(lambda p: send(pool, p), posts))
    finally:
        if own:
            pool.close()
