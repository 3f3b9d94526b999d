"""`/rest/categories/`: list (`view=list|tree`), one, POST, PUT/PATCH, DELETE.

A category's parent must exist and may not be the category itself or one of its descendants;
its types must exist. Deleting a category makes its children roots (parent null).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tenantgrid.apis.cmdb import failures, framework_schemas
from tenantgrid.apis.cmdb.category_definition import validate_category
from tenantgrid.apis.cmdb.category_tree import build_tree, creates_cycle
from tenantgrid.apis.cmdb.context import context, json_object, path_id
from tenantgrid.apis.cmdb.envelope import (
    delete_response,
    insert_response,
    item_url,
    list_response,
    own_url,
    single_response,
    update_response,
)
from tenantgrid.apis.cmdb.framework_documents import category_document
from tenantgrid.apis.cmdb.framework_store import FrameworkStore
from tenantgrid.apis.cmdb.invalid import invalid
from tenantgrid.apis.cmdb.listing import list_documents
from tenantgrid.apis.cmdb.routes import Endpoint, Operation
from tenantgrid.query.dialects.mongo import Document, parse_list

MODEL = "Category"
CATEGORY_DOCUMENT = Document(
    resource="cmdb_categories", keys={k: k for k in ("public_id", "name", "label", "parent", "types", "meta")}
)
VIEW, ADD, EDIT, DELETE = (f"base.framework.category.{r}" for r in ("view", "add", "edit", "delete"))
VIEWS = ("list", "tree")


async def list_categories(request: Request) -> Response:
    ctx = await context(request, VIEW)
    view = request.query_params.get("view", "list")
    if view not in VIEWS:
        raise failures.bad_request("'view' must be list or tree", f"got {view[:40]!r}")
    listing = parse_list(CATEGORY_DOCUMENT, request.query_params)
    if view == "tree":
        # The tree is always the whole tree: paging or filtering it would cut branches off.
        store = FrameworkStore.of(ctx)
        categories = await store.all_categories()
        tree = build_tree(categories, await store.all_types() if categories else {})
        return list_response(request, listing, tree, len(categories), MODEL, optional={"view": view})
    rows, total = await list_documents(ctx.runtime, ctx.schema, CATEGORY_DOCUMENT, listing)
    results = [category_document(r) if "public_id" in r and "name" in r else r for r in rows]
    return list_response(request, listing, results, total, MODEL, optional={"view": view})


async def one_category(request: Request) -> Response:
    ctx = await context(request, VIEW)
    public_id = path_id(request, "Category")
    found = await FrameworkStore.of(ctx).category(public_id)
    if found is None:
        raise failures.not_found(f"Category {public_id} not found")
    return single_response(request, found, MODEL)


async def _checked(
    store: FrameworkStore, conn: Any, public_id: int | None, doc: dict[str, Any]
) -> dict[str, Any]:
    values = validate_category(doc)
    parent = values["parent"]
    if parent is not None:
        parents = await store.category_parents(conn)
        if parent == public_id:
            raise invalid("a category cannot be its own parent", "parent")
        if parent not in parents:
            raise invalid(f"'parent' {parent} is not an existing category", "parent")
        if creates_cycle(public_id, parent, parents):
            raise invalid(
                f"'parent' {parent} is a descendant of this category: that would be a cycle", "parent"
            )
    if values["types"]:
        missing = sorted(set(values["types"]) - await store.existing_type_ids(values["types"], conn))
        if missing:
            raise invalid(f"'types' names types that do not exist: {missing}", "types")
    return values


async def insert_category(request: Request) -> Response:
    ctx = await context(request, ADD)
    store = FrameworkStore.of(ctx)
    body = await json_object(request)
    async with store.transaction() as conn:
        await store.lock_categories(conn)
        values = await _checked(store, conn, None, body)
        created = await store.save_category(None, values, conn)
    assert created is not None
    return insert_response(
        request, created["public_id"], created, MODEL, item_url(request, created["public_id"])
    )


async def update_category(request: Request) -> Response:
    ctx = await context(request, EDIT)
    store = FrameworkStore.of(ctx)
    public_id = path_id(request, "Category")
    body = await json_object(request)
    if "public_id" in body and body["public_id"] != public_id:
        raise failures.bad_request("'public_id' in the body differs from the URL's", "public_id")
    async with store.transaction() as conn:
        await store.lock_categories(conn)
        stored = await store.category(public_id, conn)
        if stored is None:
            raise failures.not_found(f"Category {public_id} not found")
        values = await _checked(store, conn, public_id, {**stored, **body})
        updated = await store.save_category(public_id, values, conn)
    if updated is None:
        raise failures.not_found(f"Category {public_id} not found")
    return update_response(request, updated, MODEL, own_url(request))


async def delete_category(request: Request) -> Response:
    ctx = await context(request, DELETE)
    public_id = path_id(request, "Category")
    deleted = await FrameworkStore.of(ctx).delete_category(public_id)
    if deleted is None:
        raise failures.not_found(f"Category {public_id} not found")
    return delete_response(request, deleted, MODEL)


ENDPOINTS = [
    Endpoint(
        "/categories/",
        {
            "GET": Operation(
                list_categories,
                "List categories (view=list, or view=tree: nested, sorted by meta.order, nulls last)",
                VIEW,
                query=("filter", "sort", "order", "page", "limit", "projection", "view"),
                response=framework_schemas.list_of(framework_schemas.CATEGORY),
            ),
            "POST": Operation(
                insert_category,
                "Create a category (name kebab-case and unique; parent and types must exist)",
                ADD,
                body=framework_schemas.ref(framework_schemas.CATEGORY_WRITE),
                response=framework_schemas.inserted(framework_schemas.CATEGORY),
                status=201,
            ),
        },
    ),
    Endpoint(
        "/categories/{public_id}",
        {
            "GET": Operation(
                one_category,
                "One category",
                VIEW,
                response=framework_schemas.single(framework_schemas.CATEGORY),
            ),
            **{
                method: Operation(
                    update_category,
                    "Update a category (keys left out keep their value; no cycles)",
                    EDIT,
                    body=framework_schemas.ref(framework_schemas.CATEGORY_WRITE),
                    response=framework_schemas.updated(framework_schemas.CATEGORY),
                    status=202,
                )
                for method in ("PUT", "PATCH")
            },
            "DELETE": Operation(
                delete_category,
                "Delete a category; its children become roots",
                DELETE,
                response=framework_schemas.deleted(framework_schemas.CATEGORY),
                status=202,
            ),
        },
    ),
]
