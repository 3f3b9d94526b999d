"""The panel's sign-up form: the same sign-up as `POST /api/tenants/register` (policy, per-address
rate limit, checks, all-or-nothing provisioning: tenancy/register.py), then the new keys shown once
and the new admin signed in."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import Response

from tenantgrid.admin.budget import over_budget
from tenantgrid.admin.login import find_tenant
from tenantgrid.admin.render import render
from tenantgrid.admin.routes import AdminRoute
from tenantgrid.admin.session import runtime_of, start_session
from tenantgrid.auth.sessions import AuthFailure
from tenantgrid.db.control_engine import control_engine
from tenantgrid.signup.guard import guard_registration
from tenantgrid.tenancy.register import (
    RegistrationError,
    check_input,
    register_tenant,
    registration_allowed,
)

router = APIRouter(route_class=AdminRoute, include_in_schema=False)
CLOSED_PAGE = {"title": "Sign-up is closed", "message": "Sign-up is closed on this server: ask its operator."}


async def _form(
    request: Request, status: int = 200, headers: dict[str, str] | None = None, **context: object
) -> Response:
    token_mode = runtime_of(request).settings.registration == "token"
    page = {"token_mode": token_mode, "field_errors": {}, **context}
    return await render(request, "signup.html", page, status, headers)


@router.get("/admin/signup")
async def signup_page(request: Request) -> Response:
    if runtime_of(request).settings.registration == "off":
        return await render(request, "error.html", CLOSED_PAGE, status_code=404)
    return await _form(request)


@router.post("/admin/signup")
async def signup(
    request: Request,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    registration_token: Annotated[str, Form()] = "",
) -> Response:
    runtime = runtime_of(request)
    settings = runtime.settings
    if settings.registration == "off":
        return await render(request, "error.html", CLOSED_PAGE, status_code=404)
    filled = {"email": email.strip(), "name": name.strip()}
    spent = await over_budget(guard_registration(request))
    if spent is not None:
        message = "Too many sign-ups from your address: try again later."
        return await _form(request, 429, spent.headers, error=message, **filled)
    refusal = registration_allowed(settings, registration_token or None)
    if refusal is not None:
        return await _form(request, 403, field_errors={"registration_token": refusal.message}, **filled)
    tenant_name = name.strip() or None
    problems = check_input(email.strip(), password, tenant_name)
    if problems:
        return await _form(
            request, 400, field_errors={p.field or "form": p.message for p in problems}, **filled
        )
    try:
        created = await register_tenant(
            control_engine(request.app), settings, email.strip(), password, tenant_name
        )
    except RegistrationError as exc:
        if exc.field is None:
            return await _form(request, 503, error=exc.message, **filled)
        return await _form(request, 400, field_errors={exc.field: exc.message}, **filled)
    signed_in = False
    tenant = await find_tenant(runtime, created.schema)
    if tenant is not None:
        try:
            await start_session(request, tenant, created.email, password)
            signed_in = True
        except AuthFailure:
            signed_in = False
    return await render(request, "signup_done.html", {"created": created, "signed_in": signed_in})
