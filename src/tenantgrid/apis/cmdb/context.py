"""What every CMDB handler starts from: the authenticated caller with its tenant's schema and pool
(`TenantRequest`), and the request's path ids, integer parameters and JSON body, each refused in the
CMDB's words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from tenantgrid.apis.cmdb import failures
from tenantgrid.apis.cmdb.auth import Caller, authenticate
from tenantgrid.errors import ApiError
from tenantgrid.http.integers import parse_bigint
from tenantgrid.http.json_body import BodyRefused, Refusal, read_json
from tenantgrid.tenancy.tenant_request import TenantRequest


@dataclass(frozen=True, slots=True)
class Ctx(TenantRequest):
    caller: Caller

    def require(self, right: str) -> None:
        self.caller.require(right)


async def context(request: Request, right: str | None = None) -> Ctx:
    """Authenticate (401/403) and, when `right` is given, require it (403 naming it)."""
    caller = await authenticate(request)
    if right is not None:
        caller.require(right)
    return Ctx(request, request.app.state.runtime, caller.tenant, caller)


def path_id(request: Request, what: str, name: str = "public_id") -> int:
    """A path's integer id; anything that is not one (letters, `²`, 30 digits) names nothing: 404."""
    text = request.path_params[name]
    value = parse_bigint(text, signed=True)
    if value is None:
        raise failures.not_found(f"{what} {text[:40]!r} not found")
    return value


def query_int(
    request: Request, name: str, default: int | None = None, minimum: int | None = None
) -> int | None:
    """An integer query parameter: absent -> `default`; not an integer or below `minimum` -> 400."""
    text = request.query_params.get(name)
    if text is None:
        return default
    value = parse_bigint(text.strip(), signed=True)
    if value is None or (minimum is not None and value < minimum):
        bound = f" of at least {minimum}" if minimum is not None else ""
        raise failures.bad_request(f"'{name}' must be an integer{bound}", f"got {text[:40]!r}")
    return value


async def json_body(request: Request) -> Any:
    """The request's JSON body within the size limit (413), parsed (400 when it is not JSON)."""
    try:
        return await read_json(request)
    except BodyRefused as refused:
        raise _refusal(refused) from None


def _refusal(refused: BodyRefused) -> ApiError:
    match refused.refusal:
        case Refusal.TOO_LARGE:
            return failures.too_large(refused.limit)
        case Refusal.EMPTY:
            return failures.bad_request("A JSON body is required")
        case Refusal.NOT_JSON:
            return failures.bad_request("The body is not valid JSON", refused.detail)
        case _:  # a Content-Length that is not a number: PostgREST's words, as before
            return failures.bad_request(refused.message, refused.detail or None)


async def json_object(request: Request) -> dict[str, Any]:
    body = await json_body(request)
    if not isinstance(body, dict):
        raise failures.bad_request("The body must be a JSON object")
    return body
