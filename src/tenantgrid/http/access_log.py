"""One log line per request: method, path, status, milliseconds, tenant. A pure ASGI middleware."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("tenantgrid.access")


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            if log.isEnabledFor(logging.INFO):
                tenant = scope.get("state", {}).get("tenant", "-")
                elapsed = (time.perf_counter() - started) * 1000
                log.info("%s %s %d %.1fms tenant=%s", scope["method"], scope["path"], status, elapsed, tenant)
