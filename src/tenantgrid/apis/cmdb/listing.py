"""The one place CMDB routes read documents: a list through the shared query core, or rows by SQL.

A `Document` (query/dialects/mongo/) maps document keys to the columns of a catalog table; rows
come back from Postgres as JSON objects with the document's keys (secret columns such as
`password_hash` are never listed in a Document, so never selected), then timestamps become
`{"$date": <ms since epoch>}` as DATAGERRY serialises them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import orjson
import sqlalchemy as sa

from tenantgrid.catalog.model import Resource
from tenantgrid.db.affinity import TenantConnections
from tenantgrid.db.execute import database_errors, fetch_envelope
from tenantgrid.query.ast import Path, SelectItem
from tenantgrid.query.compile import Body
from tenantgrid.query.dialects.mongo import Document, ListRequest, project
from tenantgrid.query.shape import split
from tenantgrid.runtime import Runtime
from tenantgrid.tenancy.names import quote_ident

_EPOCH = datetime.fromisoformat("1970-01-01T00:00:00+00:00")
_MS = timedelta(milliseconds=1)


def date_json(value: datetime | str | None) -> dict[str, int] | None:
    """DATAGERRY's `{"$date": ms}` for a timestamp (a datetime, or the ISO text Postgres's JSON holds)."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_EPOCH.tzinfo)
    return {"$date": (moment - _EPOCH) // _MS}


def date_keys(resource: Resource, document: Document) -> tuple[str, ...]:
    """The document keys whose columns are timestamps."""
    return tuple(
        key
        for key, column in document.keys.items()
        if column in resource.columns and isinstance(resource.columns[column].type, sa.DateTime | sa.Date)
    )


def finish(rows: list[dict[str, Any]], dates: Sequence[str]) -> list[dict[str, Any]]:
    for row in rows:
        for key in dates:
            if key in row:
                row[key] = date_json(row[key])
    return rows


async def list_documents(
    runtime: Runtime, schema: str, document: Document, listing: ListRequest
) -> tuple[list[dict[str, Any]], int]:
    """One page of `document`s as `listing` asks (filter, sort, page, projection), and the total."""
    select = tuple(SelectItem(Path(column), alias=key) for key, column in document.keys.items())
    query = replace(listing.query, select=select, count=True)
    shape, values = split(query)
    compiled = runtime.compiler.read(shape, Body.ARRAY)
    envelope = await fetch_envelope(
        runtime.pools.for_schema(schema), compiled.render(schema), compiled.arguments(values)
    )
    rows = orjson.loads(envelope.body) if envelope.body else []
    rows = finish(rows, date_keys(runtime.catalog.resources[document.resource], document))
    if listing.projection:
        rows = [project(row, listing.projection) for row in rows]
    return rows, envelope.total or 0


def document_columns(document: Document, alias: str = "t") -> str:
    """`t.col AS "key", ...`: a SELECT list that makes rows of `alias` into documents."""
    return ", ".join(
        f"{alias}.{quote_ident(column)} AS {quote_ident(key)}" for key, column in document.keys.items()
    )


def documents_sql(document: Document, source: str, alias: str = "t") -> str:
    """A statement answering one text value: the JSON array of the documents of `source`.

    `source` is what follows FROM, naming its relation `alias`: `"acme".users t WHERE t.public_id = $1`,
    or a CTE: `WITH w AS (UPDATE ... RETURNING *)` + documents_sql(doc, "w t")."""
    return (
        f"SELECT coalesce(json_agg(d), '[]')::text FROM (SELECT {document_columns(document, alias)} "
        f"FROM {source}) d"
    )


async def fetch_documents(
    runtime: Runtime,
    document: Document,
    sql: str,
    *args: Any,
    pool: TenantConnections | None = None,
    conn: asyncpg.Connection | None = None,
) -> list[dict[str, Any]]:
    """Run a `documents_sql` statement (on `conn` inside a transaction, else on `pool`)."""
    assert pool is not None or conn is not None
    with database_errors():
        text = await (conn.fetchval(sql, *args) if conn is not None else pool.fetchval(sql, *args))  # type: ignore[union-attr]
    return parse_documents(runtime, document, text)


def parse_documents(runtime: Runtime, document: Document, text: str | None) -> list[dict[str, Any]]:
    """The JSON array text a `documents_sql` statement answered, as documents (dates as `$date`)."""
    rows = orjson.loads(text) if text else []
    return finish(rows, date_keys(runtime.catalog.resources[document.resource], document))
