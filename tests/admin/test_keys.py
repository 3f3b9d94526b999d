"""The keys menu: list by prefix only, create (the key shown once, and it works), revoke (and it stops
working on the APIs)."""

from __future__ import annotations

import re
import time

from starlette.testclient import TestClient

from tenantgrid.settings import Settings
from tests.admin.panel import Browser, provision
from tests.conftest import Database

NEW_KEY = re.compile(
    r'<div id="new-key" class="flash">.*?<code class="key" data-kind="(\w+)">([^<]+)</code>', re.S
)


def menu_prefixes(page: str) -> list[str]:
    return re.findall(r'<li class="key" data-prefix="([^"]+)"', page)


def test_the_menu_lists_prefixes_only(client: TestClient, settings: Settings) -> None:
    tenant = provision(settings)
    browser = Browser(client)
    browser.login(tenant.schema, tenant.email)
    page = browser.get("/admin").text
    assert menu_prefixes(page) == [tenant.publishable_key[:12], tenant.secret_key[:12]]
    assert tenant.secret_key not in page and tenant.publishable_key not in page
    assert '<details id="keys-menu">' in page


def test_create_shows_the_key_once_and_it_works(client: TestClient, settings: Settings, db: Database) -> None:
    tenant = provision(settings)
    browser = Browser(client)
    browser.login(tenant.schema, tenant.email)
    response = browser.submit("/admin/keys", "/admin/keys", {"kind": "secret"})
    assert response.status_code == 200
    kind, key = NEW_KEY.search(response.text).groups()  # type: ignore[union-attr]
    assert kind == "secret" and key.startswith("tg_sk_")
    assert '<details id="keys-menu" open>' in response.text
    later = browser.get("/admin/keys").text
    assert key not in later
    assert key[:12] in menu_prefixes(later)
    assert db.value("SELECT count(*) FROM tenantgrid.api_keys WHERE prefix = $1", key[:12] + "…") == 1
    rows = client.get("/rest/v1/things?select=id&limit=1", headers={"apikey": key})
    assert rows.status_code == 200


def test_revoke_stops_the_key(client: TestClient, settings: Settings, db: Database) -> None:
    tenant = provision(settings)
    headers = {"apikey": tenant.secret_key}
    assert client.get("/rest/v1/things?select=id&limit=1", headers=headers).status_code == 200
    browser = Browser(client)
    browser.login(tenant.schema, tenant.email)
    key_id = db.value("SELECT id FROM tenantgrid.api_keys WHERE prefix = $1", tenant.secret_key[:12] + "…")
    response = browser.submit("/admin/keys", f"/admin/keys/{key_id}/revoke", {})
    assert response.status_code == 303
    assert tenant.secret_key[:12] not in menu_prefixes(browser.get("/admin/keys").text)
    assert db.value("SELECT revoked_at IS NOT NULL FROM tenantgrid.api_keys WHERE id = $1", key_id)
    time.sleep(0.3)  # the suite's auth_cache_ttl
    refused = client.get("/rest/v1/things?select=id&limit=1", headers=headers)
    assert refused.status_code == 401


def test_a_bad_kind_or_key_id_is_a_clear_refusal(client: TestClient, settings: Settings) -> None:
    tenant = provision(settings)
    browser = Browser(client)
    browser.login(tenant.schema, tenant.email)
    bad = browser.submit("/admin/keys", "/admin/keys", {"kind": "master"})
    assert bad.status_code == 400
    assert "Choose publishable or secret." in bad.text
    assert browser.submit("/admin/keys", "/admin/keys/not-a-number/revoke", {}).status_code == 404
    assert browser.submit("/admin/keys", "/admin/keys/99999999999/revoke", {}).status_code == 303
