"""The pool through HTTP: one tenant's slow queries do not stall the others, a wait for a connection
is bounded (503 + Retry-After), a statement is bounded (504, 57014), and no request leaves session
state on its connection.

The slow tenant is real: `sloth`'s `things` is a view that sleeps (`pg_sleep`) before answering.
Each test starts its own app with a small pool; the load stays small (the machine has 2 cores).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from tenantgrid.app import create_app
from tenantgrid.db.engine import create_engine
from tenantgrid.runtime import Runtime
from tenantgrid.settings import Settings
from tenantgrid.tenancy.names import quote_ident
from tenantgrid.tenancy.provision import ProvisionedTenant, create_tenant
from tests.conftest import PASSWORD

NAP_S = 1.0
"""How long each of sloth's reads sleeps in the database."""
SLOW_READ = "/rest/v1/things?select=id&limit=1"


@pytest.fixture(scope="module")
def sloth(settings: Settings, tenants: dict[str, ProvisionedTenant]) -> ProvisionedTenant:
    async def provision() -> ProvisionedTenant:
        engine = create_engine(settings.database_url or "")
        try:
            tenant = await create_tenant(engine, settings, "sloth", "sloth@example.com", PASSWORD)
            async with engine.begin() as conn:
                s = quote_ident(tenant.schema)
                driver = await conn.get_raw_connection()
                await driver.driver_connection.execute(  # type: ignore[union-attr]
                    f"ALTER TABLE {s}.things RENAME TO things_rows; "
                    f"CREATE VIEW {s}.things AS SELECT * FROM {s}.things_rows "
                    f"WHERE (SELECT true FROM pg_sleep({NAP_S}))"
                )
            return tenant
        finally:
            await engine.dispose()

    return asyncio.run(provision())


@contextmanager
def app(settings: Settings, **changes: Any) -> Iterator[TestClient]:
    with TestClient(create_app(settings.model_copy(update=changes))) as client:
        yield client


def _get(client: TestClient, tenant: ProvisionedTenant, path: str = SLOW_READ) -> httpx.Response:
    return client.get(path, headers={"apikey": tenant.secret_key})


def _stats(client: TestClient) -> Any:
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    return runtime.pools.pool.stats()


def _until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the load to start"
        time.sleep(0.005)


def _timed(call: Callable[[], httpx.Response]) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_a_slow_tenant_cannot_starve_the_others(
    settings: Settings, sloth: ProvisionedTenant, alpha: ProvisionedTenant, beta: ProvisionedTenant
) -> None:
    """Six concurrent slow reads on a pool of four: sloth holds at most half the pool, its other
    reads queue, and alpha's and beta's reads answer at once, not after sloth's."""
    with app(settings, pool_size=4, pool_timeout=5.0) as client, ThreadPoolExecutor(6) as threads:
        for tenant in (alpha, beta):  # their keys are looked up (and cached) before the load
            assert _get(client, tenant).status_code == 200
        slow: list[Future[httpx.Response]] = [threads.submit(_get, client, sloth) for _ in range(6)]
        _until(lambda: _stats(client).in_use + _stats(client).waiting == 6)  # all six arrived
        others = [_timed(lambda t=t: _get(client, t)) for t in (alpha, beta, alpha, beta)]
        during = _stats(client)
        answers = [future.result(timeout=15) for future in slow]
    assert [response.status_code for response, _ in others] == [200] * 4
    assert max(seconds for _, seconds in others) < NAP_S / 2
    assert during.in_use <= 3 and during.waiting >= 2  # sloth's reads were still queued meanwhile
    assert [response.status_code for response in answers] == [200] * 6  # each got its turn


def test_a_tenant_past_its_limit_waits_a_bounded_time_then_gets_503(
    settings: Settings, sloth: ProvisionedTenant
) -> None:
    with app(settings, pool_size=2, pool_timeout=0.2) as client, ThreadPoolExecutor(1) as threads:
        assert _get(client, sloth, "/rest/v1/fields?limit=1").status_code == 200  # key cached
        holding = threads.submit(_get, client, sloth)
        _until(lambda: _stats(client).in_use == 1)
        refused, seconds = _timed(lambda: _get(client, sloth))  # its limit: half of 2 connections
        assert holding.result(timeout=10).status_code == 200
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "1"
    assert refused.json() == {
        "code": "PGRST003",
        "message": "Timed out acquiring connection from connection pool.",
        "details": "this tenant's 1 concurrent connections stayed busy for 0.2 s",
        "hint": None,
    }
    assert 0.15 < seconds < NAP_S


def test_a_full_pool_answers_503_with_retry_after_within_the_pool_timeout(
    settings: Settings, sloth: ProvisionedTenant, alpha: ProvisionedTenant
) -> None:
    with (
        app(settings, pool_size=2, pool_timeout=0.2, pool_tenant_limit=2) as client,
        ThreadPoolExecutor(2) as threads,
    ):
        for tenant in (alpha, sloth):
            assert _get(client, tenant, "/rest/v1/fields?limit=1").status_code == 200
        holding = [threads.submit(_get, client, sloth) for _ in range(2)]
        _until(lambda: _stats(client).in_use == 2)
        refused, seconds = _timed(lambda: _get(client, alpha, "/rest/v1/fields?limit=1"))
        assert [future.result(timeout=10).status_code for future in holding] == [200, 200]
        after = _get(client, alpha, "/rest/v1/fields?limit=1")
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "1"
    assert refused.json()["code"] == "PGRST003"
    assert refused.json()["details"] == "all 2 connections stayed busy for 0.2 s"
    assert 0.15 < seconds < NAP_S
    assert after.status_code == 200


@pytest.mark.parametrize("statement_cache_size", [1024, 0], ids=["server-side", "client-side"])
def test_a_statement_past_the_statement_timeout_answers_504(
    settings: Settings, sloth: ProvisionedTenant, alpha: ProvisionedTenant, statement_cache_size: int
) -> None:
    """With a statement cache Postgres cancels it (a startup parameter); behind a transaction pooler
    (no cache, no startup parameters) asyncpg's timeout does. The answer is the same."""
    with app(
        settings, pool_size=1, statement_timeout=0.3, statement_cache_size=statement_cache_size
    ) as client:
        cancelled, seconds = _timed(lambda: _get(client, sloth))
        after = _get(client, alpha, "/rest/v1/fields?limit=1")  # the one connection works on
    assert cancelled.status_code == 504
    assert cancelled.json() == {
        "code": "57014",
        "message": "canceling statement due to statement timeout",
        "details": None,
        "hint": None,
    }
    assert seconds < NAP_S
    assert after.status_code == 200


def test_no_request_leaves_session_state_for_the_next_tenant(
    settings: Settings, sloth: ProvisionedTenant, alpha: ProvisionedTenant
) -> None:
    """On a pool of one connection, after reads, a rolled-back write, a failed request, a sign-in
    and a cancelled statement, the connection has no session-level setting and no transaction."""
    with app(settings, pool_size=1, statement_timeout=0.3) as client:
        runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
        key = {"apikey": alpha.secret_key}
        assert client.get("/rest/v1/things?limit=1", headers=key).status_code == 200
        written = client.post(
            "/rest/v1/things", headers={**key, "Prefer": "tx=rollback"}, json={"name": "never kept"}
        )
        assert written.status_code == 201, written.text
        assert client.get("/rest/v1/things?nope=eq.1", headers=key).status_code == 400
        signed_in = client.post(
            "/auth/v1/token?grant_type=password",
            headers={"apikey": alpha.publishable_key},
            json={"email": alpha.email, "password": PASSWORD},
        )
        assert signed_in.status_code == 200
        assert _get(client, sloth).status_code == 504

        async def state() -> tuple[list[str], bool]:
            async with runtime.pools.pool.for_key("next_tenant").acquire() as connection:
                names = await connection.fetchval(
                    "SELECT coalesce(array_agg(name ORDER BY name), '{}') FROM pg_settings "
                    "WHERE source = 'session'"
                )
                return names, connection.is_in_transaction()

        assert client.portal is not None
        assert client.portal.call(state) == ([], False)
