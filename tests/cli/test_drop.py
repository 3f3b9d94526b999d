"""`tenantgrid tenants drop` (and `drop_tenant`, which the panel's "delete my tenant" calls) removes
a tenant in one step: schema, control row, keys, sign-in sessions and refresh tokens, stored files
(here in a real S3-compatible server). Afterwards its keys answer 401 on every API."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from tenantgrid.cli import main
from tenantgrid.db.engine import create_engine
from tenantgrid.settings import Settings, get_settings
from tenantgrid.tenancy.provision import ProvisionedTenant, create_tenant, drop_tenant
from tests.cli.s3_server import S3Server, s3_server_fixture  # noqa: F401 (the fixture `s3_server`)
from tests.conftest import PASSWORD, Database


def provision(settings: Settings, name: str) -> ProvisionedTenant:
    async def run() -> ProvisionedTenant:
        engine = create_engine(settings.database_url or "", settings)
        try:
            return await create_tenant(engine, settings, name, f"{name}@example.com", PASSWORD)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def drop(settings: Settings, name: str) -> str:
    async def run() -> str:
        engine = create_engine(settings.database_url or "", settings)
        try:
            return await drop_tenant(engine, settings, name)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def what_remains(db: Database, tenant_id: int, schema: str) -> dict[str, int]:
    control = "tenantgrid"
    return {
        "schema": db.value("SELECT count(*) FROM pg_namespace WHERE nspname = $1", schema),
        "tenant": db.value(f"SELECT count(*) FROM {control}.tenants WHERE id = $1", tenant_id),
        "keys": db.value(f"SELECT count(*) FROM {control}.api_keys WHERE tenant_id = $1", tenant_id),
        "sessions": db.value(f"SELECT count(*) FROM {control}.auth_sessions WHERE tenant_id = $1", tenant_id),
        "refresh_tokens": db.value(
            f"SELECT count(*) FROM {control}.refresh_tokens r JOIN {control}.auth_sessions s "
            "ON s.id = r.session_id WHERE s.tenant_id = $1",
            tenant_id,
        ),
    }


def every_api(client: TestClient, tenant: ProvisionedTenant) -> dict[str, int]:
    key = tenant.secret_key
    return {
        "postgrest": client.get("/rest/v1/things?limit=1", headers={"apikey": key}).status_code,
        "cmdb": client.get("/rest/users/", headers={"Api-Key": key}).status_code,
        "gridly": client.get("/v1/projects", headers={"Authorization": f"ApiKey {key}"}).status_code,
        "gainfully": client.get("/v1.0/relationships/", headers={"Authorization": key}).status_code,
    }


@pytest.fixture
def s3_settings(settings: Settings, s3_server: S3Server) -> Settings:
    s3 = s3_server.settings(settings, prefix="drop-test/")
    s3_server.client.create_bucket(Bucket=s3.s3_bucket)
    return s3


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, database_url: str) -> Iterator[None]:
    monkeypatch.setenv("TENANTGRID_DATABASE_URL", database_url)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_drop_removes_schema_rows_keys_sessions_and_files(
    client: TestClient,
    db: Database,
    s3_settings: Settings,
    s3_server: S3Server,
    monkeypatch: pytest.MonkeyPatch,
    cli_env: None,
    alpha: ProvisionedTenant,
) -> None:
    name = f"drop_{secrets.token_hex(4)}"
    tenant = provision(s3_settings, name)
    tenant_id = db.value("SELECT id FROM tenantgrid.tenants WHERE name = $1", name)
    assert set(every_api(client, tenant).values()) == {200}
    login = client.post(
        "/auth/v1/token?grant_type=password",
        headers={"apikey": tenant.publishable_key},
        json={"email": tenant.email, "password": PASSWORD},
    )
    assert login.status_code == 200
    bucket, prefix = s3_settings.s3_bucket, s3_settings.s3_prefix
    for i in range(3):
        s3_server.client.put_object(Bucket=bucket, Key=f"{prefix}{tenant.schema}/file{i}", Body=b"x" * 10)
    # Another tenant's objects, and one whose schema name merely starts with this one's.
    others = [f"{prefix}{alpha.schema}/kept", f"{prefix}{tenant.schema}0/kept"]
    for key in others:
        s3_server.client.put_object(Bucket=bucket, Key=key, Body=b"y")
    assert what_remains(db, tenant_id, tenant.schema) == {
        "schema": 1,
        "tenant": 1,
        "keys": 2,
        "sessions": 1,
        "refresh_tokens": 1,
    }

    for variable, value in s3_server.environment(s3_settings).items():
        monkeypatch.setenv(variable, value)
    result = CliRunner().invoke(main, ["tenants", "drop", name, "--yes"])
    assert result.exit_code == 0, result.output
    assert tenant.schema in result.output

    assert what_remains(db, tenant_id, tenant.schema) == dict.fromkeys(
        ("schema", "tenant", "keys", "sessions", "refresh_tokens"), 0
    )
    assert s3_server.keys(bucket, prefix) == sorted(others)
    time.sleep(client.app.state.runtime.settings.auth_cache_ttl + 0.1)  # type: ignore[attr-defined]
    assert set(every_api(client, tenant).values()) == {401}
    refreshed = client.post(
        "/auth/v1/token?grant_type=refresh_token",
        headers={"apikey": tenant.publishable_key},
        json={"refresh_token": login.json()["refresh_token"]},
    )
    assert refreshed.status_code == 401
    assert set(every_api(client, alpha).values()) == {200}


def test_a_file_store_failure_does_not_undo_or_fail_the_drop(
    settings: Settings, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """The tenant is gone once the transaction commits; objects left behind are only storage."""
    unreachable = settings.model_copy(
        update={
            "file_store": "s3",
            "s3_endpoint_url": "http://127.0.0.1:9",
            "s3_access_key_id": "x",
            "s3_secret_access_key": "y",
        }
    )
    name = f"drop_{secrets.token_hex(4)}"
    tenant = provision(settings, name)
    with caplog.at_level(logging.ERROR, logger="tenantgrid.tenancy"):
        assert drop(unreachable, name) == tenant.schema
    assert db.value("SELECT count(*) FROM pg_namespace WHERE nspname = $1", tenant.schema) == 0
    assert db.value("SELECT count(*) FROM tenantgrid.tenants WHERE name = $1", name) == 0
    assert "deleting its stored files failed" in caplog.text
