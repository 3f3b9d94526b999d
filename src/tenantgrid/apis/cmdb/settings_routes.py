"""`/rest/users/{user_id}/settings/`: a user's settings (`identifier`, `payload`, `setting_type`).

A user reaches only their own settings; `base.user-management.user.*` reaches everyone's (a
tenant's secret key holds it).
"""

from __future__ import annotations

from typing import Any

import asyncpg
import orjson
from starlette.requests import Request
from starlette.responses import Response

from tenantgrid.apis.cmdb import body as keys
from tenantgrid.apis.cmdb import failures, schemas
from tenantgrid.apis.cmdb.context import Ctx, context, json_object, path_id
from tenantgrid.apis.cmdb.envelope import (
    delete_response,
    insert_response,
    item_url,
    now_text,
    own_url,
    update_response,
)
from tenantgrid.apis.cmdb.invalid import invalid
from tenantgrid.apis.cmdb.render import json_response
from tenantgrid.apis.cmdb.routes import Endpoint, Operation
from tenantgrid.db.execute import database_errors

MODEL = "UserSetting"
MANAGE = "base.user-management.user.*"
TYPES = ("GLOBAL", "APPLICATION", "SERVER")
MAX_IDENTIFIER = 255
COLUMNS = "identifier, user_id, payload, setting_type"


async def settings_context(request: Request) -> tuple[Ctx, int]:
    ctx = await context(request)
    user_id = path_id(request, "User", "user_id")
    if not ctx.caller.is_user(user_id):
        ctx.require(MANAGE)
    return ctx, user_id


def setting_json(row: asyncpg.Record) -> dict[str, Any]:
    return {"identifier": row[0], "user_id": row[1], "payload": orjson.loads(row[2]), "setting_type": row[3]}


def identifier_of(request: Request) -> str:
    return request.path_params["identifier"]


def check_identifier(value: Any) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_IDENTIFIER or "/" in value:
        raise invalid(
            "'identifier' must be a non-empty string without '/' of at most 255 characters", "identifier"
        )
    return value


def check_type(body: dict[str, Any]) -> Any:
    value = body.get("setting_type", keys.ABSENT)
    if value is keys.ABSENT:
        return keys.ABSENT
    if value not in TYPES:
        raise invalid("'setting_type' must be GLOBAL, APPLICATION or SERVER", "setting_type")
    return value


def check_user_id(body: dict[str, Any], user_id: int) -> None:
    if "user_id" in body and body["user_id"] != user_id:
        raise invalid("'user_id' must be the user of the URL", "user_id")


def payload_of(body: dict[str, Any]) -> Any:
    return orjson.dumps(body["payload"]).decode() if "payload" in body else keys.ABSENT


async def user_exists(ctx: Ctx, user_id: int) -> None:
    with database_errors():
        found = await ctx.pool.fetchval(f"SELECT true FROM {ctx.s}.users WHERE public_id = $1", user_id)
    if not found:
        raise failures.not_found(f"User {user_id} not found")


async def find_setting(ctx: Ctx, user_id: int, identifier: str) -> dict[str, Any]:
    with database_errors():
        row = await ctx.pool.fetchrow(
            f"SELECT {COLUMNS} FROM {ctx.s}.cmdb_user_settings WHERE user_id = $1 AND identifier = $2",
            user_id,
            identifier,
        )
    if row is None:
        raise failures.not_found(f"Setting {identifier[:80]!r} of user {user_id} not found")
    return setting_json(row)


def _results(request: Request, results: list[dict[str, Any]]) -> Response:
    body = {"results": results, "response_type": "GET", "model": MODEL, "time": now_text()}
    return json_response(request, body, headers={"X-Total-Count": str(len(results))})


# -- routes ----------------------------------------------------------------------------------------


async def list_settings(request: Request) -> Response:
    ctx, user_id = await settings_context(request)
    await user_exists(ctx, user_id)
    with database_errors():
        rows = await ctx.pool.fetch(
            f"SELECT {COLUMNS} FROM {ctx.s}.cmdb_user_settings WHERE user_id = $1 ORDER BY identifier",
            user_id,
        )
    return _results(request, [setting_json(r) for r in rows])


async def get_setting(request: Request) -> Response:
    """The seed answers one setting as `results: [it]`; DATAGERRY's clients read `result` too."""
    ctx, user_id = await settings_context(request)
    setting = await find_setting(ctx, user_id, identifier_of(request))
    body = {
        "result": setting,
        "results": [setting],
        "response_type": "GET",
        "model": MODEL,
        "time": now_text(),
    }
    return json_response(request, body)


async def insert_setting(request: Request) -> Response:
    ctx, user_id = await settings_context(request)
    body = await json_object(request)
    identifier = check_identifier(body.get("identifier"))
    check_user_id(body, user_id)
    setting_type = check_type(body)
    payload = payload_of(body)
    await user_exists(ctx, user_id)
    try:
        row = await ctx.pool.fetchrow(
            f"INSERT INTO {ctx.s}.cmdb_user_settings (user_id, identifier, setting_type, payload) "
            f"VALUES ($1, $2, coalesce($3, 'GLOBAL'), coalesce($4::jsonb, '{{}}')) RETURNING {COLUMNS}",
            user_id,
            identifier,
            None if setting_type is keys.ABSENT else setting_type,
            None if payload is keys.ABSENT else payload,
        )
    except asyncpg.UniqueViolationError:
        raise invalid(f"User {user_id} already has a setting {identifier!r}", "identifier") from None
    except asyncpg.ForeignKeyViolationError:  # the user was deleted meanwhile
        raise failures.not_found(f"User {user_id} not found") from None
    setting = setting_json(row)
    return insert_response(request, identifier, setting, MODEL, item_url(request, identifier))


async def update_setting(request: Request) -> Response:
    ctx, user_id = await settings_context(request)
    identifier = identifier_of(request)
    body = await json_object(request)
    check_user_id(body, user_id)
    if "identifier" in body and body["identifier"] != identifier:
        raise invalid("'identifier' must be the identifier of the URL", "identifier")
    setting_type = check_type(body)
    payload = payload_of(body)
    with database_errors():
        row = await ctx.pool.fetchrow(
            f"UPDATE {ctx.s}.cmdb_user_settings SET setting_type = coalesce($3, setting_type), "
            f"payload = coalesce($4::jsonb, payload) WHERE user_id = $1 AND identifier = $2 RETURNING {COLUMNS}",
            user_id,
            identifier,
            None if setting_type is keys.ABSENT else setting_type,
            None if payload is keys.ABSENT else payload,
        )
    if row is None:
        raise failures.not_found(f"Setting {identifier[:80]!r} of user {user_id} not found")
    return update_response(request, setting_json(row), MODEL, own_url(request))


async def delete_setting(request: Request) -> Response:
    ctx, user_id = await settings_context(request)
    identifier = identifier_of(request)
    with database_errors():
        row = await ctx.pool.fetchrow(
            f"DELETE FROM {ctx.s}.cmdb_user_settings WHERE user_id = $1 AND identifier = $2 RETURNING {COLUMNS}",
            user_id,
            identifier,
        )
    if row is None:
        raise failures.not_found(f"Setting {identifier[:80]!r} of user {user_id} not found")
    return delete_response(request, setting_json(row), MODEL)


ONE = schemas.ref(schemas.SETTING)
ENDPOINTS = [
    Endpoint(
        "/users/{user_id}/settings/",
        {
            "GET": Operation(
                list_settings,
                "A user's settings (your own; anyone's with user-management.user.*)",
                response={"type": "object", "properties": {"results": {"type": "array", "items": ONE}}},
            ),
            "POST": Operation(
                insert_setting,
                "Add a setting",
                body=ONE,
                response=schemas.inserted(schemas.SETTING, {"type": "string"}),
                status=201,
            ),
        },
    ),
    Endpoint(
        "/users/{user_id}/settings/{identifier}",
        {
            "GET": Operation(
                get_setting,
                "One setting",
                response={
                    "type": "object",
                    "properties": {"result": ONE, "results": {"type": "array", "items": ONE}},
                },
            ),
            "PUT": Operation(
                update_setting,
                "Update a setting",
                body=ONE,
                response=schemas.updated(schemas.SETTING),
                status=202,
            ),
            "PATCH": Operation(
                update_setting,
                "Update a setting",
                body=ONE,
                response=schemas.updated(schemas.SETTING),
                status=202,
            ),
            "DELETE": Operation(
                delete_setting, "Delete a setting", response=schemas.deleted(schemas.SETTING), status=202
            ),
        },
        path_types={"identifier": "string"},
    ),
]
