"""The asyncpg pool the request path executes on."""

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
    )
