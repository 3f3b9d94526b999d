"""`POST /api/tenants/register`: self-service sign-up, answered as the seed's Django REST service
answers: 201 with the new tenant's keys, 400 `{"<field>": ["message"]}` naming only the fields at
fault, any other refusal `{"detail": "..."}`.

Order of checks: sign-up off (404, nothing counted), then the per-address rate limit (429: every
attempt counts, wrong tokens and bad input too), then the operator token in token mode (401), then
the body (400), then provisioning (400 for a taken email or name).
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from fastapi import FastAPI
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from tenantgrid import errors
from tenantgrid.db.control_engine import control_engine
from tenantgrid.http.openapi_tags import SIGNUP
from tenantgrid.http.request_body import read_body
from tenantgrid.http.request_context import note_error_code
from tenantgrid.runtime import Runtime
from tenantgrid.signup.body import BadBody, SignUp, parse_sign_up
from tenantgrid.signup.guard import guard_registration
from tenantgrid.signup.openapi import OPENAPI, RESPONSES
from tenantgrid.tenancy.register import (
    RegistrationError,
    check_input,
    register_tenant,
    registration_allowed,
)

PATH = "/api/tenants/register"
MAX_BODY = 16 * 1024
JSON = "application/json"
TOKEN_HEADER = "x-registration-token"
CHALLENGE = 'Bearer realm="tenantgrid sign-up"'
log = logging.getLogger("tenantgrid.signup")


def mount_signup(app: FastAPI) -> None:
    app.add_api_route(
        PATH,
        register,
        methods=["POST"],
        tags=[SIGNUP],
        summary="Sign up: a new tenant with its own schema, you its only user",
        status_code=201,
        response_model=None,
        responses=RESPONSES,
        openapi_extra=OPENAPI,
        operation_id="register_tenant",
    )


async def register(request: Request) -> Response:
    try:
        return await _register(request)
    except errors.ApiError as error:  # 413, the rate limiter's 429 or 503
        note_error_code(error.code)
        return _detail(error.status, error.message, error.headers)
    except ClientDisconnect:
        return Response(status_code=499)
    except (OperationalError, InterfaceError, OSError) as exc:
        log.warning("sign-up: the database is unreachable: %s", exc)
        return _detail(503, "The database is unavailable; try again shortly.", {"Retry-After": "5"})
    except Exception:  # a bug, or a database refusal (tested with a trigger): nothing was kept
        log.exception("sign-up failed")
        return _detail(500, "A server error occurred.")


async def _register(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    settings = runtime.settings
    if settings.registration == "off":
        return _detail(404, "Sign-up is closed.")
    await guard_registration(request)
    raw = await read_body(request, MAX_BODY)
    try:
        sign_up = parse_sign_up(raw, request.headers.get("content-type", JSON))
    except BadBody as exc:
        return _detail(exc.status, exc.detail)
    token = _token(request, sign_up)
    refusal = registration_allowed(settings, token)
    if refusal is not None:
        if refusal.field is None:
            return _detail(404, refusal.message)
        message = "Authentication credentials were not provided." if token is None else refusal.message
        return _detail(401, message, {"WWW-Authenticate": CHALLENGE})
    if sign_up.problems:
        return _fields(sign_up.problems)
    assert sign_up.email is not None and sign_up.password is not None
    problems = check_input(sign_up.email, sign_up.password, sign_up.name)
    if problems:
        return _fields({p.field or "non_field_errors": [p.message] for p in problems})
    try:
        tenant = await register_tenant(
            control_engine(request.app), settings, sign_up.email, sign_up.password, sign_up.name
        )
    except RegistrationError as exc:
        if exc.field is None:
            return _detail(503, exc.message, {"Retry-After": "1"})
        return _fields({exc.field: [exc.message]})
    log.info("sign-up: tenant %s (schema %s) created", tenant.tenant, tenant.schema)
    return _json(201, tenant.as_dict(), {"Cache-Control": "no-store"})


def _token(request: Request, sign_up: SignUp) -> str | None:
    authorization = request.headers.get("authorization", "")
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.headers.get(TOKEN_HEADER) or sign_up.registration_token


def _fields(problems: dict[str, list[str]]) -> Response:
    return _json(400, problems)


def _detail(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return _json(status, {"detail": message}, headers)


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type=JSON, headers=headers)
