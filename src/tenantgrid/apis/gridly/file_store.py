"""Gridly's files as rows of the tenant's `gridly_files`: which grid, record and column hold a file, its
name, type and size. The bytes are the configured store's (`tenantgrid.files`: PostgreSQL chunks or S3
objects). `s` is the tenant's schema, already quoted for SQL text.

Whatever deletes files' rows takes their ids (`take_*`, `delete_cell_files`) inside its transaction and,
once that committed, hands them to `store.discard`. The rows would also go by the foreign keys' `ON DELETE
CASCADE`, but then nobody would know which objects to delete. To know all of them while uploads run
concurrently, each `take_*` first locks what an upload locks: an upload takes its column `FOR KEY SHARE`,
then its record `FOR UPDATE`, and only then writes the file's row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from tenantgrid.db.affinity import TenantConnections
from tenantgrid.files import StoredFile


@dataclass(frozen=True, slots=True)
class CellFile:
    id: str
    grid_id: str
    record_id: str
    column_id: str
    original_name: str
    content_type: str
    size: int

    @property
    def stored(self) -> StoredFile:
        return StoredFile(self.id, self.content_type, self.size)

    def cell_value(self) -> dict[str, Any]:
        """The file as a `files` cell lists it, and as the upload answers it."""
        return {
            "id": self.id,
            "originalName": self.original_name,
            "contentType": self.content_type,
            "size": self.size,
            "thumbnailId": None,
        }


_COLUMNS = "id, grid_id, record_id, column_id, original_name, content_type, size"


async def insert_file(conn: asyncpg.Connection, s: str, file: CellFile) -> None:
    await conn.execute(
        f"INSERT INTO {s}.gridly_files ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        file.id,
        file.grid_id,
        file.record_id,
        file.column_id,
        file.original_name,
        file.content_type,
        file.size,
    )


async def lock_files_column(conn: asyncpg.Connection, s: str, grid_id: str, column_id: str) -> bool:
    """Hold the column for an upload (`FOR KEY SHARE`: deleting or retyping it waits); False when it is
    no longer a `files` column of the grid."""
    found = await conn.fetchval(
        f"SELECT true FROM {s}.gridly_columns WHERE grid_id = $1 AND id = $2 AND type = 'files' FOR KEY SHARE",
        grid_id,
        column_id,
    )
    return bool(found)


async def find_file(pool: TenantConnections, s: str, grid_id: str, file_id: str) -> CellFile | None:
    """The grid's file of that id; another grid's (so another view's, or tenant's) is not found."""
    row = await pool.fetchrow(
        f"SELECT {_COLUMNS} FROM {s}.gridly_files WHERE id = $1 AND grid_id = $2", file_id, grid_id
    )
    return CellFile(*row) if row is not None else None


async def delete_cell_files(
    conn: asyncpg.Connection, s: str, grid_id: str, record_id: str, column_id: str, ids: Sequence[str]
) -> list[str]:
    """Delete those files of the cell (others' ids are ignored; its record locked by the caller); the
    ids deleted."""
    rows = await conn.fetch(
        f"DELETE FROM {s}.gridly_files WHERE grid_id = $1 AND record_id = $2 AND column_id = $3"
        " AND id = ANY($4::text[]) RETURNING id",
        grid_id,
        record_id,
        column_id,
        list(ids),
    )
    return [row[0] for row in rows]


async def take_record_files(
    conn: asyncpg.Connection, s: str, grid_id: str, record_ids: Sequence[str]
) -> list[str]:
    """Lock the records, then delete their files' rows; the ids (for the records' deletion)."""
    if not record_ids:
        return []
    await conn.execute(
        f"SELECT FROM {s}.gridly_records WHERE grid_id = $1 AND id = ANY($2::text[]) ORDER BY position FOR UPDATE",
        grid_id,
        list(record_ids),
    )
    rows = await conn.fetch(
        f"DELETE FROM {s}.gridly_files WHERE grid_id = $1 AND record_id = ANY($2::text[]) RETURNING id",
        grid_id,
        list(record_ids),
    )
    return [row[0] for row in rows]


async def take_column_files(conn: asyncpg.Connection, s: str, grid_id: str, column_id: str) -> list[str]:
    """Lock the column (uploads to it wait, then find it gone), then delete its files' rows; the ids."""
    await conn.execute(
        f"SELECT FROM {s}.gridly_columns WHERE grid_id = $1 AND id = $2 FOR UPDATE", grid_id, column_id
    )
    rows = await conn.fetch(
        f"DELETE FROM {s}.gridly_files WHERE grid_id = $1 AND column_id = $2 RETURNING id", grid_id, column_id
    )
    return [row[0] for row in rows]


async def take_grid_files(conn: asyncpg.Connection, s: str, grid_id: str) -> list[str]:
    """Lock the grid's columns, then delete all its files' rows; the ids (for the grid's deletion)."""
    await conn.execute(f"SELECT FROM {s}.gridly_columns WHERE grid_id = $1 ORDER BY id FOR UPDATE", grid_id)
    rows = await conn.fetch(f"DELETE FROM {s}.gridly_files WHERE grid_id = $1 RETURNING id", grid_id)
    return [row[0] for row in rows]
