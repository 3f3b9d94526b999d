"""Every CMDB route, mounted twice: under `/rest/...` and under `/tenants/{schema}/rest/...`, each
with and without its trailing slash.

A route module declares `ENDPOINTS: list[Endpoint]` (`tenantgrid.http.endpoints`, shared with Gridly):
a path (relative to `/rest`) and its operations by method, each with what `/openapi.json` says about
it. One Starlette route per path dispatches by method, so a method the path lacks is a CMDB 405,
HEAD runs the GET without a body, and OPTIONS lists the methods. Whatever a handler raises leaves through `render.cmdb_errors`.
A request under `/rest/` (but not `/rest/v1`, PostgREST's) that no route matches is a CMDB 404.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route
from starlette.types import Scope

from tenantgrid.apis.cmdb import failures
from tenantgrid.apis.cmdb.render import Handler, cmdb_errors, empty_response
from tenantgrid.http.endpoints import ALL_METHODS, Endpoint, Operation, dispatch

__all__ = ["ALL_METHODS", "Endpoint", "Operation", "endpoints", "routes"]

TENANT_PREFIX = "/tenants/{schema}"
POSTGREST_PREFIX = "/rest/v1"


def _dispatch(endpoint: Endpoint) -> Handler:
    return dispatch(
        endpoint,
        wrap=cmdb_errors,
        method_not_allowed=failures.method_not_allowed,
        options=lambda request, allowed: empty_response(request, 204, {"Allow": ", ".join(allowed)}),
    )


def endpoint_routes(endpoint: Endpoint) -> list[Route]:
    bare = endpoint.path.rstrip("/") or "/"
    paths = [bare, bare + "/"] if bare != "/" else ["/"]
    routes: list[Route] = []
    for prefix in ("", TENANT_PREFIX):
        for path in paths:
            # One handler object per route: the access log and metrics name a route by its endpoint.
            routes.append(Route(prefix + "/rest" + path, _dispatch(endpoint), methods=ALL_METHODS))
    return routes


class _Unmatched(Route):
    """`/rest/{anything}` that no CMDB route took, except PostgREST's `/rest/v1` and below."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        path = scope.get("path", "")
        if path == POSTGREST_PREFIX or path.startswith(POSTGREST_PREFIX + "/"):
            return Match.NONE, {}
        return super().matches(scope)


async def _no_route(request: Request) -> Response:
    raise failures.not_found(f"No CMDB route {request.method} {request.url.path}")


def endpoints() -> list[Endpoint]:
    """Every CMDB endpoint, people first, then the framework. The order matters only between a fixed
    path and a parameter at the same place (`/rights/levels` before `/rights/{name}`): each module
    lists its own in the right order."""
    from tenantgrid.apis.cmdb import groups, login, rights_routes, settings_routes, users

    people = [
        *login.ENDPOINTS,
        *rights_routes.ENDPOINTS,
        *settings_routes.ENDPOINTS,
        *users.ENDPOINTS,
        *groups.ENDPOINTS,
    ]
    from tenantgrid.apis.cmdb import categories_routes, objects_routes, types_routes

    framework: list[Endpoint] = [
        *types_routes.ENDPOINTS,
        *categories_routes.ENDPOINTS,
        *objects_routes.ENDPOINTS,
    ]
    return [*people, *framework]


def routes() -> list[BaseRoute]:
    mounted: list[BaseRoute] = []
    for endpoint in endpoints():
        mounted.extend(endpoint_routes(endpoint))
    unmatched = cmdb_errors(_no_route)
    mounted.append(_Unmatched("/rest/{rest:path}", unmatched, methods=ALL_METHODS))
    mounted.append(_Unmatched("/rest", unmatched, methods=ALL_METHODS))
    mounted.append(Route(TENANT_PREFIX + "/rest/{rest:path}", cmdb_errors(_no_route), methods=ALL_METHODS))
    mounted.append(Route(TENANT_PREFIX + "/rest", cmdb_errors(_no_route), methods=ALL_METHODS))
    return mounted
