"""The tenant page, and "delete my tenant": typed confirmation (the schema name) and the signed-in
user's password again (a stolen session alone cannot delete the tenant), then the same drop as
`tenantgrid tenants drop` (schema, control row, keys, sessions and files in one step). The password is
checked as at sign-in (Argon2), and each check counts against the login rate limit of this account."""

from __future__ import annotations

from contextlib import suppress
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form
from starlette.requests import Request
from starlette.responses import Response

from tenantgrid.admin.budget import over_budget
from tenantgrid.admin.render import render
from tenantgrid.admin.routes import AdminRoute
from tenantgrid.admin.session import AdminSession, forget, require_admin, runtime_of
from tenantgrid.admin.users import MAX_PASSWORD
from tenantgrid.auth.passwords import check_password
from tenantgrid.db.control_engine import control_engine
from tenantgrid.ratelimit.guard import guard_login
from tenantgrid.tenancy.names import quote_ident
from tenantgrid.tenancy.provision import ProvisionError, drop_tenant

router = APIRouter(prefix="/admin/tenant", route_class=AdminRoute, include_in_schema=False)
Admin = Annotated[AdminSession, Depends(require_admin)]


async def _page(
    request: Request, status: int = 200, headers: dict[str, str] | None = None, **context: Any
) -> Response:
    page = {"nav_key": "tenant", "field_errors": {}, **context}
    return await render(request, "tenant.html", page, status, headers)


@router.get("")
async def tenant_page(request: Request, admin: Admin) -> Response:
    return await _page(request)


@router.post("/delete")
async def delete_tenant(
    request: Request,
    admin: Admin,
    confirm: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    if not admin.is_admin:
        return await _page(request, 403, error="Only admins may.")
    problems: dict[str, str] = {}
    if confirm.strip() != admin.schema:
        problems["confirm"] = f"Type the schema name, {admin.schema}, to confirm."
    if not password:
        problems["password"] = "Enter your password."
    if problems:
        return await _page(request, 400, field_errors=problems)
    spent = await over_budget(guard_login(request, admin.tenant_name, admin.email or admin.user_id))
    if spent is not None:
        return await _page(request, 429, spent.headers, error="Too many password attempts: wait a minute.")
    if not await _password_ok(request, admin, password[:MAX_PASSWORD]):
        return await _page(request, 400, field_errors={"password": "Wrong password."})
    with suppress(ProvisionError):  # deleted meanwhile (another tab): the outcome asked for
        await drop_tenant(control_engine(request.app), runtime_of(request).settings, admin.tenant_name)
    forget(request)
    return await render(request, "deleted.html", {"tenant_name": admin.tenant_name, "schema": admin.schema})


async def _password_ok(request: Request, admin: AdminSession, password: str) -> bool:
    pool = runtime_of(request).pools.for_schema(admin.schema)
    stored = await pool.fetchval(
        f"SELECT password_hash FROM {quote_ident(admin.schema)}.users WHERE id = $1::uuid AND active",
        admin.user_id,
    )
    return await check_password(password, stored)
