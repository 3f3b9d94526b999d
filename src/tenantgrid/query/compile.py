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
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.dialects.postgresql import asyncpg as pg_asyncpg

from tenantgrid import errors
from tenantgrid.bounded_cache import BoundedCache
from tenantgrid.catalog.model import SCHEMA_PREFIX, Catalog, Resource
from tenantgrid.query.ast import Page, Query, SelectItem, Slot, SortKey
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
        return self.sql.replace(SCHEMA_PREFIX, quote_ident(schema) + ".")

    def arguments(self, values: Sequence[BoundValue]) -> list[Any]:
        return [values[v] if is_slot else v for is_slot, v in self.params]


@dataclass(frozen=True, slots=True)
class WriteShape:
    resource: str
    method: str  # INSERT | UPDATE | DELETE
    columns: tuple[str, ...] = ()
    """INSERT/UPDATE: the columns taken from the body. An INSERT with none inserts rows of defaults."""
    conflict: Conflict = Conflict.ERROR
    on_conflict: tuple[str, ...] = ()
    where: Any = None
    select: tuple[SelectItem, ...] = ()
    body: Body = Body.ARRAY
    order: tuple[SortKey, ...] = ()
    """UPDATE/DELETE with a `page`: which rows come first (a limited mutation)."""
    page: Page | None = None
    """UPDATE/DELETE: only the rows of this page of `where`, in `order` (limit/offset as slots)."""
    defaults: tuple[str, ...] = ()
    """UPDATE: columns set to their DEFAULT (`columns=` with `Prefer: missing=default`)."""
    strip_nulls: bool = False
    """The body leaves out null-valued keys (`Accept: ...;nulls=stripped`)."""


class Compiler:
    """Compiles shapes against one catalog; owns the statement cache for that catalog."""

    def __init__(self, catalog: Catalog, cache_size: int = 4096) -> None:
        self.catalog = catalog
        self._cache: BoundedCache[Any, Compiled] = BoundedCache(cache_size)

    def read(self, shape: Query, body: Body = Body.ARRAY, strip_nulls: bool = False) -> Compiled:
        key = (shape, body, strip_nulls)
        compiled = self._cache.get(key)
        if compiled is None:
            compiled = self._cache.put(key, self._compile_read(shape, body, strip_nulls))
        return compiled

    def write(self, shape: WriteShape) -> Compiled:
        compiled = self._cache.get(shape)
        if compiled is None:
            compiled = self._cache.put(shape, self._compile_write(shape))
        return compiled

    # -- reads ---------------------------------------------------------------------------------

    def _compile_read(self, shape: Query, body: Body, strip_nulls: bool = False) -> Compiled:
        resource = self.catalog.resources[shape.resource]
        table = resource.table
        binder = Binder()
        where = compile_where(shape.where, resource, table, binder) if shape.where is not None else None
        page = sa.select(*compile_projection(shape.select, resource, table, binder)).select_from(table)
        if where is not None:
            page = page.where(where)
        page = _paged(page.order_by(*compile_order(shape.order, resource, table, binder)), shape.page, binder)
        total: Any = sa.null()
        if shape.count:
            counted = sa.select(sa.func.count()).select_from(table)
            if where is not None:
                counted = counted.where(where)
            total = counted.scalar_subquery()
        statement = _envelope(page.subquery(SOURCE), total, body, strip_nulls)
        return _finish(statement, binder)

    # -- writes --------------------------------------------------------------------------------

    def _compile_write(self, shape: WriteShape) -> Compiled:
        resource = self.catalog.resources[shape.resource]
        table = resource.table
        binder = Binder()
        payload = sa.cast(sa.bindparam("body", type_=sa.String()), pg.JSON())
        row_type = sa.literal_column(f"NULL::{SCHEMA_PREFIX}{quote_ident(resource.name)}")
        # `xmax = 0` holds for a row this statement inserted, not for one ON CONFLICT updated.
        inserted_flag = sa.literal_column("(xmax = 0)", sa.Boolean()).label(INSERTED)
        statement: Any
        if shape.method == "INSERT" and not shape.columns:
            statement = _insert_defaults(resource.name, table, shape.conflict)
        elif shape.method == "INSERT":
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
            statement = insert.returning(*table.c, inserted_flag)
        elif shape.method == "UPDATE":
            row = sa.func.json_populate_record(row_type, payload).table_valued(*shape.columns).alias("_body")
            values: dict[str, Any] = {c: row.c[c] for c in shape.columns}
            values.update({c: sa.literal_column("DEFAULT") for c in shape.defaults})
            update = sa.update(table).values(values)
            condition = _mutation_filter(shape, resource, table, binder)
            if condition is not None:
                update = update.where(condition)
            statement = update.returning(*table.c)
        elif shape.method == "DELETE":
            delete = sa.delete(table)
            condition = _mutation_filter(shape, resource, table, binder)
            if condition is not None:
                delete = delete.where(condition)
            statement = delete.returning(*table.c)
        else:
            raise ValueError(shape.method)
        changed = statement.cte(SOURCE)
        projected = sa.select(*compile_projection(shape.select, resource, changed, binder)).select_from(
            changed
        )
        total = sa.select(sa.func.count()).select_from(changed).scalar_subquery()
        inserted: Any = sa.null()
        if INSERTED in changed.c:
            inserted = (
                sa.select(sa.func.count()).select_from(changed).where(changed.c[INSERTED]).scalar_subquery()
            )
        envelope = _envelope(projected.subquery(BODY), total, shape.body, shape.strip_nulls).add_columns(
            sa.cast(inserted, sa.BigInteger()).label("inserted")
        )
        return _finish(envelope, binder, payload=True)


INSERTED = "pgrst_inserted"


def _insert_defaults(name: str, table: sa.Table, conflict: Conflict) -> Any:
    """`INSERT ... SELECT FROM json_array_elements(body)`: one row of column defaults per element.

    SQLAlchemy cannot build an INSERT from a SELECT of no columns, so this one is text (made only
    of catalog names, quoted; the body is still a bound parameter).
    """
    returning = ", ".join(quote_ident(str(c.name)) for c in table.c)
    on_conflict = " ON CONFLICT DO NOTHING" if conflict is Conflict.IGNORE else ""
    sql = (
        f"INSERT INTO {SCHEMA_PREFIX}{quote_ident(name)} "
        "SELECT FROM json_array_elements(CAST(:body AS JSON))"
        f"{on_conflict} RETURNING {returning}, (xmax = 0) AS {INSERTED}"
    )
    return (
        sa.text(sql)
        .bindparams(sa.bindparam("body", type_=sa.String()))
        .columns(*(sa.column(str(c.name), c.type) for c in table.c), sa.column(INSERTED, sa.Boolean()))
    )


def _mutation_filter(shape: WriteShape, resource: Resource, table: sa.Table, binder: Binder) -> Any:
    """The WHERE of an UPDATE/DELETE; a limited one keeps only the primary keys of one ordered page."""
    if shape.page is None:
        return compile_where(shape.where, resource, table, binder) if shape.where is not None else None
    inner = table.alias("pgrst_limited")
    keys = [inner.c[k] for k in resource.primary_key]
    page = sa.select(*keys)
    if shape.where is not None:
        page = page.where(compile_where(shape.where, resource, inner, binder))
    page = _paged(page.order_by(*compile_order(shape.order, resource, inner, binder)), shape.page, binder)
    own = [table.c[k] for k in resource.primary_key]
    if len(own) == 1:
        return own[0].in_(page.scalar_subquery())
    return sa.tuple_(*own).in_(page)


def _paged(select: sa.Select[Any], page: Page, binder: Binder) -> sa.Select[Any]:
    """LIMIT/OFFSET from the page's slots, bound as bigint (the dialects accept up to its maximum)."""
    if isinstance(page.limit, Slot):
        select = select.limit(binder.slot(page.limit, sa.BigInteger()))
    if isinstance(page.offset, Slot):
        select = select.offset(binder.slot(page.offset, sa.BigInteger()))
    return select


def _envelope(source: sa.Subquery, total: Any, body: Body, strip_nulls: bool = False) -> sa.Select[Any]:
    """`strip_nulls` (Accept: ...;nulls=stripped) leaves out the keys whose value is null."""
    row = sa.literal_column(source.name)
    rows: Any = sa.func.json_agg(row)
    if strip_nulls:
        rows = sa.func.json_strip_nulls(rows)
    if body is Body.OBJECT:
        text = sa.cast(rows.op("->")(sa.literal_column("0")), sa.Text())
    elif body is Body.NONE:
        text = sa.null()
    else:
        text = sa.cast(sa.func.coalesce(rows, sa.literal_column("'[]'")), sa.Text())
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
