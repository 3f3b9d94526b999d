"""`/auth/v1/*`: the Supabase (GoTrue) session endpoints, answered in the shape its clients accept.

Errors here use GoTrue's envelope (`code`, `error_code`, `msg`), not PostgREST's, because that is
what `supabase-py` / `supabase-js` parse on these routes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from tenantgrid import errors
from tenantgrid.auth.principal import Principal
from tenantgrid.auth.sessions import AuthFailure, Session, SessionStore, User
from tenantgrid.auth.tokens import issue_access_token
from tenantgrid.db.execute import database_error
from tenantgrid.http.request_body import read_body
from tenantgrid.http.request_context import note_error_code
from tenantgrid.ratelimit.guard import guard_login
from tenantgrid.runtime import Runtime
from tenantgrid.tenancy.resolve import resolve_schema

JSON = "application/json"
log = logging.getLogger("tenantgrid.auth")
MAX_AUTH_BODY = 64 * 1024


def _error(status: int, error_code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    body = {"code": status, "error_code": error_code, "msg": message}
    return Response(orjson.dumps(body), status_code=status, media_type=JSON, headers=headers)


def _api_error(error: errors.ApiError) -> Response:
    note_error_code(error.code)
    codes = {
        401: "bad_jwt",
        403: "not_admin",
        406: "bad_profile",
        413: "request_too_large",
        429: "over_request_rate_limit",
        503: "unexpected_failure",
    }
    return _error(error.status, codes.get(error.status, "validation_failed"), error.message, error.headers)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def user_json(user: User, tenant_schema: str) -> dict[str, Any]:
    app_metadata = orjson.loads(user.app_metadata) | {"provider": "email", "providers": ["email"]}
    return {
        "id": user.id,
        "aud": "authenticated",
        "role": user.role,
        "email": user.email,
        "phone": "",
        "email_confirmed_at": _iso(user.email_confirmed_at),
        "confirmed_at": _iso(user.email_confirmed_at),
        "last_sign_in_at": _iso(user.last_sign_in_at),
        "app_metadata": app_metadata,
        "user_metadata": orjson.loads(user.user_metadata),
        "identities": [],
        "created_at": _iso(user.created_at),
        "updated_at": _iso(user.updated_at),
        "is_anonymous": False,
        "schema": tenant_schema,
    }


async def _principal(request: Request, runtime: Runtime, *, key_only: bool = False) -> Principal:
    authenticator = runtime.authenticator
    principal = await (
        authenticator.authenticate_key(request.headers)
        if key_only
        else authenticator.authenticate(request.headers)
    )
    request.scope.setdefault("state", {})["tenant"] = principal.tenant.name
    return principal


async def token(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    grant = request.query_params.get("grant_type")
    try:
        # Only the key counts here: the refresh that follows an expired access token still sends it.
        principal = await _principal(request, runtime, key_only=True)
        # Seed 000 sends Content-Profile on this endpoint; when present it must name the key's schema.
        resolve_schema(principal, "POST", request.headers, runtime.settings.template_schema)
        raw = await read_body(request, MAX_AUTH_BODY)
    except errors.ApiError as error:
        return _api_error(error)
    try:
        body = orjson.loads(raw or b"{}")
    except orjson.JSONDecodeError:
        return _error(400, "validation_failed", "Could not parse request body as JSON")
    if not isinstance(body, dict):
        return _error(400, "validation_failed", "Request body must be a JSON object")
    store = SessionStore(runtime.pools.for_schema(principal.tenant.schema), runtime.settings)
    try:
        if grant == "password":
            email, password = body.get("email"), body.get("password")
            if not isinstance(email, str) or not isinstance(password, str) or not email or not password:
                return _error(400, "validation_failed", "An email address and a password are required")
            await guard_login(request, principal.tenant.name, email)
            session = await store.sign_in(principal.tenant, email, password)
        elif grant == "refresh_token":
            refresh = body.get("refresh_token")
            if not isinstance(refresh, str) or not refresh:
                return _error(400, "validation_failed", "A refresh_token is required")
            session = await store.refresh(principal.tenant, refresh)
        else:
            return _error(400, "unsupported_grant_type", "grant_type must be password or refresh_token")
    except AuthFailure as failure:
        return _error(failure.status, failure.error_code, failure.message)
    return Response(orjson.dumps(_session_json(runtime, principal, session)), media_type=JSON)


def _session_json(runtime: Runtime, principal: Principal, session: Session) -> dict[str, Any]:
    now = int(time.time())
    access, expires_at = issue_access_token(
        runtime.settings,
        runtime.jwt_secret,
        user_id=session.user.id,
        email=session.user.email,
        role=session.user.role,
        schema=principal.tenant.schema,
        tenant=principal.tenant.name,
        session_id=session.id,
        now=now,
    )
    return {
        "access_token": access,
        "token_type": "bearer",
        "expires_in": expires_at - now,
        "expires_at": expires_at,
        "refresh_token": session.refresh_token,
        "user": user_json(session.user, principal.tenant.schema),
    }


async def _signed_in(request: Request) -> tuple[Runtime, Principal]:
    runtime: Runtime = request.app.state.runtime
    principal = await _principal(request, runtime)
    if principal.user is None:
        raise errors.jwt_invalid("This endpoint requires a Bearer token")
    return runtime, principal


async def user(request: Request) -> Response:
    try:
        runtime, principal = await _signed_in(request)
    except errors.ApiError as error:
        return _api_error(error)
    assert principal.user is not None
    try:
        found = await SessionStore(runtime.pools.for_schema(principal.tenant.schema), runtime.settings).user(
            principal.tenant, principal.user.user_id, principal.user.session_id
        )
    except AuthFailure as failure:
        return _error(failure.status, failure.error_code, failure.message)
    return Response(orjson.dumps(user_json(found, principal.tenant.schema)), media_type=JSON)


async def logout(request: Request) -> Response:
    scope = request.query_params.get("scope", "global")
    if scope not in ("global", "local", "others"):
        return _error(400, "validation_failed", "scope must be global, local or others")
    try:
        runtime, principal = await _signed_in(request)
    except errors.ApiError as error:
        return _api_error(error)
    assert principal.user is not None
    await SessionStore(runtime.pools.for_schema(principal.tenant.schema), runtime.settings).sign_out(
        principal.tenant, principal.user.user_id, principal.user.session_id, scope
    )
    return Response(status_code=204)


def gotrue_errors(
    handler: Callable[[Request], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    """Whatever escapes a handler leaves in GoTrue's envelope: a lost database as 503, a bug as 500."""

    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except errors.ApiError as error:
            return _api_error(error)
        except ClientDisconnect:
            return Response(status_code=499)  # nobody is left to answer; not a server fault
        except Exception as exc:
            error = database_error(exc)
            if error is not None:
                note_error_code(error.code)
                return _error(error.status, "unexpected_failure", error.message)
            log.exception("unhandled error on %s", request.url.path)
            return _error(500, "unexpected_failure", "Internal server error")

    return endpoint


def routes() -> list[Route]:
    return [
        Route("/auth/v1/token", gotrue_errors(token), methods=["POST"]),
        Route("/auth/v1/user", gotrue_errors(user), methods=["GET"]),
        Route("/auth/v1/logout", gotrue_errors(logout), methods=["POST"]),
    ]
