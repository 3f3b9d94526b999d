"""A request leaves no reference cycles behind: everything it made is freed by reference counting.

Cycles are left for the cyclic collector, and at a few thousand requests a second its pauses
showed up in the benchmark's p99 (a recursive closure in `split` left 8 objects per request).
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from tenantgrid.tenancy.provision import ProvisionedTenant


def _cycles_left_by(action: Callable[[], None]) -> list[str]:
    """The types of the objects `action` left in reference cycles (kept, not freed, while looking)."""
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        action()
        gc.collect()
        return [type(o).__qualname__ for o in gc.garbage]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.collect()


def _asgi_call(
    client: TestClient, method: str, target: str, headers: dict[str, str], body: bytes = b""
) -> int:
    """One request straight into the app on the client's event loop (no test-client machinery,
    which makes cycles of its own)."""
    path, _, query = target.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("tenantgrid.test", 80),
    }
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    async def call() -> None:
        await client.app(scope, receive, send)  # type: ignore[arg-type]

    assert client.portal is not None
    client.portal.call(call)
    return statuses[0]


@pytest.mark.parametrize(
    ("method", "target", "body", "status"),
    [
        ("GET", "/rest/v1/things?select=id,name&id=gte.1&order=id&limit=2", b"", 200),
        ("GET", "/rest/v1/things?or=(id.eq.1,name.like.*a*)&tags=cs.{x}", b"", 200),
        ("POST", "/rest/v1/things", b'{"name": "cycle-free"}', 201),
        ("PATCH", "/rest/v1/things?name=eq.cycle-free", b'{"description": "d"}', 204),
        ("DELETE", "/rest/v1/things?name=eq.cycle-free", b"", 204),
        ("GET", "/rest/v1/things?id=zz.1", b"", 400),
    ],
)
def test_a_request_leaves_no_cyclic_garbage(
    client: TestClient,
    alpha: ProvisionedTenant,
    method: str,
    target: str,
    body: bytes,
    status: int,
) -> None:
    headers = {
        "apikey": alpha.secret_key,
        "content-type": "application/json",
        "prefer": "return=minimal",
    }
    for _ in range(2):  # warm: caches fill here
        assert _asgi_call(client, method, target, headers, body) == status

    def requests() -> None:
        for _ in range(10):
            assert _asgi_call(client, method, target, headers, body) == status

    left = _cycles_left_by(requests)
    assert len(left) == 0, f"{len(left)} objects in cycles: {sorted(set(left))}"
