"""Sign in and out of the panel, as seed 003 describes: pick your client (the tenant, by its schema
name, its name or the email it was registered with), then your email and password.

Every wrong answer (unknown tenant, unknown email, wrong password, deactivated user) gets the same
message after the same work (an Argon2 check against a dummy hash when there is no tenant), and
every attempt counts against the login rate limit, per address and per account, as /auth/v1 does.
Only the tenant's admins (`users.is_admin`) may use the panel; a non-admin learns that only after
giving the right password.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tenantgrid.admin.budget import over_budget
from tenantgrid.admin.render import render
from tenantgrid.admin.routes import AdminRoute
from tenantgrid.admin.session import (
    AdminSession,
    NotAnAdmin,
    current_admin,
    end_session,
    require_admin,
    runtime_of,
    start_session,
)
from tenantgrid.auth.passwords import check_password
from tenantgrid.auth.principal import Tenant
from tenantgrid.auth.sessions import AuthFailure
from tenantgrid.ratelimit.guard import guard_login
from tenantgrid.runtime import Runtime
from tenantgrid.tenancy.names import quote_ident

router = APIRouter(route_class=AdminRoute, include_in_schema=False)
BAD_LOGIN = "Unknown tenant, or wrong email or password."
MAX_FIELD = 320


def safe_next(target: str | None) -> str:
    """Only a path of this panel or the docs page: never another site (an open redirect)."""
    if (
        target
        and target.startswith(("/admin", "/docs"))
        and not target.startswith("//")
        and "\\" not in target
        and not target.startswith("/admin/login")
    ):
        return target
    return "/admin"


async def find_tenant(runtime: Runtime, text: str) -> Tenant | None:
    """The tenant `text` names: its schema name, else its name, else the one tenant registered
    with that email (several tenants of one email: name the schema instead)."""
    c = quote_ident(runtime.settings.control_schema)
    rows = await runtime.pools.control.fetch(
        f"SELECT id, name, schema_name, lower(schema_name) = lower($1), lower(name) = lower($1) "
        f"FROM {c}.tenants WHERE lower(schema_name) = lower($1) OR lower(name) = lower($1) "
        "OR lower(email) = lower($1) LIMIT 20",
        text,
    )
    for pick in (3, 4):
        chosen = [row for row in rows if row[pick]]
        if chosen:
            return Tenant(chosen[0][0], chosen[0][1], chosen[0][2])
    if len(rows) == 1:
        return Tenant(rows[0][0], rows[0][1], rows[0][2])
    return None


async def _form(
    request: Request, status: int = 200, headers: dict[str, str] | None = None, **context: object
) -> Response:
    page = {"next": request.query_params.get("next", ""), **context}
    return await render(request, "login.html", page, status, headers)


@router.get("/admin/login")
async def login_page(request: Request) -> Response:
    if await current_admin(request) is not None:
        return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    return await _form(request)


@router.post("/admin/login")
async def login(
    request: Request,
    tenant: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    runtime = runtime_of(request)
    tenant_text, email = tenant.strip()[:MAX_FIELD], email.strip()[:MAX_FIELD]
    filled = {"tenant": tenant_text, "email": email, "next": next}
    if not tenant_text or not email or not password:
        return await _form(request, 400, error="Enter your tenant, email and password.", **filled)
    found = await find_tenant(runtime, tenant_text)
    spent = await over_budget(guard_login(request, found.name if found else tenant_text.lower(), email))
    if spent is not None:
        return await _form(
            request, 429, spent.headers, error="Too many sign-in attempts: wait a minute.", **filled
        )
    if found is None:
        await check_password(password, None)  # the same work as a wrong password
        return await _form(request, 400, error=BAD_LOGIN, **filled)
    try:
        await start_session(request, found, email, password[:1024])
    except AuthFailure:
        return await _form(request, 400, error=BAD_LOGIN, **filled)
    except NotAnAdmin:
        return await _form(
            request, 403, error=f"This account is not an administrator of tenant {found.name}.", **filled
        )
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/admin/logout")
async def logout(request: Request, admin: Annotated[AdminSession, Depends(require_admin)]) -> Response:
    await end_session(request, admin)
    return RedirectResponse("/admin/login", status_code=303)
