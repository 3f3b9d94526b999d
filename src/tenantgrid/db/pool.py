"""The connections the request path executes on: one affinity pool per process (see `affinity.py`).

The statement timeout is enforced twice. Postgres cancels a statement that runs longer than
`statement_timeout` (a startup parameter: no round trip), and asyncpg cancels one whose answer is
`BACKSTOP_S` later still (the server is unreachable, or the server-side limit is not there). Behind
a transaction pooler (`statement_cache_size` 0) only `application_name` is sent at start-up, since
PgBouncer refuses startup parameters it does not know; there the client-side timeout is the limit.
"""

from __future__ import annotations

import asyncpg

from tenantgrid.db.affinity import AffinityPool, TenantConnections
from tenantgrid.db.url import plain_url
from tenantgrid.settings import Settings
from tenantgrid.tenancy.readiness import SchemaReadiness

BACKSTOP_S = 1.0
"""How much longer than the server's statement timeout the client waits before cancelling itself."""
CONNECT_TIMEOUT_S = 10.0


class ConnectTimeout(ConnectionError):
    """Opening a connection took too long: the database is unreachable (503), unlike a statement
    that took too long (a `TimeoutError`, 504)."""


class Pools:
    """The process's pool, handed out per schema: `for_schema(s)` prefers s's own connections.

    `for_schema` is where every API's request takes its tenant's connections, so it is where a
    schema that is not at this code's revision is refused (503, tenancy/readiness.py). A schema
    seen ready costs a set lookup; until then each connection taken checks it.
    """

    def __init__(
        self, pool: AffinityPool, control_schema: str, readiness: SchemaReadiness | None = None
    ) -> None:
        self.pool = pool
        self.control = pool.for_key(control_schema)
        """Where control-plane lookups (API keys) run."""
        self.readiness = readiness
        self._ready: set[str] = readiness.ready if readiness is not None else set()
        self._gate = readiness.check if readiness is not None else None

    def for_schema(self, schema: str) -> TenantConnections:
        if schema in self._ready:
            return self.pool.for_key(schema)
        return self.pool.for_key(schema, self._gate)

    async def close(self) -> None:
        await self.pool.close()


def startup_parameters(settings: Settings) -> dict[str, str]:
    """What every connection sets at start-up. Behind a transaction pooler (no statement cache),
    only application_name: PgBouncer refuses the others (unless told to ignore them)."""
    parameters = {"application_name": "tenantgrid"}
    if settings.statement_cache_size > 0:
        parameters["jit"] = "off"
        if settings.statement_timeout > 0:
            parameters["statement_timeout"] = str(max(1, round(settings.statement_timeout * 1000)))
    return parameters


def command_timeout(settings: Settings) -> float | None:
    """asyncpg's own limit on each statement: a backstop just past the server's, or the only one."""
    if settings.statement_timeout <= 0:
        return None
    if "statement_timeout" in startup_parameters(settings):
        return settings.statement_timeout + BACKSTOP_S
    return settings.statement_timeout


async def create_pools(url: str, settings: Settings) -> Pools:
    dsn = plain_url(url)
    parameters = startup_parameters(settings)
    timeout = command_timeout(settings)

    async def connect() -> asyncpg.Connection:
        try:
            return await asyncpg.connect(
                dsn,
                statement_cache_size=settings.statement_cache_size,
                server_settings=parameters,
                command_timeout=timeout,
                timeout=CONNECT_TIMEOUT_S,
            )
        except TimeoutError as exc:
            raise ConnectTimeout(f"no connection to the database within {CONNECT_TIMEOUT_S:g} s") from exc

    pool = AffinityPool(
        connect,
        settings.pool_size,
        settings.pool_spread,
        timeout=settings.pool_timeout,
        tenant_limit=settings.tenant_connection_limit(),
        # API-key lookups for every tenant run under the control plane's key: capping them would
        # let a few tenants' bursts of new keys stall authentication for all. They are one short
        # indexed read each, and cached, so they cannot hold the pool for long.
        uncapped=(settings.control_schema,),
    )
    pools = Pools(pool, settings.control_schema, SchemaReadiness.for_code(settings.auth_cache_ttl))
    await pools.control.fetchval("SELECT 1")  # fail at start-up, not on the first request
    return pools
