"""What every Gridly handler starts from: the authenticated caller with its tenant's schema, pool and
queries (`TenantRequest`), the views it may see, and the request's JSON body, each refused in Gridly's
words.

    ctx = await context(request)
    view = await ctx.view(request.path_params["viewId"])     # 404 unless the caller sees it
    async with ctx.transaction() as conn: ...                # one transaction on the tenant's pool
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg
from starlette.requests import Request

from tenantgrid.apis.gridly import failures
from tenantgrid.apis.gridly.auth import Caller, authenticate
from tenantgrid.apis.gridly.views_store import View, load_view
from tenantgrid.db.execute import database_errors
from tenantgrid.http.json_body import BodyRefused, Refusal, read_json
from tenantgrid.tenancy.tenant_request import TenantRequest


@dataclass(frozen=True, slots=True)
class Ctx(TenantRequest):
    caller: Caller

    async def view(self, view_id: str, conn: asyncpg.Connection | None = None) -> View:
        """The view with its columns; 404 (the seed's) when it does not exist or the key may not see it."""
        if not self.caller.sees_view(view_id):
            raise failures.not_found("view", view_id)
        with database_errors():
            view = await load_view(conn or self.pool, self.s, view_id)
        if view is None:
            raise failures.not_found("view", view_id)
        return view

    def require_unscoped(self) -> None:
        """Projects, databases and grids are not for a key scoped to some views (403)."""
        if self.caller.views is not None:
            raise failures.forbidden("This API key is scoped to some views only.")


async def context(request: Request) -> Ctx:
    """Authenticate (401)."""
    caller = await authenticate(request)
    return Ctx(request, request.app.state.runtime, caller.tenant, caller)


async def json_body(request: Request) -> Any:
    """The request's JSON body within the size limit (413), parsed (400 naming `body` if it is not JSON)."""
    try:
        return await read_json(request)
    except BodyRefused as refused:
        raise _refusal(refused) from None


def _refusal(refused: BodyRefused) -> failures.GridlyError:
    match refused.refusal:
        case Refusal.TOO_LARGE:
            message = "Payload Too Large"  # as `gridly_errors` words any other 413 of a body
            return failures.GridlyError(
                413, message, [failures.item("too_large", "body", message, "request")]
            )
        case Refusal.EMPTY:
            return failures.bad_request("A JSON body is required.", "body")
        case Refusal.NOT_JSON:
            return failures.bad_request("Unable to parse the request body as JSON.", "body")
        case _:  # a Content-Length that is not a number: PostgREST's words, as before
            return failures.bad_request(refused.message, resource="request")


async def json_object(request: Request) -> dict[str, Any]:
    body = await json_body(request)
    if not isinstance(body, dict):
        raise failures.bad_request("The request body must be a JSON object.", "body")
    return body


async def json_array(request: Request) -> list[Any]:
    body = await json_body(request)
    if not isinstance(body, list):
        raise failures.bad_request("The request body must be a JSON array.", "body")
    return body
