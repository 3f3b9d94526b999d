"""The users page: list, create, change group, deactivate (signed in nowhere, sessions revoked),
reactivate; bad input shown at the field."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from tenantgrid.settings import Settings
from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.admin.panel import Browser, provision
from tests.conftest import Database

PASSWORD = "another long password"


@pytest.fixture
def tenant(settings: Settings) -> ProvisionedTenant:
    return provision(settings)


@pytest.fixture
def admin(client: TestClient, tenant: ProvisionedTenant) -> Browser:
    browser = Browser(client)
    assert browser.login(tenant.schema, tenant.email).status_code == 303
    return browser


def user_row(db: Database, tenant: ProvisionedTenant, email: str) -> dict[str, object]:
    rows = db.fetch(
        f'SELECT id::text, email, group_id, is_admin, active, password_hash FROM "{tenant.schema}".users WHERE email = $1',
        email,
    )
    assert len(rows) == 1
    return dict(rows[0])


def token_grant(client: TestClient, tenant: ProvisionedTenant, email: str) -> int:
    return client.post(
        "/auth/v1/token?grant_type=password",
        headers={"apikey": tenant.publishable_key},
        json={"email": email, "password": PASSWORD},
    ).status_code


def cmdb_login(client: TestClient, tenant: ProvisionedTenant, email: str) -> int:
    return client.post(
        f"/tenants/{tenant.schema}/rest/auth/login", json={"user_name": email, "password": PASSWORD}
    ).status_code


def test_list_shows_users_without_secrets(admin: Browser, tenant: ProvisionedTenant, db: Database) -> None:
    page = admin.get("/admin/users")
    assert page.status_code == 200
    assert re.findall(r'<tr data-email="([^"]*)"', page.text) == [tenant.email]
    assert "Administrator" in page.text  # the group's label
    assert str(user_row(db, tenant, tenant.email)["password_hash"]) not in page.text
    assert "argon2" not in page.text


def test_create_user_who_then_signs_in(
    client: TestClient, admin: Browser, tenant: ProvisionedTenant, db: Database
) -> None:
    response = admin.submit(
        "/admin/users", "/admin/users", {"email": "new@example.com", "password": PASSWORD, "group_id": "2"}
    )
    assert response.status_code == 303
    row = user_row(db, tenant, "new@example.com")
    assert (row["group_id"], row["is_admin"], row["active"]) == (2, False, True)
    assert 'data-email="new@example.com"' in admin.get("/admin/users").text
    assert token_grant(client, tenant, "new@example.com") == 200
    assert cmdb_login(client, tenant, "new@example.com") == 200


def test_create_an_admin_who_may_use_the_panel(
    client: TestClient, admin: Browser, tenant: ProvisionedTenant
) -> None:
    fields = {"email": "boss@example.com", "password": PASSWORD, "group_id": "1", "is_admin": "1"}
    assert admin.submit("/admin/users", "/admin/users", fields).status_code == 303
    assert Browser(client).login(tenant.schema, "boss@example.com", PASSWORD).status_code == 303


@pytest.mark.parametrize(
    "fields, field, message",
    [
        (
            {"email": "not-an-email", "password": PASSWORD, "group_id": "2"},
            "email",
            "Enter a valid email address.",
        ),
        (
            {"email": "short@example.com", "password": "short", "group_id": "2"},
            "password",
            "Use 8 to 1024 characters.",
        ),
        ({"email": "g@example.com", "password": PASSWORD, "group_id": "x"}, "group_id", "Choose a group."),
        (
            {"email": "g@example.com", "password": PASSWORD, "group_id": "999"},
            "group_id",
            "There is no such group.",
        ),
    ],
)
def test_bad_input_is_shown_at_the_field(
    admin: Browser, tenant: ProvisionedTenant, db: Database, fields: dict[str, str], field: str, message: str
) -> None:
    response = admin.submit("/admin/users", "/admin/users", fields)
    assert response.status_code == 400
    assert f'<span class="field-error" data-field="{field}">{message}</span>' in response.text
    assert db.value(f'SELECT count(*) FROM "{tenant.schema}".users') == 1


def test_a_taken_email_is_refused(admin: Browser, tenant: ProvisionedTenant) -> None:
    response = admin.submit(
        "/admin/users", "/admin/users", {"email": tenant.email.upper(), "password": PASSWORD, "group_id": "2"}
    )
    assert response.status_code == 400
    assert 'data-field="email">A user with this email' in response.text


def test_change_group(admin: Browser, tenant: ProvisionedTenant, db: Database) -> None:
    admin.submit(
        "/admin/users", "/admin/users", {"email": "mover@example.com", "password": PASSWORD, "group_id": "2"}
    )
    user = user_row(db, tenant, "mover@example.com")
    assert (
        admin.submit("/admin/users", f"/admin/users/{user['id']}/group", {"group_id": "1"}).status_code == 303
    )
    assert user_row(db, tenant, "mover@example.com")["group_id"] == 1
    refused = admin.submit("/admin/users", f"/admin/users/{user['id']}/group", {"group_id": "999"})
    assert refused.status_code == 400
    assert user_row(db, tenant, "mover@example.com")["group_id"] == 1


def test_deactivated_user_signs_in_nowhere(
    client: TestClient, admin: Browser, tenant: ProvisionedTenant, db: Database
) -> None:
    fields = {"email": "gone@example.com", "password": PASSWORD, "group_id": "1", "is_admin": "1"}
    admin.submit("/admin/users", "/admin/users", fields)
    user = user_row(db, tenant, "gone@example.com")
    their_panel = Browser(client)
    assert their_panel.login(tenant.schema, "gone@example.com", PASSWORD).status_code == 303
    grant = client.post(
        "/auth/v1/token?grant_type=password",
        headers={"apikey": tenant.publishable_key},
        json={"email": "gone@example.com", "password": PASSWORD},
    ).json()

    assert admin.submit("/admin/users", f"/admin/users/{user['id']}/deactivate", {}).status_code == 303
    assert user_row(db, tenant, "gone@example.com")["active"] is False
    assert 'data-active="false"' in admin.get("/admin/users").text
    # Every session revoked: the panel's at once, /auth/v1's refresh token refused.
    assert db.value(
        "SELECT bool_and(revoked_at IS NOT NULL) FROM tenantgrid.auth_sessions WHERE user_id = $1::uuid",
        user["id"],
    )
    assert their_panel.get("/admin").status_code == 303
    refresh = client.post(
        "/auth/v1/token?grant_type=refresh_token",
        headers={"apikey": tenant.publishable_key},
        json={"refresh_token": grant["refresh_token"]},
    )
    assert refresh.status_code == 400
    # No new sign-in anywhere.
    denied = client.post(
        "/auth/v1/token?grant_type=password",
        headers={"apikey": tenant.publishable_key},
        json={"email": "gone@example.com", "password": PASSWORD},
    )
    assert denied.status_code == 400
    assert denied.json()["error_code"] == "invalid_credentials"
    assert cmdb_login(client, tenant, "gone@example.com") == 401
    assert Browser(client).login(tenant.schema, "gone@example.com", PASSWORD).status_code == 400

    assert admin.submit("/admin/users", f"/admin/users/{user['id']}/reactivate", {}).status_code == 303
    assert token_grant(client, tenant, "gone@example.com") == 200
    assert cmdb_login(client, tenant, "gone@example.com") == 200


def test_an_admin_cannot_deactivate_themselves(
    admin: Browser, tenant: ProvisionedTenant, db: Database
) -> None:
    me = user_row(db, tenant, tenant.email)
    response = admin.submit("/admin/users", f"/admin/users/{me['id']}/deactivate", {})
    assert response.status_code == 400
    assert "You cannot deactivate yourself." in response.text
    assert user_row(db, tenant, tenant.email)["active"] is True


@pytest.mark.parametrize("user_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_unknown_users_are_404(admin: Browser, user_id: str) -> None:
    for action in ("deactivate", "reactivate"):
        assert admin.submit("/admin/users", f"/admin/users/{user_id}/{action}", {}).status_code == 404
    assert admin.submit("/admin/users", f"/admin/users/{user_id}/group", {"group_id": "1"}).status_code == 404


@pytest.mark.parametrize("value", ["on", "1", "true"])
def test_the_admin_checkbox_checked(
    admin: Browser, tenant: ProvisionedTenant, db: Database, value: str
) -> None:
    fields = {"email": f"admin-{value}@example.com", "password": PASSWORD, "group_id": "1", "is_admin": value}
    assert admin.submit("/admin/users", "/admin/users", fields).status_code == 303
    assert user_row(db, tenant, f"admin-{value}@example.com")["is_admin"] is True


@pytest.mark.parametrize("value", ["false", "0", "off", "no", "yes", "2"])
def test_the_admin_checkbox_takes_nothing_else(
    admin: Browser, tenant: ProvisionedTenant, db: Database, value: str
) -> None:
    """`is_admin=false` made an admin once (any non-empty value did): now every other value is refused."""
    fields = {"email": "maybe@example.com", "password": PASSWORD, "group_id": "2", "is_admin": value}
    response = admin.submit("/admin/users", "/admin/users", fields)
    assert response.status_code == 400
    assert '<span class="field-error" data-field="is_admin">' in response.text
    assert db.value(f'SELECT count(*) FROM "{tenant.schema}".users') == 1
