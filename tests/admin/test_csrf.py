"""Every state-changing panel request needs the CSRF token of its session (or, before sign-in, of
its pre-session cookie): without it, with a wrong one or with another session's, 403 and nothing
changes."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tenantgrid.settings import Settings
from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.admin.panel import PASSWORD, Browser, provision
from tests.conftest import Database

FORMS = [
    ("/admin/logout", {}),
    ("/admin/keys", {"kind": "secret"}),
    ("/admin/keys/{key}/revoke", {}),
    ("/admin/users", {"email": "csrf@example.com", "password": "a long password", "group_id": "2"}),
    ("/admin/users/{user}/group", {"group_id": "1"}),
    ("/admin/users/{user}/deactivate", {}),
    ("/admin/users/{user}/reactivate", {}),
    ("/admin/tenant/delete", {"confirm": "{schema}", "password": PASSWORD}),
]


@pytest.fixture(scope="module")
def victim(settings: Settings) -> ProvisionedTenant:
    return provision(settings)


def snapshot(db: Database, tenant: ProvisionedTenant) -> tuple[object, ...]:
    s = f'"{tenant.schema}"'
    return (
        db.value("SELECT count(*) FROM tenantgrid.tenants WHERE schema_name = $1", tenant.schema),
        db.value(
            "SELECT count(*) FROM tenantgrid.api_keys k JOIN tenantgrid.tenants t ON t.id = k.tenant_id "
            "WHERE t.schema_name = $1 AND k.revoked_at IS NULL AND k.session_id IS NULL",
            tenant.schema,
        ),
        db.value(f"SELECT string_agg(email || group_id || active, ',' ORDER BY email) FROM {s}.users"),
        db.value("SELECT count(*) FROM tenantgrid.auth_sessions WHERE revoked_at IS NULL"),
    )


@pytest.mark.parametrize("path, fields", FORMS, ids=[p for p, _ in FORMS])
@pytest.mark.parametrize("token", ["missing", "wrong", "other-session"])
def test_forms_refuse_a_missing_or_wrong_token(
    client: TestClient, db: Database, victim: ProvisionedTenant, path: str, fields: dict[str, str], token: str
) -> None:
    browser = Browser(client)
    assert browser.login(victim.schema, victim.email).status_code == 303
    key = db.value(
        "SELECT min(k.id) FROM tenantgrid.api_keys k JOIN tenantgrid.tenants t ON t.id = k.tenant_id "
        "WHERE t.schema_name = $1",
        victim.schema,
    )
    user = db.value(f'SELECT id::text FROM "{victim.schema}".users LIMIT 1')
    target = path.format(key=key, user=user)
    data = {k: v.format(schema=victim.schema) for k, v in fields.items()}
    if token == "wrong":
        data["csrf_token"] = "A" * 43
    elif token == "other-session":
        other = Browser(client)
        other.login(victim.schema, victim.email)
        data["csrf_token"] = other.token("/admin")
    before = snapshot(db, victim)
    response = browser.post(target, data)
    assert response.status_code == 403
    assert "security token is missing or wrong" in response.text
    assert snapshot(db, victim) == before
    assert browser.get("/admin").status_code == 200  # still signed in


@pytest.mark.parametrize("path", ["/admin/login", "/admin/signup"])
def test_pre_login_forms_need_the_pre_session_token(
    client: TestClient, alpha: ProvisionedTenant, path: str
) -> None:
    browser = Browser(client)
    fields = {"tenant": alpha.schema, "email": alpha.email, "password": "correct horse battery"}
    assert browser.post(path, fields).status_code == 403
    assert browser.post(path, {**fields, "csrf_token": "A" * 43}).status_code == 403
    # A token from another browser's pre-session cookie does not fit this one's.
    other = Browser(client)
    assert browser.post(path, {**fields, "csrf_token": other.token("/admin/login")}).status_code == 403
    assert browser.get("/admin").status_code == 303


def test_the_header_works_as_htmx_sends_it(
    client: TestClient, alpha: ProvisionedTenant, db: Database
) -> None:
    browser = Browser(client)
    browser.login(alpha.schema, alpha.email)
    token = browser.token("/admin")
    response = browser.post(
        "/admin/keys", {"kind": "publishable"}, headers={"X-CSRF-Token": token, "HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<details id="keys-menu" open>')
    assert 'id="new-key"' in response.text
    assert (
        browser.post("/admin/keys", {"kind": "publishable"}, headers={"X-CSRF-Token": "nope"}).status_code
        == 403
    )


def test_a_planted_pre_session_cookie_does_not_stand_in_for_the_session(
    client: TestClient, db: Database, victim: ProvisionedTenant
) -> None:
    """An attacker's own pre-session cookie and its token (anyone gets both from the login page),
    planted in a signed-in browser (a sibling host or plain HTTP can set cookies), are refused."""
    browser = Browser(client)
    assert browser.login(victim.schema, victim.email).status_code == 303
    attacker = Browser(client)
    token = attacker.token("/admin/login")
    planted = attacker.cookies["tenantgrid_pre"]
    browser.cookies.delete("tenantgrid_pre")
    browser.cookies.set("tenantgrid_pre", planted, domain="tenantgrid.test")
    before = snapshot(db, victim)
    for headers in ({}, {"X-CSRF-Token": token, "HX-Request": "true"}):
        response = browser.post("/admin/keys", {"kind": "secret", "csrf_token": token}, headers=headers)
        assert response.status_code == 403
    assert browser.submit("/admin", "/admin/tenant/delete", {"confirm": "x"}).status_code == 400
    assert snapshot(db, victim) == before
