"""The tenant's users: list, create, change group, deactivate and reactivate.

These are the people of /auth/v1 and the CMDB (`users` in the tenant's schema; groups are the
CMDB's `cmdb_groups`). A deactivated user (`users.active` false) signs in nowhere (/auth/v1, the
CMDB login, the panel), and deactivating one revokes their sessions (and so their /docs keys).
Password hashes are never read here. An admin cannot deactivate themselves: a tenant keeps at
least the admin who is looking at it.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import anyio.to_thread
import asyncpg
from fastapi import APIRouter, Depends, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tenantgrid.admin.render import render
from tenantgrid.admin.routes import AdminRoute
from tenantgrid.admin.session import AdminSession, panel_settings, require_admin, runtime_of
from tenantgrid.apis.cmdb.auth import cmdb_auth
from tenantgrid.auth.passwords import hash_password
from tenantgrid.auth.sessions import SessionStore
from tenantgrid.db.affinity import TenantConnections
from tenantgrid.tenancy.email_address import INVALID, valid_email
from tenantgrid.tenancy.names import quote_ident

router = APIRouter(prefix="/admin/users", route_class=AdminRoute, include_in_schema=False)
Admin = Annotated[AdminSession, Depends(require_admin)]
MIN_PASSWORD = 8
MAX_PASSWORD = 1024
CHECKED = frozenset({"on", "1", "true"})
CHECKBOX_ERROR = 'Check the box, or send "on", "1" or "true"; leave it out for a user who is not an admin.'


def _pool(request: Request, admin: AdminSession) -> TenantConnections:
    return runtime_of(request).pools.for_schema(admin.schema)


async def _page(request: Request, admin: AdminSession, status: int = 200, **context: Any) -> Response:
    s = quote_ident(admin.schema)
    pool = _pool(request, admin)
    users = await pool.fetch(
        "SELECT u.id::text AS id, u.email, u.user_name, u.group_id, coalesce(g.label, g.name) AS group_label, "
        f"u.is_admin, u.active, u.last_sign_in_at FROM {s}.users u "
        f"LEFT JOIN {s}.cmdb_groups g ON g.public_id = u.group_id ORDER BY u.created_at, u.id"
    )
    groups = await pool.fetch(
        f"SELECT public_id, coalesce(label, name) AS label FROM {s}.cmdb_groups ORDER BY public_id"
    )
    page = {"users": users, "groups": groups, "nav_key": "users", "field_errors": {}, "filled": {}, **context}
    return await render(request, "users.html", page, status_code=status)


def _user_id(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def _checkbox(value: str | None) -> bool | None:
    """A checkbox's value: absent is false, what browsers and scripts send for "checked" is true, and
    anything else (`false` included: it would be true by mere presence) is None, a field error."""
    if value is None:
        return False
    return True if value.strip().lower() in CHECKED else None


def _group_id(text: str) -> int | None:
    return int(text) if text.strip().isdigit() and len(text.strip()) < 18 else None


def _done(request: Request) -> Response:
    cmdb_auth(request).forget_users()
    return RedirectResponse("/admin/users", status_code=303)


@router.get("")
async def users_page(request: Request, admin: Admin) -> Response:
    return await _page(request, admin)


@router.post("")
async def create_user(
    request: Request,
    admin: Admin,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    group_id: Annotated[str, Form()] = "2",
    is_admin: Annotated[str | None, Form()] = None,
) -> Response:
    email = email.strip()
    admin_flag = _checkbox(is_admin)
    filled = {"email": email, "group_id": group_id, "is_admin": bool(admin_flag)}
    problems: dict[str, str] = {}
    if admin_flag is None:
        problems["is_admin"] = CHECKBOX_ERROR
    if not valid_email(email):
        problems["email"] = INVALID
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        problems["password"] = f"Use {MIN_PASSWORD} to {MAX_PASSWORD} characters."
    group = _group_id(group_id)
    if group is None:
        problems["group_id"] = "Choose a group."
    if problems:
        return await _page(request, admin, 400, field_errors=problems, filled=filled)
    password_hash = await anyio.to_thread.run_sync(hash_password, password)
    s = quote_ident(admin.schema)
    try:
        await _pool(request, admin).execute(
            f"INSERT INTO {s}.users (email, password_hash, role, is_admin, group_id) "
            "VALUES ($1, $2, 'authenticated', $3, $4)",
            email,
            password_hash,
            admin_flag,
            group,
        )
    except asyncpg.UniqueViolationError:
        problems["email"] = "A user with this email (or user name) already exists."
    except asyncpg.ForeignKeyViolationError:
        problems["group_id"] = "There is no such group."
    if problems:
        return await _page(request, admin, 400, field_errors=problems, filled=filled)
    return _done(request)


@router.post("/{user_id}/group")
async def change_group(
    request: Request, admin: Admin, user_id: str, group_id: Annotated[str, Form()] = ""
) -> Response:
    target, group = _user_id(user_id), _group_id(group_id)
    if target is None:
        return await _page(request, admin, 404, error="There is no such user.")
    if group is None:
        return await _page(request, admin, 400, error="Choose a group.")
    try:
        status = await _pool(request, admin).execute(
            f"UPDATE {quote_ident(admin.schema)}.users SET group_id = $2 WHERE id = $1", target, group
        )
    except asyncpg.ForeignKeyViolationError:
        return await _page(request, admin, 400, error="There is no such group.")
    if status.endswith(" 0"):
        return await _page(request, admin, 404, error="There is no such user.")
    return _done(request)


async def _set_active(request: Request, admin: AdminSession, user_id: str, active: bool) -> Response:
    target = _user_id(user_id)
    if target is None:
        return await _page(request, admin, 404, error="There is no such user.")
    if not active and str(target) == admin.user_id:
        return await _page(request, admin, 400, error="You cannot deactivate yourself.")
    runtime = runtime_of(request)
    status = await _pool(request, admin).execute(
        f"UPDATE {quote_ident(admin.schema)}.users SET active = $2 WHERE id = $1", target, active
    )
    if status.endswith(" 0"):
        return await _page(request, admin, 404, error="There is no such user.")
    if not active:
        store = SessionStore(runtime.pools.for_schema(admin.schema), panel_settings(runtime.settings))
        await store.sign_out(admin.tenant, str(target), "", "global")
    return _done(request)


@router.post("/{user_id}/deactivate")
async def deactivate(request: Request, admin: Admin, user_id: str) -> Response:
    return await _set_active(request, admin, user_id, False)


@router.post("/{user_id}/reactivate")
async def reactivate(request: Request, admin: Admin, user_id: str) -> Response:
    return await _set_active(request, admin, user_id, True)
