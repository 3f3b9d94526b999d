"""Reads through the shared query core (one compiled statement: page, count and JSON built by
Postgres), writes by SQL in one transaction, for the three Gainfully resources.

An event's `content` and `relationships` live in link tables: a page of events is read first, then
the links of its events in one more statement, only when those fields are shown.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

import asyncpg
import orjson

from tenantgrid.apis.gainfully import failures
from tenantgrid.apis.gainfully.models import Kind, Resource, Writable
from tenantgrid.apis.gainfully.validation import does_not_exist
from tenantgrid.db.execute import fetch_envelope
from tenantgrid.http.integers import parse_bigint
from tenantgrid.query.ast import Cond, Op, Page, Path, Query, SelectItem
from tenantgrid.query.compile import Body
from tenantgrid.query.dialects.django import ListRequest, select_items
from tenantgrid.query.shape import split
from tenantgrid.tenancy.names import quote_ident
from tenantgrid.tenancy.tenant_request import TenantRequest


@dataclass(frozen=True, slots=True)
class Store(TenantRequest):
    """The tenant's rows of one resource."""

    resource: Resource

    @property
    def table(self) -> str:
        return f"{self.s}.{quote_ident(self.resource.table)}"

    # -- reads ---------------------------------------------------------------------------------

    async def page(self, listing: ListRequest) -> tuple[bytes, int]:
        """The page's objects as a JSON array, and the count of all that match."""
        query = replace(listing.query, select=self._select(listing.fields))
        body, total = await self._read(query)
        return await self._finish(body, listing.fields), total

    async def one(self, object_id: int, fields: tuple[str, ...]) -> bytes | None:
        """The object as JSON, or None."""
        query = Query(
            resource=self.resource.table,
            where=Cond(Path(self.resource.model.primary_key), Op.EQ, str(object_id)),
            page=Page(0, 1),
            select=self._select(fields),
        )
        body, _ = await self._read(query)
        rows = await self._finish(body, fields)
        return None if rows == b"[]" else rows[1:-1]

    def _select(self, fields: tuple[str, ...]) -> tuple[SelectItem, ...]:
        """The stored fields shown, and the key too when links must be added by it."""
        if any(w.name in fields for w in self.resource.links):
            fields = (*fields, self.resource.model.primary_key)
        return select_items(self.resource.model, fields)

    async def _read(self, query: Query) -> tuple[str, int]:
        shape, values = split(query)
        compiled = self.runtime.compiler.read(shape, Body.ARRAY)
        envelope = await fetch_envelope(self.pool, compiled.render(self.schema), compiled.arguments(values))
        return envelope.body or "[]", envelope.total or 0

    async def _finish(self, body: str, fields: tuple[str, ...]) -> bytes:
        """Postgres's JSON as it is, unless links must be added or the key was selected only
        because no stored field was asked for."""
        model = self.resource.model
        links = [w for w in self.resource.links if w.name in fields]
        stored = [f.name for f in model.fields if f.stored and f.name in fields]
        if not links and stored:
            return body.encode()
        rows: list[dict[str, Any]] = orjson.loads(body)
        found = await self._links(links, [r[model.primary_key] for r in rows]) if links and rows else {}
        names = {w.name for w in links}
        out = []
        for row in rows:
            key = row[model.primary_key]
            shown: dict[str, Any] = {}
            for name in fields:
                if name in row:
                    shown[name] = row[name]
                elif name in names:
                    shown[name] = found.get((name, key), [])
            out.append(shown)
        return orjson.dumps(out)

    async def _links(self, links: list[Writable], ids: list[int]) -> dict[tuple[str, int], list[int]]:
        parts = []
        for i, link in enumerate(links):
            assert link.link is not None
            table, own, other = (quote_ident(n) for n in link.link)
            parts.append(
                f"SELECT {i}, {own}, array_agg({other} ORDER BY {other}) FROM {self.s}.{table} "
                f"WHERE {own} = ANY($1::bigint[]) GROUP BY {own}"
            )
        records = await self.fetch(" UNION ALL ".join(parts), ids)
        return {(links[r[0]].name, r[1]): list(r[2]) for r in records}

    # -- writes --------------------------------------------------------------------------------

    async def create(self, values: dict[str, Any]) -> int:
        columns = {k: v for k, v in values.items() if not self._is_link(k)}
        names = ", ".join(quote_ident(c) for c in columns)
        places = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
        sql = (
            f"INSERT INTO {self.table} ({names}) VALUES ({places}) RETURNING id"
            if columns
            else f"INSERT INTO {self.table} DEFAULT VALUES RETURNING id"
        )
        async with self._transaction(values) as conn:
            await self._check_related(conn, values)
            object_id: int = await conn.fetchval(sql, *columns.values())
            await self._set_links(conn, object_id, values, replace_old=False)
        return object_id

    async def update(self, object_id: int, values: dict[str, Any]) -> bool:
        columns = {k: v for k, v in values.items() if not self._is_link(k)}
        # No column given still touches the row: `updated_at` moves, as a DRF save() moves it.
        sets = ", ".join(f"{quote_ident(c)} = ${i}" for i, c in enumerate(columns, start=2)) or (
            "updated_at = updated_at"
        )
        async with self._transaction(values) as conn:
            await self._check_related(conn, values)
            found = await conn.fetchval(
                f"UPDATE {self.table} SET {sets} WHERE id = $1 RETURNING id", object_id, *columns.values()
            )
            if found is None:
                return False
            await self._set_links(conn, object_id, values, replace_old=True)
        return True

    async def delete(self, object_id: int) -> bool:
        found = await self.fetchval(f"DELETE FROM {self.table} WHERE id = $1 RETURNING id", object_id)
        return found is not None

    def _is_link(self, name: str) -> bool:
        field = self.resource.write_field(name)
        return field is not None and field.kind is Kind.RELATED_MANY

    @asynccontextmanager
    async def _transaction(self, values: dict[str, Any]) -> AsyncIterator[asyncpg.Connection]:
        """`transaction()`, where a constraint failure becomes the field's 400 (a race with a delete
        between the existence check and the write, the unique email, ends before starts)."""
        async with self.transaction() as conn:
            try:
                yield conn
            except asyncpg.IntegrityConstraintViolationError as exc:
                error = self._field_error(exc, values)
                if error is None:
                    raise
                raise error from None

    def _field_error(self, exc: BaseException, values: dict[str, Any]) -> Exception | None:
        resource = self.resource
        if isinstance(exc, asyncpg.UniqueViolationError):
            name = "email"
            return failures.refuse(name, "unique", f"{resource.label} with this {name} already exists.")
        if isinstance(exc, asyncpg.CheckViolationError):
            name = "ends_at" if "ends_at" in values or "starts_at" not in values else "starts_at"
            other = "starts_at" if name == "ends_at" else "ends_at"
            relation = "greater" if name == "ends_at" else "less"
            return failures.refuse(
                name, "invalid", f"Ensure this value is {relation} than or equal to {other}."
            )
        if isinstance(exc, asyncpg.ForeignKeyViolationError):
            for field in resource.writable:
                if field.related is not None and field.name in values:
                    return failures.refuse(
                        field.name, "does_not_exist", "Invalid pk - object does not exist."
                    )
        return None

    async def _check_related(self, conn: asyncpg.Connection, values: dict[str, Any]) -> None:
        """Every related id names an existing row; the first missing one, as sent, is the 400."""
        for name, value in values.items():
            field = self.resource.write_field(name)
            if field is None or field.related is None or value is None:
                continue
            pairs = value if field.kind is Kind.RELATED_MANY else [(value, value)]
            if not pairs:
                continue
            related = f"{self.s}.{quote_ident(field.related)}"
            existing = set(
                await conn.fetchval(
                    f"SELECT coalesce(array_agg(id), '{{}}') FROM {related} WHERE id = ANY($1::bigint[])",
                    [p[0] for p in pairs],
                )
            )
            for pk, sent in pairs:
                if pk not in existing:
                    raise does_not_exist(name, sent)

    async def _set_links(
        self, conn: asyncpg.Connection, object_id: int, values: dict[str, Any], *, replace_old: bool
    ) -> None:
        for link in self.resource.links:
            if link.name not in values:
                continue
            assert link.link is not None
            table, own, other = (quote_ident(n) for n in link.link)
            target = f"{self.s}.{table}"
            if replace_old:
                await conn.execute(f"DELETE FROM {target} WHERE {own} = $1", object_id)
            ids = [pk for pk, _ in values[link.name]]
            if ids:
                await conn.execute(
                    f"INSERT INTO {target} ({own}, {other}) SELECT $1, unnest($2::bigint[])", object_id, ids
                )


def path_id(text: str) -> int | None:
    """A path's id; anything that is not one names nothing (DRF answers 404 for `abc` too)."""
    return parse_bigint(text, signed=True)
