"""The tenant page, and "delete my tenant": typed confirmation (the schema name), then the same drop
as `tenantgrid tenants drop` (schema, control row, keys, sessions and files in one step)."""

from __future__ import annotations

from contextlib import suppress
from typing import Annotated

from fastapi import APIRouter, Depends, Form
from starlette.requests import Request
from starlette.responses import Response

from tenantgrid.admin.render import render
from tenantgrid.admin.routes import AdminRoute
from tenantgrid.admin.session import AdminSession, forget, require_admin, runtime_of
from tenantgrid.db.control_engine import control_engine
from tenantgrid.tenancy.provision import ProvisionError, drop_tenant

router = APIRouter(prefix="/admin/tenant", route_class=AdminRoute, include_in_schema=False)
Admin = Annotated[AdminSession, Depends(require_admin)]


@router.get("")
async def tenant_page(request: Request, admin: Admin) -> Response:
    return await render(request, "tenant.html", {"nav_key": "tenant"})


@router.post("/delete")
async def delete_tenant(request: Request, admin: Admin, confirm: Annotated[str, Form()] = "") -> Response:
    if not admin.is_admin:
        return await render(request, "tenant.html", {"nav_key": "tenant", "error": "Only admins may."}, 403)
    if confirm.strip() != admin.schema:
        message = f"Type the schema name, {admin.schema}, to confirm."
        return await render(request, "tenant.html", {"nav_key": "tenant", "error": message}, status_code=400)
    with suppress(ProvisionError):  # deleted meanwhile (another tab): the outcome asked for
        await drop_tenant(control_engine(request.app), runtime_of(request).settings, admin.tenant_name)
    forget(request)
    return await render(request, "deleted.html", {"tenant_name": admin.tenant_name, "schema": admin.schema})
