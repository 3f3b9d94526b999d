"""One limit, two server processes: `tenantgrid serve --workers 2` counts every request once, both
an API key's Gainfully reads (TENANTGRID_RATE_LIMIT) and sign-in attempts (the login guard), in
PostgreSQL without Redis and in a real redis-server with TENANTGRID_REDIS_URL.

The proof that the processes share the count: both answer some of the attempts (each response's
X-Request-Id is found in one worker's JSON access line, with its process id), and with more than
twice the budget of attempts, counters kept per process would let more than the budget through.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import asyncpg
import httpx
import pytest
import redis

from tests.cli import served
from tests.cli.redis_server import INSTALL_HINT, redis_binary, running_redis
from tests.conftest import throwaway_database

BUDGET = 5
ATTEMPTS = 4 * BUDGET
REDIS = redis_binary()


class Server(served.Server):
    """`tenantgrid serve --workers 2` with JSON logs."""

    def __init__(self, env: dict[str, str], workers: int = 2) -> None:
        super().__init__(env, workers)

    def process_of(self, request_ids: set[str]) -> dict[str, int]:
        """Which worker (process id) answered each request, from the JSON access lines."""
        deadline = time.monotonic() + 10
        while True:
            answered: dict[str, int] = {}
            for line in list(self.lines):
                if line.startswith("{"):
                    record = json.loads(line)
                    if (
                        record.get("logger") == "tenantgrid.access"
                        and record.get("request_id") in request_ids
                    ):
                        answered[record["request_id"]] = record["process"]
            if len(answered) == len(request_ids) or time.monotonic() > deadline:
                return answered
            time.sleep(0.1)


@pytest.fixture
def serve_env(database_url: str) -> Iterator[dict[str, str]]:
    with throwaway_database(database_url, "tenantgrid_ratelimit") as url:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TENANTGRID_") and k != "DATABASE_URL"}
        yield {
            **env,
            "TENANTGRID_DATABASE_URL": url,
            "TENANTGRID_RATE_LIMIT": f"{BUDGET}/minute",
            "TENANTGRID_LOGIN_RATE_LIMIT": f"{BUDGET}/minute",
            "TENANTGRID_LOG_FORMAT": "json",
            "TENANTGRID_LOG_REQUESTS": "true",
            "TENANTGRID_POOL_SIZE": "4",
            "TENANTGRID_METRICS": "false",
        }


def control_rows(database_url: str) -> list[asyncpg.Record]:
    async def go() -> list[asyncpg.Record]:
        conn = await asyncpg.connect(database_url)
        try:
            return await conn.fetch("SELECT key, hits FROM tenantgrid.rate_limit_windows ORDER BY hits")
        finally:
            await conn.close()

    return asyncio.run(go())


def burst(server: Server, send: Callable[[httpx.Client, int], httpx.Response]) -> list[tuple[int, int]]:
    """ATTEMPTS requests at once, each on a new connection: (status, the process that answered) each."""
    base = f"http://127.0.0.1:{server.port}"

    def one(n: int) -> httpx.Response:
        with httpx.Client(base_url=base, timeout=30) as http:
            return send(http, n)

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(one, range(ATTEMPTS)))
    ids = [r.headers["x-request-id"] for r in responses]
    answered_by = server.process_of(set(ids))
    assert len(answered_by) == ATTEMPTS, "some requests were not found in the access log"
    return [(r.status_code, answered_by[i]) for r, i in zip(responses, ids, strict=True)]


def assert_one_limit(answers: list[tuple[int, int]], allowed: int) -> None:
    """Exactly BUDGET requests got through, though both processes answered: with a count per
    process, each would have let its own first requests through, more than BUDGET in all."""
    assert len({process for _, process in answers}) == 2, f"one worker answered everything: {answers}"
    assert sorted(status for status, _ in answers) == [allowed] * BUDGET + [429] * (ATTEMPTS - BUDGET)


def exercise_both_limits(server: Server) -> None:
    secret = server.printed(r"secret key:\s+(tg_sk_\S+)")[1]
    publishable = server.printed(r"publishable key:\s+(tg_pk_\S+)")[1]
    email = server.printed(r"admin login:\s+(\S+) /")[1]
    # The API key's budget (TENANTGRID_RATE_LIMIT) on the Gainfully API.
    reads = burst(server, lambda http, _: http.get("/v1.0/content/", headers={"Authorization": secret}))
    assert_one_limit(reads, 200)
    # The login guard's own budget (TENANTGRID_LOGIN_RATE_LIMIT): wrong passwords, 400 until it runs out.
    sign_ins = burst(
        server,
        lambda http, n: http.post(
            "/auth/v1/token?grant_type=password",
            headers={"apikey": publishable},
            json={"email": email, "password": f"guess {n}"},
        ),
    )
    assert_one_limit(sign_ins, 400)


def test_two_workers_share_one_limit_in_postgresql(serve_env: dict[str, str]) -> None:
    server = Server(serve_env)
    try:
        exercise_both_limits(server)
    finally:
        server.stop()
    # The API key counted every read; the client address every sign-in attempt, the account only
    # those the address let through.
    hits = [row["hits"] for row in control_rows(serve_env["TENANTGRID_DATABASE_URL"])]
    assert hits == [BUDGET, ATTEMPTS, ATTEMPTS]


@pytest.mark.skipif(REDIS is None, reason=f"the redis-server binary was not found: {INSTALL_HINT}")
def test_two_workers_share_one_limit_in_redis(serve_env: dict[str, str]) -> None:
    assert REDIS is not None
    with running_redis(REDIS) as redis_url:
        server = Server({**serve_env, "TENANTGRID_REDIS_URL": redis_url})
        try:
            exercise_both_limits(server)
        finally:
            server.stop()
        keys = redis.Redis.from_url(redis_url).keys("tenantgrid:*")
    assert len(keys) == 3, keys  # the API key's window, the address's and the account's, all in Redis
    assert control_rows(serve_env["TENANTGRID_DATABASE_URL"]) == []
