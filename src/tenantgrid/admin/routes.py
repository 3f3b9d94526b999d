"""Mounting the panel at /admin, and the route class every panel route uses.

`AdminRoute` is where the panel's cross-cutting rules live, so that no page can forget them: a
state-changing request without the right CSRF token is refused (403) before its handler runs; an API
error (a tenant not ready, the pool busy) becomes the error page with its status; the session cookie
that reading the session left pending (rotated, or deleted) is written on whatever is answered, and
so are the anti-framing and script headers (`headers.protect_panel`). No middleware: API requests never
pass here.
Panel routes are left out of /openapi.json (`include_in_schema=False` on each router).
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI
from fastapi.routing import APIRoute
from markupsafe import escape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from tenantgrid import errors
from tenantgrid.admin.headers import protect_panel
from tenantgrid.admin.session import LoginRequired, apply_session_cookie

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
STATIC = Path(__file__).parent / "static"
ROUTERS = (
    "tenantgrid.admin.pages",
    "tenantgrid.admin.login",
    "tenantgrid.admin.signup",
    "tenantgrid.admin.keys",
    "tenantgrid.admin.users",
    "tenantgrid.admin.tenant",
    "tenantgrid.admin.tables.routes",
)


class AdminRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                if request.method not in SAFE_METHODS:
                    from tenantgrid.admin.csrf import csrf_ok
                    from tenantgrid.admin.render import render

                    if not await csrf_ok(request):
                        response: Response = await render(
                            request,
                            "error.html",
                            {
                                "title": "Forbidden",
                                "message": "The form's security token is missing or wrong: "
                                "reload the page and try again.",
                            },
                            status_code=403,
                        )
                        apply_session_cookie(request, response)
                        protect_panel(response)
                        return response
                response = await handler(request)
            except LoginRequired as redirect:
                response = RedirectResponse(redirect.headers["Location"], status_code=303)
                response.headers["HX-Redirect"] = redirect.headers["HX-Redirect"]
            except errors.ApiError as error:  # a tenant not ready (503), the pool busy, a budget spent
                response = await _error_page(request, error)
            apply_session_cookie(request, response)
            protect_panel(response)
            return response

        return route


async def _error_page(request: Request, error: errors.ApiError) -> Response:
    from tenantgrid.admin.render import render

    title = {429: "Too many requests", 503: "Not available right now"}.get(error.status, "Request refused")
    try:
        return await render(
            request, "error.html", {"title": title, "message": error.message}, error.status, error.headers
        )
    except errors.ApiError:  # the page itself needs the database (the session, the keys menu)
        body = f'<!doctype html><title>{title}</title><p class="form-error">{escape(error.message)}</p>'
        return HTMLResponse(body, status_code=error.status, headers=error.headers)


def mount_admin(app: FastAPI) -> None:
    app.mount("/admin/static", StaticFiles(directory=str(STATIC)), name="admin-static")
    for name in ROUTERS:
        app.include_router(importlib.import_module(name).router)
