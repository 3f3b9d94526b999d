"""Reading objects: the list (`view=native|render`, `active`, `projection`), one rendered object,
`/native`, `/references`, `/state` and the unclean objects of a type."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tenantgrid.apis.cmdb import acl, failures
from tenantgrid.apis.cmdb.clean import unclean
from tenantgrid.apis.cmdb.context import Ctx, context, path_id
from tenantgrid.apis.cmdb.envelope import list_response, now_text
from tenantgrid.apis.cmdb.framework_documents import now_date, object_document
from tenantgrid.apis.cmdb.framework_store import FrameworkStore
from tenantgrid.apis.cmdb.listing import list_documents
from tenantgrid.apis.cmdb.object_view import RenderContext, render_object
from tenantgrid.apis.cmdb.render import json_response
from tenantgrid.query.ast import And, Cond, IsValue, Node, Op, Path
from tenantgrid.query.dialects.mongo import Document, ListRequest, parse_list, project

MODEL = "Object"
RENDER_MODEL = "RenderResult"
VIEW = "base.framework.object.view"
OBJECT_DOCUMENT = Document(
    resource="cmdb_objects",
    keys={
        k: k
        for k in (
            "public_id",
            "type_id",
            "status",
            "version",
            "creation_time",
            "author_id",
            "last_edit_time",
            "editor_id",
            "active",
            "fields",
            "views",
        )
    },
)
VIEWS = ("native", "render")
TRUE = ("true", "1")
FALSE = ("false", "0")


def list_view(request: Request) -> str:
    view = request.query_params.get("view", "native")
    if view not in VIEWS:
        raise failures.bad_request("'view' must be native or render", f"got {view[:40]!r}")
    return view


def only_active(request: Request) -> Node | None:
    """`active=true` lists active objects only; `active=false` (or none) does not restrict."""
    text = request.query_params.get("active")
    if text is None or text.lower() in FALSE:
        return None
    if text.lower() in TRUE:
        return Cond(Path("active"), Op.IS, IsValue.TRUE)
    raise failures.bad_request("'active' must be true or false", f"got {text[:40]!r}")


def _visible(ctx: Ctx, found: RenderContext) -> RenderContext:
    """References to objects whose type's acl denies the caller READ show nothing of them."""
    if ctx.caller.acl_group is None:
        return found
    return found.without_types(set(acl.hidden_types(ctx.caller, found.types.values())))


async def rendered(ctx: Ctx, objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Render objects with one query for their types, the objects their ref fields point at and
    the names of the users they name."""
    if not objects:
        return []
    found = await FrameworkStore.of(ctx).render_context(
        sorted({o["type_id"] for o in objects}),
        [o.get(k) for o in objects for k in ("author_id", "editor_id")],
        [o["public_id"] for o in objects],
    )
    found = _visible(ctx, found)
    now = now_date()
    return [
        render_object(o, found.types[o["type_id"]], found.users, now, found.references, found.types)
        for o in objects
        if o["type_id"] in found.types
    ]


async def page_of_objects(
    ctx: Ctx, request: Request, extra_where: Node | None
) -> tuple[ListRequest, list[dict[str, Any]], int, str]:
    view = list_view(request)
    active = only_active(request)
    conditions = tuple(c for c in (extra_where, active) if c is not None)
    where = None if not conditions else conditions[0] if len(conditions) == 1 else And(conditions)
    listing = parse_list(OBJECT_DOCUMENT, request.query_params, extra_where=where)
    if view == "native":
        rows, total = await list_documents(ctx.runtime, ctx.schema, OBJECT_DOCUMENT, listing)
        return listing, rows, total, MODEL
    rows, total = await list_documents(
        ctx.runtime, ctx.schema, OBJECT_DOCUMENT, replace(listing, projection=None)
    )
    results = await rendered(ctx, [object_document(r) for r in rows])
    if listing.projection:
        results = [project(r, listing.projection) for r in results]
    return listing, results, total, RENDER_MODEL


async def readable(ctx: Ctx) -> Node | None:
    """The condition that hides the objects whose type's acl denies the caller READ (None: none)."""
    if ctx.caller.acl_group is None:
        return None
    return acl.readable_where(acl.hidden_types(ctx.caller, await FrameworkStore.of(ctx).types_with_acl()))


async def list_objects(request: Request) -> Response:
    ctx = await context(request, VIEW)
    listing, results, total, model = await page_of_objects(ctx, request, await readable(ctx))
    return list_response(request, listing, results, total, model, optional={"view": list_view(request)})


async def existing_object(ctx: Ctx, request: Request, permission: str = acl.READ) -> dict[str, Any]:
    """The object the path names, if its type's acl grants the caller `permission` (else 403)."""
    public_id = path_id(request, "Object")
    store = FrameworkStore.of(ctx)
    found = await store.object_(public_id)
    if found is None:
        raise failures.not_found(f"Object {public_id} not found")
    if ctx.caller.acl_group is not None:
        type_ = await store.type_(found["type_id"])
        acl.require(ctx.caller, [type_] if type_ else [], permission)
    return found


async def one_object(request: Request) -> Response:
    ctx = await context(request, VIEW)
    public_id = path_id(request, "Object")
    found, loaded = await FrameworkStore.of(ctx).object_to_render(public_id)
    if found is None:
        raise failures.not_found(f"Object {public_id} not found")
    type_ = loaded.types.get(found["type_id"])
    if type_ is None:
        raise failures.not_found(f"The type of object {public_id} no longer exists")
    acl.require(ctx.caller, [type_], acl.READ)
    loaded = _visible(ctx, loaded)
    view = render_object(found, type_, loaded.users, now_date(), loaded.references, loaded.types)
    return json_response(request, view)


async def native_object(request: Request) -> Response:
    ctx = await context(request, VIEW)
    return json_response(request, await existing_object(ctx, request))


async def object_references(request: Request) -> Response:
    ctx = await context(request, VIEW)
    found = await existing_object(ctx, request)
    ids = await FrameworkStore.of(ctx).referencing_ids(found["public_id"], found["type_id"])
    if not ids:
        listing = parse_list(OBJECT_DOCUMENT, request.query_params)
        list_view(request)
        only_active(request)
        return list_response(request, listing, [], 0, MODEL, optional={"view": list_view(request)})
    where: Node = Cond(Path("public_id"), Op.IN, tuple(ids))
    hidden = await readable(ctx)
    if hidden is not None:
        where = And((where, hidden))
    listing, results, total, model = await page_of_objects(ctx, request, where)
    return list_response(request, listing, results, total, model, optional={"view": list_view(request)})


async def object_state(request: Request) -> Response:
    ctx = await context(request, VIEW)
    found = await existing_object(ctx, request)
    return json_response(request, found["active"])


async def unclean_objects(request: Request) -> Response:
    ctx = await context(request, VIEW)
    type_id = path_id(request, "Type")
    store = FrameworkStore.of(ctx)
    type_ = await store.type_(type_id)
    if type_ is None:
        raise failures.not_found(f"Type {type_id} not found")
    acl.require(ctx.caller, [type_], acl.READ)
    results = unclean(type_["fields"], await store.objects_of_type(type_id))
    body = {
        "results": results,
        "count": len(results),
        "total": len(results),
        "response_type": "GET",
        "model": MODEL,
        "time": now_text(),
    }
    return json_response(request, body, headers={"X-Total-Count": str(len(results))})
