"""The admin panel as a user drives it, by the selectors of the panel contract (form#login-form,
form#signup-form, #keys-menu, table#rows, form#row-form, form#logout-form, ...)."""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

SCREENSHOTS = Path(
    os.environ.get("TENANTGRID_SCREENSHOTS") or Path(tempfile.gettempdir()) / "tenantgrid-screenshots"
)
"""Where the screenshots go: a temporary folder, or (to retake the README's) `TENANTGRID_SCREENSHOTS=docs/screenshots`,
so that a test run leaves the tracked pictures alone."""
PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Account:
    email: str
    password: str
    name: str
    schema: str
    publishable_key: str
    secret_key: str


def new_email(local: str) -> str:
    return f"{local}.{secrets.token_hex(3)}@example.com"


class Panel:
    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=False)
        assert path.stat().st_size > 0

    def sign_up(self, email: str, name: str, password: str = PASSWORD) -> Account:
        """The sign-up form: the keys are shown once, and the new user is signed in."""
        page = self.page
        page.goto("/admin/signup")
        form = page.locator("form#signup-form")
        form.locator("input[name=email]").fill(email)
        form.locator("input[name=password]").fill(password)
        form.locator("input[name=name]").fill(name)
        form.locator("[type=submit]").click()
        keys = page.locator("#new-keys")
        expect(keys).to_be_visible()
        publishable = keys.locator("code.key[data-kind=publishable]").inner_text().strip()
        secret = keys.locator("code.key[data-kind=secret]").inner_text().strip()
        assert publishable.startswith("tg_pk_") and secret.startswith("tg_sk_")
        schema = self.schema_shown()
        return Account(email, password, name, schema, publishable, secret)

    def schema_shown(self) -> str:
        """The schema in the layout's #tenant-name, `<name> (<schema>)`: the part in parentheses (a
        name like `ada_123456` has the schema's shape too)."""
        text = self.page.locator("#tenant-name").inner_text()
        found = re.search(r"\(([a-z][a-z0-9_]*_\d{6})\)", text)
        assert found, text
        return found.group(1)

    def log_in(self, tenant: str, email: str, password: str = PASSWORD) -> None:
        page = self.page
        page.goto("/admin/login")
        form = page.locator("form#login-form")
        form.locator("input[name=tenant]").fill(tenant)
        form.locator("input[name=email]").fill(email)
        form.locator("input[name=password]").fill(password)
        form.locator("[type=submit]").click()

    def log_out(self) -> None:
        self.page.locator("form#logout-form [type=submit]").click()
        expect(self.page).to_have_url(re.compile(r"/admin/login"))

    def open_keys_menu(self) -> None:
        menu = self.page.locator("details#keys-menu")
        if menu.get_attribute("open") is None:
            menu.locator("summary").click()
        expect(menu.locator("li.key").first).to_be_visible()

    def key_prefixes(self) -> list[str]:
        return [
            prefix
            for prefix in self.page.locator("#keys-menu li.key").evaluate_all(
                "items => items.map(li => li.dataset.prefix)"
            )
            if prefix
        ]

    def open_table(self, resource: str) -> None:
        self.page.goto("/admin/tables")
        self.page.locator(f"a.resource[data-resource={resource}]").click()
        expect(self.page.locator("table#rows")).to_be_visible()

    def fill_row_form(self, values: dict[str, str]) -> None:
        form = self.page.locator("form#row-form")
        for column, value in values.items():
            form.locator(f"[name={column}]").fill(value)
        form.locator("[type=submit]").click()

    def row(self, text: str) -> Locator:
        return self.page.locator("table#rows tr[data-pk]", has_text=text)
