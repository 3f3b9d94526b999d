"""A tenant whose schema is behind the code's revision answers 503 with Retry-After in every API,
each in its own error shape, instead of failing on a missing table; once migrated, it is served
again within auth_cache_ttl. A throwaway tenant: alpha and beta are shared by other tests."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Iterator

import httpx
import pytest
from starlette.testclient import TestClient

from tenantgrid.db.engine import create_engine
from tenantgrid.settings import Settings
from tenantgrid.tenancy.migrate import downgrade_schema, head_revision, script_directory, upgrade_schema
from tenantgrid.tenancy.provision import ProvisionedTenant, create_tenant, drop_tenant
from tenantgrid.tenancy.readiness import NOT_READY
from tests.conftest import PASSWORD, Database

MESSAGE = "This tenant's database schema is being set up or migrated; try again shortly."


def engine_run(settings: Settings, work):  # type: ignore[no-untyped-def]
    async def main():  # type: ignore[no-untyped-def]
        engine = create_engine(settings.database_url or "", settings)
        try:
            return await work(engine)
        finally:
            await engine.dispose()

    return asyncio.run(main())


@pytest.fixture
def lagging(settings: Settings, tenants: dict[str, ProvisionedTenant]) -> Iterator[ProvisionedTenant]:
    """A new tenant migrated one revision back, as if its last migration failed or had not run."""
    name = f"lagging_{secrets.token_hex(4)}"

    async def make(engine):  # type: ignore[no-untyped-def]
        tenant = await create_tenant(engine, settings, name, f"{name}@example.com", PASSWORD)
        previous = script_directory("tenant").get_revision(head_revision("tenant")).down_revision
        async with engine.begin() as conn:
            await downgrade_schema(conn, tenant.schema, previous)
        return tenant

    tenant = engine_run(settings, make)
    yield tenant
    engine_run(settings, lambda engine: drop_tenant(engine, settings, name))


def requests(tenant: ProvisionedTenant) -> dict[str, tuple[str, str, dict[str, str], dict[str, str] | None]]:
    """One request per API (and the sign-in), each of which reads the tenant's schema."""
    key = tenant.secret_key
    return {
        "postgrest": ("GET", "/rest/v1/things?limit=1", {"apikey": key}, None),
        "auth": (
            "POST",
            "/auth/v1/token?grant_type=password",
            {"apikey": tenant.publishable_key},
            {"email": tenant.email, "password": PASSWORD},
        ),
        "cmdb": ("GET", "/rest/users/", {"Api-Key": key}, None),
        "gridly": ("GET", "/v1/projects", {"Authorization": f"ApiKey {key}"}, None),
        "gainfully": ("GET", "/v1.0/relationships/", {"Authorization": key}, None),
    }


def send(
    client: TestClient, request: tuple[str, str, dict[str, str], dict[str, str] | None]
) -> httpx.Response:
    method, path, headers, body = request
    return client.request(method, path, headers=headers, json=body)


def test_every_api_answers_503_until_the_schema_is_migrated(
    client: TestClient, settings: Settings, db: Database, lagging: ProvisionedTenant, alpha: ProvisionedTenant
) -> None:
    head = head_revision("tenant")
    assert db.value(f'SELECT version_num FROM "{lagging.schema}".alembic_version') != head
    answers = {api: send(client, request) for api, request in requests(lagging).items()}
    for api, answer in answers.items():
        assert answer.status_code == 503, (api, answer.text)
        assert answer.headers["retry-after"] == "5", api
    details = f"schema {lagging.schema} is at revision "
    postgrest = answers["postgrest"].json()
    assert postgrest["code"] == NOT_READY and postgrest["message"] == MESSAGE
    assert postgrest["details"].startswith(details) and postgrest["details"].endswith(
        f"needs revision {head}"
    )
    assert postgrest["hint"]
    assert answers["auth"].json() == {"code": 503, "error_code": "unexpected_failure", "msg": MESSAGE}
    cmdb = answers["cmdb"].json()
    assert (cmdb["status"], cmdb["description"]) == (503, MESSAGE)
    assert cmdb["message"].startswith(details)
    assert answers["cmdb"].headers["x-api-version"] == "1.0"
    gridly = answers["gridly"].json()
    assert gridly["message"] == MESSAGE and gridly["errors"][0]["message"] == MESSAGE
    assert answers["gainfully"].json() == {"field": None, "error_code": NOT_READY, "detail": MESSAGE}
    # The other tenants are served meanwhile.
    assert client.get("/rest/v1/things?limit=1", headers={"apikey": alpha.secret_key}).status_code == 200

    async def migrate(engine):  # type: ignore[no-untyped-def]
        async with engine.begin() as conn:
            await upgrade_schema(conn, lagging.schema, "tenant")

    engine_run(settings, migrate)
    time.sleep(settings.auth_cache_ttl + 0.1)  # "behind" is remembered that long
    for api, request in requests(lagging).items():
        answer = send(client, request)
        assert answer.status_code == 200, (api, answer.text)


def test_a_schema_migrated_by_a_newer_deploy_is_served(
    client: TestClient, settings: Settings, db: Database, lagging: ProvisionedTenant
) -> None:
    """Rolling deploys: a revision this code does not know is newer, not broken."""

    async def ahead(engine):  # type: ignore[no-untyped-def]
        async with engine.begin() as conn:
            await upgrade_schema(conn, lagging.schema, "tenant")

    engine_run(settings, ahead)
    db.fetch(f'UPDATE "{lagging.schema}".alembic_version SET version_num = $1', "9999_from_the_future")
    for api, request in requests(lagging).items():
        answer = send(client, request)
        assert answer.status_code == 200, (api, answer.text)
