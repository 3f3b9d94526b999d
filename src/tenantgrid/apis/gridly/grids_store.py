"""Making grids and columns: one code path for `POST /v1/grids` (G2), `POST .../columns` (G2) and the
test fixtures. A grid is made with its default view (named, `is_default`, `columns` NULL: every
column of the grid, also later ones). A number or datetime column gets the expression index its
queries and sorts use, `(grid_id, (cells -> '<column id>'))`, shared by every grid with a column of
that id; `sync_cell_index` keeps it while some such column exists and drops it after the last.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import orjson

from tenantgrid.apis.gridly import failures, ids
from tenantgrid.apis.gridly.views_store import Column

COLUMN_TYPES = (
    "singleLine",
    "multipleLines",
    "richText",
    "markdown",
    "number",
    "boolean",
    "datetime",
    "singleSelection",
    "multipleSelections",
    "files",
    "reference",
    "language",
    "json",
    "yaml",
    "html",
    "lookup",
    "formula",
    "user",
)
INDEXED_TYPES = frozenset({"number", "datetime"})
PROPERTIES = (
    "description",
    "editable",
    "isSource",
    "isTarget",
    "languageCode",
    "localizationType",
    "dependsOn",
    "selectionOptions",
    "numberFormat",
    "dateTimeFormat",
    "formula",
    "reference",
)
"""Column keys kept as given (in `properties`), besides id, name and type."""
DEFAULT_VIEW_NAME = "Default view"
MAX_NAME = 500


@dataclass(frozen=True, slots=True)
class NewColumn:
    id: str | None
    name: str
    type: str
    properties: dict[str, Any] = field(default_factory=dict)


def column_from_json(body: Any, index: int | None = None) -> NewColumn:
    """A column as clients send it: `{id?, name, type, description?, selectionOptions?, ...}`; a 400
    naming the key at fault otherwise."""
    where = f"columns[{index}]." if index is not None else ""
    if not isinstance(body, dict):
        raise failures.bad_request(
            f"{where or 'A column'} must be an object.", where.rstrip(".") or "body", "column"
        )
    column_id = body.get("id")
    if column_id is not None and not ids.is_column_id(column_id):
        raise failures.bad_request(
            "A column id has 1 to 64 letters, digits, '_' or '-'.", f"{where}id", "column"
        )
    kind = body.get("type")
    if kind not in COLUMN_TYPES:
        raise failures.bad_request(
            f"A column's type is one of: {', '.join(COLUMN_TYPES)}.", f"{where}type", "column"
        )
    name = body.get("name", column_id or kind)
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        raise failures.bad_request("A column needs a name (text).", f"{where}name", "column")
    options = body.get("selectionOptions")
    if options is not None and not (isinstance(options, list) and all(isinstance(o, str) for o in options)):
        raise failures.bad_request(
            "selectionOptions is a list of strings.", f"{where}selectionOptions", "column"
        )
    properties = {key: body[key] for key in PROPERTIES if key in body}
    return NewColumn(column_id, name, kind, properties)


def columns_from_json(body: Any) -> list[NewColumn]:
    if body is None:
        return []
    if not isinstance(body, list):
        raise failures.bad_request("columns is a list of columns.", "columns", "grid")
    columns = [column_from_json(c, i) for i, c in enumerate(body)]
    seen: set[str] = set()
    for column in columns:
        if column.id is not None:
            if column.id in seen:
                raise failures.conflict(f'Column "{column.id}" is given twice.', "columns", "column")
            seen.add(column.id)
    return columns


@dataclass(frozen=True, slots=True)
class NewGrid:
    id: str
    view_id: str
    columns: tuple[Column, ...]


async def create_grid(
    conn: asyncpg.Connection,
    s: str,
    database_id: str,
    name: str,
    columns: Sequence[NewColumn] = (),
    view_name: str = DEFAULT_VIEW_NAME,
) -> NewGrid:
    """A grid in `database_id` (which the caller checked exists) with its columns and default view;
    run it inside a transaction."""
    grid_id = ids.new_id()
    view_id = ids.new_id()
    await conn.execute(
        f"INSERT INTO {s}.gridly_grids (id, database_id, name) VALUES ($1, $2, $3)",
        grid_id,
        database_id,
        name,
    )
    await conn.execute(
        f"INSERT INTO {s}.gridly_views (id, grid_id, name, is_default, columns, position) "
        "VALUES ($1, $2, $3, true, NULL, 0)",
        view_id,
        grid_id,
        view_name,
    )
    made = [await add_column(conn, s, grid_id, column) for column in columns]
    return NewGrid(grid_id, view_id, tuple(made))


async def add_column(
    conn: asyncpg.Connection, s: str, grid_id: str, column: NewColumn, view_id: str | None = None
) -> Column:
    """Append a column to the grid (409 if its id is taken there), and to `view_id`'s columns when
    that view lists its columns; inside a transaction."""
    column_id = column.id or ids.new_column_id()
    position = await conn.fetchval(
        f"SELECT coalesce(max(position) + 1, 0) FROM {s}.gridly_columns WHERE grid_id = $1", grid_id
    )
    inserted = await conn.fetchval(
        f"INSERT INTO {s}.gridly_columns (grid_id, id, name, type, position, properties) "
        "VALUES ($1, $2, $3, $4, $5, $6::jsonb) ON CONFLICT DO NOTHING RETURNING id",
        grid_id,
        column_id,
        column.name,
        column.type,
        position,
        orjson.dumps(column.properties).decode(),
    )
    if inserted is None:
        raise failures.conflict(f'Column "{column_id}" already exists in this grid.', "id", "column")
    if view_id is not None:
        await conn.execute(
            f"UPDATE {s}.gridly_views SET columns = array_append(columns, $2) "
            "WHERE id = $1 AND columns IS NOT NULL",
            view_id,
            column_id,
        )
    if column.type in INDEXED_TYPES:
        await sync_cell_index(conn, s, column_id)
    return Column(column_id, column.name, column.type, position, column.properties)


async def drop_column(conn: asyncpg.Connection, s: str, grid_id: str, column_id: str) -> bool:
    """Delete a column: its cells and cell statuses, its place in views, its dependencies and files
    (foreign keys), and its index when no other grid has an indexed column of that id."""
    deleted = await conn.fetchval(
        f"DELETE FROM {s}.gridly_columns WHERE grid_id = $1 AND id = $2 RETURNING type", grid_id, column_id
    )
    if deleted is None:
        return False
    await conn.execute(
        f"UPDATE {s}.gridly_records SET cells = cells - $2, cell_status = cell_status - $2 "
        "WHERE grid_id = $1 AND (cells ? $2 OR cell_status ? $2)",
        grid_id,
        column_id,
    )
    await conn.execute(
        f"UPDATE {s}.gridly_views SET columns = array_remove(columns, $2) "
        "WHERE grid_id = $1 AND columns IS NOT NULL",
        grid_id,
        column_id,
    )
    if deleted in INDEXED_TYPES:
        await sync_cell_index(conn, s, column_id)
    return True


def cell_index_name(column_id: str) -> str:
    return "gridly_cells_" + hashlib.sha256(column_id.encode()).hexdigest()[:24]


async def sync_cell_index(conn: asyncpg.Connection, s: str, column_id: str) -> None:
    """Create the index of `column_id`'s cells if some grid has a number or datetime column of that
    id, drop it otherwise (call after adding, deleting or retyping a column)."""
    if not ids.is_column_id(column_id):
        raise failures.bad_request("A column id has 1 to 64 letters, digits, '_' or '-'.", "id", "column")
    name = cell_index_name(column_id)
    # Two requests making the same index at once would collide on its name.
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", s + name)
    needed = await conn.fetchval(
        f"SELECT EXISTS (SELECT FROM {s}.gridly_columns WHERE id = $1 AND type = ANY($2::text[]))",
        column_id,
        sorted(INDEXED_TYPES),
    )
    if needed:
        await conn.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {s}.gridly_records (grid_id, (cells -> '{column_id}'))"
        )
    else:
        await conn.execute(f"DROP INDEX IF EXISTS {s}.{name}")


def grid_columns_json(columns: Sequence[Column]) -> list[Mapping[str, Any]]:
    return [c.as_json() for c in columns]
