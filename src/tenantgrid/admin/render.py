"""Server-rendered pages: Jinja2 templates under admin/templates, autoescaped.

`render` gives every template the request, the session (`admin`, None before sign-in), the CSRF
token of this request's forms (`csrf_token`, and `csrf_field()` for the hidden input), the nav,
and the tenant's keys for the menu at the top right.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from tenantgrid.admin.csrf import FIELD, form_token
from tenantgrid.admin.nav import NAV
from tenantgrid.admin.session import current_admin

TEMPLATES = Path(__file__).parent / "templates"
STATIC_URL = "/admin/static"
templates = Jinja2Templates(directory=str(TEMPLATES))


async def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    admin = await current_admin(request)
    token = await form_token(request)
    page: dict[str, Any] = {
        "admin": admin,
        "csrf_token": token,
        "csrf_field": lambda: Markup(f'<input type="hidden" name="{FIELD}" value="{escape(token)}">'),
        "nav": NAV,
        "nav_key": None,
        "static": STATIC_URL,
        "keys": [],
        "registration": request.app.state.runtime.settings.registration,
    }
    if admin is not None and "keys" not in (context or {}):
        from tenantgrid.admin.keys import menu_keys

        page["keys"] = await menu_keys(request, admin)
    page.update(context or {})
    response = templates.TemplateResponse(request, template, page, status_code=status_code, headers=headers)
    response.headers.setdefault("Cache-Control", "no-store")
    return response
