"""The asyncpg pool the request path executes on.

asyncpg resets every connection it takes back (`RESET ALL; UNLISTEN *; ...`), one more round trip
per request. Nothing on the request path changes session state (no SET, LISTEN, advisory locks or
temporary tables; transactions always close), so the pool skips that reset. This also keeps the
door open for PgBouncer in transaction mode (DESIGN: correctness never depends on session state).
"""

from __future__ import annotations

import asyncpg

from tenantgrid.db.url import plain_url
from tenantgrid.settings import Settings


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
