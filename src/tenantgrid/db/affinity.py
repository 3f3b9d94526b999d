"""A connection pool in which each tenant prefers a few connections of its own.

SQL names its tenant's schema, so each tenant has its own prepared statements, and asyncpg keeps
them per connection. In a plain pool every connection ends up preparing every tenant's statements:
at 1,000 tenants the caches thrash (a prepare round trip on most requests) and their memory grows
with connections x tenants. Here every tenant (key) prefers `spread` connections, chosen by hash;
it takes another idle one only when those are busy, and waits (first come, first served) only when
all are. A tenant's statements therefore live on about `spread` connections at any load below
saturation, and the pool stays shared, so one busy tenant can still use every connection.

The pool keeps no session state between requests, so it does not reset connections on release (a
round trip per request in asyncpg's pool); it rolls back only a transaction a cancelled request left
open. A connection found closed (server restart, network) is reopened on its next use.
"""

from __future__ import annotations

import asyncio
import zlib
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

Connect = Callable[[], Awaitable[asyncpg.Connection]]


class _Slot:
    __slots__ = ("busy", "connection", "index")

    def __init__(self, index: int) -> None:
        self.index = index
        self.connection: asyncpg.Connection | None = None
        self.busy = False


class AffinityPool:
    def __init__(self, connect: Connect, size: int, spread: int = 2) -> None:
        self._connect = connect
        self._slots = [_Slot(i) for i in range(max(size, 1))]
        self._spread = max(1, min(spread, len(self._slots)))
        self._waiters: deque[asyncio.Future[_Slot]] = deque()

    @property
    def size(self) -> int:
        return len(self._slots)

    def preferred(self, key: str) -> list[int]:
        first = zlib.crc32(key.encode()) % len(self._slots)
        return [(first + i) % len(self._slots) for i in range(self._spread)]

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
        for index in self.preferred(key):
            if not slots[index].busy:
                slots[index].busy = True
                return slots[index]
        idle = [s for s in slots if not s.busy]
        if idle:
            # An already open connection first: opening one costs more than a prepare.
            slot = next((s for s in idle if s.connection is not None), idle[0])
            slot.busy = True
            return slot
        waiter: asyncio.Future[_Slot] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._give_back(waiter.result())
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
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(slot)
                return
        slot.busy = False


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
