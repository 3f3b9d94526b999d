"""/live, /ready and /health: unauthenticated probes; a database that is gone answers 503 JSON, not 500.

The outage is real: the app runs on a database of its own, whose connections are then terminated
and refused (`ALLOW_CONNECTIONS false`), so the pool can neither use nor reopen one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from urllib.parse import urlsplit

import asyncpg
import pytest
from starlette.testclient import TestClient

from tenantgrid.app import create_app
from tenantgrid.db.url import with_database
from tenantgrid.settings import Settings
from tests.conftest import throwaway_database

READY = {"status": "ok", "checks": {"startup": "ok", "catalog": "ok", "database": "ok", "migrations": "ok"}}


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
