"""The keys menu at the top right: the tenant's keys by prefix, create one (shown once), revoke.

Keys bound to a panel session (the /docs key) are the panel's own and not listed. Writes go
through tenancy/control.py, as the CLI's do; the menu's list is one query on the request pool.
Every id comes with the session's tenant in the WHERE clause: another tenant's key id is a no-op.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tenantgrid.admin.render import render
from tenantgrid.admin.routes import AdminRoute
from tenantgrid.admin.session import AdminSession, require_admin, runtime_of
from tenantgrid.auth.keys import KeyKind
from tenantgrid.db.control_engine import control_engine
from tenantgrid.tenancy.control import Control
from tenantgrid.tenancy.names import quote_ident

router = APIRouter(prefix="/admin/keys", route_class=AdminRoute, include_in_schema=False)
Admin = Annotated[AdminSession, Depends(require_admin)]


@dataclass(frozen=True, slots=True)
class MenuKey:
    id: int
    kind: str
    prefix: str
    created_at: datetime
    views: list[str] | None


async def menu_keys(request: Request, admin: AdminSession) -> list[MenuKey]:
    runtime = runtime_of(request)
    c = quote_ident(runtime.settings.control_schema)
    rows = await runtime.pools.control.fetch(
        f"SELECT id, kind, prefix, created_at, views FROM {c}.api_keys "
        "WHERE tenant_id = $1 AND revoked_at IS NULL AND session_id IS NULL ORDER BY id",
        admin.tenant_id,
    )
    return [MenuKey(*row) for row in rows]


def _htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


async def _menu_or_page(
    request: Request, admin: AdminSession, context: dict[str, object], status: int = 200
) -> Response:
    """htmx swaps the menu alone; without JavaScript the keys page shows the same, menu open."""
    context = {"keys": await menu_keys(request, admin), "menu_open": True, "nav_key": "keys", **context}
    template = "_keys_menu.html" if _htmx(request) else "keys.html"
    return await render(request, template, context, status_code=status)


@router.get("")
async def keys_page(request: Request, admin: Admin) -> Response:
    return await render(request, "keys.html", {"nav_key": "keys", "menu_open": True})


@router.post("")
async def create_key(request: Request, admin: Admin, kind: Annotated[str, Form()] = "") -> Response:
    try:
        key_kind = KeyKind(kind)
    except ValueError:
        return await _menu_or_page(request, admin, {"key_error": "Choose publishable or secret."}, 400)
    async with control_engine(request.app).begin() as conn:
        key = await Control(conn, runtime_of(request).settings.control_schema).create_key(
            admin.tenant_id, key_kind
        )
    return await _menu_or_page(request, admin, {"new_key": key, "new_key_kind": key_kind.value})


@router.post("/{key_id}/revoke")
async def revoke_key(request: Request, admin: Admin, key_id: str) -> Response:
    if not key_id.isdigit() or len(key_id) > 18:
        return await render(
            request, "error.html", {"title": "Not found", "message": "There is no such key."}, 404
        )
    async with control_engine(request.app).begin() as conn:
        await Control(conn, runtime_of(request).settings.control_schema).revoke_key(
            admin.tenant_id, int(key_id)
        )
    if _htmx(request):
        return await _menu_or_page(request, admin, {})
    return RedirectResponse("/admin/keys", status_code=303)
