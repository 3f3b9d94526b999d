"""`/rest/rights/`: DATAGERRY's 62 static rights (no credentials needed), one by name, the levels."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from tenantgrid.apis.cmdb import failures, schemas
from tenantgrid.apis.cmdb.envelope import list_response, single_response
from tenantgrid.apis.cmdb.rights import BY_NAME, LEVELS, RIGHTS, tree
from tenantgrid.apis.cmdb.routes import Endpoint, Operation
from tenantgrid.apis.cmdb.static_list import parse_static_list, run_static_list

VIEWS = ("list", "tree")


async def list_rights(request: Request) -> Response:
    listing = parse_static_list(request, default_sort="name")
    view = request.query_params.get("view", "list")
    if view not in VIEWS:
        raise failures.bad_request("'view' must be list or tree", f"got {view[:40]!r}")
    if view == "tree":
        nodes = tree()
        return list_response(request, listing, nodes, len(RIGHTS), "Right", optional={"view": view})
    results, total = run_static_list([r.as_json() for r in RIGHTS], listing)
    return list_response(request, listing, results, total, "Right", optional={"view": view})


async def one_right(request: Request) -> Response:
    name = request.path_params["name"]
    right = BY_NAME.get(name)
    if right is None:
        raise failures.not_found(f"Right {name[:80]!r} not found")
    return single_response(request, right.as_json(), "Right")


async def levels(request: Request) -> Response:
    return single_response(request, dict(LEVELS), "Security-Level")


ENDPOINTS = [
    Endpoint(
        "/rights/",
        {
            "GET": Operation(
                list_rights,
                "List the 62 rights (default sort name; view=list|tree)",
                query=("filter", "sort", "order", "page", "limit", "view"),
                response=schemas.list_of(schemas.RIGHT),
                public=True,
            )
        },
    ),
    Endpoint(
        "/rights/levels",
        {
            "GET": Operation(
                levels, "The security levels", response=schemas.single(schemas.LEVELS), public=True
            )
        },
    ),
    Endpoint(
        "/rights/{name}",
        {
            "GET": Operation(
                one_right,
                "One right by its name (404 if unknown)",
                response=schemas.single(schemas.RIGHT),
                public=True,
            )
        },
        path_types={"name": "string"},
    ),
]
