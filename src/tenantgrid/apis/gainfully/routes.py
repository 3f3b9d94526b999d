"""Every Gainfully route under /v1.0/, each with and without its trailing slash: per resource, the
list (GET) and create (POST) at `/v1.0/<resource>/`, and read (GET), partial update (PATCH) and
delete (DELETE) at `/v1.0/<resource>/<id>`. Declared once as `Endpoint`s (`tenantgrid.http.endpoints`)
for the routes and `/openapi.json` alike. Any other path under /v1.0/ is a 404 in this API's shape.
"""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from tenantgrid.apis.gainfully import failures, schemas
from tenantgrid.apis.gainfully.auth import authenticate
from tenantgrid.apis.gainfully.body import json_body
from tenantgrid.apis.gainfully.models import RESOURCES, Resource
from tenantgrid.apis.gainfully.pagination import absolute_uri, next_link, previous_link
from tenantgrid.apis.gainfully.render import dumps, gainfully_errors, json_response
from tenantgrid.apis.gainfully.store import Store, path_id
from tenantgrid.apis.gainfully.validation import validate
from tenantgrid.http.endpoints import ALL_METHODS, Endpoint, Handler, Operation, dispatch
from tenantgrid.query.dialects.django import parse_list, sparse_fields

PREFIX = "/v1.0"
LIST_QUERY = ("limit", "offset", "ordering", "fields", "omit")
ONE_QUERY = ("fields", "omit")


async def _store(request: Request, resource: Resource) -> Store:
    tenant = await authenticate(request)
    return Store(request, request.app.state.runtime, tenant, resource)


def _object_id(request: Request) -> int:
    object_id = path_id(request.path_params["id"])
    if object_id is None:
        raise failures.not_found()
    return object_id


def list_handler(resource: Resource) -> Handler:
    async def handle(request: Request) -> Response:
        store = await _store(request, resource)
        listing = parse_list(resource.model, request.query_params.multi_items())
        results, count = await store.page(listing)
        url = absolute_uri(request)
        links = orjson.dumps(
            {
                "count": count,
                "next": next_link(url, listing.limit, listing.offset, count),
                "previous": previous_link(url, listing.limit, listing.offset),
            }
        )
        return json_response(request, links[:-1] + b',"results":' + results + b"}")

    return handle


def read_handler(resource: Resource) -> Handler:
    async def handle(request: Request) -> Response:
        store = await _store(request, resource)
        object_id = _object_id(request)
        found = await store.one(object_id, sparse_fields(resource.model, request.query_params))
        if found is None:
            raise failures.not_found()
        return json_response(request, found)

    return handle


def create_handler(resource: Resource) -> Handler:
    async def handle(request: Request) -> Response:
        store = await _store(request, resource)
        values = validate(resource, await json_body(request), partial=False)
        object_id = await store.create(values)
        return json_response(request, await _written(store, object_id), 201)

    return handle


def update_handler(resource: Resource) -> Handler:
    async def handle(request: Request) -> Response:
        store = await _store(request, resource)
        object_id = _object_id(request)
        values = validate(resource, await json_body(request), partial=True)
        if not await store.update(object_id, values):
            raise failures.not_found()
        return json_response(request, await _written(store, object_id))

    return handle


def delete_handler(resource: Resource) -> Handler:
    async def handle(request: Request) -> Response:
        store = await _store(request, resource)
        if not await store.delete(_object_id(request)):
            raise failures.not_found()
        return Response(status_code=204)

    return handle


async def _written(store: Store, object_id: int) -> bytes:
    found = await store.one(object_id, store.resource.model.names)
    if found is None:  # deleted by another request between the write and this read
        raise failures.not_found()
    return found


def resource_endpoints(resource: Resource) -> list[Endpoint]:
    name, label = resource.name, resource.label
    item = schemas.ref(schemas.object_name(resource))
    return [
        Endpoint(
            f"/{name}/",
            {
                "GET": Operation(
                    list_handler(resource),
                    f"List {name}",
                    query=(*LIST_QUERY, *schemas.filter_parameters(resource)),
                    response=schemas.ref(schemas.page_name(resource)),
                    description=schemas.LIST_DESCRIPTION,
                ),
                "POST": Operation(
                    create_handler(resource),
                    f"Create a {label}",
                    body=schemas.ref(schemas.write_name(resource)),
                    response=item,
                    status=201,
                    errors=(413, 415),
                ),
            },
        ),
        Endpoint(
            f"/{name}/{{id}}",
            {
                "GET": Operation(read_handler(resource), f"Read a {label}", query=ONE_QUERY, response=item),
                "PATCH": Operation(
                    update_handler(resource),
                    f"Change some fields of a {label}",
                    body=schemas.ref(schemas.update_name(resource)),
                    response=item,
                    errors=(413, 415),
                ),
                "DELETE": Operation(delete_handler(resource), f"Delete a {label}", status=204),
            },
            path_types={"id": "integer"},
        ),
    ]


def endpoints() -> list[Endpoint]:
    return [e for resource in RESOURCES for e in resource_endpoints(resource)]


def _options_response(request: Request, allowed: list[str]) -> Response:
    """DRF answers OPTIONS with the view's metadata and `Allow`."""
    body = {"renders": ["application/json"], "parses": ["application/json"]}
    return Response(dumps(body), 200, {"Allow": ", ".join(allowed)}, media_type="application/json")


def _dispatch(endpoint: Endpoint) -> Handler:
    return dispatch(
        endpoint,
        wrap=gainfully_errors,
        method_not_allowed=failures.method_not_allowed,
        options=_options_response,
    )


async def _no_route(request: Request) -> Response:
    raise failures.not_found()


def routes() -> list[BaseRoute]:
    mounted: list[BaseRoute] = []
    for endpoint in endpoints():
        handler = _dispatch(endpoint)
        bare = PREFIX + endpoint.path.rstrip("/")
        mounted.append(Route(bare, handler, methods=ALL_METHODS))
        mounted.append(Route(bare + "/", handler, methods=ALL_METHODS))
    unmatched = gainfully_errors(_no_route)
    mounted.append(Route(PREFIX + "/{rest:path}", unmatched, methods=ALL_METHODS))
    mounted.append(Route(PREFIX, unmatched, methods=ALL_METHODS))
    return mounted
