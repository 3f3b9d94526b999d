"""Create, update and delete one row, each in its own transaction, through the query core.

The statements are the PostgREST write path's (`Compiler.write` of a `WriteShape`): the row goes as
a bound JSON body that Postgres casts column by column, the row's key as bound values of the WHERE,
and the tenant's schema is put in only when the statement is rendered. An UPDATE or DELETE that
does not touch exactly one row is rolled back (`Missing`, a 404). What Postgres refuses comes
back as `Refused` (see `refusals`), any other failure as the API error it maps to.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import orjson

from tenantgrid.admin.tables.files import FILE_TAKERS
from tenantgrid.admin.tables.listing import fetch_row
from tenantgrid.admin.tables.refusals import refusal
from tenantgrid.admin.tables.row_keys import key_condition
from tenantgrid.catalog.model import Resource
from tenantgrid.db.execute import Envelope, database_error
from tenantgrid.query.ast import Query
from tenantgrid.query.compile import Body, WriteShape
from tenantgrid.query.shape import split
from tenantgrid.runtime import Runtime
from tenantgrid.tenancy.names import quote_ident


class Missing(Exception):
    """The row is not in the tenant's schema (any more)."""


async def insert_row(runtime: Runtime, schema: str, resource: Resource, values: dict[str, Any]) -> None:
    shape = WriteShape(resource.name, "INSERT", tuple(values), body=Body.NONE)
    await _run(runtime, schema, resource, shape, [], orjson.dumps([values]).decode(), values)


async def update_row(
    runtime: Runtime, schema: str, resource: Resource, key: tuple[str, ...], values: dict[str, Any]
) -> None:
    if not values:  # nothing changed (or only key columns): no UPDATE, but the row must be there
        if await fetch_row(runtime, schema, resource, key) is None:
            raise Missing
        return
    where, bound = _where(resource, key)
    shape = WriteShape(resource.name, "UPDATE", tuple(values), where=where, body=Body.NONE)
    await _run(runtime, schema, resource, shape, bound, orjson.dumps(values).decode(), values)


async def delete_row(runtime: Runtime, schema: str, resource: Resource, key: tuple[str, ...]) -> None:
    """Deletes the row, and (Gridly) the stored bytes of the files that go with it."""
    where, bound = _where(resource, key)
    shape = WriteShape(resource.name, "DELETE", where=where, body=Body.NONE)
    taker = FILE_TAKERS.get(resource.name)
    named = dict(zip(resource.primary_key, key, strict=True))

    async def take_files(conn: asyncpg.Connection) -> list[str]:
        return [] if taker is None else await taker(conn, quote_ident(schema), named)

    file_ids = await _run(runtime, schema, resource, shape, bound, None, {}, before=take_files)
    if file_ids:
        await runtime.files.discard(schema, file_ids)


def _where(resource: Resource, key: tuple[str, ...]) -> tuple[Any, list[Any]]:
    shaped, values = split(Query(resource.name, where=key_condition(resource, key)))
    return shaped.where, values


async def _run(
    runtime: Runtime,
    schema: str,
    resource: Resource,
    shape: WriteShape,
    bound: list[Any],
    payload: str | None,
    values: dict[str, Any],
    before: Callable[[asyncpg.Connection], Awaitable[list[str]]] | None = None,
) -> list[str]:
    """Runs the statement in a transaction (after `before`, in it); what `before` returned."""
    compiled = runtime.compiler.write(shape)
    args = compiled.arguments([*bound, payload] if payload is not None else bound)
    sql = compiled.render(schema)
    pool = runtime.pools.for_schema(schema)
    try:
        async with pool.acquire() as conn, conn.transaction():
            taken = await before(conn) if before is not None else []
            envelope = Envelope.of(await conn.fetchrow(sql, *args))
            if shape.method != "INSERT" and envelope.total != 1:
                raise Missing
    except Exception as exc:
        if isinstance(exc, asyncpg.PostgresError):
            refused = refusal(resource, exc, values, deleting=shape.method == "DELETE")
            if refused is not None:
                raise refused from None
        error = database_error(exc)
        if error is None:
            raise
        raise error from None
    return taken
