"""Webhook signatures: ``Forewarn-Signature: t=<unix time>,v1=<hex HMAC-SHA256>``.

The HMAC is computed with the subscription's secret over ``<t>.`` followed by the exact bytes
of the request body, so a receiver can check both that the body came from forewarn and that
it is recent (refuse a ``t`` older than a few minutes to stop replays). docs/notifications.md
gives a receiver's check in a few lines of the standard library.
"""

from __future__ import annotations

import hashlib
import hmac

HEADER = "Forewarn-Signature"
TOLERANCE = 300
"""Seconds a receiver should accept between the signature's time and its own clock."""


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``<timestamp>.<body>`` under ``secret``."""
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def header(secret: str, timestamp: int, body: bytes) -> str:
    """The value of the ``Forewarn-Signature`` header."""
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(secret: str, value: str, body: bytes, now: float, tolerance: int = TOLERANCE) -> bool:
    """Whether ``value`` (a ``Forewarn-Signature`` header) signs ``body`` and is recent."""
    fields = dict(part.split("=", 1) for part in value.split(",") if "=" in part)
    try:
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), fields.get("v1", ""))
