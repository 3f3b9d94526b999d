"""Every Gridly route, under `/v1` (not `/v1.0`), with and without a trailing slash.

Route modules declare `ENDPOINTS: list[Endpoint]` (`tenantgrid.http.endpoints`), paths relative to
`/v1`. Endpoints of several modules with the same path are merged into one (so one module may add a
method to another's path). One Starlette route per path dispatches by method: a method the path
lacks is a Gridly 405, HEAD runs the GET without a body, OPTIONS lists the methods. Whatever a
handler raises leaves through `render.gridly_errors`. A request under `/v1/` that no route matches is
a Gridly 404.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from tenantgrid.apis.gridly import failures
from tenantgrid.apis.gridly.render import empty_response, gridly_errors
from tenantgrid.http.endpoints import ALL_METHODS, Endpoint, Handler, dispatch

PREFIX = "/v1"


def endpoints() -> list[Endpoint]:
    """Every Gridly endpoint, merged by path. Within a module, a fixed path comes before a parameter
    at the same place (`/views/{viewId}/files` is no `/views/{viewId}` clash: Starlette matches whole
    paths)."""
    from tenantgrid.apis.gridly import dependencies_routes, records_routes, views_routes

    declared: list[Endpoint] = [
        *views_routes.ENDPOINTS,
        *records_routes.ENDPOINTS,
        *dependencies_routes.ENDPOINTS,
    ]
    # -- G2 and G3 add their modules' ENDPOINTS here (projects, databases, grids, views, columns,
    # -- paths, files, export) --------------------------------------------------------------------
    from tenantgrid.apis.gridly import (  # G2
        columns_routes,
        grids_routes,
        paths_routes,
        projects_routes,
        view_list_routes,
    )

    declared += [
        *projects_routes.ENDPOINTS,
        *grids_routes.ENDPOINTS,
        *view_list_routes.ENDPOINTS,
        *columns_routes.ENDPOINTS,
        *paths_routes.ENDPOINTS,
    ]  # G2
    from tenantgrid.apis.gridly import export_routes, files_routes  # G3

    declared += [*files_routes.ENDPOINTS, *export_routes.ENDPOINTS]  # G3
    return merged(declared)


def merged(declared: list[Endpoint]) -> list[Endpoint]:
    by_path: dict[str, Endpoint] = {}
    for endpoint in declared:
        known = by_path.get(endpoint.path)
        if known is None:
            by_path[endpoint.path] = endpoint
            continue
        clash = set(known.operations) & set(endpoint.operations)
        if clash:
            raise ValueError(f"{endpoint.path}: {sorted(clash)} declared twice")
        by_path[endpoint.path] = Endpoint(
            endpoint.path,
            {**known.operations, **endpoint.operations},
            {**known.path_types, **endpoint.path_types},
        )
    return list(by_path.values())


def _dispatch(endpoint: Endpoint) -> Handler:
    return dispatch(
        endpoint,
        wrap=gridly_errors,
        method_not_allowed=failures.method_not_allowed,
        options=lambda request, allowed: empty_response(204, {"Allow": ", ".join(allowed)}),
    )


async def _no_route(request: Request) -> Response:
    message = f"No Gridly route {request.method} {request.url.path[:200]}."
    raise failures.GridlyError(404, message, [failures.item("missing", "path", message, "route")])


def routes() -> list[BaseRoute]:
    mounted: list[BaseRoute] = []
    for endpoint in endpoints():
        handler = _dispatch(endpoint)
        bare = PREFIX + endpoint.path.rstrip("/")
        mounted.append(Route(bare, handler, methods=ALL_METHODS))
        mounted.append(Route(bare + "/", handler, methods=ALL_METHODS))
    mounted.append(Route(PREFIX + "/{rest:path}", gridly_errors(_no_route), methods=ALL_METHODS))
    return mounted
