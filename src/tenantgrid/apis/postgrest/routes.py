"""The PostgREST API's routes: `/rest/v1/{table}` for every exposed table, `/auth/v1/*` for sessions.

Routes are plain Starlette endpoints (no per-request dependency injection or validation layer):
the handlers parse what they need themselves, and every failure leaves through `render_error`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from tenantgrid import errors
from tenantgrid.apis.postgrest import auth_routes
from tenantgrid.apis.postgrest.read import read
from tenantgrid.apis.postgrest.render import render_error, unexpected_error
from tenantgrid.apis.postgrest.write import write

Handler = Callable[[Request], Awaitable[Response]]


def postgrest_errors(handler: Handler) -> Handler:
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except errors.ApiError as error:
            return render_error(error)
        except ClientDisconnect:
            # The client went away mid-body; nobody is left to answer, and it is not a server fault.
            return Response(status_code=499)
        except Exception as exc:
            return unexpected_error(exc)

    return endpoint


async def table_endpoint(request: Request) -> Response:
    table = request.path_params["table"]
    method = request.method
    if method in ("GET", "HEAD"):
        return await read(request, table)
    if method in ("POST", "PATCH", "PUT", "DELETE"):
        return await write(request, table)
    if method == "OPTIONS":
        return Response(status_code=200, headers={"Allow": "OPTIONS,GET,HEAD,POST,PUT,PATCH,DELETE"})
    raise errors.method_error(method)


async def unknown_path(request: Request) -> Response:
    raise errors.ApiError(404, "PGRST125", f"Invalid path specified in request URL: {request.url.path}")


def routes() -> list[Route]:
    methods = ["GET", "HEAD", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"]
    return [
        Route("/rest/v1/{table}", postgrest_errors(table_endpoint), methods=methods),
        Route("/rest/v1/{table}/{rest:path}", postgrest_errors(unknown_path), methods=methods),
        *auth_routes.routes(),
    ]
