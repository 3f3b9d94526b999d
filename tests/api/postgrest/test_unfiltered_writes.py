"""TENANTGRID_ALLOW_UNFILTERED_WRITES, both ways: only a row filter makes a PATCH/DELETE filtered.

`limit` and `offset` page through the whole table, so they are no filter: `order=id&limit=2^63-1`
is every row (issue 11, where it emptied the table while the setting was false).

Unfiltered writes touch a whole table, so these tests write to a tenant of their own (`gamma`),
whose `things` each test sets to three known rows, and assert on the rows in the database.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import httpx
import pytest
from starlette.testclient import TestClient

from tenantgrid.app import create_app
from tenantgrid.db.engine import create_engine
from tenantgrid.settings import Settings
from tenantgrid.tenancy.provision import ProvisionedTenant, create_tenant, drop_tenant
from tests.api.postgrest.write_support import error, headers
from tests.conftest import PASSWORD, Database

UNFILTERED_HINT = "Add a filter such as id=eq.1, or enable TENANTGRID_ALLOW_UNFILTERED_WRITES."
EVERY_ROW = str(2**63 - 1)
VERBS = {"PATCH": "UPDATE", "DELETE": "DELETE"}


@pytest.fixture(scope="module")
def gamma(settings: Settings, tenants: dict[str, ProvisionedTenant]) -> Iterator[ProvisionedTenant]:
    name = f"gamma_{uuid.uuid4().hex[:6]}"

    async def provision() -> ProvisionedTenant:
        engine = create_engine(settings.database_url or "")
        try:
            return await create_tenant(engine, settings, name, f"{name}@example.com", PASSWORD)
        finally:
            await engine.dispose()

    async def drop() -> None:
        engine = create_engine(settings.database_url or "")
        try:
            await drop_tenant(engine, settings, name)
        finally:
            await engine.dispose()

    yield asyncio.run(provision())
    asyncio.run(drop())


@pytest.fixture(scope="module")
def permissive(settings: Settings, tenants: dict[str, ProvisionedTenant]) -> Iterator[TestClient]:
    """A second app, as started with TENANTGRID_ALLOW_UNFILTERED_WRITES=true."""
    allowing = settings.model_copy(update={"allow_unfiltered_writes": True})
    with TestClient(create_app(allowing), base_url="http://tenantgrid.test") as test_client:
        yield test_client


class Table:
    """gamma's `things`, reset to three rows by each test."""

    def __init__(self, db: Database, schema: str) -> None:
        self.db = db
        self.name = f'"{schema}".things'

    def reset(self) -> list[int]:
        self.db.fetch(f"DELETE FROM {self.name}")
        return [
            self.db.value(f"INSERT INTO {self.name} (name) VALUES ($1) RETURNING id", f"row-{i}")
            for i in range(3)
        ]

    def rows(self) -> list[tuple[int, str | None]]:
        return [(r["id"], r["description"]) for r in self.db.fetch(f"SELECT * FROM {self.name} ORDER BY id")]


@pytest.fixture
def table(db: Database, gamma: ProvisionedTenant) -> Table:
    return Table(db, gamma.schema)


def write(client: TestClient, tenant: ProvisionedTenant, method: str, query: str) -> httpx.Response:
    return client.request(
        method,
        f"/rest/v1/things{query}",
        headers=headers(tenant),
        json={"description": "changed"} if method == "PATCH" else None,
    )


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
@pytest.mark.parametrize(
    "query",
    ["", f"?order=id&limit={EVERY_ROW}", "?order=id&limit=1", "?order=id&offset=1", "?select=id&order=id"],
)
def test_refused_without_a_row_filter(
    client: TestClient, gamma: ProvisionedTenant, table: Table, method: str, query: str
) -> None:
    ids = table.reset()
    response = write(client, gamma, method, query)
    assert response.status_code == 400, response.text
    assert response.json() == error(
        "21000", f"{VERBS[method]} requires a WHERE clause", None, UNFILTERED_HINT
    )
    assert table.rows() == [(i, None) for i in ids]


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_a_row_filter_with_limit_is_allowed(
    client: TestClient, gamma: ProvisionedTenant, table: Table, method: str
) -> None:
    ids = table.reset()
    response = write(client, gamma, method, f"?id=gte.{ids[1]}&order=id&limit={EVERY_ROW}")
    assert response.status_code == 204, response.text
    expected = [(ids[0], None)] + ([(i, "changed") for i in ids[1:]] if method == "PATCH" else [])
    assert table.rows() == expected


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_allowed_when_the_setting_is_true(
    permissive: TestClient, gamma: ProvisionedTenant, table: Table, method: str
) -> None:
    ids = table.reset()
    response = write(permissive, gamma, method, "")
    assert response.status_code == 204, response.text
    assert table.rows() == ([(i, "changed") for i in ids] if method == "PATCH" else [])


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_limit_without_a_filter_when_allowed(
    permissive: TestClient, gamma: ProvisionedTenant, table: Table, method: str
) -> None:
    """With the setting true, `order` + `limit` alone bound an unfiltered write to its page."""
    ids = table.reset()
    response = write(permissive, gamma, method, "?order=id.desc&limit=2")
    assert response.status_code == 204, response.text
    kept = [(ids[0], None)]
    assert table.rows() == (kept + [(i, "changed") for i in ids[1:]] if method == "PATCH" else kept)
