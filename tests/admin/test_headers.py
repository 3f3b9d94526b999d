"""The panel and /docs refuse to be framed by another site (clickjacking) and to be cached, on every
kind of answer: a page, a redirect that sets the session cookie, a refusal, the docs page with its key."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.admin.panel import Browser


def assert_unframeable(response: object) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    assert headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path", ["/admin/login", "/admin/users", "/docs"])
def test_anonymous_answers(client: TestClient, path: str) -> None:
    assert_unframeable(Browser(client).get(path))


def test_signed_in_answers(client: TestClient, alpha: ProvisionedTenant) -> None:
    browser = Browser(client)
    assert_unframeable(browser.login(alpha.schema, alpha.email))
    for path in ("/admin", "/admin/keys", "/admin/tables", "/admin/tenant", "/docs"):
        response = browser.get(path)
        assert response.status_code == 200, path
        assert_unframeable(response)
    refused = browser.post("/admin/keys", {"kind": "secret"})
    assert refused.status_code == 403
    assert_unframeable(refused)
