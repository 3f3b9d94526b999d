"""The panel's sign-up form: off by default, open or token-guarded; the new keys shown once, the
new admin signed in; bad input shown at the field."""

from __future__ import annotations

import re
import secrets

from starlette.testclient import TestClient

from tenantgrid.settings import Settings
from tests.admin.conftest import app_with
from tests.admin.panel import Browser
from tests.conftest import Database

PASSWORD = "a long enough password"
KEY = re.compile(r'<code class="key" data-kind="(publishable|secret)">([^<]+)</code>')


def email() -> str:
    return f"dev{secrets.token_hex(4)}@example.com"


def test_closed_by_default(client: TestClient) -> None:
    browser = Browser(client)
    assert browser.get("/admin/signup").status_code == 404
    assert "Sign-up is closed" in browser.get("/admin/signup").text
    assert "/admin/signup" not in browser.get("/admin/login").text
    token = browser.token("/admin/login")
    assert (
        browser.post(
            "/admin/signup", {"csrf_token": token, "email": email(), "password": PASSWORD}
        ).status_code
        == 404
    )


def test_sign_up_shows_keys_once_and_signs_in(open_client: TestClient, db: Database) -> None:
    browser = Browser(open_client)
    form = browser.get("/admin/signup")
    assert form.status_code == 200
    assert 'id="signup-form"' in form.text and 'name="registration_token"' not in form.text
    address = email()
    response = browser.submit(
        "/admin/signup", "/admin/signup", {"email": address, "password": PASSWORD, "name": ""}
    )
    assert response.status_code == 200
    assert 'id="new-keys"' in response.text
    keys = dict(KEY.findall(response.text))
    assert keys["publishable"].startswith("tg_pk_") and keys["secret"].startswith("tg_sk_")
    schema = db.value("SELECT schema_name FROM tenantgrid.tenants WHERE email = $1", address)
    assert re.fullmatch(address.split("@")[0] + r"_\d{6}", schema)
    # Signed in: the panel shows the new tenant, and its keys work on the API.
    home = browser.get("/admin")
    assert home.status_code == 200 and schema in home.text
    assert keys["secret"] not in home.text
    things = open_client.get("/rest/v1/things?select=id&limit=1", headers={"apikey": keys["secret"]})
    assert things.status_code == 200 and things.json()


def test_bad_input_is_shown_at_the_field(open_client: TestClient, db: Database) -> None:
    browser = Browser(open_client)
    tenants = db.value("SELECT count(*) FROM tenantgrid.tenants")
    response = browser.submit(
        "/admin/signup", "/admin/signup", {"email": "not an email", "password": "short", "name": "Bad Name"}
    )
    assert response.status_code == 400
    for field in ("email", "password", "name"):
        assert f'<span class="field-error" data-field="{field}">' in response.text
    assert 'value="not an email"' in response.text  # what was typed stays
    assert db.value("SELECT count(*) FROM tenantgrid.tenants") == tenants
    assert browser.get("/admin").status_code == 303


def test_a_taken_email_is_refused(open_client: TestClient) -> None:
    address = email()
    first = Browser(open_client).submit(
        "/admin/signup", "/admin/signup", {"email": address, "password": PASSWORD}
    )
    assert first.status_code == 200
    again = Browser(open_client).submit(
        "/admin/signup", "/admin/signup", {"email": address.upper(), "password": PASSWORD}
    )
    assert again.status_code == 400
    assert '<span class="field-error" data-field="email">' in again.text


def test_token_mode(settings: Settings, db: Database) -> None:
    with app_with(
        settings,
        registration="token",
        registration_token="operator-secret-token",
        registration_rate_limit="1000/minute",
    ) as client:
        browser = Browser(client)
        assert 'name="registration_token"' in browser.get("/admin/signup").text
        address = email()
        wrong = browser.submit(
            "/admin/signup",
            "/admin/signup",
            {"email": address, "password": PASSWORD, "registration_token": "guess"},
        )
        assert wrong.status_code == 403
        assert '<span class="field-error" data-field="registration_token">' in wrong.text
        assert db.value("SELECT count(*) FROM tenantgrid.tenants WHERE email = $1", address) == 0
        right = browser.submit(
            "/admin/signup",
            "/admin/signup",
            {"email": address, "password": PASSWORD, "registration_token": "operator-secret-token"},
        )
        assert right.status_code == 200 and 'id="new-keys"' in right.text


def test_sign_up_rate_limit(settings: Settings) -> None:
    with app_with(settings, registration="open", registration_rate_limit="1/hour") as client:
        browser = Browser(client)
        assert (
            browser.submit("/admin/signup", "/admin/signup", {"email": "bad", "password": "x"}).status_code
            == 400
        )
        limited = browser.submit("/admin/signup", "/admin/signup", {"email": email(), "password": PASSWORD})
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) > 0
