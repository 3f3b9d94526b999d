"""The connection pools the request path executes on: a few small asyncpg pools, one per shard,
and every tenant schema always on the same shard.

Why shards: SQL names its tenant's schema, so each tenant has its own prepared statements, and
asyncpg keeps them per connection. With one pool of N connections every connection prepares every
tenant's statements: at 1,000 tenants the caches thrash and most requests pay a prepare round trip
(the benchmark measured 0.54x the baseline). With K shards a connection sees 1/K of the tenants,
so statements are prepared K times less often and stay cached. A shard must not be small, though:
when the event loop is saturated a connection stays held until the loop gets back to it, and with
3 connections per shard the benchmark's read p99 rose from 18 to 48 ms while other shards idled.
asyncpg reuses the most recently released connection first, so a shard with room for 8 keeps its
tenants on a few warm connections at normal load and opens more only under pressure (p99 9 ms).

asyncpg also resets every connection it takes back (`RESET ALL; UNLISTEN *; ...`), one more round
trip per request. Nothing on the request path changes session state (no SET, LISTEN, advisory locks
or temporary tables; transactions always close), so the pools skip that reset. This also keeps the
door open for PgBouncer in transaction mode (DESIGN: correctness never depends on session state).
"""

from __future__ import annotations

import asyncio
import zlib

import asyncpg

from tenantgrid.db.url import plain_url
from tenantgrid.settings import Settings


class Pools:
    def __init__(self, shards: list[asyncpg.Pool], control_schema: str) -> None:
        self._shards = shards
        self.control = self.home_of(control_schema)
        """Where control-plane lookups (API keys) run."""

    def for_schema(self, schema: str) -> asyncpg.Pool:
        """The schema's home shard, unless it is saturated: then the shard with the most room.

        Overflowing costs a prepare on the borrowed connection; queueing behind a saturated home
        shard while others idle cost far more (read p99 48 ms instead of 9 ms in the benchmark).
        """
        home = self._shards[zlib.crc32(schema.encode()) % len(self._shards)]
        if home.get_idle_size() or home.get_size() < home.get_max_size():
            return home
        return max(self._shards, key=_room)

    def home_of(self, schema: str) -> asyncpg.Pool:
        return self._shards[zlib.crc32(schema.encode()) % len(self._shards)]

    @property
    def shards(self) -> list[asyncpg.Pool]:
        return list(self._shards)

    async def close(self) -> None:
        await asyncio.gather(*(shard.close() for shard in self._shards))


def _room(pool: asyncpg.Pool) -> int:
    return pool.get_idle_size() + pool.get_max_size() - pool.get_size()


async def create_pools(url: str, settings: Settings) -> Pools:
    shards = await asyncio.gather(*(create_pool(url, settings) for _ in range(max(settings.pool_shards, 1))))
    return Pools(list(shards), settings.control_schema)


async def create_pool(url: str, settings: Settings) -> asyncpg.Pool:
    return await asyncpg.create_pool(
        plain_url(url),
        min_size=settings.pool_min_size,
        max_size=settings.pool_max_size,
        statement_cache_size=settings.statement_cache_size,
        server_settings={"application_name": "tenantgrid", "jit": "off"},
        reset=_keep_session,
    )


async def _keep_session(connection: asyncpg.Connection) -> None:
    """Release a connection without a reset round trip (see the module docstring)."""
    if connection.is_in_transaction():
        # Only after a request was cancelled mid-transaction; the normal path always closes it.
        await connection.execute("ROLLBACK")
