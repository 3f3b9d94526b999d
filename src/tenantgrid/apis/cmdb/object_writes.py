"""Writing objects: POST, PUT/PATCH one, bulk edit (`PUT /objects/0?objectIDs=..`), state, clean,
DELETE one and bulk delete. Every write checks the fields against the object's type (values,
required, refs that must exist with an allowed type) inside the transaction that writes them;
bulk writes are all or nothing.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tenantgrid.apis.cmdb import acl, failures
from tenantgrid.apis.cmdb.clean import cleaned_fields, is_unclean
from tenantgrid.apis.cmdb.context import Ctx, context, json_body, json_object, path_id
from tenantgrid.apis.cmdb.envelope import item_url, now_text, own_url
from tenantgrid.apis.cmdb.field_patterns import PatternCheck, check_patterns
from tenantgrid.apis.cmdb.field_values import (
    RefCheck,
    check_refs,
    check_required,
    check_values,
    merge_fields,
    pattern_checks,
    referenced_ids,
)
from tenantgrid.apis.cmdb.framework_store import FrameworkStore
from tenantgrid.apis.cmdb.invalid import invalid
from tenantgrid.apis.cmdb.object_body import parse_object_body
from tenantgrid.apis.cmdb.object_reads import existing_object
from tenantgrid.apis.cmdb.render import empty_response, json_response
from tenantgrid.apis.cmdb.versions import next_version
from tenantgrid.http.integers import parse_bigint

MODEL = "Object"
ADD, EDIT, DELETE = (f"base.framework.object.{r}" for r in ("add", "edit", "delete"))
ACTIVATION = "base.framework.object.activation"
CLEAN = "base.framework.type.clean"
MAX_IDS = 10_000


def update_body(results: list[dict[str, Any]]) -> dict[str, Any]:
    return {"results": results, "failed": [], "response_type": "UPDATE", "model": MODEL, "time": now_text()}


async def _type_of(store: FrameworkStore, conn: Any, type_id: int) -> dict[str, Any]:
    type_ = await store.type_(type_id, conn)
    if type_ is None:
        raise invalid(f"'type_id' {type_id} is not an existing type", "type_id")
    return type_


async def _check_in_database(
    store: FrameworkStore, conn: Any, checks: list[RefCheck], patterns: list[PatternCheck]
) -> None:
    """What needs the database: refs to existing objects, and `regex` patterns (bounded in time)."""
    if checks:
        check_refs(checks, await store.object_types(referenced_ids(checks), conn))
    if patterns:
        await check_patterns(conn, patterns)


async def insert_object(request: Request) -> Response:
    """200 with the new public_id as a bare JSON number, as DATAGERRY and its web app do."""
    ctx = await context(request, ADD)
    values = parse_object_body(await json_object(request), creating=True)
    store = FrameworkStore.of(ctx)
    async with store.transaction() as conn:
        type_ = await _type_of(store, conn, values["type_id"])
        acl.require(ctx.caller, [type_], acl.CREATE)
        checks = check_values(type_["fields"], values["fields"])
        check_required(type_["fields"], values["fields"])
        await _check_in_database(store, conn, checks, pattern_checks(type_["fields"], values["fields"]))
        public_id = await store.insert_object(
            conn,
            {
                "type_id": values["type_id"],
                "status": values.get("status"),
                "author_id": values.get("author_id", ctx.caller.user_id),
                "active": values.get("active", True),
                "fields": values["fields"],
                "public_id": values.get("public_id"),
            },
        )
    return json_response(request, public_id, 200, {"Location": item_url(request, public_id)})


def bulk_ids(request: Request) -> list[int] | None:
    """`PUT /objects/0?objectIDs=1&objectIDs=2`: the objects a bulk edit changes (None: not a bulk edit)."""
    texts = request.query_params.getlist("objectIDs")
    if not texts or request.path_params["public_id"] != "0":
        return None
    ids = []
    for text in texts:
        value = parse_bigint(text)
        if value is None:
            raise failures.bad_request("'objectIDs' must be object ids", f"got {text[:40]!r}")
        ids.append(value)
    if len(ids) > MAX_IDS:
        raise failures.bad_request(f"At most {MAX_IDS} objects at once")
    return sorted(set(ids))


async def update_object(request: Request) -> Response:
    """PUT and PATCH: the body's keys replace the stored ones (fields by name; the rest are kept)."""
    ctx = await context(request, EDIT)
    ids = bulk_ids(request)
    if ids is not None:
        return await _bulk_update(ctx, request, ids)
    public_id = path_id(request, "Object")
    values = parse_object_body(await json_object(request), creating=False)
    if values.get("public_id", public_id) != public_id:
        raise invalid("'public_id' in the body differs from the URL's", "public_id")
    store = FrameworkStore.of(ctx)
    async with store.transaction() as conn:
        found = await store.objects_by_id([public_id], conn, lock=True)
        if not found:
            raise failures.not_found(f"Object {public_id} not found")
        stored = found[0]
        type_id = values.get("type_id", stored["type_id"])
        type_ = await _type_of(store, conn, type_id)
        if type_id != stored["type_id"]:
            # Moving an object to another type: it leaves the old type and is created in the new.
            acl.require(ctx.caller, [type_], acl.CREATE)
            old_type = await store.type_(stored["type_id"], conn)
            acl.require(ctx.caller, [old_type] if old_type else [], acl.UPDATE)
        else:
            acl.require(ctx.caller, [type_], acl.UPDATE)
        sent = values.get("fields", [])
        merged = merge_fields(stored["fields"], sent)
        # A new type: every value must fit it, not only the ones sent.
        checked = merged if type_id != stored["type_id"] else sent
        checks = check_values(type_["fields"], checked)
        check_required(type_["fields"], merged)
        await _check_in_database(store, conn, checks, pattern_checks(type_["fields"], checked))
        updated = await store.update_object(
            conn,
            public_id,
            {
                "type_id": type_id,
                "status": values.get("status", stored["status"]),
                "author_id": values.get("author_id", stored["author_id"]),
                "active": values.get("active", stored["active"]),
                "fields": merged,
                "version": next_version(stored["version"], stored["fields"], merged),
                "editor_id": ctx.caller.user_id,
            },
        )
    return json_response(request, update_body([updated]), 202, {"Location": own_url(request)})


async def _bulk_update(ctx: Ctx, request: Request, ids: list[int]) -> Response:
    """The listed objects get the body's field values; all of them or (404, 400) none."""
    body = await json_object(request)
    values = parse_object_body({"fields": body.get("fields", [])}, creating=False)
    sent = values["fields"]
    store = FrameworkStore.of(ctx)
    results = []
    async with store.transaction() as conn:
        objects = await store.objects_by_id(ids, conn, lock=True)
        missing = sorted(set(ids) - {o["public_id"] for o in objects})
        if missing:
            raise failures.not_found(
                f"No object with public_id {', '.join(map(str, missing))}; nothing was changed"
            )
        types = await store.types_by_id(sorted({o["type_id"] for o in objects}), conn)
        acl.require(ctx.caller, types.values(), acl.UPDATE)
        checks: list[RefCheck] = []
        patterns: list[PatternCheck] = []
        plans = []
        for obj in objects:
            type_fields = types[obj["type_id"]]["fields"]
            merged = merge_fields(obj["fields"], sent)
            checks.extend(check_values(type_fields, sent))
            patterns.extend(pattern_checks(type_fields, sent))
            check_required(type_fields, merged)
            plans.append((obj, merged))
        await _check_in_database(store, conn, checks, patterns)
        for obj, merged in plans:
            results.append(
                await store.update_object(
                    conn,
                    obj["public_id"],
                    {
                        **{k: obj[k] for k in ("type_id", "status", "author_id", "active")},
                        "fields": merged,
                        "version": next_version(obj["version"], obj["fields"], merged),
                        "editor_id": ctx.caller.user_id,
                    },
                )
            )
    return json_response(request, update_body(results), 202, {"Location": own_url(request)})


async def set_object_state(request: Request) -> Response:
    """A bare JSON boolean; the same state as stored answers 204, a change 202 `true`."""
    ctx = await context(request, ACTIVATION)
    public_id = path_id(request, "Object")
    state = await json_body(request)
    if not isinstance(state, bool):
        raise invalid("the body must be a bare JSON boolean: true or false")
    if ctx.caller.acl_group is not None:
        await existing_object(ctx, request, acl.UPDATE)
    previous = await FrameworkStore.of(ctx).set_state(public_id, state, ctx.caller.user_id)
    if previous is None:
        raise failures.not_found(f"Object {public_id} not found")
    if previous == state:
        return empty_response(request, 204)
    return json_response(request, True, 202)


async def clean_objects(request: Request) -> Response:
    """Every unclean object of the type gets the type's fields: extra ones dropped, missing ones added."""
    ctx = await context(request, CLEAN)
    type_id = path_id(request, "Type")
    store = FrameworkStore.of(ctx)
    results = []
    async with store.transaction() as conn:
        type_ = await store.type_(type_id, conn)
        if type_ is None:
            raise failures.not_found(f"Type {type_id} not found")
        acl.require(ctx.caller, [type_], acl.UPDATE)
        for obj in await store.objects_of_type(type_id, conn):
            if is_unclean(type_["fields"], obj["fields"]):
                results.append(
                    await store.set_fields(
                        conn, obj["public_id"], cleaned_fields(type_["fields"], obj["fields"])
                    )
                )
    return json_response(request, update_body(results), 202)


def path_ids(request: Request) -> list[int]:
    """`1,2,3`: each an object id (a single one that is not: 404, as any unknown path id)."""
    text: str = request.path_params["public_id"]
    parts = text.split(",")
    if len(parts) == 1:
        return [path_id(request, "Object")]
    if len(parts) > MAX_IDS:
        raise failures.bad_request(f"At most {MAX_IDS} objects at once")
    ids = []
    for part in parts:
        value = parse_bigint(part.strip())
        if value is None:
            raise failures.bad_request(
                "Object ids must be integers separated by commas", f"got {part[:40]!r}"
            )
        ids.append(value)
    return sorted(set(ids))


async def delete_objects(request: Request) -> Response:
    """One id: 200 `true`. Several (`/objects/1,2,3`, `/objects/delete/1,2,3`): all or nothing, 200
    `{"successfully": [true, ...]}`; an unknown id is a 404 and deletes nothing."""
    ctx = await context(request, DELETE)
    ids = path_ids(request)
    store = FrameworkStore.of(ctx)

    async def allowed(conn: Any, deleted: list[dict[str, Any]]) -> None:
        types = await store.types_by_id(sorted({o["type_id"] for o in deleted}), conn)
        acl.require(ctx.caller, types.values(), acl.DELETE)

    await store.delete_objects(ids, allowed if ctx.caller.acl_group is not None else None)
    bulk = "," in request.path_params["public_id"] or "/delete/" in request.url.path
    return json_response(request, {"successfully": [True] * len(ids)} if bulk else True)
