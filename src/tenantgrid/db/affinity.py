"""A connection pool in which each tenant prefers a few connections of its own.

SQL names its tenant's schema, so each tenant has its own prepared statements, and asyncpg keeps
them per connection. In a plain pool every connection ends up preparing every tenant's statements:
at 1,000 tenants the caches thrash (a prepare round trip on most requests) and their memory grows
with connections x tenants. Here every tenant (key) has a ring of the connections that starts at
one chosen by hash. It prefers the first `spread`; when those are busy it takes the next idle one
along its ring (not just any idle one, which under load put every tenant's statements on every
connection), and waits only when all are busy. A tenant's statements therefore live on few
connections, and the pool stays shared, so one busy tenant can still use many connections.

Under saturation most requests wait, so the hand-off decides where they run. A freed connection
goes to the oldest waiter that prefers it (among the first `LOOKAHEAD`), and to the oldest waiter
only when none does, or when the oldest has waited `PATIENCE_S`. A plain first-come hand-off would
give each waiter a random connection, and every connection would end up preparing (and planning,
five times, before Postgres settles on a generic plan) every tenant's statements.

Fair and bounded: a key holds at most `tenant_limit` connections at once (keys in `uncapped`, the
control plane's, are exempt), so one tenant's slow queries leave the rest of the pool to the others.
A key at its limit waits even when connections are idle, and a freed connection goes only to a
waiter whose key is under its limit. No one waits longer than `timeout`: then `PoolTimeout`.

Session state: the pool does not reset connections on release (a `RESET ALL` is a round trip per
request, ~100 µs). Instead the request path changes session state only for its transaction
(`SET LOCAL`, `set_config(name, value, true)`, as PostgREST does), which Postgres undoes when the
transaction ends, and the pool makes sure every transaction ends before the connection is handed
on: a connection whose request left a transaction open, or was interrupted (cancelled, timed out,
so that a rollback may have been cut short or a BEGIN be in flight), is closed, and reopened on its
next use; a closed connection (server restart, network) likewise. A session-level `SET` on the
request path would reach the next request on that connection, whatever its tenant: never issue one.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any

import asyncpg

from tenantgrid.bounded_cache import BoundedCache

Connect = Callable[[], Awaitable[asyncpg.Connection]]


class PoolTimeout(Exception):
    """No connection came free for the key within the pool's `timeout`."""

    def __init__(self, message: str, capped: bool) -> None:
        super().__init__(message)
        self.capped = capped
        """Whether the key was at its own limit (rather than the whole pool being busy)."""


class ConnectionLost(asyncpg.InterfaceError):
    """The request's connection closed under it (server restart, network, terminated backend).

    asyncpg reports that, and an operation it refused on an open connection ("another operation is
    in progress"), with the same plain `InterfaceError`, told apart only by its words. The pool
    holds the connection, so it tells them apart by the connection's state instead, and re-raises
    the first kind as this (`__cause__` is asyncpg's error)."""


@dataclass(frozen=True, slots=True)
class PoolStats:
    """A snapshot for gauges: connections in all, open, handed out, and requests waiting for one."""

    size: int
    open: int
    in_use: int
    waiting: int


class _Slot:
    __slots__ = ("busy", "connection", "index", "key")

    def __init__(self, index: int) -> None:
        self.index = index
        self.connection: asyncpg.Connection | None = None
        self.busy = False
        self.key: str | None = None
        """Whose request holds it, while busy."""


class _Waiter:
    __slots__ = ("future", "key", "preferred", "since")

    def __init__(self, future: asyncio.Future[_Slot], key: str, preferred: list[int]) -> None:
        self.future = future
        self.key = key
        self.preferred = preferred
        self.since = time.monotonic()


RING_START_CACHE_SIZE = 100_000
"""Keys (schemas) whose ring start is remembered; hashing the key on every acquire showed up."""
LOOKAHEAD = 64
"""How many waiters, oldest first, a freed connection looks through for one that prefers it."""
PATIENCE_S = 0.005
"""A waiter older than this takes the next freed connection, preferred or not."""
CLOSE_TIMEOUT_S = 5.0
"""How long closing a connection in doubt may take (asyncpg first waits for a cancellation)."""
INTERRUPTIONS = (asyncio.CancelledError, TimeoutError)
"""A request that ended with one of these may have left its connection mid-statement, mid-BEGIN or
mid-rollback: in a state neither it nor asyncpg knows for sure."""


class AffinityPool:
    def __init__(
        self,
        connect: Connect,
        size: int,
        spread: int = 2,
        patience: float = PATIENCE_S,
        *,
        timeout: float | None = None,
        tenant_limit: int | None = None,
        uncapped: Iterable[str] = (),
    ) -> None:
        """`timeout`: the longest wait for a connection (None: unbounded); `tenant_limit`: the most
        connections one key holds at once (None: the whole pool), except the keys in `uncapped`."""
        self._connect = connect
        self._patience = patience
        self._slots = [_Slot(i) for i in range(max(size, 1))]
        self._spread = max(1, min(spread, len(self._slots)))
        self._waiters: deque[_Waiter] = deque()
        self._firsts: BoundedCache[str, int] = BoundedCache(RING_START_CACHE_SIZE)
        self._timeout = timeout
        self._limit = len(self._slots) if tenant_limit is None else max(1, tenant_limit)
        self._limits = dict.fromkeys(uncapped, len(self._slots))
        self._in_use: dict[str, int] = {}
        """Connections each key holds now (keys holding none are absent)."""

    @property
    def size(self) -> int:
        return len(self._slots)

    def limit(self, key: str) -> int:
        return self._limits.get(key, self._limit)

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

    def saturated(self) -> bool:
        """Every connection is handed out: a request now waits for one (or times out)."""
        return all(slot.busy for slot in self._slots)

    @asynccontextmanager
    async def dedicated(self) -> AsyncIterator[asyncpg.Connection]:
        """A connection outside the pool, closed after use: for a probe that must not queue
        behind the requests (readiness, when the pool is saturated)."""
        connection = await self._connect()
        try:
            yield connection
        finally:
            try:
                await connection.close(timeout=CLOSE_TIMEOUT_S)
            except BaseException:
                connection.terminate()
                raise

    def stats(self) -> PoolStats:
        slots = self._slots
        return PoolStats(
            size=len(slots),
            open=self.open_connections(),
            in_use=sum(1 for s in slots if s.busy),
            waiting=sum(1 for w in self._waiters if not w.future.done()),
        )

    def for_key(self, key: str, gate: Gate | None = None) -> TenantConnections:
        return TenantConnections(self, key, gate)

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
        except BaseException as exc:
            # Judged before the release, which may close a connection in doubt itself.
            lost = type(exc) is asyncpg.InterfaceError and connection.is_closed()
            await self._release(slot, isinstance(exc, INTERRUPTIONS))
            if lost:
                raise ConnectionLost(str(exc)) from exc
            raise
        await self._release(slot, False)

    async def close(self) -> None:
        for slot in self._slots:
            if slot.connection is not None and not slot.connection.is_closed():
                await slot.connection.close()
            slot.connection = None

    # -- internals -----------------------------------------------------------------------------

    async def _take(self, key: str) -> _Slot:
        slots = self._slots
        if self._in_use.get(key, 0) < self.limit(key):
            count = len(slots)
            first = self._first(key)
            # The key's ring, in order: its preferred connections, then the ones after them. Busy
            # preferred connections thus push a tenant onto the same few next ones every time, not
            # onto whichever is idle, so its statements are prepared on few connections even under load.
            for step in range(count):
                slot = slots[(first + step) % count]
                if not slot.busy:
                    self._assign(slot, key)
                    return slot
        return await self._wait(key)

    async def _wait(self, key: str) -> _Slot:
        loop = asyncio.get_running_loop()
        waiter = _Waiter(loop.create_future(), key, self.preferred(key))
        self._waiters.append(waiter)
        timer = None if self._timeout is None else loop.call_later(self._timeout, self._expire, waiter)
        try:
            return await waiter.future
        except asyncio.CancelledError:
            future = waiter.future
            if future.done() and not future.cancelled() and future.exception() is None:
                self._give_back(future.result())  # handed a connection just as it was cancelled
            else:
                self._forget(waiter)
            raise
        finally:
            if timer is not None:
                timer.cancel()

    def _expire(self, waiter: _Waiter) -> None:
        if waiter.future.done():
            return
        self._forget(waiter)
        key = waiter.key
        limit = self.limit(key)
        capped = self._in_use.get(key, 0) >= limit
        if capped:
            message = f"this tenant's {limit} concurrent connections stayed busy for {self._timeout:g} s"
        else:
            message = f"all {len(self._slots)} connections stayed busy for {self._timeout:g} s"
        waiter.future.set_exception(PoolTimeout(message, capped))

    async def _open(self, slot: _Slot) -> asyncpg.Connection:
        if slot.connection is None or slot.connection.is_closed():
            slot.connection = await self._connect()
        return slot.connection

    async def _release(self, slot: _Slot, interrupted: bool) -> None:
        """Hand the slot on with its connection idle and outside any transaction, or without one."""
        connection = slot.connection
        # Interrupted (cancelled, timed out): the server may be in a transaction the client has not
        # heard of (a cancelled BEGIN), or still running the statement; asyncpg may think a
        # transaction is open whose rollback was cut short (its next `transaction()` would then be
        # a SAVEPOINT). Still in a transaction: the request left one open. Either way the
        # connection's state is in doubt, so it is closed, never handed to the next waiter, and
        # reopened on next use. A graceful close first waits for asyncpg's cancellation of the
        # statement (so the server stops it), and the server ends the transaction.
        if (
            connection is not None
            and not connection.is_closed()
            and (interrupted or connection.is_in_transaction())
        ):
            slot.connection = None
            try:
                await connection.close(timeout=CLOSE_TIMEOUT_S)
            except BaseException as exc:
                connection.terminate()
                if not isinstance(exc, Exception):
                    self._give_back(slot)
                    raise  # cancelled again: the request's task must still see it
        self._give_back(slot)

    def _assign(self, slot: _Slot, key: str) -> None:
        slot.busy = True
        slot.key = key
        self._in_use[key] = self._in_use.get(key, 0) + 1

    def _give_back(self, slot: _Slot) -> None:
        key = slot.key
        assert key is not None
        held = self._in_use[key] - 1
        if held:
            self._in_use[key] = held
        else:
            del self._in_use[key]
        # Invariant: no waiter is under its key's limit while a connection is idle. Only this key's
        # count went down, so if a connection is idle, the oldest eligible waiter is one of this
        # key's (if any), and it takes this one: one hand-off keeps the invariant.
        self._hand_on(slot)

    def _hand_on(self, slot: _Slot) -> None:
        """Give a free slot to the eligible waiter it suits best, or mark it idle."""
        waiters = self._waiters
        while waiters and waiters[0].future.done():
            waiters.popleft()
        oldest = self._oldest_eligible() if waiters else None
        if oldest is None:
            slot.busy = False
            slot.key = None
            return
        chosen = oldest
        first = waiters[oldest]
        if slot.index not in first.preferred and time.monotonic() - first.since < self._patience:
            for i in range(oldest + 1, min(len(waiters), oldest + LOOKAHEAD)):
                waiter = waiters[i]
                if slot.index in waiter.preferred and not waiter.future.done() and self._eligible(waiter):
                    chosen = i
                    break
        waiter = waiters[chosen]
        del waiters[chosen]
        self._assign(slot, waiter.key)
        waiter.future.set_result(slot)

    def _eligible(self, waiter: _Waiter) -> bool:
        key = waiter.key
        return self._in_use.get(key, 0) < self.limit(key)

    def _oldest_eligible(self) -> int | None:
        for i, waiter in enumerate(self._waiters):
            if not waiter.future.done() and self._eligible(waiter):
                return i
        return None

    def _forget(self, waiter: _Waiter) -> None:
        with suppress(ValueError):
            self._waiters.remove(waiter)


Gate = Callable[[asyncpg.Connection, str], Awaitable[None]]
"""Run on each connection taken for a key before the caller gets it (the key's schema readiness);
it refuses by raising."""


class TenantConnections:
    """The pool as one tenant uses it: the asyncpg pool methods the request path calls.

    With a `gate`, every connection taken first passes it (see tenancy/readiness.py); without one,
    as for a tenant already known ready, `acquire` is the pool's own."""

    __slots__ = ("_gate", "_key", "_pool")

    def __init__(self, pool: AffinityPool, key: str, gate: Gate | None = None) -> None:
        self._pool = pool
        self._key = key
        self._gate = gate

    def acquire(self) -> Any:
        if self._gate is None:
            return self._pool.acquire(self._key)
        return self._gated()

    @asynccontextmanager
    async def _gated(self) -> AsyncIterator[asyncpg.Connection]:
        async with self._pool.acquire(self._key) as connection:
            assert self._gate is not None
            await self._gate(connection, self._key)
            yield connection

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        async with self.acquire() as connection:
            return await connection.fetchrow(sql, *args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        async with self.acquire() as connection:
            return await connection.fetchval(sql, *args)

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        async with self.acquire() as connection:
            return await connection.fetch(sql, *args)

    async def execute(self, sql: str, *args: Any) -> str:
        async with self.acquire() as connection:
            return await connection.execute(sql, *args)
