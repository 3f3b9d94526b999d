"""The one place the request path touches the pool: run compiled statements, map Postgres errors."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg
import asyncpg.exceptions._base

from tenantgrid import errors
from tenantgrid.db.affinity import ConnectionLost, PoolTimeout, TenantConnections

log = logging.getLogger("tenantgrid.db")


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


def database_error(exc: BaseException) -> errors.ApiError | None:
    """The API error for a failure from the database or the way to it; None for anything else."""
    if isinstance(exc, asyncpg.PostgresError):
        return errors.from_postgres(exc)
    if isinstance(exc, _CLIENT_ERRORS):
        return _client_error(exc)
    if isinstance(exc, PoolTimeout):
        return errors.pool_timeout(str(exc))
    if isinstance(exc, TimeoutError):
        # asyncpg's command_timeout, the backstop of the statement timeout. Connecting that timed
        # out is a ConnectTimeout (db/pool.py), an OSError but no TimeoutError: unreachable, below.
        return errors.statement_timeout()
    if isinstance(exc, OSError | asyncpg.exceptions.ConnectionDoesNotExistError):
        return errors.database_unreachable(_detail(exc))
    return None


_CLIENT_ERRORS = (asyncpg.InterfaceError, asyncpg.InternalClientError)
"""asyncpg's own failures (not the server's): `InterfaceError` and its subclasses, `ProtocolError`,
`OutdatedSchemaCacheError`. ConnectionDoesNotExistError is a PostgresError (08003), mapped above."""


def _client_error(exc: Exception) -> errors.ApiError:
    # Classified by class, never by asyncpg's words: the pool re-raises a plain InterfaceError from
    # a connection that closed under the request as ConnectionLost (affinity.py).
    if isinstance(exc, ConnectionLost):
        return errors.database_unreachable(_detail(exc.__cause__ or exc))
    # asyncpg's *other* DataError (the public one is Postgres's class 22): an argument it could
    # not encode for its parameter's type, i.e. the client's value.
    if isinstance(exc, asyncpg.exceptions._base.DataError):
        return errors.ApiError(400, "22P02", f"invalid input: {exc}")
    # Connection open but the driver refused (another operation in progress, a protocol surprise):
    # retryable for the client, and worth a look for us.
    detail = _detail(exc)
    log.warning("database client error: %s", detail, exc_info=exc)
    return errors.database_client_error(detail)


def _detail(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


@contextmanager
def database_errors() -> Iterator[None]:
    """Re-raise a failure from the database (or the way to it) as its API error; others pass."""
    try:
        yield
    except Exception as exc:
        error = database_error(exc)
        if error is None:
            raise
        raise error from None


async def fetch_envelope(pool: TenantConnections, sql: str, args: Sequence[Any]) -> Envelope:
    with database_errors():
        row = await pool.fetchrow(sql, *args)
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
    with database_errors():
        return await _in_transaction(pool, statements, rollback, check)


async def _in_transaction(
    pool: TenantConnections,
    statements: Sequence[tuple[str, Sequence[Any]]],
    rollback: bool,
    check: Callable[[list[Envelope]], None] | None,
) -> list[Envelope]:
    async with pool.acquire() as conn:
        transaction = conn.transaction()
        await transaction.start()
        try:
            results = []
            for sql, args in statements:
                results.append(Envelope.of(await conn.fetchrow(sql, *args)))
            if check is not None:
                check(results)
        except BaseException:
            if not conn.is_closed():
                await transaction.rollback()
            raise
        if rollback:
            await transaction.rollback()
        else:
            await transaction.commit()
        return results
