"""alembic's entry point for the tenant chain when run by hand (see alembic.ini).

tenantgrid itself does not go through this file: `tenancy.migrate` drives the chain directly.
"""

from __future__ import annotations

import asyncio

from alembic import context

from tenantgrid.db.engine import create_engine
from tenantgrid.db.url import resolve_database_url
from tenantgrid.settings import get_settings
from tenantgrid.tenancy.migrate import upgrade_schema


def main() -> None:
    settings = get_settings()
    schema = context.get_x_argument(as_dictionary=True).get("schema") or (
        settings.control_schema if "tenant" == "control" else settings.template_schema
    )

    async def run() -> None:
        engine = create_engine(resolve_database_url(settings))
        async with engine.begin() as conn:
            await upgrade_schema(conn, schema, "tenant")
        await engine.dispose()

    asyncio.run(run())


if context.is_offline_mode():
    raise SystemExit("offline (--sql) mode is not supported: tenantgrid migrates live schemas")
main()
