"""The affinity pool: a tenant's requests stay on its own connections, overflow when those are busy,
wait first-come-first-served when all are, and never leave a transaction open or skip a reset."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from tenantgrid.db.affinity import AffinityPool
from tenantgrid.db.pool import create_pools
from tenantgrid.settings import Settings


def _pool(database_url: str, size: int, spread: int = 2) -> AffinityPool:
    return AffinityPool(lambda: asyncpg.connect(database_url), size, spread)


async def _backend(pool: AffinityPool, key: str) -> int:
    async with pool.acquire(key) as connection:
        return int(await connection.fetchval("SELECT pg_backend_pid()"))


def test_a_tenant_stays_on_its_preferred_connections(database_url: str) -> None:
    async def run() -> tuple[set[int], set[int], int]:
        pool = _pool(database_url, size=8, spread=2)
        try:
            mine = {await _backend(pool, "tenant_a") for _ in range(20)}
            others = {await _backend(pool, f"tenant_{i}") for i in range(40)}
            return mine, others, pool.open_connections()
        finally:
            await pool.close()

    mine, others, opened = asyncio.run(run())
    assert len(mine) == 1  # sequential requests: always the first preferred connection
    assert len(others) > 2  # other tenants prefer other connections
    assert opened <= 8


def test_busy_preferred_connections_overflow_and_a_full_pool_queues(database_url: str) -> None:
    async def run() -> tuple[int, list[str]]:
        pool = _pool(database_url, size=3, spread=1)
        order: list[str] = []
        try:

            async def hold(name: str, seconds: float) -> None:
                async with pool.acquire("same") as connection:
                    order.append(name)
                    await connection.execute(f"SELECT pg_sleep({seconds})")

            # Four concurrent users of one tenant: three connections, the fourth waits its turn.
            await asyncio.gather(hold("a", 0.3), hold("b", 0.3), hold("c", 0.3), hold("d", 0.0))
            return pool.open_connections(), order
        finally:
            await pool.close()

    opened, order = asyncio.run(run())
    assert opened == 3
    # a, b and c get a connection each at once (in whatever order they finish opening it);
    # d, the fourth, waits until one of them is done.
    assert sorted(order[:3]) == ["a", "b", "c"]
    assert order[3] == "d"


def test_cancelled_waiter_does_not_lose_a_connection(database_url: str) -> None:
    async def run() -> int:
        pool = _pool(database_url, size=1, spread=1)
        try:
            async with pool.acquire("t") as connection:
                waiter = asyncio.create_task(_backend(pool, "t"))
                await asyncio.sleep(0.05)
                waiter.cancel()
                await connection.fetchval("SELECT 1")
            with pytest.raises(asyncio.CancelledError):
                await waiter
            return await asyncio.wait_for(_backend(pool, "t"), timeout=5)
        finally:
            await pool.close()

    assert asyncio.run(run()) > 0


def test_release_rolls_back_an_abandoned_transaction_and_keeps_session_settings(database_url: str) -> None:
    async def run() -> tuple[bool, int, str]:
        pool = _pool(database_url, size=1, spread=1)
        try:
            async with pool.acquire("t") as connection:
                await connection.execute("SET application_name = 'kept'")
                await connection.transaction().start()  # a cancelled request leaves this open
                await connection.execute("CREATE TEMP TABLE abandoned (id int)")
            async with pool.acquire("t") as again:
                leftover = await again.fetchval("SELECT count(*) FROM pg_class WHERE relname = 'abandoned'")
                # a reset (RESET ALL) would have cleared this: the pool skips that round trip
                name = await again.fetchval("SELECT current_setting('application_name')")
                return again.is_in_transaction(), leftover, name
        finally:
            await pool.close()

    assert asyncio.run(run()) == (False, 0, "kept")


def test_a_closed_connection_is_reopened(database_url: str) -> None:
    async def run() -> tuple[int, int]:
        pool = _pool(database_url, size=1, spread=1)
        try:
            first = await _backend(pool, "t")
            async with pool.acquire("t") as connection:
                await connection.close()
            return first, await _backend(pool, "t")
        finally:
            await pool.close()

    first, second = asyncio.run(run())
    assert first != second


def test_create_pools_connects_at_start(database_url: str) -> None:
    async def run() -> int:
        pools = await create_pools(database_url, Settings(database_url=database_url, pool_size=4))
        try:
            return pools.pool.open_connections()
        finally:
            await pools.close()

    assert asyncio.run(run()) == 1


def _key_preferring(pool: AffinityPool, index: int) -> str:
    return next(k for k in (f"tenant_{i}" for i in range(1000)) if pool.preferred(k) == [index])


async def _hand_off(database_url: str, patience: float) -> tuple[int, str, int]:
    """Both connections held; an older waiter preferring connection 1, then a younger one
    preferring connection 0; connection 0 is freed first. Returns connection 0's backend, which
    waiter ran first, and the backend that one got."""
    pool = AffinityPool(lambda: asyncpg.connect(database_url), 2, spread=1, patience=patience)
    first_key, second_key = _key_preferring(pool, 1), _key_preferring(pool, 0)
    try:
        backends = {0: await _backend(pool, second_key), 1: await _backend(pool, first_key)}
        released = {0: asyncio.Event(), 1: asyncio.Event()}
        holding: list[int] = []

        async def hold(key: str, index: int) -> None:
            async with pool.acquire(key):
                holding.append(index)
                await released[index].wait()

        holders = [asyncio.create_task(hold(second_key, 0)), asyncio.create_task(hold(first_key, 1))]
        while len(holding) < 2:
            await asyncio.sleep(0.001)
        older = asyncio.create_task(_backend(pool, first_key))
        await asyncio.sleep(0.02)
        younger = asyncio.create_task(_backend(pool, second_key))
        await asyncio.sleep(0.02)
        released[0].set()
        done, _ = await asyncio.wait({older, younger}, timeout=5, return_when=asyncio.FIRST_COMPLETED)
        assert len(done) == 1  # one connection was freed: exactly one waiter runs
        first = done.pop()
        released[1].set()
        await asyncio.wait_for(asyncio.gather(older, younger, *holders), timeout=5)
        return backends[0], "older" if first is older else "younger", first.result()
    finally:
        await pool.close()


def test_a_freed_connection_goes_to_a_waiter_that_prefers_it(database_url: str) -> None:
    freed, first, got = asyncio.run(_hand_off(database_url, patience=60.0))
    # First come, first served would give connection 0 to the older waiter, which prefers 1.
    assert (first, got) == ("younger", freed)


def test_a_waiter_past_its_patience_takes_any_freed_connection(database_url: str) -> None:
    freed, first, got = asyncio.run(_hand_off(database_url, patience=0.0))
    assert (first, got) == ("older", freed)


def test_a_tenant_whose_connections_are_busy_moves_along_its_ring(database_url: str) -> None:
    async def run() -> tuple[dict[int, int], list[int]]:
        pool = AffinityPool(lambda: asyncpg.connect(database_url), 4, spread=1)
        try:
            backends = {i: await _backend(pool, _key_preferring(pool, i)) for i in range(4)}
            key = _key_preferring(pool, 1)
            async with pool.acquire(key):  # its own connection is busy ...
                taken = [await _backend(pool, key) for _ in range(3)]
            return backends, taken
        finally:
            await pool.close()

    backends, taken = asyncio.run(run())
    # ... so it takes the next one along its ring, every time (not the first idle one, 0).
    assert taken == [backends[2]] * 3
