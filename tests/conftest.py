"""Test fixtures: a real PostgreSQL (the embedded one, or DATABASE_URL), a throwaway database per
session, the app served in-process through its real ASGI stack, and two tenants, always."""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import uvicorn
from starlette.testclient import TestClient

from tenantgrid.app import create_app
from tenantgrid.db.engine import create_engine
from tenantgrid.db.url import plain_url, with_database
from tenantgrid.runtime import Runtime
from tenantgrid.settings import Settings
from tenantgrid.tenancy.provision import ProvisionedTenant, create_tenant, prepare_database

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery"


def _server_url() -> str:
    configured = os.environ.get("TENANTGRID_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if configured:
        return plain_url(configured)
    from tenantgrid.db.embedded import start_embedded

    return start_embedded(ROOT / ".tenantgrid" / "test")


@contextmanager
def throwaway_database(server_url: str, prefix: str) -> Iterator[str]:
    """A new, empty database on the server, dropped (with its connections) afterwards."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin_url = with_database(server_url, "postgres")

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(admin_url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield with_database(server_url, name)
    finally:
        asyncio.run(admin(f'DROP DATABASE "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    with throwaway_database(_server_url(), "tenantgrid_test") as url:
        yield url


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        database_url=database_url,
        data_dir=tmp_path_factory.mktemp("data"),
        log_requests=False,
        auth_cache_ttl=0.2,
        max_body_bytes=64 * 1024,
        # The suite signs in and calls far more often than any budget allows; tests/api/test_rate_limits.py
        # makes its own apps with tight ones.
        rate_limit="100000/minute",
        login_rate_limit="100000/minute",
    )


@pytest.fixture(scope="session")
def tenants(settings: Settings) -> dict[str, ProvisionedTenant]:
    """Tenants `alpha` and `beta`, provisioned once for the whole session."""

    async def provision() -> dict[str, ProvisionedTenant]:
        engine = create_engine(settings.database_url or "")
        try:
            await prepare_database(engine, settings)
            return {
                name: await create_tenant(engine, settings, name, f"{name}@example.com", PASSWORD)
                for name in ("alpha", "beta")
            }
        finally:
            await engine.dispose()

    return asyncio.run(provision())


@pytest.fixture(scope="session")
def client(settings: Settings, tenants: dict[str, ProvisionedTenant]) -> Iterator[TestClient]:
    with TestClient(create_app(settings), base_url="http://tenantgrid.test") as test_client:
        yield test_client


@pytest.fixture(scope="session")
def alpha(tenants: dict[str, ProvisionedTenant]) -> ProvisionedTenant:
    return tenants["alpha"]


@pytest.fixture(scope="session")
def beta(tenants: dict[str, ProvisionedTenant]) -> ProvisionedTenant:
    return tenants["beta"]


class Database:
    """Direct SQL against the test database, for asserting what a request really wrote."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]

    def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        assert self.client.portal is not None
        return self.client.portal.call(self.runtime.pools.control.fetch, sql, *args)

    def value(self, sql: str, *args: Any) -> Any:
        assert self.client.portal is not None
        return self.client.portal.call(self.runtime.pools.control.fetchval, sql, *args)


@pytest.fixture(scope="session")
def db(client: TestClient) -> Database:
    return Database(client)


@pytest.fixture(scope="session")
def live_url(settings: Settings, tenants: dict[str, ProvisionedTenant]) -> Iterator[str]:
    """The app served for real on a loopback port (uvicorn in a thread), for the APIs' own clients:
    their HTTP stacks, headers and response parsing are then what is tested."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "live server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
