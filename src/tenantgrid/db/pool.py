"""The connections the request path executes on: one affinity pool per process (see `affinity.py`)."""

from __future__ import annotations

import asyncpg

from tenantgrid.db.affinity import AffinityPool, TenantConnections
from tenantgrid.db.url import plain_url
from tenantgrid.settings import Settings


class Pools:
    """The process's pool, handed out per schema: `for_schema(s)` prefers s's own connections."""

    def __init__(self, pool: AffinityPool, control_schema: str) -> None:
        self.pool = pool
        self.control = pool.for_key(control_schema)
        """Where control-plane lookups (API keys) run."""

    def for_schema(self, schema: str) -> TenantConnections:
        return self.pool.for_key(schema)

    async def close(self) -> None:
        await self.pool.close()


async def create_pools(url: str, settings: Settings) -> Pools:
    dsn = plain_url(url)

    async def connect() -> asyncpg.Connection:
        return await asyncpg.connect(
            dsn,
            statement_cache_size=settings.statement_cache_size,
            server_settings={"application_name": "tenantgrid", "jit": "off"},
        )

    pools = Pools(AffinityPool(connect, settings.pool_size, settings.pool_spread), settings.control_schema)
    await pools.control.fetchval("SELECT 1")  # fail at start-up, not on the first request
    return pools
