"""A session of tenant A never shows or changes tenant B: the tenant comes from the session only, and
every id a form names is looked up within that tenant."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from tenantgrid.settings import Settings
from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.admin.panel import Browser, provision
from tests.conftest import Database


@pytest.fixture(scope="module")
def pair(settings: Settings) -> tuple[ProvisionedTenant, ProvisionedTenant]:
    return provision(settings), provision(settings)


def test_pages_show_only_the_own_tenant(
    client: TestClient, pair: tuple[ProvisionedTenant, ProvisionedTenant]
) -> None:
    a, b = pair
    browser = Browser(client)
    browser.login(a.schema, a.email)
    for path in ("/admin", "/admin/users", "/admin/keys", "/admin/tenant"):
        page = browser.get(path).text
        assert b.schema not in page and b.email not in page and b.tenant not in page
        assert b.publishable_key[:12] not in page and b.secret_key[:12] not in page
    assert re.findall(r'<tr data-email="([^"]*)"', browser.get("/admin/users").text) == [a.email]


def test_forms_never_reach_the_other_tenant(
    client: TestClient, db: Database, pair: tuple[ProvisionedTenant, ProvisionedTenant]
) -> None:
    a, b = pair
    browser = Browser(client)
    browser.login(a.schema, a.email)
    b_key = db.value("SELECT id FROM tenantgrid.api_keys WHERE prefix = $1", b.secret_key[:12] + "…")
    b_user = db.value(f'SELECT id::text FROM "{b.schema}".users WHERE email = $1', b.email)
    browser.submit("/admin/keys", f"/admin/keys/{b_key}/revoke", {})
    assert db.value("SELECT revoked_at FROM tenantgrid.api_keys WHERE id = $1", b_key) is None
    for action, fields in (("deactivate", {}), ("group", {"group_id": "2"})):
        response = browser.submit("/admin/users", f"/admin/users/{b_user}/{action}", fields)
        assert response.status_code == 404
    row = db.fetch(f'SELECT active, group_id FROM "{b.schema}".users WHERE id = $1::uuid', b_user)[0]
    assert (row["active"], row["group_id"]) == (True, 1)
    # Deleting with B's schema as the confirmation is a wrong confirmation for A.
    assert browser.submit("/admin/tenant", "/admin/tenant/delete", {"confirm": b.schema}).status_code == 400
    assert db.value("SELECT count(*) FROM pg_namespace WHERE nspname = $1", b.schema) == 1
    assert (
        client.get("/rest/v1/things?select=id&limit=1", headers={"apikey": b.secret_key}).status_code == 200
    )


def test_a_cookie_cannot_be_moved_to_another_tenant(
    client: TestClient, db: Database, pair: tuple[ProvisionedTenant, ProvisionedTenant]
) -> None:
    """The cookie is signed: rewriting its tenant id breaks it. And a session of A's, shown with B's
    tenant id, is not found (the session row is A's)."""
    from tenantgrid.admin.session import COOKIE_SALT
    from tenantgrid.admin.signing import cookie_serializer

    a, b = pair
    browser = Browser(client)
    browser.login(a.schema, a.email)
    secret = client.app.state.runtime.jwt_secret  # type: ignore[attr-defined]
    serializer = cookie_serializer(secret, COOKIE_SALT)
    data = serializer.loads(browser.cookies["tenantgrid_admin"])
    b_id = db.value("SELECT id FROM tenantgrid.tenants WHERE schema_name = $1", b.schema)
    moved = Browser(client)
    moved.cookies.set("tenantgrid_admin", serializer.dumps({**data, "t": b_id}))  # even signed right
    assert moved.get("/admin").status_code == 303
