"""One page of a table for the panel: the filter box, the sort and the page, through the query core.

The filter box takes PostgREST's filter syntax (`name=ilike.*foo*`, several joined by `&`, and
`or=(...)`/`and=(...)` trees), parsed by the PostgREST dialect; the order is `col.asc`/`col.desc`.
Both become the query AST, compiled by the runtime's compiler (which checks every column against
the catalog) and run on the session's schema. A filter, order or page the dialect, the compiler
or Postgres refuses is a message for the page, never a server error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import orjson
import sqlalchemy as sa

from tenantgrid import errors
from tenantgrid.admin.tables.row_keys import key_condition
from tenantgrid.catalog.model import Resource
from tenantgrid.db.execute import fetch_envelope
from tenantgrid.http.integers import parse_bigint
from tenantgrid.query.ast import Node, Page, Path, Query, SelectItem, SortKey
from tenantgrid.query.compile import Body
from tenantgrid.query.dialects.postgrest import RESERVED, parse_order, parse_params
from tenantgrid.query.shape import split
from tenantgrid.runtime import Runtime

PAGE_SIZE = 50
LOGIC_KEYS = frozenset({"or", "and", "not.or", "not.and"})
MAX_FILTER = 2000


@dataclass(frozen=True, slots=True)
class Sort:
    column: str
    descending: bool

    @property
    def param(self) -> str:
        return f"{self.column}.{'desc' if self.descending else 'asc'}"


@dataclass(slots=True)
class Listing:
    rows: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 1
    sort: Sort | None = None
    problem: str | None = None
    """Why the filter, order or page was refused (shown above the table); then there are no rows."""


def parse_filter_box(text: str) -> Node | None:
    """`a=eq.1&b=ilike.*x*` -> the AST; raises the dialect's ApiError on bad input."""
    if len(text) > MAX_FILTER:
        raise errors.parse_error(
            "failed to parse filter", f"the filter is longer than {MAX_FILTER} characters"
        )
    items: list[tuple[str, str]] = []
    for part in text.split("&"):
        part = part.strip()
        if not part:
            continue
        key, equals, value = part.partition("=")
        key, value = unquote(key.strip()), unquote(value)
        if not equals:
            raise errors.parse_error(
                f"failed to parse filter ({part})", 'expecting "column=operator.value", e.g. name=eq.Alice'
            )
        if key in RESERVED and key not in LOGIC_KEYS:
            raise errors.parse_error(
                f"failed to parse filter ({part})",
                f'"{key}" is not a filter here: sort with the column headers, page with the pager',
            )
        items.append((key, value))
    return parse_params(items).where


def parse_sort(resource: Resource, text: str) -> Sort:
    """`col.asc` or `col.desc` on a column of the resource (no JSON paths, no nulls modifiers)."""
    keys = parse_order(text)
    if len(keys) != 1 or keys[0].path.keys or keys[0].nulls is not None:
        raise errors.parse_error(f"failed to parse order ({text})", 'expecting "column.asc" or "column.desc"')
    key = keys[0]
    if resource.column(key.path.column) is None:
        raise errors.column_not_found(resource.name, key.path.column)
    return Sort(key.path.column, key.descending)


def parse_page(text: str | None) -> int:
    if text is None or text == "":
        return 1
    page = parse_bigint(text.strip())
    if page is None or page < 1 or page > 2**63 // PAGE_SIZE:
        raise errors.parse_error(f"failed to parse page ({text[:40]})", "expecting a positive whole number")
    return page


def order_keys(resource: Resource, sort: Sort | None) -> tuple[SortKey, ...]:
    """The chosen column first, then the primary key, so every page is the same rows each time."""
    keys = [SortKey(Path(sort.column), sort.descending)] if sort else []
    keys += [SortKey(Path(c)) for c in resource.primary_key if sort is None or c != sort.column]
    return tuple(keys)


async def list_rows(
    runtime: Runtime,
    schema: str,
    resource: Resource,
    *,
    filter_text: str,
    order_text: str | None,
    page_text: str | None,
) -> Listing:
    listing = Listing()
    try:
        listing.page = parse_page(page_text)
        listing.sort = parse_sort(resource, order_text) if order_text else None
        where = parse_filter_box(filter_text)
        query = Query(
            resource=resource.name,
            where=where,
            order=order_keys(resource, listing.sort),
            page=Page((listing.page - 1) * PAGE_SIZE, PAGE_SIZE),
            select=columns_read(resource),
            count=True,
        )
        shape, values = split(query)
        compiled = runtime.compiler.read(shape, Body.ARRAY)
        envelope = await fetch_envelope(
            runtime.pools.for_schema(schema), compiled.render(schema), compiled.arguments(values)
        )
    except errors.ApiError as error:
        if error.status >= 500:
            raise
        listing.problem = describe(error)
        return listing
    listing.rows = orjson.loads(envelope.body or "[]")
    listing.total = envelope.total or 0
    listing.pages = max(1, -(-listing.total // PAGE_SIZE))
    return listing


def columns_read(resource: Resource) -> tuple[SelectItem, ...]:
    """Every column; numeric ones as text, since a JSON number comes back as a float (lost digits)."""
    return tuple(
        SelectItem(Path(c.name), cast="text" if _exact(c.type) else None) for c in resource.columns.values()
    )


def _exact(type_: sa.types.TypeEngine[Any]) -> bool:
    return isinstance(type_, sa.Numeric) and not isinstance(type_, sa.Float)


async def fetch_row(
    runtime: Runtime, schema: str, resource: Resource, key: tuple[str, ...]
) -> dict[str, Any] | None:
    """The row with this key in the schema, or None."""
    query = Query(resource.name, where=key_condition(resource, key), select=columns_read(resource))
    shape, values = split(query)
    compiled = runtime.compiler.read(shape, Body.ARRAY)
    envelope = await fetch_envelope(
        runtime.pools.for_schema(schema), compiled.render(schema), compiled.arguments(values)
    )
    rows = orjson.loads(envelope.body or "[]")
    return rows[0] if len(rows) == 1 else None


def describe(error: errors.ApiError) -> str:
    """The error's message with its details and hint, as one line for the page."""
    return " ".join([error.message, *(f"({extra})" for extra in (error.details, error.hint) if extra)])
