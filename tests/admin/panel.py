"""Driving the admin panel as a browser would: GET a page, read its CSRF token, POST its forms.

Each `Browser` has its own cookie jar over the one shared app, so that two signed-in tenants (or a
signed-in and an anonymous visitor) can act side by side in one test.
"""

from __future__ import annotations

import asyncio
import html
import re
import secrets
from typing import Any

from starlette.testclient import TestClient

from tenantgrid.db.engine import create_engine
from tenantgrid.settings import Settings
from tenantgrid.tenancy.provision import ProvisionedTenant, create_tenant

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "correct horse battery"


class Browser:
    def __init__(self, client: TestClient, base: str = "http://tenantgrid.test") -> None:
        self.client = client
        self.base = base
        self.cookies = type(client.cookies)()  # the client's own cookie class (its HTTP library's)

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        saved = self.client.cookies
        self.client.cookies = self.cookies
        try:
            kwargs.setdefault("follow_redirects", False)
            return self.client.request(method, self.base + path, **kwargs)
        finally:
            self.cookies = self.client.cookies
            self.client.cookies = saved

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data: dict[str, str] | None = None, **kwargs: Any) -> Any:
        return self.request("POST", path, data=data, **kwargs)

    def token(self, path: str = "/admin") -> str:
        page = self.get(path, follow_redirects=True)
        found = CSRF.search(page.text)
        assert found, page.text[:500]
        return html.unescape(found.group(1))

    def submit(self, page: str, action: str, fields: dict[str, str]) -> Any:
        """POST a form of `page` to `action` with the page's CSRF token, as the browser would."""
        return self.post(action, {"csrf_token": self.token(page), **fields})

    def login(self, tenant: str, email: str, password: str = PASSWORD) -> Any:
        return self.submit(
            "/admin/login", "/admin/login", {"tenant": tenant, "email": email, "password": password}
        )


def provision(settings: Settings, email: str | None = None) -> ProvisionedTenant:
    """A tenant of its own for a test that changes or deletes it."""
    name = "t" + secrets.token_hex(5)
    email = email or f"{name}@example.com"

    async def make() -> ProvisionedTenant:
        engine = create_engine(settings.database_url or "", settings)
        try:
            return await create_tenant(engine, settings, name, email, PASSWORD)
        finally:
            await engine.dispose()

    return asyncio.run(make())
