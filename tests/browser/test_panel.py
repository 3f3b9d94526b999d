"""The panel, /docs and the REST API in a real browser (Debian's chromium through Playwright) against a
real server process: sign up, log in, the key in the keys menu, a row created and edited in the
panel and seen through /rest/v1, a request run from /docs without pasting a key, logout; another
tenant's rows never shown; a form without its CSRF token refused. Screenshots: see panel.SCREENSHOTS."""

from __future__ import annotations

import re
import secrets
import time
from typing import Any

import httpx
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.panel import PASSWORD, Account, Panel, new_email


def _register(panel_url: str, local: str) -> Account:
    email = new_email(local)
    answer = httpx.post(f"{panel_url}/api/tenants/register", json={"email": email, "password": PASSWORD})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    return Account(
        email, PASSWORD, body["tenant"], body["schema"], body["publishable_key"], body["secret_key"]
    )


def _things(panel_url: str, key: str, **filters: str) -> list[dict[str, Any]]:
    answer = httpx.get(
        f"{panel_url}/rest/v1/things",
        params={"select": "id,name,description", "order": "id", **filters},
        headers={"apikey": key},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def _refused_soon(panel_url: str, key: str) -> int:
    """The status a key gets once every process has seen its revocation (auth_cache_ttl, 2 s)."""
    deadline = time.monotonic() + 10
    while True:
        status = httpx.get(f"{panel_url}/rest/v1/things?limit=1", headers={"apikey": key}).status_code
        if status != 200 or time.monotonic() > deadline:
            return status
        time.sleep(0.25)


def test_sign_up_log_in_edit_a_row_and_try_it_out_from_docs(panel: Panel, page: Page, panel_url: str) -> None:
    name = f"ada_{secrets.token_hex(3)}"
    account = panel.sign_up(new_email("ada"), name)
    expect(page.locator("#tenant-name")).to_contain_text(name)  # signed in at once
    panel.log_out()

    # Log in as seed 003 says: pick your tenant (here by its schema), then your credentials.
    page.goto("/admin/login")
    form = page.locator("form#login-form")
    form.locator("input[name=tenant]").fill(account.schema)
    form.locator("input[name=email]").fill(account.email)
    form.locator("input[name=password]").fill(account.password)
    panel.screenshot("login")
    form.locator("[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/admin/?$"))
    expect(page.locator("#tenant-name")).to_contain_text(account.schema)

    # The secret key the sign-up showed once is in the keys menu, by its prefix only.
    panel.open_keys_menu()
    prefixes = [p.rstrip("…") for p in panel.key_prefixes()]
    assert any(account.secret_key.startswith(p) and len(p) >= 10 for p in prefixes), prefixes
    assert account.secret_key not in page.content()
    panel.screenshot("keys-menu")

    # Every API's tables; create a row in `things` and edit it.
    page.goto("/admin/tables")
    expect(page.locator("a.resource[data-resource=things]")).to_be_visible()
    panel.screenshot("tables")
    panel.open_table("things")
    marker = f"browser-{secrets.token_hex(4)}"
    page.locator("a.new-row").first.click()
    panel.fill_row_form({"name": marker, "description": "made in the panel"})
    panel.open_table("things")
    filter_form = page.locator("form#filter-form")
    filter_form.locator("input[name=filter]").fill(f"name=eq.{marker}")
    filter_form.locator("input[name=filter]").press("Enter")
    expect(panel.row(marker)).to_have_count(1)
    panel.row(marker).locator("a.edit-row").click()
    panel.fill_row_form({"description": "edited in the panel"})
    panel.open_table("things")
    expect(page.locator("table#rows")).to_contain_text("edited in the panel")
    panel.screenshot("table")

    # The change through the REST API, with the tenant's key.
    rows = _things(panel_url, account.secret_key, name=f"eq.{marker}")
    assert [(r["name"], r["description"]) for r in rows] == [(marker, "edited in the panel")]

    # /docs acts for the panel's tenant: "Try it out" -> "Execute" without pasting a key.
    page.goto("/docs")
    acting = page.locator("#tenantgrid-acting-for")
    expect(acting).to_contain_text(f"Acting for tenant {account.name} ({account.schema})")
    expect(acting.locator("a[href='/admin']")).to_be_visible()
    expect(page.locator(".opblock-tag[data-tag]")).to_have_count(7)  # one section per API
    panel.screenshot("docs-acting-for")
    page.locator(".opblock-tag[data-tag=PostgREST]").click()
    operation = page.locator("#operations-PostgREST-get_rest_v1_things")
    docs_key = page.evaluate("credentials.apikey")
    assert docs_key.startswith("tg_sk_") and docs_key not in (account.secret_key, account.publishable_key)
    operation.locator(".opblock-summary-control").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.locator('tr[data-param-name="name"] input').fill(f"eq.{marker}")
    operation.get_by_role("button", name="Execute").click()
    live = operation.locator(".live-responses-table .response").first
    expect(live.locator(".response-col_status")).to_have_text("200")
    expect(live.locator(".response-col_description")).to_contain_text("edited in the panel")
    expect(operation.locator(".curl-command")).to_contain_text(f"apikey: {docs_key}")
    operation.locator(".responses-inner").first.evaluate("e => e.scrollIntoView({block: 'start'})")
    panel.screenshot("docs-try-it-out")

    # Log out: the panel asks for a login again, /docs acts for no one, the session's key is dead.
    page.goto("/admin")
    panel.log_out()
    page.goto("/admin")
    expect(page).to_have_url(re.compile(r"/admin/login"))
    page.goto("/docs")
    expect(page.locator("#swagger-ui .information-container")).to_be_visible()
    expect(page.locator("#tenantgrid-acting-for")).to_have_count(0)
    assert _refused_soon(panel_url, docs_key) == 401
    assert _things(panel_url, account.secret_key, name=f"eq.{marker}")  # the tenant's own key lives on


def test_a_second_tenants_rows_never_appear_in_the_panel(panel: Panel, page: Page, panel_url: str) -> None:
    first, second = _register(panel_url, "first"), _register(panel_url, "second")
    stem = f"iso-{secrets.token_hex(3)}"
    for account, suffix in ((first, "mine"), (second, "theirs")):
        made = httpx.post(
            f"{panel_url}/rest/v1/things",
            json={"name": f"{stem}-{suffix}"},
            headers={"apikey": account.secret_key, "Prefer": "return=representation"},
        )
        assert made.status_code == 201, made.text
    theirs_id = made.json()[0]["id"]

    panel.log_in(first.email, first.email)  # the tenant picked by its registering email this time
    expect(page.locator("#tenant-name")).to_contain_text(first.schema)
    panel.open_table("things")
    seen = [page.content()]
    filter_box = page.locator("form#filter-form input[name=filter]")
    filter_box.fill(f"name=like.{stem}*")
    filter_box.press("Enter")
    expect(panel.row(f"{stem}-mine")).to_have_count(1)
    seen.append(page.content())
    # The other tenant's row id, asked for directly, is this tenant's row of that id (or none).
    page.goto(f"/admin/tables/things?filter=id=eq.{theirs_id}")
    seen.append(page.content())
    for resource in ("things", "cmdb_objects", "gainfully_events", "gridly_records"):
        shown = page.goto(f"/admin/tables/{resource}")
        assert shown is not None and shown.status == 200, resource
        expect(page.locator("table#rows")).to_be_visible()
        seen.append(page.content())
    assert all(f"{stem}-theirs" not in html for html in seen)
    assert all(second.schema not in html and second.email not in html for html in seen)


def test_forms_posted_without_their_csrf_token_are_refused(
    panel: Panel, page: Page, context: BrowserContext, browser: Browser, panel_url: str
) -> None:
    account = _register(panel_url, "csrf")
    panel.log_in(account.schema, account.email)
    expect(page).to_have_url(re.compile(r"/admin/?$"))

    # The row form with its token taken out (and htmx's header with it): 403, nothing written.
    panel.open_table("things")
    page.locator("a.new-row").first.click()
    page.evaluate(
        "document.querySelectorAll('input[name=csrf_token]').forEach(e => e.remove());"
        "document.body.removeAttribute('hx-headers');"
    )
    marker = f"csrf-{secrets.token_hex(4)}"
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        panel.fill_row_form({"name": marker})
    assert posted.value.status == 403
    assert _things(panel_url, account.secret_key, name=f"eq.{marker}") == []

    # The keys menu's create form, posted with the session cookie but no token, or a wrong one: 403.
    page.goto("/admin")
    panel.open_keys_menu()
    before = len(panel.key_prefixes())
    action = page.locator("form#create-key-form").get_attribute("action") or "/admin/keys"
    for form in ({"kind": "secret"}, {"kind": "secret", "csrf_token": "not-the-token"}):
        refused = context.request.post(action, form=form, max_redirects=0)
        assert refused.status == 403, (form, refused.status)
    page.goto("/admin")
    panel.open_keys_menu()
    assert len(panel.key_prefixes()) == before

    # Before any session: the login form without its token is refused too.
    stranger = browser.new_context(base_url=panel_url)
    try:
        login = stranger.new_page()
        login.goto("/admin/login")
        login.evaluate("document.querySelectorAll('input[name=csrf_token]').forEach(e => e.remove())")
        form = login.locator("form#login-form")
        form.locator("input[name=tenant]").fill(account.schema)
        form.locator("input[name=email]").fill(account.email)
        form.locator("input[name=password]").fill(account.password)
        with login.expect_response(lambda r: r.request.method == "POST") as posted:
            form.locator("[type=submit]").click()
        assert posted.value.status == 403
        assert "tenantgrid_admin" not in {c["name"] for c in stranger.cookies()}
    finally:
        stranger.close()
