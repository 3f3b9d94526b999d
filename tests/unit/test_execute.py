"""Losing the database mid-request answers 503 PGRST001 (PostgREST's code), never a 500."""

from __future__ import annotations

import asyncio
import socket

import asyncpg
import pytest

from tenantgrid.db.affinity import AffinityPool
from tenantgrid.db.execute import fetch_envelope, run_statements
from tenantgrid.errors import ApiError

SLOW = "SELECT NULL::bigint, 1, pg_sleep(10)::text"


def test_a_connection_terminated_mid_statement_answers_503(database_url: str) -> None:
    async def run() -> ApiError:
        pool = AffinityPool(lambda: asyncpg.connect(database_url), size=1)
        admin = await asyncpg.connect(database_url)
        try:
            slow = asyncio.create_task(fetch_envelope(pool.for_key("t"), SLOW, []))
            await asyncio.sleep(0.3)
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1", SLOW
            )
            with pytest.raises(ApiError) as failure:
                await asyncio.wait_for(slow, timeout=5)
            # and the pool recovers: the next statement gets a fresh connection
            recovered = await fetch_envelope(pool.for_key("t"), "SELECT NULL::bigint, 1, 'ok'", [])
            assert recovered.body == "ok"
            return failure.value
        finally:
            await admin.close()
            await pool.close()

    error = asyncio.run(run())
    assert (error.status, error.code) == (503, "PGRST001")


def test_an_unreachable_database_answers_503_for_reads_and_writes() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket closes

    async def run() -> list[ApiError]:
        pool = AffinityPool(lambda: asyncpg.connect(f"postgresql://x@127.0.0.1:{port}/x", timeout=2), size=1)
        failures = []
        for attempt in (
            fetch_envelope(pool.for_key("t"), "SELECT 1", []),
            run_statements(pool.for_key("t"), [("SELECT 1", []), ("SELECT 2", [])]),
        ):
            with pytest.raises(ApiError) as failure:
                await attempt
            failures.append(failure.value)
        return failures

    assert [(e.status, e.code) for e in asyncio.run(run())] == [(503, "PGRST001"), (503, "PGRST001")]
