"""The /docs key bound to a panel session: made at sign-in, stored only as a digest, working as a
secret key until logout, session revocation or its expiry; never listed in the keys menu."""

from __future__ import annotations

import time

from starlette.testclient import TestClient

from tenantgrid.admin.session import DOCS_KEY_PURPOSE
from tenantgrid.admin.signing import derive
from tenantgrid.auth.keys import key_digest
from tenantgrid.settings import Settings
from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.admin.panel import Browser, provision
from tests.conftest import Database


def signed_in(client: TestClient, tenant: ProvisionedTenant, db: Database) -> tuple[Browser, str, str]:
    browser = Browser(client)
    assert browser.login(tenant.schema, tenant.email).status_code == 303
    session = str(db.value("SELECT id FROM tenantgrid.auth_sessions ORDER BY created_at DESC LIMIT 1"))
    secret = client.app.state.runtime.jwt_secret  # type: ignore[attr-defined]
    return browser, session, "tg_sk_" + derive(secret, DOCS_KEY_PURPOSE, session)


def works(client: TestClient, key: str) -> int:
    return client.get("/rest/v1/things?select=id&limit=1", headers={"apikey": key}).status_code


def test_made_at_sign_in_and_stored_as_a_digest(
    client: TestClient, alpha: ProvisionedTenant, db: Database
) -> None:
    browser, session, key = signed_in(client, alpha, db)
    row = db.fetch(
        "SELECT kind, key_hash, session_id::text, expires_at - s.created_at AS life FROM tenantgrid.api_keys k "
        "JOIN tenantgrid.auth_sessions s ON s.id = k.session_id WHERE k.session_id = $1::uuid",
        session,
    )[0]
    assert row["kind"] == "secret" and bytes(row["key_hash"]) == key_digest(key)
    assert row["life"].total_seconds() == 86400
    assert works(client, key) == 200
    assert key[:12] not in browser.get("/admin/keys").text


def test_logout_revokes_it(client: TestClient, alpha: ProvisionedTenant, db: Database) -> None:
    browser, session, key = signed_in(client, alpha, db)
    assert works(client, key) == 200
    browser.submit("/admin", "/admin/logout", {})
    assert db.value(
        "SELECT revoked_at IS NOT NULL FROM tenantgrid.api_keys WHERE session_id = $1::uuid", session
    )
    time.sleep(0.3)  # the suite's auth_cache_ttl
    assert works(client, key) == 401


def test_any_session_revocation_revokes_it(
    client: TestClient, alpha: ProvisionedTenant, db: Database
) -> None:
    _browser, session, key = signed_in(client, alpha, db)
    generation = db.value("SELECT value FROM tenantgrid.auth_generation")
    db.value("UPDATE tenantgrid.auth_sessions SET revoked_at = now() WHERE id = $1::uuid", session)
    assert db.value(
        "SELECT revoked_at IS NOT NULL FROM tenantgrid.api_keys WHERE session_id = $1::uuid", session
    )
    assert db.value("SELECT value FROM tenantgrid.auth_generation") > generation
    time.sleep(0.3)
    assert works(client, key) == 401


def test_it_expires_with_the_session_even_when_cached(
    short_client: TestClient, alpha: ProvisionedTenant, db: Database
) -> None:
    _browser, _session, key = signed_in(short_client, alpha, db)
    assert works(short_client, key) == 200  # now in the key cache
    time.sleep(4.2)  # the session's lifetime in short_client
    assert works(short_client, key) == 401


def test_session_revocation_without_docs_keys_leaves_the_generation(
    client: TestClient, alpha: ProvisionedTenant, db: Database
) -> None:
    """/auth/v1 logouts revoke sessions all day: with no session key to revoke, no key cache is dropped.
    (A global logout does revoke the user's panel sessions, and their /docs keys with them.)"""
    grant = client.post(
        "/auth/v1/token?grant_type=password",
        headers={"apikey": alpha.publishable_key},
        json={"email": alpha.email, "password": "correct horse battery"},
    ).json()
    generation = db.value("SELECT value FROM tenantgrid.auth_generation")
    logout = client.post(
        "/auth/v1/logout?scope=local",
        headers={"apikey": alpha.publishable_key, "Authorization": f"Bearer {grant['access_token']}"},
    )
    assert logout.status_code == 204
    assert db.value("SELECT value FROM tenantgrid.auth_generation") == generation


def test_panel_is_not_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not [path for path in paths if path.startswith("/admin")]


def test_htmx_is_served_by_the_server(client: TestClient) -> None:
    script = client.get("/admin/static/htmx.min.js")
    assert script.status_code == 200
    assert script.text.startswith("var htmx=function")
    assert client.get("/admin/static/panel.css").status_code == 200
    login = Browser(client).get("/admin/login").text
    assert 'src="/admin/static/htmx.min.js"' in login
    assert "https://" not in login and "http://" not in login  # no CDN


def test_a_demoted_admin_loses_it_at_their_next_panel_request(
    client: TestClient, settings: Settings, db: Database
) -> None:
    """Demoted outside the panel (users.is_admin false): the panel refuses them, and now also revokes
    the session, so the session's /docs key (a secret key) dies with it instead of living for a day."""
    tenant = provision(settings)
    browser, session, key = signed_in(client, tenant, db)
    assert works(client, key) == 200
    db.value(f'UPDATE "{tenant.schema}".users SET is_admin = false WHERE email = $1', tenant.email)
    assert browser.get("/admin").status_code == 303
    assert db.value(
        "SELECT revoked_at IS NOT NULL FROM tenantgrid.auth_sessions WHERE id = $1::uuid", session
    )
    assert db.value(
        "SELECT revoked_at IS NOT NULL FROM tenantgrid.api_keys WHERE session_id = $1::uuid", session
    )
    time.sleep(0.3)  # the suite's auth_cache_ttl
    assert works(client, key) == 401
    assert client.get("/rest/v1/things?limit=1", headers={"apikey": tenant.secret_key}).status_code == 200
