"""Rate limits: the 429 wording and Retry-After, the login guard on every API's login route (per
client address and per account, answered in that API's own shape), the PostgreSQL window, and a
Redis that cannot be reached.

Each test serves its own app with tight budgets through uvicorn on a loopback port, trusting
X-Forwarded-For (as behind a proxy) so that a test can speak from several client addresses.
"""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import asyncpg
import httpx
import pytest
import uvicorn

from tenantgrid.app import create_app
from tenantgrid.ratelimit.throttled import throttled, throttled_message, wait_seconds
from tenantgrid.settings import Settings
from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.conftest import PASSWORD

API_BUDGET = 4
LOGIN_BUDGET = 3
DETAIL = re.compile(r"^Request was throttled\. Expected available in (\d+) seconds?\.$")


def run_sql(settings: Settings, sql: str) -> list[asyncpg.Record]:
    async def go() -> list[asyncpg.Record]:
        conn = await asyncpg.connect(settings.database_url)
        try:
            return await conn.fetch(sql)
        finally:
            await conn.close()

    return asyncio.run(go())


@contextmanager
def serving(settings: Settings) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        proxy_headers=True,
        forwarded_allow_ips="*",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(autouse=True)
def fresh_windows(settings: Settings, tenants: dict[str, ProvisionedTenant]) -> None:
    run_sql(settings, f"DELETE FROM {settings.control_schema}.rate_limit_windows")


@pytest.fixture(scope="module")
def tight(settings: Settings, tenants: dict[str, ProvisionedTenant]) -> Iterator[str]:
    tight_settings = settings.model_copy(
        update={"rate_limit": f"{API_BUDGET}/minute", "login_rate_limit": f"{LOGIN_BUDGET}/minute"}
    )
    with serving(tight_settings) as url:
        yield url


def address() -> str:
    """A client address of the test's own, as the trusted proxy reports it."""
    return f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250 + 1}"


def gotrue_login(
    base: str, tenant: ProvisionedTenant, email: str, password: str, client_address: str
) -> httpx.Response:
    return httpx.post(
        f"{base}/auth/v1/token?grant_type=password",
        headers={"apikey": tenant.publishable_key, "X-Forwarded-For": client_address},
        json={"email": email, "password": password},
        timeout=10,
    )


def cmdb_login(
    base: str, tenant: ProvisionedTenant, user_name: str, password: str, client_address: str
) -> httpx.Response:
    return httpx.post(
        f"{base}/tenants/{tenant.schema}/rest/auth/login",
        headers={"X-Forwarded-For": client_address},
        json={"user_name": user_name, "password": password},
        timeout=10,
    )


def retry_after(response: httpx.Response, at_most: int) -> int:
    """The response's Retry-After, checked to be a whole number of seconds in 1..at_most."""
    seconds = int(response.headers["retry-after"])
    assert 1 <= seconds <= at_most, response.headers
    return seconds


# -- the wording ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wait", "seconds", "detail"),
    [
        (0.0, 1, "Request was throttled. Expected available in 1 second."),
        (0.2, 1, "Request was throttled. Expected available in 1 second."),
        (1.0, 1, "Request was throttled. Expected available in 1 second."),
        (1.01, 2, "Request was throttled. Expected available in 2 seconds."),
        (59.4, 60, "Request was throttled. Expected available in 60 seconds."),
    ],
)
def test_wait_is_rounded_up_and_worded_as_django_rest_framework_words_it(
    wait: float, seconds: int, detail: str
) -> None:
    assert wait_seconds(wait) == seconds
    assert throttled_message(seconds) == detail
    error = throttled(wait)
    assert (error.status, error.code, error.message) == (429, "throttled", detail)
    assert error.headers == {"Retry-After": str(seconds)}


@pytest.mark.parametrize("bad", ["lots", "100", "0/minute", "1/second;100/minute", "5/fortnight"])
def test_a_budget_that_does_not_parse_is_refused_at_start(bad: str) -> None:
    with pytest.raises(ValueError, match="rate"):
        Settings(rate_limit=bad)
    with pytest.raises(ValueError, match="rate"):
        Settings(login_rate_limit=bad)


def test_redis_url_must_name_redis() -> None:
    with pytest.raises(ValueError, match="TENANTGRID_REDIS_URL must start with redis://"):
        Settings(redis_url="http://cache:6379")
    assert Settings(redis_url="").redis_url is None


# -- per API key: Gainfully ----------------------------------------------------------------------


def gainfully_list(base: str, key: str) -> httpx.Response:
    return httpx.get(f"{base}/v1.0/content/?limit=1", headers={"Authorization": key}, timeout=10)


def test_gainfully_answers_429_in_its_own_shape_over_the_keys_budget(
    tight: str, alpha: ProvisionedTenant, beta: ProvisionedTenant
) -> None:
    for _ in range(API_BUDGET):
        assert gainfully_list(tight, alpha.secret_key).status_code == 200
    refused = gainfully_list(tight, alpha.secret_key)
    assert refused.status_code == 429, refused.text
    seconds = retry_after(refused, 60)
    assert seconds > 30  # a minute's window, opened a moment ago
    assert refused.json() == {
        "field": None,
        "error_code": "throttled",
        "detail": f"Request was throttled. Expected available in {seconds} seconds.",
    }
    # Every method counts against the same key; another tenant's key has a budget of its own.
    assert (
        httpx.post(f"{tight}/v1.0/content/", headers={"Authorization": alpha.secret_key}).status_code == 429
    )
    assert gainfully_list(tight, beta.secret_key).status_code == 200


def test_a_refused_key_does_not_spend_the_budget(tight: str, alpha: ProvisionedTenant) -> None:
    for _ in range(API_BUDGET + 2):
        assert gainfully_list(tight, alpha.secret_key + "x").status_code == 401
        assert gainfully_list(tight, alpha.publishable_key).status_code == 401
    assert gainfully_list(tight, alpha.secret_key).status_code == 200


def test_gainfully_one_second_is_singular(settings: Settings, alpha: ProvisionedTenant) -> None:
    with serving(settings.model_copy(update={"rate_limit": "1/second"})) as base:
        assert gainfully_list(base, alpha.secret_key).status_code == 200
        refused = gainfully_list(base, alpha.secret_key)
        assert refused.status_code == 429, refused.text
        assert refused.headers["retry-after"] == "1"
        assert refused.json() == {
            "field": None,
            "error_code": "throttled",
            "detail": "Request was throttled. Expected available in 1 second.",
        }
        time.sleep(1.05)
        assert gainfully_list(base, alpha.secret_key).status_code == 200


# -- the login guard -----------------------------------------------------------------------------


def test_gotrue_sign_in_is_guarded_per_account_in_gotrue_shape(tight: str, alpha: ProvisionedTenant) -> None:
    # Every attempt counts, right or wrong, and each from a different address: the account's own count.
    for attempt in range(LOGIN_BUDGET):
        wrong = gotrue_login(tight, alpha, alpha.email, f"wrong {attempt}", address())
        assert wrong.status_code == 400, wrong.text
        assert wrong.json()["error_code"] == "invalid_credentials"
    refused = gotrue_login(tight, alpha, alpha.email.upper(), PASSWORD, address())
    assert refused.status_code == 429, refused.text
    seconds = retry_after(refused, 60)
    assert refused.json() == {
        "code": 429,
        "error_code": "over_request_rate_limit",
        "msg": throttled_message(seconds),
    }
    # Another account of the same tenant is not affected.
    assert gotrue_login(tight, alpha, "someone.else@example.com", "x", address()).status_code == 400


def test_gotrue_sign_in_is_guarded_per_client_address(tight: str, alpha: ProvisionedTenant) -> None:
    guesser = address()
    for attempt in range(LOGIN_BUDGET):
        guess = gotrue_login(tight, alpha, f"guess{attempt}@example.com", "password", guesser)
        assert guess.status_code == 400, guess.text
    refused = gotrue_login(tight, alpha, alpha.email, PASSWORD, guesser)
    assert refused.status_code == 429, refused.text
    assert refused.json()["error_code"] == "over_request_rate_limit"
    assert DETAIL.match(refused.json()["msg"])
    # The account itself is fine from elsewhere: it was the address that ran out.
    assert gotrue_login(tight, alpha, alpha.email, PASSWORD, address()).status_code == 200


def test_refresh_is_not_a_login_attempt(tight: str, alpha: ProvisionedTenant) -> None:
    session = gotrue_login(tight, alpha, alpha.email, PASSWORD, address())
    assert session.status_code == 200, session.text
    refresh_token = session.json()["refresh_token"]
    for _ in range(LOGIN_BUDGET + 1):
        refreshed = httpx.post(
            f"{tight}/auth/v1/token?grant_type=refresh_token",
            headers={"apikey": alpha.publishable_key},
            json={"refresh_token": refresh_token},
            timeout=10,
        )
        assert refreshed.status_code == 200, refreshed.text
        refresh_token = refreshed.json()["refresh_token"]


def test_cmdb_login_is_guarded_per_account_in_cmdb_shape(tight: str, beta: ProvisionedTenant) -> None:
    for attempt in range(LOGIN_BUDGET):
        wrong = cmdb_login(tight, beta, beta.email, f"wrong {attempt}", address())
        assert wrong.status_code == 401, wrong.text
    url = f"{tight}/tenants/{beta.schema}/rest/auth/login"
    refused = cmdb_login(tight, beta, beta.email, PASSWORD, address())
    assert refused.status_code == 429, refused.text
    assert refused.headers["x-api-version"] == "1.0"
    seconds = retry_after(refused, 60)
    detail = throttled_message(seconds)
    assert refused.json() == {
        "status": 429,
        "response": f"Too Many Requests: {url}",
        "description": detail,
        "message": detail,
    }


def test_cmdb_login_is_guarded_per_client_address(tight: str, beta: ProvisionedTenant) -> None:
    guesser = address()
    for attempt in range(LOGIN_BUDGET):
        assert cmdb_login(tight, beta, f"guess{attempt}", "password", guesser).status_code == 401
    refused = cmdb_login(tight, beta, beta.email, PASSWORD, guesser)
    assert refused.status_code == 429, refused.text
    assert DETAIL.match(refused.json()["description"])
    assert cmdb_login(tight, beta, beta.email, PASSWORD, address()).status_code == 200


def test_concurrent_attempts_are_each_counted_once(tight: str, alpha: ProvisionedTenant) -> None:
    """Twelve attempts at once on one account, over several connections: exactly the budget passes."""
    account = f"{uuid.uuid4().hex}@example.com"

    def attempt(_: int) -> int:
        return gotrue_login(tight, alpha, account, "password", address()).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(attempt, range(12)))
    assert sorted(statuses) == [400] * LOGIN_BUDGET + [429] * (12 - LOGIN_BUDGET)


def test_the_window_ends_and_one_second_is_singular(settings: Settings, alpha: ProvisionedTenant) -> None:
    with serving(settings.model_copy(update={"login_rate_limit": "1/second"})) as base:
        client_address = address()
        assert gotrue_login(base, alpha, alpha.email, PASSWORD, client_address).status_code == 200
        refused = gotrue_login(base, alpha, alpha.email, PASSWORD, client_address)
        assert refused.status_code == 429, refused.text
        assert refused.headers["retry-after"] == "1"
        assert refused.json()["msg"] == "Request was throttled. Expected available in 1 second."
        time.sleep(1.05)
        assert gotrue_login(base, alpha, alpha.email, PASSWORD, client_address).status_code == 200


# -- storage ---------------------------------------------------------------------------------------


def test_postgres_window_is_one_unlogged_row_per_key(
    tight: str, settings: Settings, alpha: ProvisionedTenant
) -> None:
    persistence = run_sql(
        settings,
        "SELECT relpersistence::text FROM pg_class "
        f"WHERE oid = '{settings.control_schema}.rate_limit_windows'::regclass",
    )
    assert persistence[0]["relpersistence"] == "u"
    account = f"{uuid.uuid4().hex}@example.com"
    for _ in range(2):
        gotrue_login(tight, alpha, account, "password", "10.9.9.9")
    rows = run_sql(
        settings,
        f"SELECT key, hits, resets_at - now() AS left FROM {settings.control_schema}.rate_limit_windows",
    )
    # One row for the address, one for the account, each counted twice; neither names what it counts.
    assert sorted(row["hits"] for row in rows) == [2, 2]
    assert all(row["key"].endswith(f"/{LOGIN_BUDGET}/1/minute") for row in rows)
    assert not any(account in row["key"] or "10.9.9.9" in row["key"] for row in rows)
    assert all(0 < row["left"].total_seconds() <= 60 for row in rows)


def test_an_unreachable_redis_refuses_rather_than_lets_through(
    settings: Settings, alpha: ProvisionedTenant
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    redis_settings = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{closed_port}/0"})
    with serving(redis_settings) as base:
        response = gotrue_login(base, alpha, alpha.email, PASSWORD, address())
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == "1"
        body: dict[str, Any] = response.json()
        assert body == {
            "code": 503,
            "error_code": "unexpected_failure",
            "msg": "The rate limiter is unavailable; try again shortly.",
        }
