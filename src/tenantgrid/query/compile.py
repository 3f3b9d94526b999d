"""Query shape + catalog resource -> one SQL statement, compiled once and rendered per tenant.

Each statement returns one row: `total` (the exact count when asked, else NULL), `page_count`
(rows in this response) and `body` (the JSON text, built by Postgres). The SQL names the schema
as `SCHEMA_TOKEN`; `render` puts the tenant's schema in. The compiled text and the order of its
parameters are cached by shape, so a request pays for SQLAlchemy's compiler only the first time
its shape is seen, whichever tenant sends it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

import sqlalchemy as sa
from cachetools import LRUCache
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.dialects.postgresql import asyncpg as pg_asyncpg

from tenantgrid import errors
from tenantgrid.catalog.model import SCHEMA_TOKEN, Catalog
from tenantgrid.query.ast import Query, SelectItem, Slot
from tenantgrid.query.expressions import Binder, compile_order, compile_projection, compile_where
from tenantgrid.query.shape import BoundValue
from tenantgrid.tenancy.names import quote_ident

DIALECT = pg_asyncpg.dialect(paramstyle="numeric_dollar")
SOURCE = "pgrst_source"
BODY = "pgrst_body"


class Body(Enum):
    ARRAY = "array"  # a JSON array of the rows
    OBJECT = "object"  # the single row as an object (vnd.pgrst.object+json)
    NONE = "none"  # no body wanted, only counts


class Conflict(Enum):
    ERROR = "error"
    MERGE = "merge-duplicates"
    IGNORE = "ignore-duplicates"


@dataclass(frozen=True, slots=True)
class Compiled:
    sql: str
    params: tuple[tuple[bool, Any], ...]
    """In positional order: (True, slot index) or (False, constant value)."""

    def render(self, schema: str) -> str:
        return self.sql.replace(SCHEMA_TOKEN + ".", quote_ident(schema) + ".")

    def arguments(self, values: Sequence[BoundValue], extra: dict[str, Any] | None = None) -> list[Any]:
        return [values[v] if is_slot else v for is_slot, v in self.params]


@dataclass(frozen=True, slots=True)
class WriteShape:
    resource: str
    method: str  # INSERT | UPDATE | DELETE | UPSERT_ONE
    columns: tuple[str, ...] = ()
    conflict: Conflict = Conflict.ERROR
    on_conflict: tuple[str, ...] = ()
    where: Any = None
    select: tuple[SelectItem, ...] = ()
    body: Body = Body.ARRAY


class Compiler:
    """Compiles shapes against one catalog; owns the statement cache for that catalog."""

    def __init__(self, catalog: Catalog, cache_size: int = 4096) -> None:
        self.catalog = catalog
        self._cache: LRUCache[Any, Compiled] = LRUCache(maxsize=cache_size)

    def read(self, shape: Query, body: Body = Body.ARRAY) -> Compiled:
        key = (shape, body)
        compiled = self._cache.get(key)
        if compiled is None:
            compiled = self._cache[key] = self._compile_read(shape, body)
        return compiled

    def write(self, shape: WriteShape) -> Compiled:
        compiled = self._cache.get(shape)
        if compiled is None:
            compiled = self._cache[shape] = self._compile_write(shape)
        return compiled

    # -- reads ---------------------------------------------------------------------------------

    def _compile_read(self, shape: Query, body: Body) -> Compiled:
        resource = self.catalog.resources[shape.resource]
        table = resource.table
        binder = Binder()
        where = compile_where(shape.where, resource, table, binder) if shape.where is not None else None
        page = sa.select(*compile_projection(shape.select, resource, table, binder)).select_from(table)
        if where is not None:
            page = page.where(where)
        page = page.order_by(*compile_order(shape.order, resource, table, binder))
        if isinstance(shape.page.limit, Slot):
            page = page.limit(binder.slot(shape.page.limit, sa.Integer()))
        if isinstance(shape.page.offset, Slot):
            page = page.offset(binder.slot(shape.page.offset, sa.Integer()))
        total: Any = sa.null()
        if shape.count:
            counted = sa.select(sa.func.count()).select_from(table)
            if where is not None:
                counted = counted.where(where)
            total = counted.scalar_subquery()
        statement = _envelope(page.subquery(SOURCE), total, body)
        return _finish(statement, binder)

    # -- writes --------------------------------------------------------------------------------

    def _compile_write(self, shape: WriteShape) -> Compiled:
        resource = self.catalog.resources[shape.resource]
        table = resource.table
        binder = Binder()
        payload = sa.cast(sa.bindparam("body", type_=sa.String()), pg.JSON())
        row_type = sa.literal_column(f"NULL::{SCHEMA_TOKEN}.{quote_ident(resource.name)}")
        statement: Any
        if shape.method in ("INSERT", "UPSERT_ONE"):
            rows = (
                sa.func.json_populate_recordset(row_type, payload).table_valued(*shape.columns).alias("_body")
            )
            insert = pg.insert(table).from_select(
                list(shape.columns), sa.select(*(rows.c[c] for c in shape.columns))
            )
            if shape.conflict is not Conflict.ERROR:
                keys = list(shape.on_conflict or resource.primary_key)
                if shape.conflict is Conflict.IGNORE:
                    insert = insert.on_conflict_do_nothing(index_elements=keys)
                else:
                    updates = {c: insert.excluded[c] for c in shape.columns if c not in keys} or {
                        keys[0]: insert.excluded[keys[0]]
                    }
                    insert = insert.on_conflict_do_update(index_elements=keys, set_=updates)
            statement = insert.returning(*table.c)
        elif shape.method == "UPDATE":
            row = sa.func.json_populate_record(row_type, payload).table_valued(*shape.columns).alias("_body")
            update = sa.update(table).values({c: row.c[c] for c in shape.columns})
            if shape.where is not None:
                update = update.where(compile_where(shape.where, resource, table, binder))
            statement = update.returning(*table.c)
        elif shape.method == "DELETE":
            delete = sa.delete(table)
            if shape.where is not None:
                delete = delete.where(compile_where(shape.where, resource, table, binder))
            statement = delete.returning(*table.c)
        else:
            raise ValueError(shape.method)
        changed = statement.cte(SOURCE)
        projected = sa.select(*compile_projection(shape.select, resource, changed, binder)).select_from(
            changed
        )
        total = sa.select(sa.func.count()).select_from(changed).scalar_subquery()
        return _finish(_envelope(projected.subquery(BODY), total, shape.body), binder, payload=True)


def _envelope(source: sa.Subquery, total: Any, body: Body) -> sa.Select[Any]:
    row = sa.literal_column(source.name)
    if body is Body.OBJECT:
        text = sa.cast(sa.func.json_agg(row).op("->")(sa.literal_column("0")), sa.Text())
    elif body is Body.NONE:
        text = sa.null()
    else:
        text = sa.cast(sa.func.coalesce(sa.func.json_agg(row), sa.literal_column("'[]'")), sa.Text())
    return sa.select(
        sa.cast(total, sa.BigInteger()).label("total"),
        sa.func.count().label("page_count"),
        text.label("body"),
    ).select_from(source)


def _finish(statement: Any, binder: Binder, payload: bool = False) -> Compiled:
    compiled = statement.compile(dialect=DIALECT)
    params: list[tuple[bool, Any]] = []
    for name in compiled.positiontup:
        if name == "body":
            params.append((True, -1))
        elif name.startswith("s"):
            params.append((True, int(name[1:])))
        elif name.startswith("c"):
            params.append((False, binder.constants[int(name[1:])]))
        else:
            raise errors.ApiError(500, "XX000", f"unexpected bind parameter {name}")
    return Compiled(sql=compiled.string, params=tuple(params))
