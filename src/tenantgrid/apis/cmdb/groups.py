"""`/rest/groups/`: user groups and their rights. Rights are stored by name and answered as right
objects. Groups 1 (admin) and 2 (user) cannot be deleted; deleting another group moves its users to
another group (`action=MOVE&group_id=N`) or deletes them (`action=DELETE`) in the same transaction,
so no user is ever left without a group."""

from __future__ import annotations

from typing import Any

import asyncpg
from starlette.requests import Request
from starlette.responses import Response

from tenantgrid.apis.cmdb import body as keys
from tenantgrid.apis.cmdb import failures, schemas
from tenantgrid.apis.cmdb.auth import cmdb_auth
from tenantgrid.apis.cmdb.context import Ctx, context, json_object, path_id, query_int
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
from tenantgrid.apis.cmdb.invalid import invalid
from tenantgrid.apis.cmdb.listing import documents_sql, list_documents, parse_documents
from tenantgrid.apis.cmdb.rights import check_names, expand
from tenantgrid.apis.cmdb.routes import Endpoint, Operation
from tenantgrid.db.execute import database_errors
from tenantgrid.query.dialects.mongo import Document, parse_list

MODEL = "Group"
VIEW = "base.user-management.group.view"
ADD = "base.user-management.group.add"
EDIT = "base.user-management.group.edit"
DELETE = "base.user-management.group.delete"
PROTECTED = frozenset({1, 2})
ACTIONS = ("MOVE", "DELETE")
GROUPS = Document(
    "cmdb_groups", {"public_id": "public_id", "name": "name", "label": "label", "rights": "rights"}
)


def group_json(row: dict[str, Any]) -> dict[str, Any]:
    """A stored group with its right names expanded to right objects."""
    return {**row, "rights": expand(row.get("rights") or [])}


async def write_groups(
    ctx: Ctx, sql: str, *args: Any, conn: asyncpg.Connection | None = None
) -> list[dict[str, Any]]:
    """Run a `documents_sql` statement over groups; a duplicate name is the 400 naming `name`."""
    try:
        text = await (conn or ctx.pool).fetchval(sql, *args)
    except asyncpg.UniqueViolationError:
        raise invalid("A group with this name already exists", "name") from None
    cmdb_auth(ctx.request).forget_users()
    return [group_json(row) for row in parse_documents(ctx.runtime, GROUPS, text)]


async def find_group(ctx: Ctx, public_id: int) -> dict[str, Any]:
    found = await write_groups(
        ctx, documents_sql(GROUPS, f"{ctx.s}.cmdb_groups t WHERE t.public_id = $1"), public_id
    )
    if not found:
        raise failures.not_found(f"Group {public_id} not found")
    return found[0]


def group_values(body: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    values = {
        "name": keys.text(body, "name", nullable=False, required=creating),
        "label": keys.text(body, "label"),
        "rights": check_names(body["rights"]) if "rights" in body else keys.ABSENT,
    }
    name = values["name"]
    if name is not keys.ABSENT and (not name.strip() or len(name) > 255):
        raise invalid("'name' must be 1 to 255 characters, not only spaces", "name")
    return keys.present(values)


async def unique_name(ctx: Ctx, name: str, public_id: int | None) -> None:
    taken = await ctx.pool.fetchval(
        f"SELECT public_id FROM {ctx.s}.cmdb_groups WHERE name = $1 AND public_id IS DISTINCT FROM $2",
        name,
        public_id,
    )
    if taken is not None:
        raise invalid(f"A group named {name!r} already exists", "name")


# -- routes ----------------------------------------------------------------------------------------


async def list_groups(request: Request) -> Response:
    ctx = await context(request, VIEW)
    listing = parse_list(GROUPS, request.query_params)
    rows, total = await list_documents(ctx.runtime, ctx.schema, GROUPS, listing)
    results = [group_json(row) if isinstance(row.get("rights"), list) else row for row in rows]
    return list_response(request, listing, results, total, MODEL)


async def get_group(request: Request) -> Response:
    ctx = await context(request, VIEW)
    return single_response(request, await find_group(ctx, path_id(request, MODEL)), MODEL)


async def insert_group(request: Request) -> Response:
    ctx = await context(request, ADD)
    body = await json_object(request)
    values = group_values(body, creating=True)
    await unique_name(ctx, values["name"], None)
    columns = list(values)
    placeholders = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    sql = (
        f"WITH w AS (INSERT INTO {ctx.s}.cmdb_groups ({', '.join(columns)}) VALUES ({placeholders}) RETURNING *) "
        + documents_sql(GROUPS, "w t")
    )
    created = (await write_groups(ctx, sql, *values.values()))[0]
    return insert_response(
        request, created["public_id"], created, MODEL, item_url(request, created["public_id"])
    )


async def update_group(request: Request) -> Response:
    ctx = await context(request, EDIT)
    public_id = path_id(request, MODEL)
    body = await json_object(request)
    values = group_values(body, creating=False)
    if "name" in values:
        await unique_name(ctx, values["name"], public_id)
    if not values:
        return update_response(request, await find_group(ctx, public_id), MODEL, own_url(request))
    assignments = ", ".join(f"{column} = ${i}" for i, column in enumerate(values, start=2))
    sql = (
        f"WITH w AS (UPDATE {ctx.s}.cmdb_groups SET {assignments} WHERE public_id = $1 RETURNING *) "
        + documents_sql(GROUPS, "w t")
    )
    changed = await write_groups(ctx, sql, public_id, *values.values())
    if not changed:
        raise failures.not_found(f"Group {public_id} not found")
    return update_response(request, changed[0], MODEL, own_url(request))


async def delete_group(request: Request) -> Response:
    ctx = await context(request, DELETE)
    public_id = path_id(request, MODEL)
    if public_id in PROTECTED:
        raise failures.forbidden(
            f"Group {public_id} cannot be deleted", "groups 1 (admin) and 2 (user) are kept"
        )
    action = request.query_params.get("action")
    if action is not None and action.upper() not in ACTIONS:
        raise failures.bad_request("'action' must be MOVE or DELETE", f"got {action[:40]!r}")
    action = action.upper() if action else None
    target = query_int(request, "group_id")
    if action == "MOVE":
        if target is None:
            raise failures.bad_request("action=MOVE needs group_id, the group that takes the users")
        if target == public_id:
            raise failures.bad_request("group_id must name another group than the one deleted")
    with database_errors():
        async with ctx.pool.acquire() as conn, conn.transaction():
            exists = await conn.fetchval(
                f"SELECT true FROM {ctx.s}.cmdb_groups WHERE public_id = $1 FOR UPDATE", public_id
            )
            if not exists:
                raise failures.not_found(f"Group {public_id} not found")
            members = await conn.fetchval(
                f"SELECT count(*) FROM {ctx.s}.users WHERE group_id = $1", public_id
            )
            if action == "MOVE":
                found = await conn.fetchval(
                    f"SELECT true FROM {ctx.s}.cmdb_groups WHERE public_id = $1 FOR SHARE", target
                )
                if not found:
                    raise failures.bad_request(f"group_id {target} names no group")
                await conn.execute(
                    f"UPDATE {ctx.s}.users SET group_id = $2 WHERE group_id = $1", public_id, target
                )
            elif action == "DELETE":
                await conn.execute(f"DELETE FROM {ctx.s}.users WHERE group_id = $1", public_id)
            elif members:
                raise failures.conflict(
                    f"Group {public_id} still has {members} user(s)",
                    "delete with action=MOVE&group_id=N to move them, or action=DELETE to delete them",
                )
            text = await conn.fetchval(
                f"WITH w AS (DELETE FROM {ctx.s}.cmdb_groups WHERE public_id = $1 RETURNING *) "
                + documents_sql(GROUPS, "w t"),
                public_id,
            )
    cmdb_auth(request).forget_users()
    gone = [group_json(row) for row in parse_documents(ctx.runtime, GROUPS, text)]
    return delete_response(request, gone[0], MODEL)


LIST_QUERY = LIST_PARAMS

ENDPOINTS = [
    Endpoint(
        "/groups/",
        {
            "GET": Operation(
                list_groups, "List groups", VIEW, query=LIST_QUERY, response=schemas.list_of(schemas.GROUP)
            ),
            "POST": Operation(
                insert_group,
                "Add a group (rights by name)",
                ADD,
                body=schemas.ref(schemas.GROUP_WRITE),
                response=schemas.inserted(schemas.GROUP),
                status=201,
            ),
        },
    ),
    Endpoint(
        "/groups/{public_id}",
        {
            "GET": Operation(get_group, "One group", VIEW, response=schemas.single(schemas.GROUP)),
            "PUT": Operation(
                update_group,
                "Update a group; keys left out keep their stored values",
                EDIT,
                body=schemas.ref(schemas.GROUP_WRITE),
                response=schemas.updated(schemas.GROUP),
                status=202,
            ),
            "PATCH": Operation(
                update_group,
                "Update some keys of a group",
                EDIT,
                body=schemas.ref(schemas.GROUP_WRITE),
                response=schemas.updated(schemas.GROUP),
                status=202,
            ),
            "DELETE": Operation(
                delete_group,
                "Delete a group (not 1 or 2); action=MOVE&group_id=N moves its users, action=DELETE deletes them",
                DELETE,
                query=("action", "group_id"),
                response=schemas.deleted(schemas.GROUP),
                status=202,
            ),
        },
    ),
]
