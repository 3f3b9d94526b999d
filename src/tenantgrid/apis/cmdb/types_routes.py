"""`/rest/types/`: object types (list, one, POST, PUT/PATCH, DELETE) and `/types/{id}/count_objects`.

A PUT or PATCH updates the stored type with the body's keys (keys left out keep their value),
checks the whole result and bumps the type's version (`versions.next_type_version`). A field's
`regex` must be one Postgres compiles (`field_patterns`). Deleting a type that still has objects is
refused (409).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tenantgrid.apis.cmdb import failures, framework_schemas
from tenantgrid.apis.cmdb.context import Ctx, context, json_object, path_id
from tenantgrid.apis.cmdb.envelope import (
    LIST_PARAMS,
    delete_response,
    insert_response,
    item_url,
    list_response,
    own_url,
    single_response,
    update_response,
)
from tenantgrid.apis.cmdb.field_patterns import check_definitions
from tenantgrid.apis.cmdb.framework_documents import type_document
from tenantgrid.apis.cmdb.framework_store import FrameworkStore
from tenantgrid.apis.cmdb.listing import list_documents
from tenantgrid.apis.cmdb.render import json_response
from tenantgrid.apis.cmdb.routes import Endpoint, Operation
from tenantgrid.apis.cmdb.type_definition import validate_type
from tenantgrid.apis.cmdb.versions import next_type_version
from tenantgrid.query.dialects.mongo import Document, parse_list

MODEL = "Type"
TYPE_DOCUMENT = Document(
    resource="cmdb_types",
    keys={
        k: k
        for k in (
            "public_id",
            "name",
            "label",
            "description",
            "version",
            "active",
            "author_id",
            "editor_id",
            "creation_time",
            "last_edit_time",
            "fields",
            "render_meta",
            "acl",
            "extra",
        )
    },
)
VIEW, ADD, EDIT, DELETE = (f"base.framework.type.{r}" for r in ("view", "add", "edit", "delete"))


async def list_types(request: Request) -> Response:
    ctx = await context(request, VIEW)
    listing = parse_list(TYPE_DOCUMENT, request.query_params)
    rows, total = await list_documents(ctx.runtime, ctx.schema, TYPE_DOCUMENT, listing)
    return list_response(request, listing, [type_document(r) for r in rows], total, MODEL)


async def _existing(ctx: Ctx, request: Request) -> tuple[int, dict[str, Any]]:
    public_id = path_id(request, "Type")
    found = await FrameworkStore.of(ctx).type_(public_id)
    if found is None:
        raise failures.not_found(f"Type {public_id} not found")
    return public_id, found


async def one_type(request: Request) -> Response:
    ctx = await context(request, VIEW)
    _, found = await _existing(ctx, request)
    return single_response(request, found, MODEL)


async def insert_type(request: Request) -> Response:
    ctx = await context(request, ADD)
    body = await json_object(request)
    columns = validate_type(body)
    if columns["author_id"] is None:
        columns["author_id"] = ctx.caller.user_id
    store = FrameworkStore.of(ctx)
    async with store.transaction() as conn:
        await check_definitions(conn, columns["fields"])
    created = await store.insert_type(columns)
    return insert_response(
        request, created["public_id"], created, MODEL, item_url(request, created["public_id"])
    )


async def update_type(request: Request) -> Response:
    ctx = await context(request, EDIT)
    public_id, stored = await _existing(ctx, request)
    body = await json_object(request)
    if "public_id" in body and body["public_id"] != public_id:
        raise failures.bad_request("'public_id' in the body differs from the URL's", "public_id")
    columns = validate_type({**stored, **body})
    version = next_type_version(stored.get("version"), validate_type(stored), columns)
    async with FrameworkStore.of(ctx).transaction() as conn:
        await check_definitions(conn, columns["fields"])
    updated = await FrameworkStore.of(ctx).update_type(
        public_id, {**columns, "version": version}, ctx.caller.user_id
    )
    if updated is None:
        raise failures.not_found(f"Type {public_id} not found")
    return update_response(request, updated, MODEL, own_url(request))


async def delete_type(request: Request) -> Response:
    ctx = await context(request, DELETE)
    public_id = path_id(request, "Type")
    deleted = await FrameworkStore.of(ctx).delete_type(public_id)
    if deleted is None:
        raise failures.not_found(f"Type {public_id} not found")
    return delete_response(request, deleted, MODEL)


async def count_objects(request: Request) -> Response:
    ctx = await context(request, VIEW)
    public_id, _ = await _existing(ctx, request)
    return json_response(request, await FrameworkStore.of(ctx).count_objects(public_id))


LIST_QUERY = LIST_PARAMS
ENDPOINTS = [
    Endpoint(
        "/types/",
        {
            "GET": Operation(
                list_types,
                "List types",
                VIEW,
                query=LIST_QUERY,
                response=framework_schemas.list_of(framework_schemas.TYPE),
            ),
            "POST": Operation(
                insert_type,
                "Create a type (name kebab-case and unique)",
                ADD,
                body=framework_schemas.ref(framework_schemas.TYPE_WRITE),
                response=framework_schemas.inserted(framework_schemas.TYPE),
                status=201,
            ),
        },
    ),
    Endpoint(
        "/types/{public_id}/count_objects",
        {
            "GET": Operation(
                count_objects,
                "How many objects the type has (a bare JSON number)",
                VIEW,
                response={"type": "integer"},
            )
        },
    ),
    Endpoint(
        "/types/{public_id}",
        {
            "GET": Operation(
                one_type, "One type", VIEW, response=framework_schemas.single(framework_schemas.TYPE)
            ),
            **{
                method: Operation(
                    update_type,
                    "Update a type (keys left out keep their stored value)",
                    EDIT,
                    body=framework_schemas.ref(framework_schemas.TYPE_WRITE),
                    response=framework_schemas.updated(framework_schemas.TYPE),
                    status=202,
                )
                for method in ("PUT", "PATCH")
            },
            "DELETE": Operation(
                delete_type,
                "Delete a type (409 while it has objects)",
                DELETE,
                response=framework_schemas.deleted(framework_schemas.TYPE),
                status=202,
            ),
        },
    ),
]
