"""/live, /ready and /health: unauthenticated probes; a database that is gone answers 503 JSON, not 500.

The outage is real: the app runs on a database of its own, whose connections are then terminated
and refused (`ALLOW_CONNECTIONS false`), so the pool can neither use nor reopen one.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from concurrent.futures import Future
from urllib.parse import urlsplit

import asyncpg
import pytest
from starlette.testclient import TestClient

from tenantgrid.app import create_app
from tenantgrid.db.url import with_database
from tenantgrid.settings import Settings
from tests.conftest import throwaway_database

CHECKS_OK = {"startup": "ok", "catalog": "ok", "pool": "ok", "database": "ok", "migrations": "ok"}
READY = {"status": "ok", "checks": CHECKS_OK}


def _admin(database_url: str, *statements: str) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(with_database(database_url, "postgres"))
        try:
            for statement in statements:
                await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(run())


@pytest.fixture
def own_database(database_url: str, settings: Settings) -> Iterator[tuple[Settings, str]]:
    with throwaway_database(database_url, "tenantgrid_health") as url:
        yield settings.model_copy(update={"database_url": url}), urlsplit(url).path.lstrip("/")


@pytest.mark.parametrize("path", ["/live", "/ready", "/health"])
def test_probes_answer_without_credentials(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == ({"status": "ok"} if path == "/live" else READY)
    head = client.head(path)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["x-request-id"]


def test_database_gone_answers_503_json_and_live_stays_200(
    own_database: tuple[Settings, str], database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings, name = own_database
    # raise_server_exceptions=False: the old /health let the error escape, a 500 from the server.
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        assert client.get("/ready").json() == READY
        _admin(
            database_url,
            f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false',
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'",
        )
        try:
            with caplog.at_level(logging.WARNING, logger="tenantgrid.health"):
                for path in ("/ready", "/health"):
                    response = client.get(path, headers={"X-Request-Id": f"probe{path.replace('/', '-')}"})
                    assert response.status_code == 503, response.text
                    assert response.headers["content-type"] == "application/json"
                    assert response.json() == {
                        "status": "unavailable",
                        "checks": {
                            "startup": "ok",
                            "catalog": "ok",
                            "pool": "ok",
                            "database": "unreachable",
                            "migrations": "unknown",
                        },
                    }
                assert client.head("/ready").status_code == 503
            live = client.get("/live")
            assert (live.status_code, live.json()) == (200, {"status": "ok"})
            # The warning logged while answering carries that request's id.
            warnings = [r for r in caplog.records if r.name == "tenantgrid.health"]
            assert [r.request_id for r in warnings][:2] == ["probe-ready", "probe-health"]  # type: ignore[attr-defined]
        finally:
            _admin(database_url, f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
        # and it recovers: the pool reopens its connections
        assert client.get("/ready").json() == READY


def test_schema_behind_the_code_is_not_ready(own_database: tuple[Settings, str]) -> None:
    settings, _ = own_database
    with TestClient(create_app(settings)) as client:
        assert client.get("/ready").status_code == 200
        runtime = client.app.state.runtime  # type: ignore[attr-defined]
        assert client.portal is not None
        client.portal.call(
            runtime.pools.control.execute,
            f'UPDATE "{settings.control_schema}".alembic_version SET version_num = $1',
            "0000_an_older_revision",
        )
        response = client.get("/ready")
        assert response.status_code == 503
        assert response.json()["checks"]["migrations"] == "not at head"
        assert client.get("/live").status_code == 200


def _hold_every_connection(client: TestClient, seconds: float) -> list[Future[None]]:
    """Requests' stand-ins: each takes a connection (a key of its own, under the tenant limit), runs
    a statement on it and keeps it for `seconds`; returns once the whole pool is busy."""
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    pool = runtime.pools.pool
    assert client.portal is not None

    async def hold(key: str) -> None:
        async with pool.acquire(key) as connection:
            await connection.fetchval("SELECT 1")
            await asyncio.sleep(seconds)

    holders = [client.portal.start_task_soon(hold, f"holder{i}") for i in range(pool.size)]
    for _ in range(200):
        if client.portal.call(pool.stats).in_use == pool.size:
            return holders
        client.portal.call(asyncio.sleep, 0.01)
    raise AssertionError("the pool never saturated")


def test_a_saturated_pool_is_ready_and_says_so(own_database: tuple[Settings, str], database_url: str) -> None:
    """Every connection busy used to read as `"database": "timeout"` (503) after 2 s: the probe
    queued behind the requests. Now it runs on a connection of its own, answers at once, and says
    the pool is saturated (200: load is no reason to leave the rotation). A database that is gone
    still answers 503, saturated or not."""
    settings, name = own_database
    settings = settings.model_copy(update={"pool_size": 2, "pool_timeout": 10.0})
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        holders = _hold_every_connection(client, 3.0)
        started = time.monotonic()
        response = client.get("/ready")
        assert time.monotonic() - started < 1.5
        assert (response.status_code, response.json()) == (
            200,
            {"status": "ok", "checks": CHECKS_OK | {"pool": "saturated"}},
        )
        for holder in holders:
            holder.result(timeout=10)
        assert client.get("/ready").json() == READY

        holders = _hold_every_connection(client, 3.0)
        _admin(
            database_url,
            f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false',
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'",
        )
        try:
            response = client.get("/ready")
            assert (response.status_code, response.json()["checks"]) == (
                503,
                CHECKS_OK | {"pool": "saturated", "database": "unreachable", "migrations": "unknown"},
            )
        finally:
            _admin(database_url, f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
        for holder in holders:
            holder.result(timeout=10)
        assert client.get("/ready").json() == READY
