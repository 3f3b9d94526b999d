"""The one place the request path touches the pool: run compiled statements, map Postgres errors."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from tenantgrid import errors
from tenantgrid.db.affinity import TenantConnections


@dataclass(frozen=True, slots=True)
class Envelope:
    total: int | None
    page_count: int
    body: str | None
    inserted: int | None = None
    """Writes that insert: how many of the rows were inserted (not updated by ON CONFLICT)."""

    @classmethod
    def of(cls, row: asyncpg.Record) -> Envelope:
        return cls(row[0], row[1], row[2], row[3] if len(row) > 3 else None)


async def fetch_envelope(pool: TenantConnections, sql: str, args: Sequence[Any]) -> Envelope:
    try:
        row = await pool.fetchrow(sql, *args)
    except asyncpg.PostgresError as exc:
        raise errors.from_postgres(exc) from None
    except asyncpg.exceptions.DataError as exc:
        raise errors.ApiError(400, "22P02", f"invalid input: {exc}") from None
    assert row is not None
    return Envelope.of(row)


async def run_statements(
    pool: TenantConnections,
    statements: Sequence[tuple[str, Sequence[Any]]],
    *,
    rollback: bool = False,
    check: Callable[[list[Envelope]], None] | None = None,
) -> list[Envelope]:
    """Run the statements so that all of them happen, or (error, failed check, rollback) none.

    One statement with nothing to check afterwards is atomic by itself: it runs alone, one round
    trip instead of BEGIN, the statement and COMMIT. Anything else runs in one transaction.
    """
    if len(statements) == 1 and check is None and not rollback:
        sql, args = statements[0]
        return [await fetch_envelope(pool, sql, args)]
    async with pool.acquire() as conn:
        transaction = conn.transaction()
        await transaction.start()
        try:
            results = []
            for sql, args in statements:
                row = await conn.fetchrow(sql, *args)
                results.append(Envelope.of(row))
            if check is not None:
                check(results)
        except BaseException as exc:
            await transaction.rollback()
            if isinstance(exc, asyncpg.PostgresError):
                raise errors.from_postgres(exc) from None
            if isinstance(exc, asyncpg.exceptions.DataError):
                raise errors.ApiError(400, "22P02", f"invalid input: {exc}") from None
            raise
        if rollback:
            await transaction.rollback()
        else:
            await transaction.commit()
        return results
