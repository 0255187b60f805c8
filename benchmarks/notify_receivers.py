"""The benchmark's receivers, in a process of their own: an SMTP server (aiosmtpd) and an
HTTP webhook receiver (aiohttp), both on 127.0.0.1, writing one line per message received
(``mail|hook <notification id> <unix time>``) to a log file.

    python benchmarks/notify_receivers.py SMTP_PORT HTTP_PORT LOG
"""

from __future__ import annotations

import asyncio
import email
import json
import sys
import time
from typing import Any, TextIO

from aiohttp import web
from aiosmtpd.controller import Controller


class Mail:
    def __init__(self, log: TextIO) -> None:
        self.log = log

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content)
        uid = message.get("X-Forewarn-Notification", "-")
        self.log.write(f"mail {uid} {time.time():.6f}\n")
        self.log.flush()
        return "250 OK"


async def main(smtp_port: int, http_port: int, path: str) -> None:
    log = open(path, "a", encoding="utf-8")  # noqa: SIM115
    controller = Controller(Mail(log), hostname="127.0.0.1", port=smtp_port)
    controller.start()

    async def hook(request: web.Request) -> web.Response:
        body = await request.read()
        uid = json.loads(body).get("id", "-") if body.startswith(b"{") else "-"
        log.write(f"hook {uid} {time.time():.6f}\n")
        log.flush()
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", http_port).start()
    print("ready", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        controller.stop()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]))
