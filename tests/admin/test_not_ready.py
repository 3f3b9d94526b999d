"""A tenant whose schema is not ready (behind the code's revision) gets the panel's 503 page, with
Retry-After, never a server error."""

from __future__ import annotations

import asyncio

from starlette.testclient import TestClient

from tenantgrid.db.engine import create_engine
from tenantgrid.settings import Settings
from tenantgrid.tenancy.migrate import downgrade_schema, head_revision, script_directory
from tests.admin.panel import Browser, provision


def test_a_tenant_not_ready_is_a_503_page_not_a_crash(client: TestClient, settings: Settings) -> None:
    """A schema behind the code's revision (a failed migration): the panel says so, with Retry-After."""
    tenant = provision(settings)  # not served yet by this process: "ready" is remembered for good

    async def lag() -> None:
        engine = create_engine(settings.database_url or "", settings)
        try:
            previous = script_directory("tenant").get_revision(head_revision("tenant")).down_revision
            async with engine.begin() as conn:
                await downgrade_schema(conn, tenant.schema, previous)
        finally:
            await engine.dispose()

    asyncio.run(lag())
    response = Browser(client).login(tenant.schema, tenant.email)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert "being set up or migrated" in response.text
