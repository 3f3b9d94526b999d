"""The bytes in PostgreSQL, as 1 MiB `bytea` chunks in the tenant's `gridly_file_chunks` (keyed by the
file's id, its row in `gridly_files` deleting them by `ON DELETE CASCADE`), so that neither an upload nor
a download ever holds a whole file in memory, every server process sees the same bytes, and they
survive restarts. The chunks are written in the metadata transaction: a failure leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import IO

import asyncpg

from tenantgrid.db.pool import Pools
from tenantgrid.files.model import StoredFile
from tenantgrid.tenancy.names import quote_ident

CHUNK_BYTES = 1024 * 1024
CHUNKS_TABLE = "gridly_file_chunks"


def chunk_count(size: int) -> int:
    return -(-size // CHUNK_BYTES)


class PostgresFileStore:
    kind = "postgres"

    def __init__(self, pools: Pools) -> None:
        self._pools = pools

    async def stage(self, schema: str, file: StoredFile, source: IO[bytes]) -> None:
        return None

    async def write(self, conn: asyncpg.Connection, schema: str, file: StoredFile, source: IO[bytes]) -> None:
        """The chunks, read from `source` 1 MiB at a time."""
        sql = f"INSERT INTO {quote_ident(schema)}.{CHUNKS_TABLE} (file_id, n, data) VALUES ($1, $2, $3)"
        n = 0
        while chunk := source.read(CHUNK_BYTES):
            await conn.execute(sql, file.id, n, chunk)
            n += 1

    async def open(self, schema: str, file: StoredFile) -> AsyncIterator[bytes]:
        return self._chunks(schema, file)

    async def _chunks(self, schema: str, file: StoredFile) -> AsyncIterator[bytes]:
        """A chunk per query and per connection checkout, so that a slow client holds no connection.
        A file deleted half-way ends early (the client sees a short body against its Content-Length)."""
        pool = self._pools.for_schema(schema)
        sql = f"SELECT data FROM {quote_ident(schema)}.{CHUNKS_TABLE} WHERE file_id = $1 AND n = $2"
        for n in range(chunk_count(file.size)):
            data = await pool.fetchval(sql, file.id, n)
            if data is None:
                return
            yield data

    async def discard(self, schema: str, file_ids: Sequence[str]) -> int:
        return 0  # the chunks went with their rows

    async def delete_tenant(self, schema: str) -> int:
        return 0  # the chunks go with the schema

    async def close(self) -> None:
        return None
