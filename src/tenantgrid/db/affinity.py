"""A connection pool in which each tenant prefers a few connections of its own.

SQL names its tenant's schema, so each tenant has its own prepared statements, and asyncpg keeps
them per connection. In a plain pool every connection ends up preparing every tenant's statements:
at 1,000 tenants the caches thrash (a prepare round trip on most requests) and their memory grows
with connections x tenants. Here every tenant (key) has a ring of the connections that starts at
one chosen by hash. It prefers the first `spread`; when those are busy it takes the next idle one
along its ring (not just any idle one, which under load put every tenant's statements on every
connection), and waits only when all are busy. A tenant's statements therefore live on few
connections, and the pool stays shared, so one busy tenant can still use every connection.

Under saturation most requests wait, so the hand-off decides where they run. A freed connection
goes to the oldest waiter that prefers it (among the first `LOOKAHEAD`), and to the oldest waiter
only when none does, or when the oldest has waited `PATIENCE_S`. A plain first-come hand-off would
give each waiter a random connection, and every connection would end up preparing (and planning,
five times, before Postgres settles on a generic plan) every tenant's statements.

The pool keeps no session state between requests, so it does not reset connections on release (a
round trip per request in asyncpg's pool); it rolls back only a transaction a cancelled request left
open. A connection found closed (server restart, network) is reopened on its next use.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from typing import Any

import asyncpg

from tenantgrid.bounded_cache import BoundedCache

Connect = Callable[[], Awaitable[asyncpg.Connection]]


class _Slot:
    __slots__ = ("busy", "connection", "index")

    def __init__(self, index: int) -> None:
        self.index = index
        self.connection: asyncpg.Connection | None = None
        self.busy = False


class _Waiter:
    __slots__ = ("future", "preferred", "since")

    def __init__(self, future: asyncio.Future[_Slot], preferred: list[int]) -> None:
        self.future = future
        self.preferred = preferred
        self.since = time.monotonic()


RING_START_CACHE_SIZE = 100_000
"""Keys (schemas) whose ring start is remembered; hashing the key on every acquire showed up."""
LOOKAHEAD = 64
"""How many waiters, oldest first, a freed connection looks through for one that prefers it."""
PATIENCE_S = 0.005
"""A waiter older than this takes the next freed connection, preferred or not."""


class AffinityPool:
    def __init__(self, connect: Connect, size: int, spread: int = 2, patience: float = PATIENCE_S) -> None:
        self._connect = connect
        self._patience = patience
        self._slots = [_Slot(i) for i in range(max(size, 1))]
        self._spread = max(1, min(spread, len(self._slots)))
        self._waiters: deque[_Waiter] = deque()
        self._firsts: BoundedCache[str, int] = BoundedCache(RING_START_CACHE_SIZE)

    @property
    def size(self) -> int:
        return len(self._slots)

    def preferred(self, key: str) -> list[int]:
        first = self._first(key)
        return [(first + i) % len(self._slots) for i in range(self._spread)]

    def _first(self, key: str) -> int:
        """Where the key's ring starts: its first preferred connection, by hash."""
        first = self._firsts.get(key)
        if first is None:
            first = self._firsts.put(key, zlib.crc32(key.encode()) % len(self._slots))
        return first

    def open_connections(self) -> int:
        return sum(1 for s in self._slots if s.connection is not None and not s.connection.is_closed())

    def for_key(self, key: str) -> TenantConnections:
        return TenantConnections(self, key)

    @asynccontextmanager
    async def acquire(self, key: str) -> AsyncIterator[asyncpg.Connection]:
        slot = await self._take(key)
        try:
            connection = await self._open(slot)
        except BaseException:
            self._give_back(slot)
            raise
        try:
            yield connection
        finally:
            await self._release(slot)

    async def close(self) -> None:
        for slot in self._slots:
            if slot.connection is not None and not slot.connection.is_closed():
                await slot.connection.close()
            slot.connection = None

    # -- internals -----------------------------------------------------------------------------

    async def _take(self, key: str) -> _Slot:
        slots = self._slots
        count = len(slots)
        first = self._first(key)
        # The key's ring, in order: its preferred connections, then the ones after them. Busy
        # preferred connections thus push a tenant onto the same few next ones every time, not
        # onto whichever is idle, so its statements are prepared on few connections even under load.
        for step in range(count):
            slot = slots[(first + step) % count]
            if not slot.busy:
                slot.busy = True
                return slot
        waiter = _Waiter(asyncio.get_running_loop().create_future(), self.preferred(key))
        self._waiters.append(waiter)
        try:
            return await waiter.future
        except asyncio.CancelledError:
            if waiter.future.done() and not waiter.future.cancelled():
                self._give_back(waiter.future.result())
            else:
                self._forget(waiter)
            raise

    async def _open(self, slot: _Slot) -> asyncpg.Connection:
        if slot.connection is None or slot.connection.is_closed():
            slot.connection = await self._connect()
        return slot.connection

    async def _release(self, slot: _Slot) -> None:
        connection = slot.connection
        try:
            if connection is not None and not connection.is_closed() and connection.is_in_transaction():
                # Only after a request was cancelled mid-transaction; the normal path closes it.
                await connection.execute("ROLLBACK")
        except (asyncpg.PostgresError, OSError, asyncpg.InterfaceError):
            connection.terminate()
            slot.connection = None
        finally:
            self._give_back(slot)

    def _give_back(self, slot: _Slot) -> None:
        waiters = self._waiters
        while waiters and waiters[0].future.done():
            waiters.popleft()
        if not waiters:
            slot.busy = False
            return
        chosen = 0
        oldest = waiters[0]
        if slot.index not in oldest.preferred and time.monotonic() - oldest.since < self._patience:
            for i in range(1, min(len(waiters), LOOKAHEAD)):
                waiter = waiters[i]
                if slot.index in waiter.preferred and not waiter.future.done():
                    chosen = i
                    break
        waiter = waiters[chosen]
        del waiters[chosen]
        waiter.future.set_result(slot)

    def _forget(self, waiter: _Waiter) -> None:
        with suppress(ValueError):
            self._waiters.remove(waiter)


class TenantConnections:
    """The pool as one tenant uses it: the asyncpg pool methods the request path calls."""

    __slots__ = ("_key", "_pool")

    def __init__(self, pool: AffinityPool, key: str) -> None:
        self._pool = pool
        self._key = key

    def acquire(self) -> Any:
        return self._pool.acquire(self._key)

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        async with self._pool.acquire(self._key) as connection:
            return await connection.fetchrow(sql, *args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        async with self._pool.acquire(self._key) as connection:
            return await connection.fetchval(sql, *args)

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        async with self._pool.acquire(self._key) as connection:
            return await connection.fetch(sql, *args)

    async def execute(self, sql: str, *args: Any) -> str:
        async with self._pool.acquire(self._key) as connection:
            return await connection.execute(sql, *args)
