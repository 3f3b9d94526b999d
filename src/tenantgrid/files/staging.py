"""`staged`: store a file's bytes around the transaction that writes its row, and take them back when
that transaction fails, so that no object outlives a row that never committed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import IO

from tenantgrid.files.model import FileStore, StoredFile


@asynccontextmanager
async def staged(store: FileStore, schema: str, file: StoredFile, source: IO[bytes]) -> AsyncIterator[None]:
    """Wrap the transaction that writes the file's row (and calls `store.write` after it)."""
    try:
        await store.stage(schema, file, source)
    except asyncio.CancelledError:  # the client went away: the bytes may have arrived all the same
        await asyncio.shield(store.discard(schema, [file.id]))
        raise
    try:
        yield
    except BaseException:
        # Shielded: a client that went away (cancellation) must not leave the object behind.
        await asyncio.shield(store.discard(schema, [file.id]))
        raise
