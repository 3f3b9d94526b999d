"""The panel session's lifetimes (here 1 s access, 4 s session): an expired access token is refreshed
with the rotating refresh token; a session past its lifetime, or whose refresh token is gone, is over.
Also the seed's defaults: 5 minutes and 1 day."""

from __future__ import annotations

import time

import jwt
from starlette.testclient import TestClient

from tenantgrid.settings import Settings
from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.admin.panel import Browser
from tests.conftest import Database


def access_token(browser: Browser, client: TestClient) -> dict[str, object]:
    from tenantgrid.admin.session import COOKIE_SALT
    from tenantgrid.admin.signing import cookie_serializer

    secret = client.app.state.runtime.jwt_secret  # type: ignore[attr-defined]
    data = cookie_serializer(secret, COOKIE_SALT).loads(browser.cookies["tenantgrid_admin"])
    return {"refresh": data["r"], **jwt.decode(data["a"], options={"verify_signature": False})}


def test_seed_003_lifetimes_are_the_defaults() -> None:
    settings = Settings(database_url="postgresql://unused/x")
    assert (settings.admin_access_ttl, settings.admin_refresh_ttl) == (300, 86400)


def test_default_access_token_lives_five_minutes(client: TestClient, alpha: ProvisionedTenant) -> None:
    browser = Browser(client)
    browser.login(alpha.schema, alpha.email)
    claims = access_token(browser, client)
    assert claims["exp"] - claims["iat"] == 300  # type: ignore[operator]


def test_expired_access_is_refreshed_with_a_rotated_token(
    short_client: TestClient, alpha: ProvisionedTenant, db: Database
) -> None:
    browser = Browser(short_client)
    assert browser.login(alpha.schema, alpha.email).status_code == 303
    first = access_token(browser, short_client)
    time.sleep(1.2)
    page = browser.get("/admin")
    assert page.status_code == 200
    assert "tenantgrid_admin=" in page.headers["set-cookie"]
    second = access_token(browser, short_client)
    assert second["session_id"] == first["session_id"]
    assert second["refresh"] != first["refresh"]
    assert second["exp"] > first["exp"]  # type: ignore[operator]
    spent = db.value(
        "SELECT count(*) FILTER (WHERE spent_at IS NOT NULL) FROM tenantgrid.refresh_tokens WHERE session_id = $1::uuid",
        first["session_id"],
    )
    assert spent == 1
    assert browser.get("/admin/users").status_code == 200


def test_a_session_ends_at_its_lifetime(
    short_client: TestClient, alpha: ProvisionedTenant, db: Database
) -> None:
    browser = Browser(short_client)
    browser.login(alpha.schema, alpha.email)
    session = access_token(browser, short_client)["session_id"]
    for _ in range(3):  # refreshed along the way, still it ends 4 s after sign-in
        time.sleep(1.1)
        assert browser.get("/admin").status_code == 200
    time.sleep(1.2)
    response = browser.get("/admin")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/login")
    assert db.value(
        "SELECT revoked_at IS NOT NULL FROM tenantgrid.auth_sessions WHERE id = $1::uuid", session
    )


def test_a_revoked_session_cannot_refresh(
    short_client: TestClient, alpha: ProvisionedTenant, db: Database
) -> None:
    browser = Browser(short_client)
    browser.login(alpha.schema, alpha.email)
    session = access_token(browser, short_client)["session_id"]
    db.value("UPDATE tenantgrid.auth_sessions SET revoked_at = now() WHERE id = $1::uuid", session)
    assert browser.get("/admin").status_code == 303  # at once: each request checks the session
    time.sleep(1.2)
    assert browser.get("/admin").status_code == 303
