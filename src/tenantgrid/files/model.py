"""What every file store stores and answers: a file's bytes under its id, in a tenant's schema.

A file's other facts (its name, which record and column hold it) are the API's rows in the tenant's
schema; a store only keeps the bytes, so that isolation and 404s come from those rows as before.

The write protocol has two steps because the stores differ in where the bytes go:

    await store.stage(schema, file, source)          # S3: the object is uploaded (no connection held)
    async with transaction() as conn:                 # the API's metadata row first, then
        await store.write(conn, schema, file, source)  # PostgreSQL: the chunks, in the same transaction
    # the transaction failed: await store.discard(schema, [file.id])  (see `staged`)

and deletions commit the rows first, then `discard` the bytes (a no-op where the rows were the bytes).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import IO, Protocol

import asyncpg

_EXTENSION = re.compile(r"\.([A-Za-z0-9]{1,10})$")


@dataclass(frozen=True, slots=True)
class StoredFile:
    id: str
    content_type: str
    size: int


class FileMissing(Exception):
    """The row exists but the store has no bytes for it (deleted behind the server's back)."""


class FileStoreUnavailable(Exception):
    """The store could not be reached or refused the request; the API answers 503."""


def new_file_id(filename: str) -> str:
    """128 random bits, URL-safe, plus the name's extension as Gridly's ids have (`….jpg`); also safe
    as the last segment of an object key."""
    extension = _EXTENSION.search(filename)
    return secrets.token_urlsafe(16) + (f".{extension.group(1).lower()}" if extension else "")


class FileStore(Protocol):
    kind: str

    async def stage(self, schema: str, file: StoredFile, source: IO[bytes]) -> None:
        """Before the metadata transaction: store the bytes where no transaction covers them."""

    async def write(self, conn: asyncpg.Connection, schema: str, file: StoredFile, source: IO[bytes]) -> None:
        """Inside the metadata transaction, after the file's row: store the bytes that go with it."""

    async def open(self, schema: str, file: StoredFile) -> AsyncIterator[bytes]:
        """The bytes as an iterator, the store already asked (so a missing object is `FileMissing`
        before any response starts)."""

    async def discard(self, schema: str, file_ids: Sequence[str]) -> int:
        """Delete those files' bytes once their rows are gone (committed, or never committed); never
        raises: a failure is logged. The number deleted."""

    async def delete_tenant(self, schema: str) -> int:
        """Delete every file of the tenant; the number deleted."""

    async def close(self) -> None: ...
