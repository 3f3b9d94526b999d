"""Gainfully test tenants of their own (exact counts need rows no other test writes), keys in
the forms the API takes, and rows put in by SQL with chosen timestamps."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from tenantgrid.db.engine import create_engine
from tenantgrid.settings import Settings
from tenantgrid.tenancy.provision import ProvisionedTenant, create_tenant
from tests.conftest import PASSWORD, Database

BASE = "http://tenantgrid.test"
NewTenant = Callable[[str], ProvisionedTenant]


def auth(tenant: ProvisionedTenant) -> dict[str, str]:
    """The seed's form: the raw key as the whole Authorization header."""
    return {"Authorization": tenant.secret_key}


@pytest.fixture(scope="session")
def new_tenant(settings: Settings, tenants: dict[str, ProvisionedTenant]) -> NewTenant:
    def make(name: str) -> ProvisionedTenant:
        async def provision() -> ProvisionedTenant:
            engine = create_engine(settings.database_url or "")
            try:
                return await create_tenant(engine, settings, name, f"{name}@example.com", PASSWORD)
            finally:
                await engine.dispose()

        return asyncio.run(provision())

    return make


def sql(db: Database, tenant: ProvisionedTenant, statement: str, *args: object) -> list[object]:
    """`statement` with `{s}` standing for the tenant's (quoted) schema."""
    return db.fetch(statement.format(s=f'"{tenant.schema}"'), *args)
