"""The scenario registry: what each benchmark scenario sends, as raw HTTP/1.1 request bytes.

A scenario builds one request for one tenant; `request_set` turns a scenario into a list of
pre-built requests that rotates over every tenant (and many values of N), shared by both load
generators so wrk and the Python generator send exactly the same bytes.
"""

from __future__ import annotations

import functools
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

READ_PATH = "/rest/v1/things"
READ_QUERY = "select=id,name&id=gte.{n}&order=id&limit=10"
"""The hot read. The baseline executes the SQL tenantgrid compiles for exactly this query."""


@dataclass(slots=True)
class Tenant:
    name: str
    schema: str
    publishable_key: str
    email: str
    password: str
    token: str = ""
    """The user's access token, from POST /auth/v1/token?grant_type=password."""
    secret_key: str = ""
    """The tenant's secret key (the Gridly API takes only those)."""


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""

    def head(self, host: str) -> bytes:
        lines = [f"{self.method} {self.target} HTTP/1.1", f"Host: {host}"]
        lines += [f"{k}: {v}" for k, v in self.headers]
        if self.body or self.method in ("POST", "PATCH", "PUT"):
            lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    api: str
    description: str
    build: Callable[[Tenant, random.Random, int], Request]
    """(tenant, rng, rows per tenant) -> one request."""
    total: int = 4000
    """How many distinct requests to pre-build (at least one per tenant)."""
    baseline: bool = False
    """True when the baseline server answers this scenario too (only the read)."""
    tenants: int | None = None
    """Rotate over only the first this many tenants (None: all of them)."""


@dataclass(slots=True)
class RequestSet:
    """Pre-built requests: `heads[i] + bodies[body_of[i]]`. Bodies are shared to keep files small."""

    heads: list[bytes] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)
    body_of: list[int] = field(default_factory=list)

    def payloads(self) -> list[bytes]:
        return [h + self.bodies[b] for h, b in zip(self.heads, self.body_of, strict=True)]

    def to_json(self) -> str:
        return json.dumps(
            {
                "heads": [h.decode("latin-1") for h in self.heads],
                "bodies": [b.decode("latin-1") for b in self.bodies],
                "body_of": self.body_of,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> RequestSet:
        data = json.loads(text)
        return cls(
            [h.encode("latin-1") for h in data["heads"]],
            [b.encode("latin-1") for b in data["bodies"]],
            list(data["body_of"]),
        )


def request_set(scenario: Scenario, tenants: list[Tenant], rows: int, host: str, seed: int = 1) -> RequestSet:
    """Round-robin over all tenants (neighbouring requests hit different tenants), random N."""
    rng = random.Random(f"{scenario.name}:{seed}")
    tenants = tenants[: scenario.tenants] if scenario.tenants else tenants
    count = max(scenario.total, len(tenants))
    out = RequestSet()
    body_index: dict[bytes, int] = {}
    for i in range(count):
        request = scenario.build(tenants[i % len(tenants)], rng, rows)
        index = body_index.get(request.body)
        if index is None:
            index = body_index[request.body] = len(out.bodies)
            out.bodies.append(request.body)
        out.heads.append(request.head(host))
        out.body_of.append(index)
    return out


# -- building blocks ------------------------------------------------------------------------------


def _auth(tenant: Tenant) -> list[tuple[str, str]]:
    return [("apikey", tenant.publishable_key), ("Authorization", f"Bearer {tenant.token}")]


def _read_headers(tenant: Tenant) -> list[tuple[str, str]]:
    return [*_auth(tenant), ("Accept-Profile", tenant.schema)]


def _write_headers(tenant: Tenant) -> list[tuple[str, str]]:
    return [
        *_auth(tenant),
        ("Content-Profile", tenant.schema),
        ("Content-Type", "application/json"),
        ("Prefer", "return=minimal"),
    ]


def _thing(rng: random.Random) -> dict[str, object]:
    k = rng.randrange(1_000_000)
    return {
        "name": f"bench thing {k}",
        "description": f"Inserted by the benchmark, number {k}",
        "tags": ["bench", f"tag{k % 10}"],
        "data": {"color": ("red", "green", "blue")[k % 3], "size": k % 100},
    }


@functools.lru_cache(maxsize=16)
def _bulk_body(variant: int) -> bytes:
    rng = random.Random(f"bulk:{variant}")
    return json.dumps([_thing(rng) for _ in range(100)], separators=(",", ":")).encode()


# -- the PostgREST (seed 000) API -----------------------------------------------------------------


def _read(tenant: Tenant, rng: random.Random, rows: int) -> Request:
    target = f"{READ_PATH}?{READ_QUERY.format(n=rng.randint(1, max(rows - 10, 1)))}"
    return Request("GET", target, tuple(_read_headers(tenant)))


def _read_count(tenant: Tenant, rng: random.Random, rows: int) -> Request:
    read = _read(tenant, rng, rows)
    return Request("GET", read.target, (*read.headers, ("Prefer", "count=exact")))


def _insert_one(tenant: Tenant, rng: random.Random, rows: int) -> Request:
    body = json.dumps(_thing(rng), separators=(",", ":")).encode()
    return Request("POST", READ_PATH, tuple(_write_headers(tenant)), body)


def _insert_bulk(tenant: Tenant, rng: random.Random, rows: int) -> Request:
    return Request("POST", READ_PATH, tuple(_write_headers(tenant)), _bulk_body(rng.randrange(8)))


def _patch_by_id(tenant: Tenant, rng: random.Random, rows: int) -> Request:
    n = rng.randint(1, rows)
    body = json.dumps({"description": f"patched by the benchmark {rng.randrange(10**6)}"}).encode()
    return Request("PATCH", f"{READ_PATH}?id=eq.{n}", tuple(_write_headers(tenant)), body)


SCENARIOS: dict[str, Scenario] = {}


def register(scenario: Scenario) -> Scenario:
    SCENARIOS[scenario.name] = scenario
    return scenario


HOT_TENANTS = 10
register(
    Scenario(
        "read_10",
        "postgrest",
        f"the read over only the first {HOT_TENANTS} tenants (the same-run reference for the scale target)",
        _read,
        tenants=HOT_TENANTS,
    )
)
register(Scenario("read", "postgrest", "GET 10 things from id >= N", _read, baseline=True))
register(Scenario("read_count", "postgrest", "the read with Prefer: count=exact", _read_count))
register(Scenario("insert_one", "postgrest", "POST one thing, return=minimal", _insert_one))
register(Scenario("insert_bulk", "postgrest", "POST 100 things, return=minimal", _insert_bulk, total=400))
register(Scenario("patch_by_id", "postgrest", "PATCH things?id=eq.N a description", _patch_by_id))

# -- the CMDB (seed 001) API ----------------------------------------------------------------------
# bench/setup.py gives every tenant one type and `rows` objects (ids 1..rows, hostname host-<id>);
# the user's access token is a CMDB credential too (the tenant comes from the token).


def _cmdb_elem_match(tenant: Tenant, rng: random.Random, rows: int) -> Request:
    n = rng.randint(1, rows)
    match = {"fields": {"$elemMatch": {"name": "hostname", "value": f"host-{n}"}}}
    query = urlencode({"filter": json.dumps(match, separators=(",", ":")), "limit": 10})
    return Request("GET", f"/rest/objects/?{query}", (("Authorization", f"Bearer {tenant.token}"),))


def _cmdb_render(tenant: Tenant, rng: random.Random, rows: int) -> Request:
    return Request(
        "GET", f"/rest/objects/{rng.randint(1, rows)}", (("Authorization", f"Bearer {tenant.token}"),)
    )


register(
    Scenario(
        "cmdb_elem_match",
        "cmdb",
        "GET /rest/objects/ with an $elemMatch on a field's name and value (GIN index)",
        _cmdb_elem_match,
    )
)
register(
    Scenario("cmdb_render", "cmdb", "GET /rest/objects/N, the rendered view (object + type)", _cmdb_render)
)

# -- the Gridly (seed 004) API --------------------------------------------------------------------
# bench/setup.py gives every tenant two grids: GRIDLY_VIEW's (the first tenant's holds GRIDLY_RECORDS
# records, `amount` 1..GRIDLY_RECORDS, indexed) and GRIDLY_POST_VIEW's (empty, for the writes).
GRIDLY_VIEW = "benchview"
GRIDLY_POST_VIEW = "benchpostview"
GRIDLY_RECORDS = 100_000
GRIDLY_WINDOW = 1_000


def _gridly_headers(tenant: Tenant) -> tuple[tuple[str, str], ...]:
    return (("Authorization", f"ApiKey {tenant.secret_key}"),)


def _gridly_query_sort(tenant: Tenant, rng: random.Random, rows: int) -> Request:
    n = rng.randint(1, GRIDLY_RECORDS - GRIDLY_WINDOW)
    params = {
        "query": json.dumps({"amount": {"between": [n, n + GRIDLY_WINDOW - 1]}}, separators=(",", ":")),
        "sort": json.dumps({"amount": "desc"}, separators=(",", ":")),
    }
    return Request("GET", f"/v1/views/{GRIDLY_VIEW}/records?{urlencode(params)}", _gridly_headers(tenant))


def _gridly_post_100(tenant: Tenant, rng: random.Random, rows: int) -> Request:
    records = [
        {
            "cells": [
                {"columnId": "label", "value": f"row {i}"},
                {"columnId": "amount", "value": rng.randint(1, 10**6)},
            ]
        }
        for i in range(100)
    ]
    body = json.dumps(records, separators=(",", ":")).encode()
    headers = (*_gridly_headers(tenant), ("Content-Type", "application/json"))
    return Request("POST", f"/v1/views/{GRIDLY_POST_VIEW}/records", headers, body)


register(
    Scenario(
        "gridly_query_sort",
        "gridly",
        f"GET records of a {GRIDLY_RECORDS:,}-record grid: a number column between N and N+{GRIDLY_WINDOW - 1}, "
        "sorted on it descending, first page of 100 with X-Total-Count (the first tenant's grid)",
        _gridly_query_sort,
        tenants=1,
    )
)
register(
    Scenario(
        "gridly_post_100",
        "gridly",
        "POST 100 records (a text and a number cell each)",
        _gridly_post_100,
        total=400,
    )
)

# -- the Gainfully (seed 002) API -----------------------------------------------------------------
# bench/setup.py gives every tenant `rows` content rows (ids 1..rows) created a second apart from
# GAINFULLY_EPOCH + 1 on, so `filter__created_at__gt=GAINFULLY_EPOCH + N` matches rows - N of them.
GAINFULLY_EPOCH = 1572274684


def _gainfully_content_list(tenant: Tenant, rng: random.Random, rows: int) -> Request:
    n = rng.randint(1, max(rows - 10, 1))
    query = urlencode(
        {
            "filter__created_at__gt": GAINFULLY_EPOCH + n,
            "ordering": "-created_at",
            "fields": "id,name,created_at",
            "limit": 10,
        }
    )
    return Request("GET", f"/v1.0/content/?{query}", (("Authorization", tenant.secret_key),))


register(
    Scenario(
        "gainfully_content_list",
        "gainfully",
        "GET /v1.0/content/ with filter__created_at__gt=T, ordering=-created_at, fields=id,name,created_at, "
        "limit=10 (the count over every match, as DRF's pagination answers it)",
        _gainfully_content_list,
    )
)
