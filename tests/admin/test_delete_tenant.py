""" "Delete my tenant": confirmed by typing the schema name and the password again; then schema,
control row, keys and sessions are gone and the cookie with them. A wrong password deletes nothing and
counts against the login rate limit."""

from __future__ import annotations

import time

from starlette.testclient import TestClient

from tenantgrid.settings import Settings
from tests.admin.conftest import app_with
from tests.admin.panel import PASSWORD, Browser, provision
from tests.conftest import Database


def test_a_wrong_confirmation_deletes_nothing(client: TestClient, settings: Settings, db: Database) -> None:
    tenant = provision(settings)
    browser = Browser(client)
    browser.login(tenant.schema, tenant.email)
    for confirm in ("", tenant.tenant, tenant.schema.upper()):
        response = browser.submit(
            "/admin/tenant", "/admin/tenant/delete", {"confirm": confirm, "password": PASSWORD}
        )
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
    response = browser.submit(
        "/admin/tenant", "/admin/tenant/delete", {"confirm": tenant.schema, "password": PASSWORD}
    )
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


def still_there(db: Database, schema: str) -> bool:
    return (
        db.value("SELECT count(*) FROM pg_namespace WHERE nspname = $1", schema) == 1
        and db.value("SELECT count(*) FROM tenantgrid.tenants WHERE schema_name = $1", schema) == 1
    )


def test_the_password_is_asked_again(client: TestClient, settings: Settings, db: Database) -> None:
    """A stolen session (cookie) alone cannot delete the tenant."""
    tenant = provision(settings)
    browser = Browser(client)
    browser.login(tenant.schema, tenant.email)
    page = browser.get("/admin/tenant")
    assert 'name="password" type="password"' in page.text
    for password, message in (("", "Enter your password."), ("not the password", "Wrong password.")):
        response = browser.submit(
            "/admin/tenant", "/admin/tenant/delete", {"confirm": tenant.schema, "password": password}
        )
        assert response.status_code == 400
        assert f'<span class="field-error" data-field="password">{message}</span>' in response.text
        assert 'id="delete-tenant-form"' in response.text
    assert still_there(db, tenant.schema)
    assert browser.get("/admin").status_code == 200  # still signed in
    assert client.get("/rest/v1/things?limit=1", headers={"apikey": tenant.secret_key}).status_code == 200


def test_wrong_passwords_count_against_the_login_rate_limit(settings: Settings, db: Database) -> None:
    tenant = provision(settings)
    with app_with(settings, login_rate_limit="5/hour") as client:
        browser = Browser(client)
        assert browser.login(tenant.schema, tenant.email).status_code == 303  # attempt 1
        fields = {"confirm": tenant.schema, "password": "a guess"}
        statuses = [
            browser.submit("/admin/tenant", "/admin/tenant/delete", fields).status_code for _ in range(4)
        ]
        assert statuses == [400, 400, 400, 400]
        limited = browser.submit(
            "/admin/tenant", "/admin/tenant/delete", {"confirm": tenant.schema, "password": PASSWORD}
        )
        assert limited.status_code == 429  # even the right password, now
        assert int(limited.headers["retry-after"]) > 0
        assert "Too many password attempts" in limited.text
        assert still_there(db, tenant.schema)
        # The same budget as signing in to this account.
        assert Browser(client).login(tenant.schema, tenant.email).status_code == 429
