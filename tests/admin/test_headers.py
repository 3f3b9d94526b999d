"""The panel and /docs refuse to be framed by another site (clickjacking) and to be cached, on every
kind of answer: a page, a redirect that sets the session cookie, a refusal, the docs page with its key.
Panel pages (not /docs) also run no inline script or style (CSP) and htmx evaluates nothing."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.admin.panel import Browser
from tests.conftest import Database


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


# -- scripts and styles: only the panel's own files run (CSP), and htmx evaluates nothing ---------------

INLINE = {
    "an inline style block": re.compile(r"<style\b", re.I),
    "an inline script": re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I),
    "an event handler attribute": re.compile(r"<[^>]*\son[a-z]+\s*=", re.I),
    "a style attribute": re.compile(r"<[^>]*\sstyle\s*=", re.I),
    "an hx-on attribute": re.compile(r"\s(data-)?hx-on", re.I),
    "a javascript: URL": re.compile(r"javascript:", re.I),
}
HTMX_CONFIG = (
    '<meta name="htmx-config" '
    'content=\'{"allowEval":false,"allowScriptTags":false,"includeIndicatorStyles":false}\'>'
)


def inline_code(html: str) -> list[str]:
    return [what for what, pattern in INLINE.items() if pattern.search(html)]


def assert_scripts_locked(response: object, path: str) -> None:
    csp = response.headers["content-security-policy"]  # type: ignore[attr-defined]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["script-src"] == "'self'", path
    assert directives["style-src"] == "'self'", path
    assert directives["default-src"] == "'self'", path
    assert directives["frame-ancestors"] == "'none'", path
    assert "unsafe" not in csp, path
    text = response.text  # type: ignore[attr-defined]
    assert inline_code(text) == [], path
    if "<head>" in text:
        assert HTMX_CONFIG in text, path


def test_panel_pages_run_only_the_panels_own_files(
    client: TestClient, open_client: TestClient, alpha: ProvisionedTenant, db: Database
) -> None:
    anonymous = Browser(client)
    for path in ("/admin/login", "/admin"):
        assert_scripts_locked(anonymous.get(path), path)
    assert_scripts_locked(Browser(open_client).get("/admin/signup"), "/admin/signup")
    browser = Browser(client)
    assert_scripts_locked(browser.login(alpha.schema, alpha.email), "login redirect")
    row = db.value(f'SELECT min(id) FROM "{alpha.schema}".things')
    listing = browser.get("/admin/tables/things")
    edit = re.search(r'class="edit-row" href="([^"]+)"', listing.text)
    assert row is not None and edit, listing.text[:300]
    paths = [
        "/admin",
        "/admin/keys",
        "/admin/users",
        "/admin/tenant",
        "/admin/tables",
        "/admin/tables/things",
        "/admin/tables/things/new",
        edit.group(1),
        "/admin/template/tables",
        "/admin/template/tables/things",
    ]
    for path in paths:
        response = browser.get(path)
        assert response.status_code == 200, path
        assert_scripts_locked(response, path)
    refused = browser.post("/admin/keys", {"kind": "secret"})  # no CSRF token: the error page
    assert refused.status_code == 403
    assert_scripts_locked(refused, "refused")
    wrong = browser.submit("/admin/tenant", "/admin/tenant/delete", {"confirm": "x", "password": "y"})
    assert wrong.status_code == 400
    assert_scripts_locked(wrong, "delete refused")
    made = browser.submit("/admin/keys", "/admin/keys", {"kind": "publishable"})
    assert_scripts_locked(made, "keys menu fragment")


def test_no_template_has_inline_code() -> None:
    """Pages no test renders (a refused row delete, the fragments htmx swaps in) included."""
    from tenantgrid.admin.render import TEMPLATES

    found = {
        str(path.relative_to(TEMPLATES)): inline_code(path.read_text()) for path in TEMPLATES.rglob("*.html")
    }
    assert {name: what for name, what in found.items() if what} == {}
    assert HTMX_CONFIG in (TEMPLATES / "base.html").read_text()


def test_docs_keeps_its_own_policy(client: TestClient, alpha: ProvisionedTenant) -> None:
    """Swagger UI's page has an inline script: /docs keeps the anti-framing policy without script-src."""
    browser = Browser(client)
    browser.login(alpha.schema, alpha.email)
    for who in (browser, Browser(client)):
        csp = who.get("/docs").headers["content-security-policy"]
        assert csp == "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"


def test_the_panels_static_files_are_served(client: TestClient) -> None:
    for name, kind in (("panel.css", "text/css"), ("tables.css", "text/css"), ("htmx.min.js", "javascript")):
        response = client.get(f"/admin/static/{name}")
        assert response.status_code == 200, name
        assert kind in response.headers["content-type"], name
