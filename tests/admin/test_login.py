"""Signing in and out of the panel: the tenant by schema, name or email; one error for every wrong
answer; the cookie's attributes; the login rate limit; logout revokes the session."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tenantgrid.settings import Settings
from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.admin.conftest import app_with
from tests.admin.panel import Browser, provision
from tests.conftest import Database

GENERIC = "Unknown tenant, or wrong email or password."


def cookie_header(response: object, name: str) -> str:
    headers = [v for k, v in response.headers.multi_items() if k == "set-cookie"]  # type: ignore[attr-defined]
    found = [h for h in headers if h.startswith(f"{name}=")]
    assert found, headers
    return found[-1]


def test_unsigned_visitor_is_sent_to_login(client: TestClient) -> None:
    response = Browser(client).get("/admin/users")
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/login?next=/admin/users"


@pytest.mark.parametrize("how", ["schema", "name", "email"])
def test_login_by_schema_name_or_email(client: TestClient, alpha: ProvisionedTenant, how: str) -> None:
    browser = Browser(client)
    tenant = {"schema": alpha.schema, "name": alpha.tenant, "email": alpha.email.upper()}[how]
    response = browser.login(tenant, alpha.email)
    assert response.status_code == 303
    assert response.headers["location"] == "/admin"
    home = browser.get("/admin")
    assert home.status_code == 200
    assert f'<span id="tenant-name" title="tenant (schema)">{alpha.tenant} ' in home.text
    assert alpha.schema in home.text


def test_login_returns_to_next_but_never_off_site(client: TestClient, alpha: ProvisionedTenant) -> None:
    browser = Browser(client)
    token = browser.token("/admin/login")
    fields = {
        "csrf_token": token,
        "tenant": alpha.schema,
        "email": alpha.email,
        "password": "correct horse battery",
    }
    assert (
        browser.post("/admin/login", {**fields, "next": "/admin/users"}).headers["location"] == "/admin/users"
    )
    browser = Browser(client)
    fields["csrf_token"] = browser.token("/admin/login")
    assert (
        browser.post("/admin/login", {**fields, "next": "//evil.example/x"}).headers["location"] == "/admin"
    )


@pytest.mark.parametrize(
    "tenant, email, password",
    [
        ("no_such_tenant", "alpha@example.com", "correct horse battery"),
        ("alpha", "nobody@example.com", "correct horse battery"),
        ("alpha", "alpha@example.com", "wrong password"),
        ("beta", "alpha@example.com", "correct horse battery"),  # right user, wrong tenant
    ],
)
def test_every_wrong_answer_gets_the_same_error(
    client: TestClient, db: Database, tenant: str, email: str, password: str
) -> None:
    sessions = db.value("SELECT count(*) FROM tenantgrid.auth_sessions")
    browser = Browser(client)
    response = browser.login(tenant, email, password)
    assert response.status_code == 400
    assert f'<p class="form-error" role="alert">{GENERIC}</p>' in response.text
    assert 'id="login-form"' in response.text
    assert "tenantgrid_admin=" not in response.headers.get("set-cookie", "")
    assert db.value("SELECT count(*) FROM tenantgrid.auth_sessions") == sessions
    assert browser.get("/admin").status_code == 303


def test_empty_fields_are_refused(client: TestClient) -> None:
    response = Browser(client).submit(
        "/admin/login", "/admin/login", {"tenant": "", "email": "", "password": ""}
    )
    assert response.status_code == 400
    assert "Enter your tenant, email and password." in response.text


def test_cookie_attributes_over_http_and_https(client: TestClient, alpha: ProvisionedTenant) -> None:
    plain = cookie_header(Browser(client).login(alpha.schema, alpha.email), "tenantgrid_admin")
    attributes = {part.strip().lower() for part in plain.split(";")[1:]}
    assert {"httponly", "path=/", "samesite=lax", "max-age=86400"} <= attributes
    assert "secure" not in attributes
    tls = cookie_header(
        Browser(client, "https://tenantgrid.test").login(alpha.schema, alpha.email), "__Host-tenantgrid_admin"
    )
    assert "secure" in {part.strip().lower() for part in tls.split(";")[1:]}
    pre = cookie_header(Browser(client).get("/admin/login"), "tenantgrid_pre")
    assert {"httponly", "samesite=lax"} <= {part.strip().lower() for part in pre.split(";")[1:]}


def test_a_forged_cookie_is_no_session(client: TestClient, alpha: ProvisionedTenant) -> None:
    browser = Browser(client)
    browser.login(alpha.schema, alpha.email)
    value = browser.cookies["tenantgrid_admin"]
    assert browser.get("/admin").status_code == 200
    forged = Browser(client)
    forged.cookies.set("tenantgrid_admin", value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    response = forged.get("/admin")
    assert response.status_code == 303
    assert (
        'tenantgrid_admin="";' in response.headers["set-cookie"]
        or "Max-Age=0" in response.headers["set-cookie"]
    )


def test_a_non_admin_may_not_use_the_panel(client: TestClient, settings: Settings, db: Database) -> None:
    tenant = provision(settings)
    admin = Browser(client)
    admin.login(tenant.schema, tenant.email)
    created = admin.submit(
        "/admin/users",
        "/admin/users",
        {"email": "plain@example.com", "password": "a long password", "group_id": "2"},
    )
    assert created.status_code == 303
    response = Browser(client).login(tenant.schema, "plain@example.com", "a long password")
    assert response.status_code == 403
    assert f"This account is not an administrator of tenant {tenant.tenant}." in response.text
    revoked = db.value(
        "SELECT bool_and(revoked_at IS NOT NULL) FROM tenantgrid.auth_sessions s "
        "JOIN tenantgrid.tenants t ON t.id = s.tenant_id WHERE t.schema_name = $1 AND s.user_id = "
        f'(SELECT id FROM "{tenant.schema}".users WHERE email = $2)',
        tenant.schema,
        "plain@example.com",
    )
    assert revoked is True


def test_logout_revokes_the_session(client: TestClient, alpha: ProvisionedTenant, db: Database) -> None:
    browser = Browser(client)
    browser.login(alpha.schema, alpha.email)
    kept = browser.cookies["tenantgrid_admin"]
    session = db.value("SELECT id FROM tenantgrid.auth_sessions ORDER BY created_at DESC LIMIT 1")
    response = browser.submit("/admin", "/admin/logout", {})
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/login"
    assert "tenantgrid_admin=" in response.headers["set-cookie"]
    assert browser.get("/admin").status_code == 303
    assert db.value("SELECT revoked_at IS NOT NULL FROM tenantgrid.auth_sessions WHERE id = $1", session)
    assert db.value(
        "SELECT bool_and(spent_at IS NOT NULL) FROM tenantgrid.refresh_tokens WHERE session_id = $1", session
    )
    # The old cookie, replayed, is no session any more.
    replay = Browser(client)
    replay.cookies.set("tenantgrid_admin", kept)
    assert replay.get("/admin").status_code == 303


def test_login_rate_limit(settings: Settings, alpha: ProvisionedTenant) -> None:
    with app_with(settings, login_rate_limit="3/hour") as client:
        browser = Browser(client)
        statuses = [browser.login(alpha.schema, alpha.email, "wrong password").status_code for _ in range(3)]
        assert statuses == [400, 400, 400]
        limited = browser.login(alpha.schema, alpha.email)  # even the right password, now
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) > 0
        assert "Too many sign-in attempts" in limited.text
        assert browser.get("/admin").status_code == 303


def test_signing_in_again_revokes_the_previous_session(
    client: TestClient, settings: Settings, db: Database
) -> None:
    """The replaced cookie was the only handle on the old session: it is revoked, and its /docs key."""
    tenant = provision(settings)
    browser = Browser(client)
    browser.login(tenant.schema, tenant.email)
    first = browser.cookies["tenantgrid_admin"]
    assert browser.login(tenant.schema, tenant.email).status_code == 303
    assert browser.get("/admin").status_code == 200
    sessions = db.value(
        "SELECT array_agg(s.revoked_at IS NULL ORDER BY s.created_at) FROM tenantgrid.auth_sessions s "
        "JOIN tenantgrid.tenants t ON t.id = s.tenant_id WHERE t.schema_name = $1",
        tenant.schema,
    )
    assert sessions == [False, True]
    docs_keys = db.value(
        "SELECT array_agg(k.revoked_at IS NULL ORDER BY k.id) FROM tenantgrid.api_keys k "
        "JOIN tenantgrid.tenants t ON t.id = k.tenant_id "
        "WHERE t.schema_name = $1 AND k.session_id IS NOT NULL",
        tenant.schema,
    )
    assert docs_keys == [False, True]
    replay = Browser(client)
    replay.cookies.set("tenantgrid_admin", first)
    assert replay.get("/admin").status_code == 303


def test_over_tls_the_cookies_are_host_only_and_a_planted_plain_one_counts_for_nothing(
    client: TestClient, alpha: ProvisionedTenant, beta: ProvisionedTenant
) -> None:
    """`__Host-` cookies can be set only by this origin over HTTPS: a session cookie planted from a
    sibling host or a plain-HTTP answer (the attacker's own, of their tenant) is not read over TLS."""
    victim = Browser(client, "https://tenantgrid.test")
    page = victim.get("/admin/login")
    pre = cookie_header(page, "__Host-tenantgrid_pre")
    assert {"secure", "path=/", "httponly"} <= {part.strip().lower() for part in pre.split(";")[1:]}
    assert "domain=" not in pre.lower()
    attacker = Browser(client, "https://tenantgrid.test")
    attacker.login(beta.schema, beta.email)
    planted = attacker.cookies["__Host-tenantgrid_admin"]
    victim.cookies.set("tenantgrid_admin", planted, domain="tenantgrid.test")
    assert victim.get("/admin").status_code == 303  # no session: the plain name is not the TLS cookie
    assert victim.login(alpha.schema, alpha.email).status_code == 303
    assert f"({alpha.schema})" in victim.get("/admin").text
