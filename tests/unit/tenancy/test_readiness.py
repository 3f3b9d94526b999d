"""SchemaReadiness against real schemas: head and newer are ready (and stay so without asking again),
behind and unprovisioned are 503 with Retry-After, rechecked only once `recheck` has passed."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Awaitable, Callable

import asyncpg
import pytest

from tenantgrid.errors import ApiError
from tenantgrid.tenancy.migrate import head_revision
from tenantgrid.tenancy.readiness import NOT_READY, SchemaReadiness

CHAIN = ["0001", "0002", "0003", "0004"]


def run(database_url: str, work: Callable[[asyncpg.Connection, str], Awaitable[object]]) -> object:
    """`work(connection, schema)` on a fresh schema with an alembic_version table, dropped afterwards."""

    async def main() -> object:
        connection = await asyncpg.connect(database_url)
        schema = f"readiness_{secrets.token_hex(4)}"
        try:
            await connection.execute(f'CREATE SCHEMA "{schema}"')
            await connection.execute(
                f'CREATE TABLE "{schema}".alembic_version (version_num text PRIMARY KEY)'
            )
            return await work(connection, schema)
        finally:
            await connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            await connection.close()

    return asyncio.run(main())


async def set_revision(connection: asyncpg.Connection, schema: str, revision: str) -> None:
    await connection.execute(f'DELETE FROM "{schema}".alembic_version')
    await connection.execute(f'INSERT INTO "{schema}".alembic_version VALUES ($1)', revision)


async def refusal(readiness: SchemaReadiness, connection: asyncpg.Connection, schema: str) -> ApiError | None:
    try:
        await readiness.check(connection, schema)
    except ApiError as error:
        return error
    return None


def test_the_code_knows_its_chain() -> None:
    readiness = SchemaReadiness.for_code(2.0)
    assert readiness.head == head_revision("tenant")
    assert set(CHAIN) <= readiness.known and readiness.head in readiness.known


@pytest.mark.parametrize("revision", ["0004", "9999_from_a_newer_deploy"])
def test_head_and_unknown_newer_revisions_are_ready_for_good(database_url: str, revision: str) -> None:
    async def work(connection: asyncpg.Connection, schema: str) -> None:
        readiness = SchemaReadiness("0004", CHAIN, recheck=0.0)
        await set_revision(connection, schema, revision)
        assert await refusal(readiness, connection, schema) is None
        assert schema in readiness.ready
        # Ready is remembered: the schema is not read again (even were it to move back).
        await set_revision(connection, schema, "0002")
        assert await refusal(readiness, connection, schema) is None

    run(database_url, work)


def test_a_schema_behind_is_refused_until_migrated(database_url: str) -> None:
    async def work(connection: asyncpg.Connection, schema: str) -> None:
        readiness = SchemaReadiness("0004", CHAIN, recheck=0.3)
        await set_revision(connection, schema, "0003")
        error = await refusal(readiness, connection, schema)
        assert error is not None
        assert (error.status, error.code) == (503, NOT_READY)
        assert error.headers == {"Retry-After": "5"}
        assert "try again shortly" in error.message
        assert error.details == f"schema {schema} is at revision 0003; this server needs revision 0004"
        assert schema not in readiness.ready

        await set_revision(connection, schema, "0004")  # migrated
        started = time.monotonic()
        # Within `recheck`, "behind" is taken from memory: still 503, and no query is made (the
        # closed connection proves it).
        other = await asyncpg.connect(database_url)
        await other.close()
        assert await refusal(readiness, other, schema) is not None
        await asyncio.sleep(max(0.0, 0.35 - (time.monotonic() - started)))
        assert await refusal(readiness, connection, schema) is None
        assert schema in readiness.ready

    run(database_url, work)


def test_a_schema_without_a_revision_or_at_all_is_not_ready(database_url: str) -> None:
    async def work(connection: asyncpg.Connection, schema: str) -> None:
        readiness = SchemaReadiness("0004", CHAIN, recheck=0.0)
        empty = await refusal(readiness, connection, schema)  # the version table has no row
        assert empty is not None and "not provisioned" in (empty.details or "")
        await connection.execute(f'DROP TABLE "{schema}".alembic_version')
        no_table = await refusal(readiness, connection, schema)
        assert no_table is not None and no_table.status == 503
        missing = await refusal(readiness, connection, schema + "_missing")
        assert missing is not None and missing.status == 503
        assert await connection.fetchval("SELECT 1") == 1  # the connection is still good

    run(database_url, work)
