"""Real-browser fixtures: Debian's chromium driven by Playwright (never a downloaded browser), against a
real `tenantgrid serve` process on a throwaway database with sign-up open.

Without /usr/bin/chromium the tests skip, except in CI (env `CI` set), where they must run: .ci/run
installs chromium when it is missing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.browser.panel import Panel
from tests.cli.served import Server
from tests.conftest import throwaway_database

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 60_000
"""For actions and assertions alike: Swagger UI's first load of a large spec keeps chromium's renderer
busy for seconds, many more on a loaded CI machine."""
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists() and not os.environ.get("CI"):
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); in CI this test never skips")
    return CHROMIUM


@pytest.fixture(scope="session")
def panel_url(database_url: str) -> Iterator[str]:
    """`tenantgrid serve` (one worker) on its own database, sign-up open to anyone."""
    with throwaway_database(database_url, "tenantgrid_browser") as url:
        env = {
            **{k: v for k, v in os.environ.items() if k != "TENANTGRID_JWT_SECRET"},
            "TENANTGRID_DATABASE_URL": url,
            "TENANTGRID_REGISTRATION": "open",
            "TENANTGRID_REGISTRATION_RATE_LIMIT": "1000/minute",
            "TENANTGRID_LOGIN_RATE_LIMIT": "1000/minute",
            "TENANTGRID_RATE_LIMIT": "100000/minute",
        }
        server = Server(env, workers=1)
        try:
            yield f"http://127.0.0.1:{server.port}"
        finally:
            server.stop()


@pytest.fixture(scope="module")
def browser(chromium: Path, panel_url: str) -> Iterator[Browser]:
    """Per module, and only after the server's database exists: while Playwright's sync API runs, its
    event loop runs in this thread, and the database fixtures' asyncio.run() would refuse to."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def context(browser: Browser, panel_url: str) -> Iterator[BrowserContext]:
    """A fresh browser profile (no cookies) per test."""
    made = browser.new_context(base_url=panel_url, viewport={"width": 1280, "height": 860})
    made.set_default_timeout(TIMEOUT_MS)
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def panel(page: Page, panel_url: str) -> Panel:
    return Panel(page, panel_url)
