"""Prometheus metrics: requests, their durations, the pool, statement timeouts, auth failures.

Label values come from bounded sets only: the API (from the path's prefix), the matched route's
template (`/rest/v1/{table}`, never the raw path; anything unrouted is `unmatched`), a known method
and the status. Tenant names are a label only when `TENANTGRID_METRICS_TENANT_LABELS` asks for it.

With several worker processes (`tenantgrid serve --workers N`) every process writes its values to
files in `PROMETHEUS_MULTIPROC_DIR` and a scrape, whichever worker answers it, sums them all.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from fastapi import FastAPI
from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
    multiprocess,
)
from starlette.requests import Request
from starlette.responses import Response

from tenantgrid.db.pool import Pools

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
"""What `generate_latest` writes: the classic text format every Prometheus reads."""
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED = "unmatched"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
STATEMENT_TIMEOUT = "57014"
AUTH_FAILURE_STATUSES = frozenset({401, 403})
DURATION_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
GAUGE_REFRESH_S = 1.0
"""With several processes, how often each writes its pool gauges (a scrape reads the files)."""


def api_of(path: str) -> str:
    if path.startswith("/rest/"):
        return "postgrest"
    if path.startswith("/auth/"):
        return "auth"
    return "server"


def multiprocess_mode() -> bool:
    return MULTIPROCESS_DIR in os.environ


class Metrics:
    """One app's metrics. Label children are cached, so a request costs dict lookups and `inc`s."""

    def __init__(self, *, tenant_labels: bool = False) -> None:
        self.multiprocess = multiprocess_mode()
        self.tenant_labels = tenant_labels
        # With several processes the values live in files; a scrape collects them through its own
        # registry, so nothing is registered here.
        self.registry: CollectorRegistry | None = None if self.multiprocess else CollectorRegistry()
        if self.registry is not None:
            ProcessCollector(registry=self.registry)
            PlatformCollector(registry=self.registry)
            GCCollector(registry=self.registry)
        tenant = ("tenant",) if tenant_labels else ()
        registry = self.registry
        self.requests = Counter(
            "tenantgrid_http_requests",
            "HTTP requests answered, by API, route template, method and status.",
            ("api", "route", "method", "status", *tenant),
            registry=registry,
        )
        self.duration = Histogram(
            "tenantgrid_http_request_duration_seconds",
            "Time from receiving a request to the end of its response.",
            ("api", "route", "method"),
            buckets=DURATION_BUCKETS,
            registry=registry,
        )
        self.statement_timeouts = Counter(
            "tenantgrid_statement_timeouts",
            "Statements cancelled by the statement timeout (answered 504, code 57014).",
            ("api", *tenant),
            registry=registry,
        )
        self.auth_failures = Counter(
            "tenantgrid_auth_failures",
            "Requests refused as unauthenticated (401) or not permitted (403).",
            ("api", "status"),
            registry=registry,
        )
        self.pool_size = Gauge(
            "tenantgrid_pool_size",
            "Connections the pool may open.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.pool_open = Gauge(
            "tenantgrid_pool_open_connections",
            "Connections the pool has open.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.pool_in_use = Gauge(
            "tenantgrid_pool_in_use_connections",
            "Connections lent to a request right now.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.pool_waiting = Gauge(
            "tenantgrid_pool_waiting_requests",
            "Requests waiting for a connection right now.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self._request_children: dict[tuple[str, ...], Any] = {}
        self._duration_children: dict[tuple[str, str, str], Any] = {}

    def observe(
        self,
        path: str,
        route: str | None,
        method: str,
        status: int,
        seconds: float,
        tenant: str | None,
        error_code: str | None,
    ) -> None:
        api = api_of(path)
        route = route or UNMATCHED
        if method not in METHODS:
            method = "other"
        key: tuple[str, ...] = (api, route, method, str(status))
        if self.tenant_labels:
            key = (*key, tenant or "")
        child = self._request_children.get(key)
        if child is None:
            child = self._request_children[key] = self.requests.labels(*key)
        child.inc()
        duration_key = (api, route, method)
        timer = self._duration_children.get(duration_key)
        if timer is None:
            timer = self._duration_children[duration_key] = self.duration.labels(*duration_key)
        timer.observe(seconds)
        if error_code == STATEMENT_TIMEOUT:
            self.statement_timeouts.labels(api, *((tenant or "",) if self.tenant_labels else ())).inc()
        if status in AUTH_FAILURE_STATUSES:
            self.auth_failures.labels(api, str(status)).inc()

    def refresh_pool(self, pools: Pools | None) -> None:
        if pools is None:
            return
        stats = pools.pool.stats()
        self.pool_size.set(stats.size)
        self.pool_open.set(stats.open)
        self.pool_in_use.set(stats.in_use)
        self.pool_waiting.set(stats.waiting)

    async def refresh_pool_forever(self, pools: Pools) -> None:
        """With several processes: keep this one's pool gauges current for whichever worker scrapes."""
        while True:
            self.refresh_pool(pools)
            await asyncio.sleep(GAUGE_REFRESH_S)

    def exposition(self, pools: Pools | None) -> bytes:
        self.refresh_pool(pools)
        if self.registry is not None:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)

    def process_exited(self) -> None:
        """Drop this process's gauges from the sums (its counters stay counted)."""
        if self.multiprocess:
            multiprocess.mark_process_dead(os.getpid())


def mount_metrics(app: FastAPI, metrics: Metrics) -> None:
    async def scrape(request: Request) -> Response:
        runtime = getattr(request.app.state, "runtime", None)
        return Response(
            metrics.exposition(None if runtime is None else runtime.pools), media_type=CONTENT_TYPE
        )

    for method in ("GET", "HEAD"):
        app.add_api_route(
            "/metrics",
            scrape,
            methods=[method],
            tags=["server"],
            summary="Prometheus metrics (text exposition format)",
            response_class=Response,
            responses={200: {"content": {CONTENT_TYPE: {}}, "description": "The Prometheus text format"}},
            operation_id=f"metrics_{method.lower()}",
        )
