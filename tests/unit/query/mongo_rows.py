"""Run MongoDB filters through the real query core against real rows: a throwaway schema in the test
database, its catalog reflected as the server reflects a tenant's, statements compiled by the same
`Compiler` and executed by asyncpg. Tests assert which rows (ids) matched."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

import asyncpg

from tenantgrid.catalog.reflect import reflect_catalog
from tenantgrid.db.engine import create_engine
from tenantgrid.query.ast import Path, SelectItem
from tenantgrid.query.compile import Body, Compiler
from tenantgrid.query.dialects.mongo import Document, ListRequest, parse_list
from tenantgrid.query.shape import split


class Rows:
    """One schema holding `ddl`'s tables; `ids(document, params)` answers the matched public_ids."""

    def __init__(self, database_url: str, ddl: str) -> None:
        self.url = database_url
        self.schema = f"mongo_{secrets.token_hex(4)}"
        self.loop = asyncio.new_event_loop()
        self.conn: asyncpg.Connection = self.run(asyncpg.connect(database_url))
        self.run(self.conn.execute(f"CREATE SCHEMA {self.schema}; SET search_path = {self.schema}; {ddl}"))
        self.compiler = Compiler(self.run(self._catalog()))

    async def _catalog(self) -> Any:
        engine = create_engine(self.url)
        try:
            async with engine.connect() as conn:
                return await reflect_catalog(conn, self.schema)
        finally:
            await engine.dispose()

    def run(self, awaitable: Any) -> Any:
        return self.loop.run_until_complete(awaitable)

    def insert(self, table: str, rows: Iterable[Mapping[str, Any]]) -> None:
        for row in rows:
            columns = list(row)
            values = [
                json.dumps(v) if isinstance(v, dict | list) and c != "tags" else v for c, v in row.items()
            ]
            placeholders = ", ".join(f"${i + 1}" for i in range(len(columns)))
            sql = f"INSERT INTO {self.schema}.{table} ({', '.join(columns)}) VALUES ({placeholders})"
            self.run(self.conn.execute(sql, *values))

    def execute(self, sql: str, *args: Any) -> Any:
        return self.run(self.conn.fetch(sql, *args))

    def listing(self, listing: ListRequest) -> list[int]:
        """The ids of the documents `listing` selects, in its order."""
        query = replace(listing.query, select=(SelectItem(Path("public_id")),))
        shape, values = split(query)
        compiled = self.compiler.read(shape, Body.ARRAY)
        row = self.run(self.conn.fetchrow(compiled.render(self.schema), *compiled.arguments(values)))
        return [item["public_id"] for item in json.loads(row["body"])]

    def ids(self, document: Document, filter: Any, **params: str) -> list[int]:
        """The ids matched by `filter` (any JSON; sent as its text), sorted unless a sort is given."""
        params.setdefault("limit", "0")
        return self.listing(parse_list(document, {"filter": json.dumps(filter), **params}))

    def close(self) -> None:
        self.run(self.conn.execute(f"DROP SCHEMA {self.schema} CASCADE"))
        self.run(self.conn.close())
        self.loop.close()
