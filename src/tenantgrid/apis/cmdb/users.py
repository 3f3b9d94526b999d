"""`/rest/users/`: the tenant's users (the same people who sign in at /auth/v1), in DATAGERRY's shape.

A user's password and its hash are never answered. Anyone may read their own record and change
their own password; everything else needs the `base.user-management.user.*` rights.
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
import asyncpg
from starlette.requests import Request
from starlette.responses import Response

from tenantgrid.apis.cmdb import body as keys
from tenantgrid.apis.cmdb import failures, schemas
from tenantgrid.apis.cmdb.auth import cmdb_auth
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
from tenantgrid.apis.cmdb.invalid import invalid
from tenantgrid.apis.cmdb.listing import documents_sql, fetch_documents, list_documents, parse_documents
from tenantgrid.apis.cmdb.routes import Endpoint, Operation
from tenantgrid.auth.passwords import hash_password
from tenantgrid.query.dialects.mongo import Document, parse_list

MODEL = "User"
VIEW = "base.user-management.user.view"
ADD = "base.user-management.user.add"
EDIT = "base.user-management.user.edit"
DELETE = "base.user-management.user.delete"
USERS = Document(
    "users",
    {
        "public_id": "public_id",
        "user_name": "user_name",
        "active": "active",
        "group_id": "group_id",
        "registration_time": "created_at",
        "authenticator": "authenticator",
        "email": "email",
        "image": "image",
        "first_name": "first_name",
        "last_name": "last_name",
    },
)
PROFILE_KEYS = ("email", "image", "first_name", "last_name")


async def hashed(password: str) -> str:
    return await anyio.to_thread.run_sync(hash_password, password)


async def find_user(ctx: Ctx, public_id: int) -> dict[str, Any]:
    found = await fetch_documents(
        ctx.runtime,
        USERS,
        documents_sql(USERS, f"{ctx.s}.users t WHERE t.public_id = $1"),
        public_id,
        pool=ctx.pool,
    )
    if not found:
        raise failures.not_found(f"User {public_id} not found")
    return found[0]


def user_values(body: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """The columns a POST/PUT body sets; keys a PUT leaves out are not among them."""
    values = {
        "user_name": keys.text(body, "user_name", nullable=False, required=creating),
        "active": keys.boolean(body, "active"),
        "group_id": keys.integer(body, "group_id"),
        **{key: keys.text(body, key) for key in PROFILE_KEYS},
    }
    if values["user_name"] not in (keys.ABSENT, None):
        name = values["user_name"]
        if not name.strip() or len(name) > 255:
            raise invalid("'user_name' must be 1 to 255 characters, not only spaces", "user_name")
    return keys.present(values)


async def password_hash(body: dict[str, Any], *, required: bool) -> str | None:
    password = keys.text(body, "password", nullable=not required, required=required)
    if password in (keys.ABSENT, None):
        return None
    if not password:
        raise invalid("'password' must not be empty", "password")
    return await hashed(password)


def write_failure(exc: asyncpg.PostgresError) -> Exception:
    """A unique or foreign-key violation of a user write as the 400 naming the key at fault."""
    if isinstance(exc, asyncpg.UniqueViolationError):
        constraint = exc.constraint_name or ""
        key = "email" if "email" in constraint else "user_name"
        return invalid(f"A user with this {key} already exists", key)
    if isinstance(exc, asyncpg.ForeignKeyViolationError):
        return invalid("'group_id' names no group", "group_id")
    return exc  # pragma: no cover


async def write_users(ctx: Ctx, sql: str, *args: Any) -> list[dict[str, Any]]:
    try:
        text = await ctx.pool.fetchval(sql, *args)
    except (asyncpg.UniqueViolationError, asyncpg.ForeignKeyViolationError) as exc:
        raise write_failure(exc) from None
    cmdb_auth(ctx.request).forget_users()
    return parse_documents(ctx.runtime, USERS, text)


# -- routes ----------------------------------------------------------------------------------------


async def list_users(request: Request) -> Response:
    ctx = await context(request, VIEW)
    listing = parse_list(USERS, request.query_params)
    results, total = await list_documents(ctx.runtime, ctx.schema, USERS, listing)
    return list_response(request, listing, results, total, MODEL)


async def get_user(request: Request) -> Response:
    ctx = await context(request)
    public_id = path_id(request, MODEL)
    if not ctx.caller.is_user(public_id):
        ctx.require(VIEW)
    return single_response(request, await find_user(ctx, public_id), MODEL)


async def insert_user(request: Request) -> Response:
    ctx = await context(request, ADD)
    body = await json_object(request)
    values = user_values(body, creating=True)
    values["password_hash"] = await password_hash(body, required=True)
    columns = list(values)
    placeholders = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    sql = (
        f"WITH w AS (INSERT INTO {ctx.s}.users ({', '.join(columns)}) VALUES ({placeholders}) RETURNING *) "
        + documents_sql(USERS, "w t")
    )
    created = (await write_users(ctx, sql, *values.values()))[0]
    return insert_response(
        request, created["public_id"], created, MODEL, item_url(request, created["public_id"])
    )


async def update_user(request: Request) -> Response:
    ctx = await context(request, EDIT)
    public_id = path_id(request, MODEL)
    body = await json_object(request)
    values = user_values(body, creating=False)
    new_hash = await password_hash(body, required=False)
    if new_hash is not None:
        values["password_hash"] = new_hash
    if not values:
        return update_response(request, await find_user(ctx, public_id), MODEL, own_url(request))
    assignments = ", ".join(f"{column} = ${i}" for i, column in enumerate(values, start=2))
    sql = (
        f"WITH w AS (UPDATE {ctx.s}.users SET {assignments} WHERE public_id = $1 RETURNING *) "
        + documents_sql(USERS, "w t")
    )
    changed = await write_users(ctx, sql, public_id, *values.values())
    if not changed:
        raise failures.not_found(f"User {public_id} not found")
    return update_response(request, changed[0], MODEL, own_url(request))


async def change_password(request: Request) -> Response:
    ctx = await context(request)
    public_id = path_id(request, MODEL)
    if not ctx.caller.is_user(public_id):
        ctx.require(EDIT)
    body = await json_object(request)
    new_hash = await password_hash(body, required=True)
    sql = (
        f"WITH w AS (UPDATE {ctx.s}.users SET password_hash = $2 WHERE public_id = $1 RETURNING *) "
        + documents_sql(USERS, "w t")
    )
    changed = await write_users(ctx, sql, public_id, new_hash)
    if not changed:
        raise failures.not_found(f"User {public_id} not found")
    return update_response(request, changed[0], MODEL, own_url(request))


async def delete_user(request: Request) -> Response:
    ctx = await context(request, DELETE)
    public_id = path_id(request, MODEL)
    if ctx.caller.is_user(public_id):
        raise failures.forbidden(
            "A user cannot delete their own user", "sign in as another user to delete this one"
        )
    sql = f"WITH w AS (DELETE FROM {ctx.s}.users WHERE public_id = $1 RETURNING *) " + documents_sql(
        USERS, "w t"
    )
    gone = await write_users(ctx, sql, public_id)
    if not gone:
        raise failures.not_found(f"User {public_id} not found")
    return delete_response(request, gone[0], MODEL)


LIST_QUERY = LIST_PARAMS

ENDPOINTS = [
    Endpoint(
        "/users/",
        {
            "GET": Operation(
                list_users, "List users", VIEW, query=LIST_QUERY, response=schemas.list_of(schemas.USER)
            ),
            "POST": Operation(
                insert_user,
                "Add a user (user_name and password required; group_id defaults to 2)",
                ADD,
                body=schemas.ref(schemas.USER_WRITE),
                response=schemas.inserted(schemas.USER),
                status=201,
            ),
        },
    ),
    Endpoint(
        "/users/{public_id}/password",
        {
            "PATCH": Operation(
                change_password,
                "Change a user's password (your own, or anyone's with user.edit)",
                EDIT,
                body={
                    "type": "object",
                    "required": ["password"],
                    "properties": {"password": {"type": "string"}},
                },
                response=schemas.updated(schemas.USER),
                status=202,
            ),
        },
    ),
    Endpoint(
        "/users/{public_id}",
        {
            "GET": Operation(
                get_user, "One user (your own needs no right)", VIEW, response=schemas.single(schemas.USER)
            ),
            "PUT": Operation(
                update_user,
                "Update a user; keys left out keep their stored values",
                EDIT,
                body=schemas.ref(schemas.USER_WRITE),
                response=schemas.updated(schemas.USER),
                status=202,
            ),
            "PATCH": Operation(
                update_user,
                "Update some keys of a user",
                EDIT,
                body=schemas.ref(schemas.USER_WRITE),
                response=schemas.updated(schemas.USER),
                status=202,
            ),
            "DELETE": Operation(
                delete_user, "Delete a user", DELETE, response=schemas.deleted(schemas.USER), status=202
            ),
        },
    ),
]
