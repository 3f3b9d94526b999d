"""What every Gridly handler starts from: the authenticated caller, its tenant's schema and pool, and
the request's JSON body, each refused in Gridly's words.

    ctx = await context(request)
    view = await ctx.view(request.path_params["viewId"])     # 404 unless the caller sees it
    async with ctx.transaction() as conn: ...                # one transaction on the tenant's pool
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg
import orjson
from starlette.requests import Request

from tenantgrid.apis.gridly import failures
from tenantgrid.apis.gridly.auth import Caller, authenticate
from tenantgrid.apis.gridly.views_store import View, load_view
from tenantgrid.apis.postgrest.payload import read_body
from tenantgrid.db.affinity import TenantConnections
from tenantgrid.db.execute import database_errors
from tenantgrid.runtime import Runtime
from tenantgrid.tenancy.names import quote_ident


@dataclass(frozen=True, slots=True)
class Ctx:
    request: Request
    runtime: Runtime
    caller: Caller

    @property
    def schema(self) -> str:
        return self.caller.tenant.schema

    @property
    def s(self) -> str:
        """The tenant's schema, quoted for SQL text: `f"SELECT ... FROM {ctx.s}.gridly_grids"`."""
        return quote_ident(self.caller.tenant.schema)

    @property
    def pool(self) -> TenantConnections:
        return self.runtime.pools.for_schema(self.caller.tenant.schema)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[asyncpg.Connection]:
        """A connection in a transaction (committed when the block ends, rolled back on an error);
        database failures leave as their API errors."""
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

    async def view(self, view_id: str, conn: asyncpg.Connection | None = None) -> View:
        """The view with its columns; 404 (the seed's) when it does not exist or the key may not see it."""
        if not self.caller.sees_view(view_id):
            raise failures.not_found("view", view_id)
        with database_errors():
            view = await load_view(conn or self.pool, self.s, view_id)
        if view is None:
            raise failures.not_found("view", view_id)
        return view

    def require_unscoped(self) -> None:
        """Projects, databases and grids are not for a key scoped to some views (403)."""
        if self.caller.views is not None:
            raise failures.forbidden("This API key is scoped to some views only.")


async def context(request: Request) -> Ctx:
    """Authenticate (401)."""
    caller = await authenticate(request)
    return Ctx(request, request.app.state.runtime, caller)


async def json_body(request: Request) -> Any:
    """The request's JSON body within the size limit (413), parsed (400 naming `body` if it is not JSON)."""
    runtime: Runtime = request.app.state.runtime
    raw = await read_body(request, runtime.settings.max_body_bytes)
    if not raw.strip():
        raise failures.bad_request("A JSON body is required.", "body")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise failures.bad_request("Unable to parse the request body as JSON.", "body") from None


async def json_object(request: Request) -> dict[str, Any]:
    body = await json_body(request)
    if not isinstance(body, dict):
        raise failures.bad_request("The request body must be a JSON object.", "body")
    return body


async def json_array(request: Request) -> list[Any]:
    body = await json_body(request)
    if not isinstance(body, list):
        raise failures.bad_request("The request body must be a JSON array.", "body")
    return body
