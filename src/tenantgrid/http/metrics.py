"""Prometheus metrics: requests, their durations, the pool, statement timeouts, auth failures.

Label values come from bounded sets only: the API (from the path's prefix), the matched route's
template (`/rest/v1/{table}`, never the raw path; anything unrouted is `unmatched`), a known method
and the status. Tenant names are a label only when `TENANTGRID_METRICS_TENANT_LABELS` asks for it.

With several worker processes (`tenantgrid serve --workers N`) every process writes its values to
files in `PROMETHEUS_MULTIPROC_DIR` once a second (and when it stops), and a scrape, whichever worker
answers it, sums them all: the other workers' last second may not be in it yet.
"""

from __future__ import annotations

import asyncio
import os
from bisect import bisect_left
from collections.abc import Iterator
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
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
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


class Tally:
    """This process's request figures as plain dicts: a request costs a few dict updates and no lock.

    prometheus_client's own counters take a lock per `inc` and walk every bucket per `observe`, and in
    multi-process mode write each value to a memory-mapped file: 3-6 us a request, on the hot path.
    Here the figures are only read out at a scrape (one process) or once a second (several).
    """

    def __init__(self) -> None:
        self.requests: dict[tuple[str, ...], int] = {}
        self.durations: dict[tuple[str, str, str], list[float]] = {}
        """Per label set: one count per bucket (the last is +Inf, not cumulative), then the sum."""
        self.statement_timeouts: dict[tuple[str, ...], int] = {}
        self.auth_failures: dict[tuple[str, str], int] = {}

    def duration(self, key: tuple[str, str, str], seconds: float) -> None:
        counts = self.durations.get(key)
        if counts is None:
            counts = self.durations[key] = [0.0] * (len(DURATION_BUCKETS) + 2)
        counts[bisect_left(DURATION_BUCKETS, seconds)] += 1
        counts[-1] += seconds


def _cumulative(counts: list[float]) -> list[tuple[str, float]]:
    buckets: list[tuple[str, float]] = []
    total = 0.0
    for bound, count in zip((*(str(b) for b in DURATION_BUCKETS), "+Inf"), counts, strict=False):
        total += count
        buckets.append((bound, total))
    return buckets


class _TallyCollector(Collector):
    """One process: the tally, read as Prometheus families at scrape time."""

    def __init__(self, tally: Tally, tenant_labels: bool) -> None:
        self.tally = tally
        self.tenant = ["tenant"] if tenant_labels else []

    def collect(self) -> Iterator[Metric]:
        requests = CounterMetricFamily(
            REQUESTS, REQUESTS_HELP, labels=["api", "route", "method", "status", *self.tenant]
        )
        for labels, count in list(self.tally.requests.items()):
            requests.add_metric(labels, count)
        yield requests
        duration = HistogramMetricFamily(DURATION, DURATION_HELP, labels=["api", "route", "method"])
        for labels, counts in list(self.tally.durations.items()):
            duration.add_metric(labels, _cumulative(counts), sum_value=counts[-1])
        yield duration
        timeouts = CounterMetricFamily(TIMEOUTS, TIMEOUTS_HELP, labels=["api", *self.tenant])
        for labels, count in list(self.tally.statement_timeouts.items()):
            timeouts.add_metric(labels, count)
        yield timeouts
        failures = CounterMetricFamily(AUTH_FAILURES, AUTH_FAILURES_HELP, labels=["api", "status"])
        for labels, count in list(self.tally.auth_failures.items()):
            failures.add_metric(labels, count)
        yield failures


class _FileWriter:
    """Several processes: the tally's growth since the last flush, added to prometheus_client's
    multi-process metrics (whose values live in files that a scrape in any worker sums)."""

    def __init__(self, tally: Tally, tenant_labels: bool) -> None:
        self.tally = tally
        tenant = ("tenant",) if tenant_labels else ()
        self.requests = Counter(REQUESTS, REQUESTS_HELP, ("api", "route", "method", "status", *tenant))
        self.duration = Histogram(
            DURATION, DURATION_HELP, ("api", "route", "method"), buckets=DURATION_BUCKETS
        )
        self.statement_timeouts = Counter(TIMEOUTS, TIMEOUTS_HELP, ("api", *tenant))
        self.auth_failures = Counter(AUTH_FAILURES, AUTH_FAILURES_HELP, ("api", "status"))
        self._flushed: dict[tuple[str, tuple[str, ...]], Any] = {}

    def flush(self) -> None:
        for metric, name, values in (
            (self.requests, "requests", self.tally.requests),
            (self.statement_timeouts, "timeouts", self.tally.statement_timeouts),
            (self.auth_failures, "failures", self.tally.auth_failures),
        ):
            for labels, count in list(values.items()):
                before = self._flushed.get((name, labels), 0)
                if count > before:
                    metric.labels(*labels).inc(count - before)
                    self._flushed[(name, labels)] = count
        for labels, counts in list(self.tally.durations.items()):
            before = self._flushed.get(("duration", labels)) or [0.0] * len(counts)
            if counts[-1] == before[-1] and counts[:-1] == before[:-1]:
                continue
            child = self.duration.labels(*labels)
            # prometheus_client has no public call that adds n observations to a bucket at once;
            # its child keeps one value per bucket (not cumulative) and one for the sum.
            for i, (now, then) in enumerate(zip(counts[:-1], before[:-1], strict=True)):
                if now > then:
                    child._buckets[i].inc(now - then)
            child._sum.inc(counts[-1] - before[-1])
            self._flushed[("duration", labels)] = list(counts)


REQUESTS = "tenantgrid_http_requests"
REQUESTS_HELP = "HTTP requests answered, by API, route template, method and status."
DURATION = "tenantgrid_http_request_duration_seconds"
DURATION_HELP = "Time from receiving a request to the end of its response."
TIMEOUTS = "tenantgrid_statement_timeouts"
TIMEOUTS_HELP = "Statements cancelled by the statement timeout (answered 504, code 57014)."
AUTH_FAILURES = "tenantgrid_auth_failures"
AUTH_FAILURES_HELP = "Requests refused as unauthenticated (401) or not permitted (403)."
POOL_GAUGES = (
    ("size", "tenantgrid_pool_size", "Connections the pool may open."),
    ("open", "tenantgrid_pool_open_connections", "Connections the pool has open."),
    ("in_use", "tenantgrid_pool_in_use_connections", "Connections lent to a request right now."),
    ("waiting", "tenantgrid_pool_waiting_requests", "Requests waiting for a connection right now."),
)


class Metrics:
    """One app's metrics: a per-process tally on the request path, Prometheus at the scrape."""

    def __init__(self, *, tenant_labels: bool = False) -> None:
        self.multiprocess = multiprocess_mode()
        self.tenant_labels = tenant_labels
        self.tally = Tally()
        # With several processes the values live in files; a scrape collects them through its own
        # registry, so nothing is registered here.
        self.registry: CollectorRegistry | None = None
        self._writer: _FileWriter | None = None
        registry: CollectorRegistry | None = None
        if self.multiprocess:
            self._writer = _FileWriter(self.tally, tenant_labels)
        else:
            registry = self.registry = CollectorRegistry()
            ProcessCollector(registry=registry)
            PlatformCollector(registry=registry)
            GCCollector(registry=registry)
            registry.register(_TallyCollector(self.tally, tenant_labels))
        self._pool_gauges = [
            (field, Gauge(name, description, registry=registry, multiprocess_mode="livesum"))
            for field, name, description in POOL_GAUGES
        ]

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
        tally = self.tally
        api = api_of(path)
        route = route or UNMATCHED
        if method not in METHODS:
            method = "other"
        key: tuple[str, ...] = (api, route, method, str(status))
        if self.tenant_labels:
            key = (*key, tenant or "")
        tally.requests[key] = tally.requests.get(key, 0) + 1
        tally.duration((api, route, method), seconds)
        if error_code == STATEMENT_TIMEOUT:
            timeout_key = (api, tenant or "") if self.tenant_labels else (api,)
            tally.statement_timeouts[timeout_key] = tally.statement_timeouts.get(timeout_key, 0) + 1
        if status in AUTH_FAILURE_STATUSES:
            failure_key = (api, str(status))
            tally.auth_failures[failure_key] = tally.auth_failures.get(failure_key, 0) + 1

    def refresh_pool(self, pools: Pools | None) -> None:
        if pools is None:
            return
        stats = pools.pool.stats()
        for field, gauge in self._pool_gauges:
            gauge.set(getattr(stats, field))

    def flush(self) -> None:
        """Several processes: write this one's figures to the shared files."""
        if self._writer is not None:
            self._writer.flush()

    async def refresh_pool_forever(self, pools: Pools) -> None:
        """With several processes: keep this one's figures current for whichever worker scrapes."""
        while True:
            self.refresh_pool(pools)
            self.flush()
            await asyncio.sleep(GAUGE_REFRESH_S)

    def exposition(self, pools: Pools | None) -> bytes:
        self.refresh_pool(pools)
        if self.registry is not None:
            return generate_latest(self.registry)
        self.flush()
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)

    def process_exited(self) -> None:
        """Drop this process's gauges from the sums (its counters stay counted)."""
        if self.multiprocess:
            self.flush()
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
