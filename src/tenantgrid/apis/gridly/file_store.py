"""Files in PostgreSQL, as 1 MiB `bytea` chunks (`gridly_files` + `gridly_file_chunks`), so that neither an
upload nor a download ever holds a whole file in memory, every server process sees the same bytes, and
they survive restarts. `s` is the tenant's schema, already quoted for SQL text.

Deleting a record, a column or a grid deletes its files through the tables' foreign keys
(`ON DELETE CASCADE`); `delete_files` is for the files routes, which also take them out of the cell.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

import asyncpg

from tenantgrid.db.affinity import TenantConnections

CHUNK_BYTES = 1024 * 1024
_EXTENSION = re.compile(r"\.([A-Za-z0-9]{1,10})$")


@dataclass(frozen=True, slots=True)
class StoredFile:
    id: str
    grid_id: str
    record_id: str
    column_id: str
    original_name: str
    content_type: str
    size: int

    @property
    def chunk_count(self) -> int:
        return -(-self.size // CHUNK_BYTES)

    def cell_value(self) -> dict[str, Any]:
        """The file as a `files` cell lists it, and as the upload answers it."""
        return {
            "id": self.id,
            "originalName": self.original_name,
            "contentType": self.content_type,
            "size": self.size,
            "thumbnailId": None,
        }


def new_file_id(filename: str) -> str:
    """128 random bits, URL-safe, plus the name's extension as Gridly's ids have (`….jpg`)."""
    extension = _EXTENSION.search(filename)
    return secrets.token_urlsafe(16) + (f".{extension.group(1).lower()}" if extension else "")


async def insert_file(conn: asyncpg.Connection, s: str, file: StoredFile, source: IO[bytes]) -> None:
    """Write the file's row and its chunks, read from `source` 1 MiB at a time. Run it inside the
    caller's transaction: a failure half-way leaves nothing behind."""
    await conn.execute(
        f"INSERT INTO {s}.gridly_files (id, grid_id, record_id, column_id, original_name, content_type, size)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7)",
        file.id,
        file.grid_id,
        file.record_id,
        file.column_id,
        file.original_name,
        file.content_type,
        file.size,
    )
    sql = f"INSERT INTO {s}.gridly_file_chunks (file_id, n, data) VALUES ($1, $2, $3)"
    n = 0
    while chunk := source.read(CHUNK_BYTES):
        await conn.execute(sql, file.id, n, chunk)
        n += 1


_COLUMNS = "id, grid_id, record_id, column_id, original_name, content_type, size"


async def find_file(pool: TenantConnections, s: str, grid_id: str, file_id: str) -> StoredFile | None:
    """The grid's file of that id; another grid's (so another view's, or tenant's) is not found."""
    row = await pool.fetchrow(
        f"SELECT {_COLUMNS} FROM {s}.gridly_files WHERE id = $1 AND grid_id = $2", file_id, grid_id
    )
    return StoredFile(*row) if row is not None else None


async def stream_file(pool: TenantConnections, s: str, file: StoredFile) -> AsyncIterator[bytes]:
    """The bytes, a chunk per query and per connection checkout, so that a slow client holds no
    connection. A file deleted half-way ends early (the client sees a short body against its
    Content-Length)."""
    sql = f"SELECT data FROM {s}.gridly_file_chunks WHERE file_id = $1 AND n = $2"
    for n in range(file.chunk_count):
        data = await pool.fetchval(sql, file.id, n)
        if data is None:
            return
        yield data


async def delete_files(
    conn: asyncpg.Connection, s: str, grid_id: str, record_id: str, column_id: str, ids: Sequence[str]
) -> list[str]:
    """Delete those files of the cell (others' ids are ignored); the ids deleted."""
    rows = await conn.fetch(
        f"DELETE FROM {s}.gridly_files WHERE grid_id = $1 AND record_id = $2 AND column_id = $3"
        " AND id = ANY($4::text[]) RETURNING id",
        grid_id,
        record_id,
        column_id,
        list(ids),
    )
    return [row[0] for row in rows]
