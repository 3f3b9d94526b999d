"""The affinity pool: a tenant's requests stay on its own connections, overflow when those are busy,
wait when all are (or when the tenant holds its limit), never longer than the pool timeout, and
never hand on a connection in doubt (left in a transaction, or whose request was interrupted)."""

from __future__ import annotations

import asyncio
import random
import time
from contextlib import suppress
from typing import Any

import asyncpg
import pytest

from tenantgrid import errors
from tenantgrid.db import pool as pool_module
from tenantgrid.db.affinity import AffinityPool, PoolStats, PoolTimeout
from tenantgrid.db.execute import database_error
from tenantgrid.db.pool import BACKSTOP_S, ConnectTimeout, command_timeout, create_pools, startup_parameters
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


async def _state(connection: asyncpg.Connection) -> tuple[bool, str | None, str]:
    """What the next request on a connection would inherit: an open transaction (the server's word,
    from the ReadyForQuery after a round trip), a transaction-local setting, the time zone."""
    who, zone = await connection.fetchrow(
        "SELECT current_setting('tenantgrid.who', true), current_setting('TimeZone')"
    )
    return connection.is_in_transaction(), who or None, zone


def test_a_connection_left_in_a_transaction_is_closed_not_handed_on(database_url: str) -> None:
    async def run() -> tuple[int, int, tuple[bool, str | None, str], int, str]:
        pool = _pool(database_url, size=1, spread=1)
        try:
            async with pool.acquire("a") as connection:
                first = connection.get_server_pid()
                zone = await connection.fetchval("SELECT current_setting('TimeZone')")
                await connection.transaction().start()  # a request that never ends its transaction
                await connection.execute("SET LOCAL TIME ZONE 'Pacific/Kiritimati'")
                await connection.execute("CREATE TEMP TABLE abandoned (id int)")
            async with pool.acquire("b") as again:
                state = await _state(again)
                leftover = await again.fetchval("SELECT count(*) FROM pg_class WHERE relname = 'abandoned'")
                async with again.transaction():  # asyncpg's own bookkeeping is clean: a BEGIN, no SAVEPOINT
                    await again.execute("SELECT 1")
                return first, again.get_server_pid(), state, leftover, zone
        finally:
            await pool.close()

    first, second, state, leftover, zone = asyncio.run(run())
    assert second != first  # closed, not rolled back and handed on
    assert state == (False, None, zone)
    assert leftover == 0


def test_a_tenants_transaction_local_settings_do_not_reach_another_tenant(database_url: str) -> None:
    """The request path sets session state only with SET LOCAL / set_config(..., true): whether the
    request commits, rolls back or is cancelled mid-transaction, the next tenant sees none of it."""

    async def run() -> tuple[str, list[tuple[bool, str | None, str]]]:
        pool = _pool(database_url, size=1, spread=1)  # one connection: every request shares it
        seen = []
        try:
            async with pool.acquire("b") as connection:
                zone = await connection.fetchval("SELECT current_setting('TimeZone')")

            async def tenant_a(end: str) -> None:
                async with pool.acquire("a") as connection:
                    transaction = connection.transaction()
                    await transaction.start()
                    await connection.execute("SELECT set_config('tenantgrid.who', 'a', true)")
                    await connection.execute("SET LOCAL TIME ZONE 'Pacific/Kiritimati'")
                    if end == "cancelled":
                        await connection.execute("SELECT pg_sleep(5)")
                    await (transaction.commit() if end == "commit" else transaction.rollback())

            for end in ("commit", "rollback", "cancelled"):
                task = asyncio.create_task(tenant_a(end))
                await asyncio.sleep(0.2)
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
                async with pool.acquire("b") as connection:
                    seen.append(await _state(connection))
            return zone, seen
        finally:
            await pool.close()

    zone, seen = asyncio.run(run())
    assert seen == [(False, None, zone)] * 3


def _victim(pool: AffinityPool, key: str) -> Any:
    """A request like execute.py's transaction path: BEGIN, transaction-local state, statements,
    and a rollback on the way out when interrupted."""

    async def run() -> None:
        async with pool.acquire(key) as connection:
            transaction = connection.transaction()
            await transaction.start()
            try:
                await connection.execute("SELECT set_config('tenantgrid.who', $1, true)", key)
                await connection.execute("SELECT pg_sleep(0.002)")
            except BaseException:
                await transaction.rollback()
                raise
            await transaction.commit()

    return run()


def test_repeated_cancellation_never_hands_on_a_connection_in_doubt(database_url: str) -> None:
    """Cancel requests at random moments (mid-BEGIN, mid-statement, mid-rollback, mid-release),
    often twice: every connection handed out afterwards is idle, outside any transaction, carries
    nothing of the cancelled request, and works, transactions included."""

    async def run() -> tuple[list[BaseException], list[tuple[bool, str | None, str]], str]:
        pool = _pool(database_url, size=2, spread=1)
        rng = random.Random(20240611)
        unexpected: list[BaseException] = []
        wrong: list[tuple[bool, str | None, str]] = []
        try:
            async with pool.acquire("check") as connection:
                zone = await connection.fetchval("SELECT current_setting('TimeZone')")
            for _ in range(150):
                tasks = [asyncio.create_task(_victim(pool, f"tenant_{n}")) for n in range(3)]
                await asyncio.sleep(rng.random() * 0.006)
                for task in tasks:
                    task.cancel()
                if rng.random() < 0.6:
                    await asyncio.sleep(rng.random() * 0.003)
                    for task in tasks:
                        task.cancel()
                for outcome in await asyncio.gather(*tasks, return_exceptions=True):
                    if outcome is not None and not isinstance(outcome, asyncio.CancelledError):
                        unexpected.append(outcome)

                async def check() -> None:
                    async with pool.acquire("check") as connection:
                        assert not connection.is_in_transaction()
                        state = await _state(connection)
                        async with connection.transaction():
                            await connection.execute("SELECT 1")
                        if state != (False, None, zone):
                            wrong.append(state)

                await asyncio.gather(check(), check())  # both connections, one each
            return unexpected, wrong, zone
        finally:
            await pool.close()

    unexpected, wrong, _ = asyncio.run(run())
    assert unexpected == []
    assert wrong == []


def test_a_connection_whose_rollback_was_interrupted_is_closed(database_url: str) -> None:
    async def run() -> tuple[int, int, bool, int]:
        pool = _pool(database_url, size=1, spread=1)
        started = asyncio.Event()
        pids: list[int] = []

        async def request() -> None:
            async with pool.acquire("a") as connection:
                pids.append(connection.get_server_pid())
                transaction = connection.transaction()
                await transaction.start()
                try:
                    started.set()
                    await connection.execute("SELECT pg_sleep(5)")
                except BaseException:
                    await transaction.rollback()  # interrupted too, below
                    raise

        try:
            task = asyncio.create_task(request())
            await started.wait()
            await asyncio.sleep(0.05)
            task.cancel()  # mid-statement
            await asyncio.sleep(0)
            task.cancel()  # mid-rollback
            with suppress(asyncio.CancelledError):
                await task
            async with pool.acquire("b") as connection:
                in_transaction = (await _state(connection))[0]
                after = connection.get_server_pid()
                for _ in range(100):  # the server ends the backend a moment after the close
                    alive = await connection.fetchval(
                        "SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pids[0]
                    )
                    if not alive:
                        break
                    await asyncio.sleep(0.02)
            return pids[0], after, in_transaction, alive
        finally:
            await pool.close()

    before, after, in_transaction, alive = asyncio.run(run())
    assert after != before
    assert not in_transaction
    assert alive == 0  # closed on the server too, not left running the statement


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


async def _hold(pool: AffinityPool, key: str, held: list[int], release: asyncio.Event) -> None:
    async with pool.acquire(key) as connection:
        held.append(connection.get_server_pid())
        await release.wait()


async def _until(condition: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline
        await asyncio.sleep(0.001)


def test_a_tenant_at_its_limit_waits_though_connections_are_idle(database_url: str) -> None:
    async def run() -> tuple[PoolStats, bool, int, float]:
        pool = AffinityPool(lambda: asyncpg.connect(database_url), 4, spread=1, tenant_limit=2)
        release = asyncio.Event()
        held: list[int] = []
        try:
            holders = [asyncio.create_task(_hold(pool, "greedy", held, release)) for _ in range(2)]
            await _until(lambda: len(held) == 2)
            third = asyncio.create_task(_backend(pool, "greedy"))
            await _until(lambda: pool.stats().waiting == 1)
            stats = pool.stats()  # two in use, two idle, and greedy's third request waits
            started = time.monotonic()
            other = await _backend(pool, "other")  # another tenant takes an idle one at once
            other_wait = time.monotonic() - started
            waited = not third.done()
            release.set()
            await asyncio.gather(*holders)
            got = await asyncio.wait_for(third, 5)  # the freed connection goes to greedy's waiter
            assert got in held and other not in held
            return stats, waited, pool.stats().in_use, other_wait
        finally:
            await pool.close()

    stats, waited, in_use_after, other_wait = asyncio.run(run())
    assert stats == PoolStats(size=4, open=2, in_use=2, waiting=1)
    assert waited
    assert in_use_after == 0
    assert other_wait < 1.0


def test_a_freed_connection_skips_waiters_at_their_limit(database_url: str) -> None:
    async def run() -> list[str]:
        pool = AffinityPool(lambda: asyncpg.connect(database_url), 3, spread=1, tenant_limit=2)
        release = {"greedy": asyncio.Event(), "other": asyncio.Event()}
        held: list[int] = []
        order: list[str] = []
        try:
            holders = [asyncio.create_task(_hold(pool, "greedy", held, release["greedy"])) for _ in range(2)]
            holders.append(asyncio.create_task(_hold(pool, "other", held, release["other"])))
            await _until(lambda: len(held) == 3)

            async def request(key: str) -> None:
                async with pool.acquire(key):
                    order.append(key)

            older = asyncio.create_task(request("greedy"))  # at its limit, and no connection idle
            await _until(lambda: pool.stats().waiting == 1)
            younger = asyncio.create_task(request("other"))
            await _until(lambda: pool.stats().waiting == 2)
            release["other"].set()  # frees other's connection: greedy still holds 2, other gets it
            await asyncio.wait_for(younger, 5)
            assert not older.done()
            release["greedy"].set()
            await asyncio.wait_for(asyncio.gather(older, *holders), 5)
            return order
        finally:
            await pool.close()

    assert asyncio.run(run()) == ["other", "greedy"]


def test_an_uncapped_key_may_use_the_whole_pool(database_url: str) -> None:
    async def run() -> int:
        pool = AffinityPool(
            lambda: asyncpg.connect(database_url), 3, spread=1, tenant_limit=1, uncapped=("control",)
        )
        release = asyncio.Event()
        held: list[int] = []
        try:
            holders = [asyncio.create_task(_hold(pool, "control", held, release)) for _ in range(3)]
            await asyncio.wait_for(_until(lambda: len(held) == 3), 5)
            in_use = pool.stats().in_use
            release.set()
            await asyncio.gather(*holders)
            return in_use
        finally:
            await pool.close()

    assert asyncio.run(run()) == 3


def test_a_wait_for_a_connection_is_bounded(database_url: str) -> None:
    async def run() -> tuple[float, bool, bool, PoolStats, int]:
        pool = AffinityPool(lambda: asyncpg.connect(database_url), 2, spread=1, timeout=0.2, tenant_limit=1)
        release = asyncio.Event()
        held: list[int] = []
        try:
            holder = asyncio.create_task(_hold(pool, "a", held, release))
            await _until(lambda: len(held) == 1)
            started = time.monotonic()
            with pytest.raises(PoolTimeout) as capped:  # a's limit is 1
                await _backend(pool, "a")
            waited = time.monotonic() - started
            other = asyncio.create_task(_hold(pool, "b", held, release))
            await _until(lambda: len(held) == 2)
            with pytest.raises(PoolTimeout) as full:  # c is under its limit, but the pool is full
                await _backend(pool, "c")
            stats = pool.stats()
            release.set()
            await asyncio.gather(holder, other)
            return waited, capped.value.capped, full.value.capped, stats, await _backend(pool, "c")
        finally:
            await pool.close()

    waited, capped, full, stats, after = asyncio.run(run())
    assert 0.15 < waited < 2.0
    assert capped and not full
    assert stats.waiting == 0  # timed-out waiters leave the queue
    assert after > 0  # and the pool still hands out connections


def test_startup_parameters_only_where_a_pooler_allows_them() -> None:
    direct = Settings(statement_timeout=2.5)
    assert startup_parameters(direct) == {
        "application_name": "tenantgrid",
        "jit": "off",
        "statement_timeout": "2500",
    }
    assert command_timeout(direct) == 2.5 + BACKSTOP_S
    pooled = Settings(statement_timeout=2.5, statement_cache_size=0)
    # PgBouncer in transaction mode refuses unknown startup parameters: the client side enforces.
    assert startup_parameters(pooled) == {"application_name": "tenantgrid"}
    assert command_timeout(pooled) == 2.5
    assert command_timeout(Settings(statement_timeout=0)) is None
    assert "statement_timeout" not in startup_parameters(Settings(statement_timeout=0))


@pytest.mark.parametrize("statement_cache_size", [1024, 0])
def test_a_statement_past_the_timeout_is_cancelled(database_url: str, statement_cache_size: int) -> None:
    """Server-side (a startup parameter) with a statement cache; client-side behind a pooler. Either
    way the request gets 57014's 504, and the connection's next user gets a working one."""

    async def run() -> tuple[errors.ApiError | None, float, int, int]:
        settings = Settings(
            database_url=database_url,
            pool_size=1,
            statement_timeout=0.3,
            statement_cache_size=statement_cache_size,
        )
        pools = await create_pools(database_url, settings)
        try:
            tenant = pools.pool.for_key("t")  # a key, not a tenant schema: no readiness check
            started = time.monotonic()
            try:
                await tenant.fetchval("SELECT pg_sleep(3)")
            except Exception as exc:
                error = database_error(exc)
            else:
                error = None
            elapsed = time.monotonic() - started
            sleeping = await tenant.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(3)' AND state = 'active'"
            )
            return error, elapsed, await tenant.fetchval("SELECT 1"), sleeping
        finally:
            await pools.close()

    error, elapsed, works, sleeping = asyncio.run(run())
    assert error is not None
    assert (error.status, error.code, error.message) == (
        504,
        "57014",
        "canceling statement due to statement timeout",
    )
    assert elapsed < 2.5
    assert works == 1
    assert sleeping == 0  # the server stopped the statement too


def test_a_connect_that_times_out_is_unreachable_not_a_statement_timeout(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server that accepts the TCP connection and never answers: 503 PGRST001, not 57014's 504."""
    monkeypatch.setattr(pool_module, "CONNECT_TIMEOUT_S", 0.2)

    async def run() -> errors.ApiError | None:
        ended = asyncio.Event()

        async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.read()  # says nothing until the client goes away
            writer.close()
            await writer.wait_closed()
            ended.set()

        server = await asyncio.start_server(silent, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            with pytest.raises(ConnectTimeout) as raised:
                await create_pools(f"postgresql://nobody@127.0.0.1:{port}/none", Settings(pool_size=1))
            await asyncio.wait_for(ended.wait(), 5)
            return database_error(raised.value)
        finally:
            server.close()
            await server.wait_closed()

    error = asyncio.run(run())
    assert error is not None
    assert (error.status, error.code) == (503, "PGRST001")


def test_the_per_key_limit_is_read_in_one_place(database_url: str) -> None:
    """`limit(key)` is the one source of a key's limit: taking a connection, handing a freed one on
    and the timeout's message all follow it (taking and handing on each read the table themselves,
    so a per-tenant limit set through `limit` was ignored by both)."""

    class SmallTenants(AffinityPool):
        def limit(self, key: str) -> int:
            return 1 if key.startswith("small") else super().limit(key)

    async def run() -> tuple[int, int, str]:
        pool = SmallTenants(lambda: asyncpg.connect(database_url), 4, spread=1, timeout=0.3)
        release = asyncio.Event()
        held: list[int] = []
        try:
            holder = asyncio.create_task(_hold(pool, "small", held, release))
            await _until(lambda: len(held) == 1)
            second = asyncio.create_task(_backend(pool, "small"))
            await _until(lambda: pool.stats().waiting == 1)  # three connections idle, yet it waits
            big = [asyncio.create_task(_hold(pool, "big", held, release)) for _ in range(2)]
            await _until(lambda: len(held) == 3)  # the pool's own limit (4) still applies to others
            release.set()
            await asyncio.gather(holder, *big)
            got = await asyncio.wait_for(second, 5)  # handed the freed connection
            with pytest.raises(PoolTimeout) as timeout:
                async with pool.acquire("small2"):
                    await _backend(pool, "small2")
            return got, len(set(held)), str(timeout.value)
        finally:
            await pool.close()

    got, distinct, message = asyncio.run(run())
    assert got > 0
    assert distinct == 3
    assert message == "this tenant's 1 concurrent connections stayed busy for 0.3 s"
