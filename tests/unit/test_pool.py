"""The pool releases connections without asyncpg's reset round trip, but never with an open transaction."""

from __future__ import annotations

import asyncio

from tenantgrid.db.pool import create_pool, create_pools
from tenantgrid.settings import Settings


def test_release_rolls_back_an_abandoned_transaction_and_keeps_no_other_state(database_url: str) -> None:
    async def run() -> tuple[bool, int, str]:
        pool = await create_pool(
            database_url, Settings(database_url=database_url, pool_min_size=1, pool_max_size=1)
        )
        try:
            conn = await pool.acquire()
            await conn.execute("SET application_name = 'kept'")
            transaction = conn.transaction()
            await transaction.start()
            await conn.execute("CREATE TEMP TABLE abandoned (id int)")
            await pool.release(conn)  # a cancelled request leaves its transaction open
            async with pool.acquire() as again:
                in_transaction = again.is_in_transaction()
                leftover = await again.fetchval("SELECT count(*) FROM pg_class WHERE relname = 'abandoned'")
                # asyncpg's default reset (RESET ALL) would have restored the pool's application_name
                name = await again.fetchval("SELECT current_setting('application_name')")
            return in_transaction, leftover, name
        finally:
            await pool.close()

    in_transaction, leftover, name = asyncio.run(run())
    assert in_transaction is False
    assert leftover == 0
    assert name == "kept"


def test_each_schema_always_uses_one_shard_and_the_shards_share_the_tenants(database_url: str) -> None:
    settings = Settings(database_url=database_url, pool_shards=4, pool_min_size=1, pool_max_size=1)

    async def run() -> tuple[bool, set[int], list[str]]:
        pools = await create_pools(database_url, settings)
        try:
            shards = pools.shards
            stable = all(pools.home_of(f"t_{i}") is pools.home_of(f"t_{i}") for i in range(100))
            used = {shards.index(pools.home_of(f"t_{i}")) for i in range(100)}
            names = [await shard.fetchval("SELECT current_setting('application_name')") for shard in shards]
            return stable, used, names
        finally:
            await pools.close()

    stable, used, names = asyncio.run(run())
    assert stable
    assert used == {0, 1, 2, 3}
    assert names == ["tenantgrid"] * 4
