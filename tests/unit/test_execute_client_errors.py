"""asyncpg's own failures (InterfaceError and kin, not the server's errors) answer an API error, never a
500: 503 PGRST001 when the connection is gone, 503 PGRST001 "Database client error." when the driver
refused with the connection still there, 400 for an argument it could not encode."""

from __future__ import annotations

import asyncio
import logging

import asyncpg
import asyncpg.exceptions._base as asyncpg_base
import pytest

from tenantgrid.db.affinity import AffinityPool
from tenantgrid.db.execute import Envelope, database_error, database_errors, fetch_envelope, run_statements
from tenantgrid.errors import ApiError

ONE = "SELECT NULL::bigint, 1, 'one'"
SLOW = "SELECT NULL::bigint, 1, pg_sleep(0.5)::text"


def test_a_connection_closed_inside_a_transaction_answers_503(database_url: str) -> None:
    """The connection closes between the statements and COMMIT: asyncpg raises InterfaceError
    ("the underlying connection is closed"), which was a 500."""

    async def run() -> ApiError:
        opened: list[asyncpg.Connection] = []

        async def connect() -> asyncpg.Connection:
            opened.append(await asyncpg.connect(database_url))
            return opened[-1]

        def close_underneath(results: list[Envelope]) -> None:
            opened[-1].terminate()

        pool = AffinityPool(connect, size=1)
        try:
            with pytest.raises(ApiError) as failure:
                await run_statements(pool.for_key("t"), [(ONE, []), (ONE, [])], check=close_underneath)
            # and the pool recovers: the next statement gets a fresh connection
            recovered = await fetch_envelope(pool.for_key("t"), ONE, [])
            assert recovered.body == "one"
            assert len(opened) == 2
            return failure.value
        finally:
            await pool.close()

    error = asyncio.run(run())
    assert (error.status, error.code) == (503, "PGRST001")
    assert error.message == "Database client error. Retrying the connection."
    assert error.details is not None and error.details.startswith("InterfaceError: ")


def test_a_driver_refusal_answers_503_and_is_logged(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Two statements at once on one connection: asyncpg refuses the second with InterfaceError
    ("another operation is in progress"). The connection is fine, so it is not "gone"; it is a
    retryable 503 for the client, and a warning for the operator, since it means a bug here."""

    async def run() -> ApiError:
        shared = await asyncpg.connect(database_url)

        async def same_connection() -> asyncpg.Connection:
            return shared

        pool = AffinityPool(same_connection, size=2, spread=1)
        try:
            slow = asyncio.create_task(fetch_envelope(pool.for_key("a"), SLOW, []))
            await asyncio.sleep(0.1)
            with pytest.raises(ApiError) as failure:
                await fetch_envelope(pool.for_key("b"), ONE, [])
            # (the pool may then close the connection it thinks the refused request disturbed, and
            # the slow statement with it: only the refusal is under test here)
            await asyncio.gather(slow, return_exceptions=True)
            return failure.value
        finally:
            await shared.close()

    with caplog.at_level(logging.WARNING, logger="tenantgrid.db"):
        error = asyncio.run(run())
    assert (error.status, error.code, error.message) == (503, "PGRST001", "Database client error.")
    assert error.details == "InterfaceError: cannot perform operation: another operation is in progress"
    assert any("another operation is in progress" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (asyncpg.InterfaceError("cannot perform operation: connection is closed"), 503, "PGRST001"),
        (asyncpg.InterfaceError("pool is closing"), 503, "PGRST001"),
        (
            asyncpg.InterfaceError("cannot perform operation: another operation is cancelling"),
            503,
            "PGRST001",
        ),
        (asyncpg.ClientConfigurationError("bad sslmode"), 503, "PGRST001"),
        (
            asyncpg.InterfaceError("unsupported authentication method requested by the server"),
            503,
            "PGRST001",
        ),
        (asyncpg_base.UnsupportedServerFeatureError("no such feature"), 503, "PGRST001"),
        (asyncpg_base.InternalClientError("surprise"), 503, "PGRST001"),
        (asyncpg_base.ProtocolError("unexpected message"), 503, "PGRST001"),
        (
            asyncpg_base.OutdatedSchemaCacheError("composite type changed", schema="s", data_type="t"),
            503,
            "PGRST001",
        ),
        (
            asyncpg.exceptions.ConnectionDoesNotExistError(
                "connection was closed in the middle of operation"
            ),
            503,
            "PGRST001",
        ),
        (
            asyncpg_base.DataError("invalid input for query argument $1: 'x' (an integer is required)"),
            400,
            "22P02",
        ),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else str(value),
)
def test_every_asyncpg_client_error_is_mapped(exc: Exception, status: int, code: str) -> None:
    error = database_error(exc)
    assert error is not None
    assert (error.status, error.code) == (status, code)


def test_a_closed_connection_is_told_by_its_state_not_by_asyncpgs_words(database_url: str) -> None:
    """The pool, which holds the connection, decides whether a plain InterfaceError means "gone":
    the words of the message do not (they used to: "closed", "closing", "released")."""

    async def run() -> tuple[ApiError, ApiError]:
        pool = AffinityPool(lambda: asyncpg.connect(database_url), size=1)
        try:
            # the connection closes under the request; asyncpg's words happen not to say so
            with pytest.raises(ApiError) as gone, database_errors():
                async with pool.acquire("t") as connection:
                    connection.terminate()
                    raise asyncpg.InterfaceError("cannot perform operation: unexpected state")
            # the connection is open; the words say "closed", about something else
            with pytest.raises(ApiError) as refused, database_errors():
                async with pool.acquire("t") as connection:
                    assert await connection.fetchval("SELECT 1") == 1
                    raise asyncpg.InterfaceError(
                        "cannot call PreparedStatement.fetch(): the prepared statement is closed"
                    )
            # refused inside a transaction: the pool then closes the connection itself (in doubt),
            # which must not make it read as lost
            with pytest.raises(ApiError) as refused_in_transaction, database_errors():
                async with pool.acquire("t") as connection:
                    await connection.execute("BEGIN")
                    raise asyncpg.InterfaceError("cannot perform operation: another operation is in progress")
            assert refused_in_transaction.value.message == "Database client error."
            return gone.value, refused.value
        finally:
            await pool.close()

    gone, refused = asyncio.run(run())
    assert (gone.status, gone.code, gone.message) == (
        503,
        "PGRST001",
        "Database client error. Retrying the connection.",
    )
    assert gone.details == "InterfaceError: cannot perform operation: unexpected state"
    assert (refused.status, refused.code, refused.message) == (503, "PGRST001", "Database client error.")
