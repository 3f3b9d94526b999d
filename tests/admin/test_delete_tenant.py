""" "Delete my tenant": confirmed by typing the schema name; then schema, control row, keys and
sessions are gone and the cookie with them."""

from __future__ import annotations

import time

from starlette.testclient import TestClient

from tenantgrid.settings import Settings
from tests.admin.panel import Browser, provision
from tests.conftest import Database


def test_a_wrong_confirmation_deletes_nothing(client: TestClient, settings: Settings, db: Database) -> None:
    tenant = provision(settings)
    browser = Browser(client)
    browser.login(tenant.schema, tenant.email)
    for confirm in ("", tenant.tenant, tenant.schema.upper()):
        response = browser.submit("/admin/tenant", "/admin/tenant/delete", {"confirm": confirm})
        assert response.status_code == 400
        assert f"Type the schema name, {tenant.schema}, to confirm." in response.text
    assert db.value("SELECT count(*) FROM pg_namespace WHERE nspname = $1", tenant.schema) == 1
    assert db.value("SELECT count(*) FROM tenantgrid.tenants WHERE schema_name = $1", tenant.schema) == 1


def test_delete_my_tenant(client: TestClient, settings: Settings, db: Database) -> None:
    tenant = provision(settings)
    browser = Browser(client)
    browser.login(tenant.schema, tenant.email)
    tenant_id = db.value("SELECT id FROM tenantgrid.tenants WHERE schema_name = $1", tenant.schema)
    page = browser.get("/admin/tenant")
    assert 'id="delete-tenant-form"' in page.text
    response = browser.submit("/admin/tenant", "/admin/tenant/delete", {"confirm": tenant.schema})
    assert response.status_code == 200
    assert 'id="tenant-deleted"' in response.text
    assert "tenantgrid_admin=" in response.headers["set-cookie"]
    assert db.value("SELECT count(*) FROM pg_namespace WHERE nspname = $1", tenant.schema) == 0
    assert db.value("SELECT count(*) FROM tenantgrid.tenants WHERE id = $1", tenant_id) == 0
    assert db.value("SELECT count(*) FROM tenantgrid.api_keys WHERE tenant_id = $1", tenant_id) == 0
    assert db.value("SELECT count(*) FROM tenantgrid.auth_sessions WHERE tenant_id = $1", tenant_id) == 0
    assert browser.get("/admin").status_code == 303
    time.sleep(0.3)  # the suite's auth_cache_ttl
    assert client.get("/rest/v1/things", headers={"apikey": tenant.secret_key}).status_code == 401
    # The same form again, from a second tab whose session went with the tenant: to the login page.
    assert Browser(client).login(tenant.schema, tenant.email).status_code == 400
