"""Panel refreshes in one process: a refresh stuck on one session (its refresh token's row locked, as
when that tenant's database is slow or its pool exhausted) does not hold up another session's; two
refreshes of one session's token at once still spend it once (a second spend would revoke the
session); and no lock outlives the refreshes that used it."""

from __future__ import annotations

import concurrent.futures
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
import httpx
import pytest
from starlette.testclient import TestClient

from tenantgrid.auth.tokens import refresh_digest
from tenantgrid.settings import Settings
from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.admin.conftest import app_with
from tests.admin.panel import Browser
from tests.admin.test_session_refresh import access_token
from tests.conftest import Database

WAIT_S = 5.0


@pytest.fixture(scope="module")
def quick_client(settings: Settings, tenants: dict[str, ProvisionedTenant]) -> Iterator[TestClient]:
    """Access tokens of 1 s, sessions long enough for the test to take its time."""
    with app_with(settings, admin_access_ttl=1, admin_refresh_ttl=120) as client:
        yield client


def signed_in(client: TestClient, tenant: ProvisionedTenant) -> tuple[str, str, str]:
    """A fresh panel session: its cookie, refresh token and session id."""
    browser = Browser(client)
    assert browser.login(tenant.schema, tenant.email).status_code == 303
    claims = access_token(browser, client)
    return browser.cookies["tenantgrid_admin"], str(claims["refresh"]), str(claims["session_id"])


def get_soon(client: TestClient, cookie: str) -> concurrent.futures.Future[httpx.Response]:
    """GET /admin with `cookie`, started on the app's own event loop, so that it can wait there while
    the test goes on."""

    async def get() -> httpx.Response:
        transport = httpx.ASGITransport(app=client.app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://tenantgrid.test", cookies={"tenantgrid_admin": cookie}
        ) as browser:
            return await browser.get("/admin")

    assert client.portal is not None
    return client.portal.start_task_soon(get)


@contextmanager
def token_row_locked(client: TestClient, database_url: str, refresh: str) -> Iterator[None]:
    """Another transaction holds the refresh token's row: refreshing it waits until the block ends."""
    assert client.portal is not None
    held: dict[str, Any] = {}

    async def lock() -> None:
        held["conn"] = conn = await asyncpg.connect(database_url)
        held["tx"] = tx = conn.transaction()
        await tx.start()
        await conn.execute(
            "SELECT 1 FROM tenantgrid.refresh_tokens WHERE token_hash = $1 FOR UPDATE",
            refresh_digest(refresh),
        )

    async def release() -> None:
        await held["tx"].rollback()
        await held["conn"].close()

    client.portal.call(lock)
    try:
        yield
    finally:
        client.portal.call(release)


def lock_waiters(db: Database) -> int:
    """Queries of this database waiting for a row lock."""
    return int(
        db.value(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
    )


def wait_for_lock_waiters(db: Database, count: int) -> None:
    deadline = time.monotonic() + WAIT_S
    while True:
        waiting = lock_waiters(db)
        if waiting >= count:
            return
        assert time.monotonic() < deadline, f"{waiting} of {count} refreshes waiting on the row"
        time.sleep(0.05)


def live(db: Database, session: str) -> bool:
    return bool(
        db.value("SELECT revoked_at IS NULL FROM tenantgrid.auth_sessions WHERE id = $1::uuid", session)
    )


def test_a_refresh_stuck_on_one_session_does_not_hold_up_another(
    quick_client: TestClient,
    settings: Settings,
    db: Database,
    alpha: ProvisionedTenant,
    beta: ProvisionedTenant,
) -> None:
    stuck_cookie, stuck_refresh, stuck_session = signed_in(quick_client, alpha)
    other_cookie, _refresh, other_session = signed_in(quick_client, beta)
    time.sleep(1.2)  # both access tokens expired: the next request of each refreshes
    with token_row_locked(quick_client, settings.database_url or "", stuck_refresh):
        stuck = get_soon(quick_client, stuck_cookie)
        wait_for_lock_waiters(db, 1)
        other = get_soon(quick_client, other_cookie).result(timeout=WAIT_S)  # not behind the stuck one
        assert other.status_code == 200
        assert "tenantgrid_admin=" in other.headers["set-cookie"]
        assert not stuck.done()
    assert stuck.result(timeout=WAIT_S).status_code == 200
    assert live(db, stuck_session) and live(db, other_session)
    assert len(quick_client.app.state.admin_refresher.turns) == 0  # type: ignore[attr-defined]


def test_two_refreshes_of_one_token_at_once_spend_it_once(
    quick_client: TestClient, settings: Settings, db: Database, alpha: ProvisionedTenant
) -> None:
    cookie, refresh, session = signed_in(quick_client, alpha)
    time.sleep(1.2)
    with token_row_locked(quick_client, settings.database_url or "", refresh):
        first = get_soon(quick_client, cookie)
        wait_for_lock_waiters(db, 1)
        second = get_soon(quick_client, cookie)
        time.sleep(0.3)
        # The second waits for the first in this process, not on the row (where it would spend it again).
        assert lock_waiters(db) == 1
    answers = [first.result(timeout=WAIT_S), second.result(timeout=WAIT_S)]
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].cookies["tenantgrid_admin"] == answers[1].cookies["tenantgrid_admin"]
    assert live(db, session)
    tokens = db.value("SELECT count(*) FROM tenantgrid.refresh_tokens WHERE session_id = $1::uuid", session)
    assert tokens == 2  # the first one and the one it was spent for
    assert len(quick_client.app.state.admin_refresher.turns) == 0  # type: ignore[attr-defined]
