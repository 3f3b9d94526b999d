"""Deleting a Gridly row from the panel deletes the bytes of the files under it, as Gridly's own
routes do: the file rows are taken (locked and deleted, their ids returned) in the delete's
transaction, and the stored objects are discarded once it has committed. Without this, a row
deleted here would cascade to `gridly_files` and leave its objects in an S3 store for good.

The SQL names only fixed tables in the session's schema (quoted); the key's values are bound.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import asyncpg

from tenantgrid.apis.gridly.file_store import take_column_files, take_grid_files, take_record_files

Key = dict[str, str]
Taker = Callable[[asyncpg.Connection, str, Key], Awaitable[list[str]]]


async def _record(conn: asyncpg.Connection, s: str, key: Key) -> list[str]:
    return await take_record_files(conn, s, key["grid_id"], [key["id"]])


async def _column(conn: asyncpg.Connection, s: str, key: Key) -> list[str]:
    return await take_column_files(conn, s, key["grid_id"], key["id"])


async def _grid(conn: asyncpg.Connection, s: str, key: Key) -> list[str]:
    return await take_grid_files(conn, s, key["id"])


async def _grids(conn: asyncpg.Connection, s: str, sql: str, parent: str) -> list[str]:
    taken: list[str] = []
    for row in await conn.fetch(sql, parent):
        taken += await take_grid_files(conn, s, row[0])
    return taken


async def _database(conn: asyncpg.Connection, s: str, key: Key) -> list[str]:
    return await _grids(
        conn, s, f"SELECT id FROM {s}.gridly_grids WHERE database_id = $1 ORDER BY id", key["id"]
    )


async def _project(conn: asyncpg.Connection, s: str, key: Key) -> list[str]:
    sql = (
        f"SELECT g.id FROM {s}.gridly_grids g JOIN {s}.gridly_databases d ON d.id = g.database_id "
        "WHERE d.project_id = $1 ORDER BY g.id"
    )
    return await _grids(conn, s, sql, key["id"])


FILE_TAKERS: dict[str, Taker] = {
    "gridly_records": _record,
    "gridly_columns": _column,
    "gridly_grids": _grid,
    "gridly_databases": _database,
    "gridly_projects": _project,
}
"""The resources whose rows hold files (through the foreign keys' cascades), by primary key."""
