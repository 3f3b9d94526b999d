"""A fixed window per key in the control plane's UNLOGGED `rate_limit_windows` table (migration c0004).

A check is one statement on the control pool: the upsert counts the hit, starts a new window when
the last one has ended, and returns the count and the seconds left, with the row locked for the
statement's duration, so concurrent hits from any number of processes and machines are counted
exactly once each. The window starts at a key's first hit, as the `limits` library's fixed window
does in Redis, and the database's clock is the only clock involved.

Rows of keys that stopped coming are deleted now and then (`SWEEP_EVERY_S`) by whichever process
notices first; a key's own next hit would restart its window anyway.
"""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import suppress

from limits import RateLimitItem

from tenantgrid.db.affinity import TenantConnections
from tenantgrid.tenancy.names import quote_ident

SWEEP_EVERY_S = 60.0
log = logging.getLogger("tenantgrid.ratelimit")


class PostgresWindow:
    def __init__(self, control: TenantConnections, control_schema: str) -> None:
        self._control = control
        table = f"{quote_ident(control_schema)}.rate_limit_windows"
        # DO UPDATE's right-hand sides all see the row as it was: both CASEs test the old window.
        self._hit_sql = f"""
            INSERT INTO {table} AS w (key, hits, resets_at)
            VALUES ($1, 1, now() + make_interval(secs => $2))
            ON CONFLICT (key) DO UPDATE SET
                hits = CASE WHEN w.resets_at <= now() THEN 1 ELSE w.hits + 1 END,
                resets_at = CASE WHEN w.resets_at <= now() THEN excluded.resets_at ELSE w.resets_at END
            RETURNING w.hits, extract(epoch FROM w.resets_at - now())::float8
        """
        self._sweep_sql = f"DELETE FROM {table} WHERE resets_at < now()"
        self._next_sweep = time.monotonic() + SWEEP_EVERY_S
        self._sweeping: asyncio.Task[None] | None = None

    async def hit(self, budget: RateLimitItem, key: str) -> float | None:
        self._maybe_sweep()
        row = await self._control.fetchrow(self._hit_sql, budget.key_for(key), float(budget.get_expiry()))
        assert row is not None
        hits, left = row
        return None if hits <= budget.amount else left

    def _maybe_sweep(self) -> None:
        now = time.monotonic()
        if now < self._next_sweep or (self._sweeping is not None and not self._sweeping.done()):
            return
        self._next_sweep = now + SWEEP_EVERY_S
        self._sweeping = asyncio.get_running_loop().create_task(self._sweep())

    async def _sweep(self) -> None:
        try:
            await self._control.execute(self._sweep_sql)
        except Exception:  # the next sweep will do; a request must not fail for it
            log.warning("could not delete ended rate-limit windows", exc_info=True)

    async def close(self) -> None:
        if self._sweeping is not None:
            self._sweeping.cancel()
            with suppress(asyncio.CancelledError):
                await self._sweeping
