"""The one middleware around every request: its id, its metrics and its access log line.

A pure ASGI middleware (no BaseHTTPMiddleware: that one runs the app in another task and costs a
stream per request), the outermost one, so that every response carries `X-Request-Id`: errors,
404s and the CORS preflights the CORS middleware answers by itself.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import orjson
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tenantgrid.http.access_log import log_request
from tenantgrid.http.metrics import Metrics
from tenantgrid.http.request_context import HEADER, RequestContext, current, request_id_from

_HEADER = HEADER.encode()
_INTERNAL_ERROR = orjson.dumps(
    {"code": "PGRST000", "message": "Internal server error", "details": None, "hint": None}
)


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return value  # type: ignore[no-any-return]
    return None


class ObserveRequests:
    def __init__(
        self,
        app: ASGIApp,
        metrics: Metrics | None = None,
        log_requests: bool = True,
        routes: Sequence[BaseRoute] = (),
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.log_requests = log_requests
        self._routes = routes
        self._templates: dict[Any, str] | None = None

    def route_template(self, scope: Scope) -> str | None:
        """The matched route's path template. FastAPI's router records only its own routes in
        `scope["route"]`; a plain Starlette route (or mount) is known by the endpoint it matched."""
        route = scope.get("route")
        if route is not None:
            return route.path  # type: ignore[no-any-return]
        endpoint = scope.get("endpoint")
        if endpoint is None:
            return None
        if self._templates is None:  # the routes are complete once requests arrive
            self._templates = {}
            for candidate in self._routes:
                target = getattr(candidate, "endpoint", None) or getattr(candidate, "app", None)
                if target is not None:
                    self._templates.setdefault(target, candidate.path)  # type: ignore[attr-defined]
        return self._templates.get(endpoint)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        context = RequestContext(request_id_from(_header(scope, _HEADER)))
        token = current.set(context)
        id_header = (_HEADER, context.request_id.encode())
        status = 0
        failed = False

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), id_header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            failed = True
            if status == 0:
                # Starlette's last-resort handler would answer without the id; answer here, and
                # re-raise so that the server still logs the failure.
                await send_with_id(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [(b"content-type", b"application/json")],
                    }
                )
                await send({"type": "http.response.body", "body": _INTERNAL_ERROR})
            raise
        finally:
            seconds = time.perf_counter() - started
            tenant = scope["state"].get("tenant") if "state" in scope else None
            status = status or 500
            if self.metrics is not None:
                self.metrics.observe(
                    scope["path"],
                    self.route_template(scope),
                    scope["method"],
                    status,
                    seconds,
                    tenant,
                    context.error_code,
                )
            if self.log_requests:
                log_request(
                    scope["method"], scope["path"], status, seconds * 1000, tenant, context.request_id
                )
            if not failed:
                current.reset(token)
            # else: left set, so that the server's own "Exception in ASGI application" line, logged
            # in this request's task once it ends, carries the id too.
