"""Reading views and their columns: what every route under /v1/views/{viewId} starts from.

A view's `columns` is NULL for the default view (every column of the grid, those added later too)
or the ids it shows, in its order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from tenantgrid.query.dialects.gridly import KIND_OF_TYPE


@dataclass(frozen=True, slots=True)
class Column:
    id: str
    name: str
    type: str
    position: int = 0
    properties: dict[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """How its values compare (`query.dialects.gridly.KIND_OF_TYPE`)."""
        return KIND_OF_TYPE.get(self.type, "json")

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "type": self.type, **self.properties}


@dataclass(frozen=True, slots=True)
class View:
    id: str
    grid_id: str
    name: str
    is_default: bool
    columns: tuple[Column, ...]
    """The columns the view shows, in its order."""

    @property
    def column_types(self) -> dict[str, str]:
        return {c.id: c.type for c in self.columns}

    def column(self, column_id: str) -> Column | None:
        for column in self.columns:
            if column.id == column_id:
                return column
        return None


COLUMN_FIELDS = "c.id, c.name, c.type, c.position, c.properties::text"


def column_of(row: Any) -> Column:
    return Column(row[0], row[1], row[2], row[3], orjson.loads(row[4]) if row[4] else {})


async def grid_columns(conn: Any, s: str, grid_id: str) -> list[Column]:
    """Every column of a grid, in the grid's order. `conn`: a connection or the tenant's pool."""
    rows = await conn.fetch(
        f"SELECT {COLUMN_FIELDS} FROM {s}.gridly_columns c WHERE c.grid_id = $1 ORDER BY c.position, c.id",
        grid_id,
    )
    return [column_of(r) for r in rows]


async def load_view(conn: Any, s: str, view_id: str) -> View | None:
    """The view and the columns it shows (one round trip); None when there is no such view."""
    row = await conn.fetchrow(
        f"""
        SELECT v.id, v.grid_id, v.name, v.is_default, v.columns,
               coalesce((SELECT json_agg(json_build_array({COLUMN_FIELDS}) ORDER BY c.position, c.id)
                         FROM {s}.gridly_columns c WHERE c.grid_id = v.grid_id), '[]')::text
        FROM {s}.gridly_views v WHERE v.id = $1
        """,
        view_id,
    )
    if row is None:
        return None
    every = [column_of(r) for r in orjson.loads(row[5])]
    shown: list[Column]
    if row[4] is None:
        shown = every
    else:
        by_id = {c.id: c for c in every}
        shown = [by_id[i] for i in row[4] if i in by_id]
    return View(row[0], row[1], row[2], row[3], tuple(shown))
