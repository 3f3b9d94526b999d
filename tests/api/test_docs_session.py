"""/docs shares the panel's login: with a panel session it pre-authorises every key scheme with the
session's own key, names the tenant it acts for and is never cached; after logout it acts for no
one and that key is refused. (tests/browser/ runs the same in chromium, "Try it out" included.)"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from tenantgrid.app import create_app
from tenantgrid.settings import Settings
from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.conftest import PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def browser_like(settings: Settings, tenants: dict[str, ProvisionedTenant]) -> Iterator[TestClient]:
    """A client with a cookie jar of its own: the panel session stays out of the shared client."""
    with TestClient(create_app(settings), base_url="http://tenantgrid.test") as own:
        yield own


def _log_in(client: TestClient, tenant: str, email: str) -> None:
    token = CSRF.search(client.get("/admin/login").text)
    assert token, "no csrf_token in the login form"
    answer = client.post(
        "/admin/login",
        data={"csrf_token": token.group(1), "tenant": tenant, "email": email, "password": PASSWORD},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


def _credentials(page: str) -> dict[str, str]:
    found = re.search(r"const credentials = (\{.*?\});\n", page)
    assert found, page
    credentials: dict[str, str] = json.loads(found.group(1))
    return credentials


def _status(client: TestClient, path: str, headers: dict[str, Any]) -> int:
    return client.get(path, headers=headers).status_code


def test_docs_acts_for_the_panels_tenant_with_the_sessions_key(
    browser_like: TestClient, alpha: ProvisionedTenant, beta: ProvisionedTenant
) -> None:
    _log_in(browser_like, alpha.schema, "alpha@example.com")
    page = browser_like.get("/docs")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    acting = re.search(r'<div id="tenantgrid-acting-for"[^>]*>(.*?)</div>', page.text, re.S)
    assert acting, page.text
    assert re.sub(r"<[^>]+>", "", acting.group(1)).startswith(f"Acting for tenant alpha ({alpha.schema})")
    assert 'href="/admin"' in acting.group(1)
    assert '"persistAuthorization": false' in page.text  # the session's key is not kept by the browser
    credentials = _credentials(page.text)
    key = credentials["apikey"]
    assert key.startswith("tg_sk_") and key not in (alpha.secret_key, alpha.publishable_key)
    assert credentials == {
        "apikey": key,
        "cmdbApiKey": key,
        "gridlyApiKey": f"ApiKey {key}",
        "gainfullyKey": f"ApiKey {key}",
        "gainfullyApiKey": key,
    }
    # What "Try it out" sends works on every API, for alpha: its rows, not beta's.
    assert _status(browser_like, "/rest/users/", {"Api-Key": key}) == 200
    assert _status(browser_like, "/v1/projects", {"Authorization": f"ApiKey {key}"}) == 200
    assert _status(browser_like, "/v1.0/events/", {"Authorization": f"ApiKey {key}"}) == 200
    mine = browser_like.get("/rest/v1/things?select=id&limit=1", headers={"apikey": key})
    assert mine.status_code == 200
    foreign = browser_like.get("/rest/v1/things", headers={"apikey": key, "Accept-Profile": beta.schema})
    assert (foreign.status_code, foreign.json()["code"]) == (406, "PGRST106")
    # The same page twice: the same key (derived from the session, not a new one per load).
    assert _credentials(browser_like.get("/docs").text)["apikey"] == key

    token = CSRF.search(browser_like.get("/admin").text)
    assert token
    out = browser_like.post("/admin/logout", data={"csrf_token": token.group(1)}, follow_redirects=False)
    assert out.status_code == 303
    after = browser_like.get("/docs")
    assert "tenantgrid-acting-for" not in after.text and _credentials(after.text) == {}
    deadline = time.monotonic() + 5  # revocation reaches every process within auth_cache_ttl
    while _status(browser_like, "/rest/v1/things?limit=1", {"apikey": key}) == 200:
        assert time.monotonic() < deadline, "the session's key still works after logout"
        time.sleep(0.1)
    assert _status(browser_like, "/rest/v1/things?limit=1", {"apikey": key}) == 401
    assert _status(browser_like, "/rest/v1/things?limit=1", {"apikey": alpha.secret_key}) == 200


def test_nothing_of_the_session_can_end_the_pages_script() -> None:
    """A quoted e-mail may hold `</script>` (the Django rule allows a quoted local part): the banner
    escapes it, and the script's JSON escapes `<`, `>` and `&`, so no value can close the element."""
    from tenantgrid.admin.session import AdminSession
    from tenantgrid.http.docs import docs_page

    hostile = '"</script><script>alert(1)</script>"@example.com'
    admin = AdminSession(1, "alpha", "alpha", "u", hostile, True, "s", "c", docs_key="k")
    page = docs_page("<T>", "/openapi.json?</script>", admin, {"apikey": "</script><!--"})
    assert page.count("</script>") == 2  # the bundle's tag and the page's own
    assert "<script>alert(1)" not in page and "<!--" not in page and "<T>" not in page
    assert "&lt;/script&gt;&lt;script&gt;alert(1)" in page
