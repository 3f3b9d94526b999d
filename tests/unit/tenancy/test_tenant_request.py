"""A tenant's request: its schema quoted for SQL text, and queries on that schema's connections, in
transactions that commit or roll back as a block, with database failures raised as API errors."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest
from starlette.requests import Request

from tenantgrid.auth.principal import Tenant
from tenantgrid.db.affinity import AffinityPool
from tenantgrid.db.pool import Pools
from tenantgrid.errors import ApiError
from tenantgrid.runtime import Runtime
from tenantgrid.settings import Settings
from tenantgrid.tenancy.tenant_request import TenantRequest

SCHEMA = "tenant_request_probe"


def _runtime(settings: Settings, pools: Pools | None) -> Runtime:
    """Settings and pools are all a TenantRequest reaches for."""
    rest: list[Any] = [None] * 6
    return Runtime(settings, pools, *rest)  # type: ignore[arg-type]


def _tenant_request(settings: Settings, pools: Pools | None, schema: str = SCHEMA) -> TenantRequest:
    return TenantRequest(Request({"type": "http"}), _runtime(settings, pools), Tenant(1, "probe", schema))


@pytest.mark.parametrize(
    ("schema", "quoted"), [("alpha_123456", '"alpha_123456"'), ('we"ird', '"we""ird"'), ("Up", '"Up"')]
)
def test_the_schema_quoted_for_sql_text(settings: Settings, schema: str, quoted: str) -> None:
    ctx = _tenant_request(settings, None, schema)
    assert (ctx.schema, ctx.s) == (schema, quoted)


def test_queries_run_on_the_tenants_schema_in_whole_transactions(
    settings: Settings, database_url: str
) -> None:
    async def run() -> tuple[list[int], int, ApiError]:
        admin = await asyncpg.connect(database_url)
        pools = Pools(AffinityPool(lambda: asyncpg.connect(database_url), size=2), settings.control_schema)
        ctx = _tenant_request(settings, pools)
        try:
            await admin.execute(f"CREATE SCHEMA {ctx.s}; CREATE TABLE {ctx.s}.probe (n int PRIMARY KEY)")
            async with ctx.transaction() as conn:
                await conn.execute(f"INSERT INTO {ctx.s}.probe VALUES (1)")
            with pytest.raises(RuntimeError):
                async with ctx.transaction() as conn:
                    await conn.execute(f"INSERT INTO {ctx.s}.probe VALUES (2)")
                    raise RuntimeError("the handler failed")
            with pytest.raises(ApiError) as failure:
                await ctx.fetch(f"INSERT INTO {ctx.s}.probe VALUES (1)")
            rows = [r["n"] for r in await ctx.fetch(f"SELECT n FROM {ctx.s}.probe")]
            return rows, await ctx.fetchval(f"SELECT count(*) FROM {ctx.s}.probe"), failure.value
        finally:
            await admin.execute(f"DROP SCHEMA IF EXISTS {ctx.s} CASCADE")
            await admin.close()
            await pools.close()

    rows, count, failure = asyncio.run(run())
    assert (rows, count) == ([1], 1)
    assert failure.status == 409  # the duplicate key, as every API's renderer sees it
