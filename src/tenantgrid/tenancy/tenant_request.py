"""A request acting for one tenant, once its caller is known: the tenant's schema, quoted for SQL
text, the pool for that schema, and queries on it whose database failures leave as API errors (each
API renders those in its own shape). Each API's handler context extends it with its own caller:

    @dataclass(frozen=True, slots=True)
    class Ctx(TenantRequest):
        caller: Caller
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg
from starlette.requests import Request

from tenantgrid.auth.principal import Tenant
from tenantgrid.db.affinity import TenantConnections
from tenantgrid.db.execute import database_errors
from tenantgrid.runtime import Runtime
from tenantgrid.tenancy.names import quote_ident


@dataclass(frozen=True, slots=True)
class TenantRequest:
    request: Request
    runtime: Runtime
    tenant: Tenant

    @property
    def schema(self) -> str:
        return self.tenant.schema

    @property
    def s(self) -> str:
        """The tenant's schema, quoted for SQL text: `f"SELECT ... FROM {ctx.s}.users"`."""
        return quote_ident(self.tenant.schema)

    @property
    def pool(self) -> TenantConnections:
        return self.runtime.pools.for_schema(self.tenant.schema)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[asyncpg.Connection]:
        """A connection in a transaction (committed when the block ends, rolled back on an error)."""
        with database_errors():
            async with self.pool.acquire() as conn, conn.transaction():
                yield conn

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        with database_errors():
            return await self.pool.fetch(sql, *args)

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        with database_errors():
            return await self.pool.fetchrow(sql, *args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        with database_errors():
            return await self.pool.fetchval(sql, *args)
