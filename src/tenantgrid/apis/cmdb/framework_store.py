"""The SQL of the framework routes (types, categories, objects) for one tenant's schema.

Every statement is fixed text with bound parameters; only the (quoted) schema name is put in.
Rows come back as `row_to_json` text and leave as API documents (`framework_documents`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import orjson

from tenantgrid import errors
from tenantgrid.apis.cmdb import failures
from tenantgrid.apis.cmdb.context import Ctx
from tenantgrid.apis.cmdb.framework_documents import category_document, object_document, type_document
from tenantgrid.apis.cmdb.object_view import RenderContext
from tenantgrid.db.affinity import TenantConnections
from tenantgrid.db.execute import database_errors
from tenantgrid.tenancy.names import quote_ident

TYPE_WRITE_COLUMNS = (
    "name",
    "label",
    "description",
    "active",
    "author_id",
    "fields",
    "render_meta",
    "acl",
    "extra",
)
JSON_COLUMNS = frozenset({"fields", "render_meta", "acl", "extra", "meta"})


def _load(text: str | None) -> Any:
    return orjson.loads(text) if text is not None else None


def json_arg(value: Any) -> str | None:
    return orjson.dumps(value).decode() if value is not None else None


def unique_violation(exc: BaseException) -> bool:
    return isinstance(exc, asyncpg.UniqueViolationError)


class FrameworkStore:
    """Types, categories and objects of one tenant."""

    @classmethod
    def of(cls, ctx: Ctx) -> FrameworkStore:
        return cls(ctx.pool, ctx.schema)

    def __init__(self, pool: TenantConnections, schema: str) -> None:
        self.pool = pool
        s = quote_ident(schema)
        self.types = f"{s}.cmdb_types"
        self.categories = f"{s}.cmdb_categories"
        self.objects = f"{s}.cmdb_objects"
        self.users = f"{s}.users"

    # -- reads ---------------------------------------------------------------------------------

    async def _rows(self, sql: str, *args: Any, conn: Any = None) -> list[dict[str, Any]]:
        with database_errors():
            records = await (conn or self.pool).fetch(sql, *args)
        return [orjson.loads(r[0]) for r in records]

    async def type_(self, public_id: int, conn: Any = None) -> dict[str, Any] | None:
        rows = await self._rows(
            f"SELECT row_to_json(t)::text FROM {self.types} t WHERE public_id = $1", public_id, conn=conn
        )
        return type_document(rows[0]) if rows else None

    async def types_by_id(self, ids: Sequence[int], conn: Any = None) -> dict[int, dict[str, Any]]:
        rows = await self._rows(
            f"SELECT row_to_json(t)::text FROM {self.types} t WHERE public_id = ANY($1::bigint[])",
            list(ids),
            conn=conn,
        )
        return {r["public_id"]: type_document(r) for r in rows}

    async def all_types(self) -> dict[int, dict[str, Any]]:
        rows = await self._rows(f"SELECT row_to_json(t)::text FROM {self.types} t")
        return {r["public_id"]: type_document(r) for r in rows}

    async def types_with_acl(self, conn: Any = None) -> list[dict[str, Any]]:
        """`{public_id, acl}` of the types whose acl is activated: the only ones an acl can restrict."""
        return await self._rows(
            f"SELECT json_build_object('public_id', public_id, 'acl', acl)::text FROM {self.types} "
            "WHERE acl->'activated' = 'true'::jsonb",
            conn=conn,
        )

    async def count_objects(self, type_id: int, conn: Any = None) -> int:
        with database_errors():
            return int(
                await (conn or self.pool).fetchval(
                    f"SELECT count(*) FROM {self.objects} WHERE type_id = $1", type_id
                )
            )

    async def category(self, public_id: int, conn: Any = None) -> dict[str, Any] | None:
        rows = await self._rows(
            f"SELECT row_to_json(c)::text FROM {self.categories} c WHERE public_id = $1", public_id, conn=conn
        )
        return category_document(rows[0]) if rows else None

    async def all_categories(self) -> list[dict[str, Any]]:
        rows = await self._rows(f"SELECT row_to_json(c)::text FROM {self.categories} c ORDER BY public_id")
        return [category_document(r) for r in rows]

    async def object_(self, public_id: int, conn: Any = None) -> dict[str, Any] | None:
        rows = await self._rows(
            f"SELECT row_to_json(o)::text FROM {self.objects} o WHERE public_id = $1", public_id, conn=conn
        )
        return object_document(rows[0]) if rows else None

    async def objects_by_id(
        self, ids: Sequence[int], conn: Any = None, lock: bool = False
    ) -> list[dict[str, Any]]:
        rows = await self._rows(
            f"SELECT row_to_json(o)::text FROM {self.objects} o WHERE public_id = ANY($1::bigint[]) "
            f"ORDER BY public_id{' FOR UPDATE' if lock else ''}",
            list(ids),
            conn=conn,
        )
        return [object_document(r) for r in rows]

    async def object_types(self, ids: Sequence[int], conn: Any = None) -> dict[int, int]:
        """object id -> its type_id, for the ids that exist: what a ref value must point at."""
        if not ids:
            return {}
        with database_errors():
            records = await (conn or self.pool).fetch(
                f"SELECT public_id, type_id FROM {self.objects} WHERE public_id = ANY($1::bigint[])",
                list(ids),
            )
        return {r[0]: r[1] for r in records}

    async def objects_of_type(self, type_id: int, conn: Any = None) -> list[dict[str, Any]]:
        rows = await self._rows(
            f"SELECT row_to_json(o)::text FROM {self.objects} o WHERE type_id = $1 ORDER BY public_id",
            type_id,
            conn=conn,
        )
        return [object_document(r) for r in rows]

    async def referencing_ids(self, object_id: int, type_id: int) -> list[int]:
        """Objects with a `ref` field (by their type's definition) whose value is this object and whose
        ref_types allow this object's type (no ref_types: any type)."""
        with database_errors():
            records = await self.pool.fetch(
                f"SELECT o.public_id FROM {self.objects} o JOIN {self.types} t ON t.public_id = o.type_id "
                "WHERE o.fields @> jsonb_build_array(jsonb_build_object('value', $1::bigint)) "
                "AND EXISTS (SELECT 1 FROM jsonb_array_elements(t.fields) d, jsonb_array_elements(o.fields) f "
                "WHERE d->>'type' = 'ref' AND f->>'name' = d->>'name' AND f->'value' = to_jsonb($1::bigint) "
                "AND (d->'ref_types' IS NULL OR d->'ref_types' IN ('null'::jsonb, '[]'::jsonb) "
                "OR d->'ref_types' @> to_jsonb($2::bigint))) ORDER BY o.public_id",
                object_id,
                type_id,
            )
        return [r[0] for r in records]

    def _referenced(self, source: str, where: str = "true") -> str:
        """`SELECT * FROM objects` for the objects that the `ref` fields (by their type's definition)
        of the objects in `source` (aliased `s`) point at; a value that is no id matches nothing."""
        return (
            f"SELECT * FROM {self.objects} WHERE public_id IN ("
            "SELECT CASE WHEN f->>'value' ~ '^[0-9]{1,18}$' THEN (f->>'value')::bigint END "
            f"FROM {source} JOIN {self.types} st ON st.public_id = s.type_id, "
            "jsonb_array_elements(CASE jsonb_typeof(s.fields) WHEN 'array' THEN s.fields ELSE '[]' END) f, "
            "jsonb_array_elements(CASE jsonb_typeof(st.fields) WHEN 'array' THEN st.fields ELSE '[]' END) d "
            f"WHERE {where} AND d->>'type' = 'ref' AND d->>'name' = f->>'name' "
            "AND jsonb_typeof(f->'value') = 'number')"
        )

    async def render_context(
        self, type_ids: Sequence[int], user_ids: Sequence[int | None], object_ids: Sequence[int] = ()
    ) -> RenderContext:
        """The types of some objects, the objects their ref fields point at (with those objects'
        types), and the names of their users and of their types' authors, in one round trip
        (rendering a page of objects costs this one statement)."""
        users = sorted({i for i in user_ids if isinstance(i, int)})
        with database_errors():
            record = await self.pool.fetchrow(
                f"WITH r AS ({self._referenced(f'{self.objects} s', 's.public_id = ANY($3::bigint[])')}) "
                f"SELECT (SELECT json_agg(t)::text FROM {self.types} t WHERE t.public_id = ANY($1::bigint[]) "
                "OR t.public_id IN (SELECT type_id FROM r)), "
                f"(SELECT json_object_agg(u.public_id, u.user_name)::text FROM {self.users} u "
                f"WHERE u.public_id = ANY($2::bigint[]) OR u.public_id IN "
                f"(SELECT author_id FROM {self.types} WHERE public_id = ANY($1::bigint[]))), "
                "(SELECT json_agg(r)::text FROM r)",
                list(type_ids),
                users,
                list(object_ids),
            )
        return _render_context(*record) if record else RenderContext({}, {}, {})

    async def object_to_render(self, public_id: int) -> tuple[dict[str, Any] | None, RenderContext]:
        """One object with its type, the objects its ref fields point at (and their types), and the
        names of its users, in one round trip."""
        with database_errors():
            record = await self.pool.fetchrow(
                f"WITH o AS (SELECT * FROM {self.objects} WHERE public_id = $1), "
                f"r AS ({self._referenced('o s')}) "
                "SELECT (SELECT row_to_json(o)::text FROM o), "
                f"(SELECT json_agg(t)::text FROM {self.types} t "
                "WHERE t.public_id IN (SELECT type_id FROM o UNION ALL SELECT type_id FROM r)), "
                f"(SELECT json_object_agg(u.public_id, u.user_name)::text FROM {self.users} u "
                "WHERE u.public_id IN (SELECT author_id FROM o UNION ALL SELECT editor_id FROM o "
                f"UNION ALL SELECT author_id FROM {self.types} WHERE public_id IN (SELECT type_id FROM o))), "
                "(SELECT json_agg(r)::text FROM r)",
                public_id,
            )
        if record is None or record[0] is None:
            return None, RenderContext({}, {}, {})
        return object_document(orjson.loads(record[0])), _render_context(record[1], record[2], record[3])

    async def user_names(self, ids: Sequence[int | None], conn: Any = None) -> dict[int, str]:
        wanted = sorted({i for i in ids if isinstance(i, int)})
        if not wanted:
            return {}
        with database_errors():
            records = await (conn or self.pool).fetch(
                f"SELECT public_id, user_name FROM {self.users} WHERE public_id = ANY($1::bigint[])", wanted
            )
        return {r[0]: r[1] for r in records}

    # -- writes --------------------------------------------------------------------------------

    def transaction(self) -> Any:
        return _transaction(self.pool)

    async def insert_type(self, columns: dict[str, Any]) -> dict[str, Any]:
        args = [json_arg(columns[c]) if c in JSON_COLUMNS else columns[c] for c in TYPE_WRITE_COLUMNS]
        rows = await self._write_type(
            f"INSERT INTO {self.types} (name, label, description, active, author_id, fields, render_meta, acl, "
            "extra) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8::jsonb, $9::jsonb) "
            "RETURNING row_to_json(cmdb_types)::text",
            args,
        )
        return type_document(rows[0])

    async def update_type(
        self, public_id: int, columns: dict[str, Any], editor_id: int | None
    ) -> dict[str, Any] | None:
        args = [json_arg(columns[c]) if c in JSON_COLUMNS else columns[c] for c in TYPE_WRITE_COLUMNS]
        rows = await self._write_type(
            f"UPDATE {self.types} SET name = $1, label = $2, description = $3, active = $4, author_id = $5, "
            "fields = $6::jsonb, render_meta = $7::jsonb, acl = $8::jsonb, extra = $9::jsonb, "
            "editor_id = $10, last_edit_time = now(), version = $12 WHERE public_id = $11 "
            "RETURNING row_to_json(cmdb_types)::text",
            [*args, editor_id, public_id, columns["version"]],
        )
        return type_document(rows[0]) if rows else None

    async def _write_type(self, sql: str, args: list[Any]) -> list[dict[str, Any]]:
        try:
            return await self._rows(sql, *args)
        except errors.ApiError as error:
            if error.code == "23505":
                raise _name_taken("type") from None
            raise

    async def delete_type(self, public_id: int) -> dict[str, Any] | None:
        """Refused (409) while objects of the type exist; the type leaves every category too."""
        async with self.transaction() as conn:
            await conn.execute(f"SELECT 1 FROM {self.types} WHERE public_id = $1 FOR UPDATE", public_id)
            used = await self.count_objects(public_id, conn)
            if used:
                raise failures.conflict(
                    f"Type {public_id} still has {used} object(s); delete or move them first",
                    "delete the type's objects first",
                )
            rows = await self._rows(
                f"DELETE FROM {self.types} WHERE public_id = $1 RETURNING row_to_json(cmdb_types)::text",
                public_id,
                conn=conn,
            )
            await conn.execute(
                f"UPDATE {self.categories} SET types = array_remove(types, $1) WHERE $1 = ANY(types)",
                public_id,
            )
        return type_document(rows[0]) if rows else None

    async def lock_categories(self, conn: Any) -> None:
        """Category writes one at a time (they are rare): a parent check and its write see one tree."""
        await conn.execute(f"LOCK TABLE {self.categories} IN SHARE ROW EXCLUSIVE MODE")

    async def save_category(
        self, public_id: int | None, values: dict[str, Any], conn: Any = None
    ) -> dict[str, Any] | None:
        args = [values["name"], values["label"], values["parent"], values["types"], json_arg(values["meta"])]
        if public_id is None:
            sql = (
                f"INSERT INTO {self.categories} (name, label, parent, types, meta) "
                "VALUES ($1, $2, $3, $4::bigint[], $5::jsonb) RETURNING row_to_json(cmdb_categories)::text"
            )
        else:
            sql = (
                f"UPDATE {self.categories} SET name = $1, label = $2, parent = $3, types = $4::bigint[], "
                "meta = $5::jsonb WHERE public_id = $6 RETURNING row_to_json(cmdb_categories)::text"
            )
            args.append(public_id)
        try:
            rows = await self._rows(sql, *args, conn=conn)
        except errors.ApiError as error:
            if error.code == "23505":
                raise _name_taken("category") from None
            if error.code == "23503":
                raise failures.bad_request("'parent' is not an existing category", "parent") from None
            raise
        return category_document(rows[0]) if rows else None

    async def delete_category(self, public_id: int) -> dict[str, Any] | None:
        """Children lose their parent (the foreign key's ON DELETE SET NULL): they become roots."""
        rows = await self._rows(
            f"DELETE FROM {self.categories} WHERE public_id = $1 RETURNING row_to_json(cmdb_categories)::text",
            public_id,
        )
        return category_document(rows[0]) if rows else None

    async def existing_type_ids(self, ids: Sequence[int], conn: Any = None) -> set[int]:
        with database_errors():
            records = await (conn or self.pool).fetch(
                f"SELECT public_id FROM {self.types} WHERE public_id = ANY($1::bigint[])", list(ids)
            )
        return {r[0] for r in records}

    async def category_parents(self, conn: Any = None) -> dict[int, int | None]:
        with database_errors():
            records = await (conn or self.pool).fetch(f"SELECT public_id, parent FROM {self.categories}")
        return {r[0]: r[1] for r in records}

    async def insert_object(self, conn: Any, values: dict[str, Any]) -> int:
        """With a client's own public_id, the identity moves past it so later inserts cannot collide."""
        args = [
            values["type_id"],
            values["status"],
            values["author_id"],
            values["active"],
            json_arg(values["fields"]),
        ]
        if values.get("public_id") is None:
            return int(
                await conn.fetchval(
                    f"INSERT INTO {self.objects} (type_id, status, author_id, active, fields) "
                    "VALUES ($1, $2, $3, $4, $5::jsonb) RETURNING public_id",
                    *args,
                )
            )
        public_id = int(
            await conn.fetchval(
                f"INSERT INTO {self.objects} (type_id, status, author_id, active, fields, public_id) "
                "VALUES ($1, $2, $3, $4, $5::jsonb, $6) ON CONFLICT (public_id) DO NOTHING RETURNING public_id",
                *args,
                values["public_id"],
            )
            or 0
        )
        if not public_id:
            raise failures.bad_request(
                f"An object with public_id {values['public_id']} exists already", "public_id"
            )
        # Forward only: ids of deleted objects are not handed out again.
        await conn.execute(
            "SELECT setval(s, greatest($2, coalesce(pg_sequence_last_value(s), 0))) "
            "FROM (SELECT pg_get_serial_sequence($1, 'public_id')::regclass AS s) q",
            self.objects,
            public_id,
        )
        return public_id

    async def update_object(self, conn: Any, public_id: int, values: dict[str, Any]) -> dict[str, Any]:
        rows = await self._rows(
            f"UPDATE {self.objects} SET type_id = $1, status = $2, author_id = $3, active = $4, "
            "fields = $5::jsonb, version = $6, editor_id = $7, last_edit_time = now() "
            "WHERE public_id = $8 RETURNING row_to_json(cmdb_objects)::text",
            values["type_id"],
            values["status"],
            values["author_id"],
            values["active"],
            json_arg(values["fields"]),
            values["version"],
            values["editor_id"],
            public_id,
            conn=conn,
        )
        return object_document(rows[0])

    async def set_fields(self, conn: Any, public_id: int, fields: list[dict[str, Any]]) -> dict[str, Any]:
        rows = await self._rows(
            f"UPDATE {self.objects} SET fields = $1::jsonb WHERE public_id = $2 "
            "RETURNING row_to_json(cmdb_objects)::text",
            json_arg(fields),
            public_id,
            conn=conn,
        )
        return object_document(rows[0])

    async def set_state(self, public_id: int, active: bool, editor_id: int | None) -> bool | None:
        """The previous state, or None when there is no such object; no write when it is the same."""
        with database_errors():
            row = await self.pool.fetchrow(
                f"WITH old AS (SELECT public_id, active FROM {self.objects} WHERE public_id = $1 FOR UPDATE), "
                f"changed AS (UPDATE {self.objects} o SET active = $2, editor_id = $3, last_edit_time = now() "
                "FROM old WHERE o.public_id = old.public_id AND old.active IS DISTINCT FROM $2 RETURNING 1) "
                "SELECT old.active, (SELECT count(*) FROM changed) FROM old",
                public_id,
                active,
                editor_id,
            )
        return None if row is None else bool(row[0])

    async def delete_objects(
        self,
        ids: Sequence[int],
        allowed: Callable[[Any, list[dict[str, Any]]], Awaitable[None]] | None = None,
    ) -> list[dict[str, Any]]:
        """All or nothing: an id that does not exist is a 404 and nothing is deleted; `allowed` sees
        the deleted rows inside the transaction, and an error it raises undoes the delete."""
        async with self.transaction() as conn:
            rows = await self._rows(
                f"DELETE FROM {self.objects} WHERE public_id = ANY($1::bigint[]) "
                "RETURNING row_to_json(cmdb_objects)::text",
                list(ids),
                conn=conn,
            )
            missing = sorted(set(ids) - {r["public_id"] for r in rows})
            if missing:
                raise failures.not_found(
                    f"No object with public_id {', '.join(map(str, missing))}; nothing was deleted"
                )
            if allowed is not None:
                await allowed(conn, rows)
        return [object_document(r) for r in sorted(rows, key=lambda r: r["public_id"])]


def _name_taken(what: str) -> errors.ApiError:
    return failures.bad_request(f"A {what} with this name exists already", "name")


@asynccontextmanager
async def _transaction(pool: TenantConnections) -> AsyncIterator[asyncpg.Connection]:
    """A connection in a transaction that rolls back on any error; database failures leave as their
    API errors, the handler's own errors as they are."""
    with database_errors():
        async with pool.acquire() as conn, conn.transaction():
            yield conn


def _render_context(types_json: str | None, users_json: str | None, refs_json: str | None) -> RenderContext:
    types = {t["public_id"]: type_document(t) for t in orjson.loads(types_json or "[]")}
    users = {int(k): v for k, v in orjson.loads(users_json or "{}").items()}
    refs = {r["public_id"]: object_document(r) for r in orjson.loads(refs_json or "[]")}
    return RenderContext(types, users, refs)
