"""What every request and response goes through, before any route: body limits and headers.

:class:`RequestGuard` caps request bodies before they are parsed (413): a JSON or form body
at ``settings.api_max_json_bytes``, a multipart upload at ``settings.api_max_upload_bytes``,
judged by ``Content-Length`` when it is sent and by counting otherwise. A JSON body is then
read strictly, as files are (:mod:`forewarn.inputs`): duplicate keys, ``NaN``, nesting deeper
than 64 levels and NUL characters are a 422 naming the problem, before FastAPI parses it.
A NUL byte in the path or the query string is a 422 too (no database can store it).

:class:`TrustedProxies` believes ``X-Forwarded-For`` and ``X-Forwarded-Proto`` only from the
proxies named in ``settings.trusted_proxies`` (none by default): the client address the
log-in limits count is the connection's own, unless that connection is a trusted proxy, in
which case it is the nearest address in ``X-Forwarded-For`` that is not a trusted proxy.
``forewarn serve`` turns uvicorn's own proxy handling off, which would otherwise trust any
``X-Forwarded-For`` from loopback.

:class:`SecurityHeaders` gives every response ``X-Content-Type-Options: nosniff``,
``X-Frame-Options: DENY``, a ``Referrer-Policy`` and a Content-Security-Policy: the one a
route set (pages, briefs, the API docs), else one that allows nothing (JSON needs nothing).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any
from urllib.parse import unquote_to_bytes

from forewarn.api.errors import error_response
from forewarn.config import Settings
from forewarn.errors import ConfigError, SchemaError
from forewarn.inputs import decode, parse_json

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

STRICT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DEFAULT_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "content-security-policy": STRICT_CSP,
}


class _TooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


def _size(limit: int) -> str:
    return f"{limit // 1024} KiB" if limit < 1024 * 1024 else f"{limit / 2**20:g} MiB"


async def _reply(send: Send, status: int, code: str, message: str) -> None:
    response = error_response(status, code, message)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": response.raw_headers,
        }
    )
    await send({"type": "http.response.body", "body": response.body})


class RequestGuard:
    """Caps request bodies and reads JSON bodies strictly (see the module's docstring)."""

    def __init__(self, app: App, json_limit: int, upload_limit: int) -> None:
        self.app, self.json_limit, self.upload_limit = app, json_limit, upload_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if b"\x00" in unquote_to_bytes(scope.get("query_string", b"")) or "\x00" in scope.get(
            "path", ""
        ):
            await _reply(send, 422, "validation_error", "the URL contains a NUL character")
            return
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        kind = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        limit = self.upload_limit if kind == b"multipart/form-data" else self.json_limit
        length = headers.get(b"content-length", b"").strip()
        if length and (not length.isdigit() or int(length) > limit):
            await _reply(send, 413, "payload_too_large", f"the body is larger than {_size(limit)}")
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            if kind == b"application/json" or kind.endswith(b"+json"):
                body = await _read(receive, limit)
                problem = _json_problem(body)
                if problem is not None:
                    await _reply(send, 422, "validation_error", problem)
                    return
                await self.app(scope, _replay(body, receive), tracked)
            else:
                await self.app(scope, _counting(receive, limit), tracked)
        except _TooLarge as exc:
            if started:
                raise
            await _reply(
                send, 413, "payload_too_large", f"the body is larger than {_size(exc.limit)}"
            )


async def _read(receive: Receive, limit: int) -> bytes:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _TooLarge(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again


def _counting(receive: Receive, limit: int) -> Receive:
    size = 0

    async def counted() -> Message:
        nonlocal size
        message = await receive()
        if message["type"] == "http.request":
            size += len(message.get("body", b""))
            if size > limit:
                raise _TooLarge(limit)
        return message

    return counted


def _json_problem(body: bytes) -> str | None:
    """Why a JSON body is refused, or None (an empty or plainly malformed body is left to
    FastAPI, which answers it in its own words)."""
    if not body.strip():
        return None
    try:
        parse_json(decode(body, SchemaError, "the request body"), SchemaError, "the request body")
    except SchemaError as exc:
        text = str(exc)
        return None if "invalid JSON at line" in text else text
    return None


class SecurityHeaders:
    """Adds the security headers to every response that lacks them."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [
                    (name.encode(), value.encode())
                    for name, value in DEFAULT_HEADERS.items()
                    if name.encode() not in present
                ]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_networks(settings: Settings) -> tuple[Network, ...]:
    """The networks of ``settings.trusted_proxies``; a ConfigError naming a bad entry."""
    found = []
    for entry in (e.strip() for e in settings.trusted_proxies.split(",")):
        if not entry:
            continue
        try:
            found.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ConfigError(
                f"FOREWARN_TRUSTED_PROXIES: {entry!r} is not an address or network"
            ) from None
    return tuple(found)


def _trusted(address: str, networks: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_behind(peer: str, forwarded: str, networks: Sequence[Network]) -> str:
    """The client's address: ``peer``, or when ``peer`` is a trusted proxy the right-most
    address of ``forwarded`` that is not one (proxies append; the left may be forged)."""
    if not networks or not _trusted(peer, networks):
        return peer
    for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
        if not _trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # a malformed hop: keep the proxy's own address
    return peer


class TrustedProxies:
    """Sets the request's client address and scheme from a trusted proxy's headers."""

    def __init__(self, app: App, networks: Sequence[Network]) -> None:
        self.app, self.networks = app, tuple(networks)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] in {"http", "websocket"} and self.networks and client:
            peer, port = client
            if _trusted(peer, self.networks):
                headers = {k.lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
                scope["client"] = (
                    client_behind(peer, headers.get(b"x-forwarded-for", ""), self.networks),
                    port,
                )
                proto = headers.get(b"x-forwarded-proto", "").split(",")[-1].strip().lower()
                if proto in {"http", "https"}:
                    scope["scheme"] = proto
        await self.app(scope, receive, send)
