"""Fixtures for the Gridly API: alpha's and beta's `Authorization: ApiKey <secret key>` headers, and
grids made through `apis/gridly/grids_store.create_grid` (the code `POST /v1/grids` runs) with their
default views.

    def test_x(client, alpha_gridly, make_grid):
        grid = make_grid("alpha", [{"id": "n", "name": "N", "type": "number"}])
        client.get(f"/v1/views/{grid.view_id}/records", headers=alpha_gridly)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.testclient import TestClient

from tenantgrid.apis.gridly.grids_store import columns_from_json, create_grid
from tenantgrid.runtime import Runtime
from tenantgrid.tenancy.names import quote_ident
from tenantgrid.tenancy.provision import ProvisionedTenant

EVERY_TYPE: list[dict[str, Any]] = [
    {"id": "text", "name": "Text", "type": "singleLine"},
    {"id": "lines", "name": "Lines", "type": "multipleLines"},
    {"id": "rich", "name": "Rich", "type": "richText"},
    {"id": "md", "name": "Markdown", "type": "markdown"},
    {"id": "num", "name": "Number", "type": "number"},
    {"id": "flag", "name": "Flag", "type": "boolean"},
    {"id": "when", "name": "When", "type": "datetime"},
    {"id": "one", "name": "One", "type": "singleSelection", "selectionOptions": ["red", "green", "blue"]},
    {"id": "many", "name": "Many", "type": "multipleSelections", "selectionOptions": ["a", "b", "c"]},
    {"id": "docs", "name": "Docs", "type": "files"},
    {"id": "ref", "name": "Ref", "type": "reference"},
    {
        "id": "enUS",
        "name": "English",
        "type": "language",
        "languageCode": "enUS",
        "localizationType": "sourceLanguage",
    },
    {"id": "data", "name": "Data", "type": "json"},
]
"""A column of every type Gridly names (column ids as clients choose them)."""


def gridly_headers(tenant: ProvisionedTenant) -> dict[str, str]:
    return {"Authorization": f"ApiKey {tenant.secret_key}"}


@pytest.fixture(scope="session")
def alpha_gridly(alpha: ProvisionedTenant) -> dict[str, str]:
    return gridly_headers(alpha)


@pytest.fixture(scope="session")
def beta_gridly(beta: ProvisionedTenant) -> dict[str, str]:
    return gridly_headers(beta)


@dataclass(frozen=True, slots=True)
class Grid:
    tenant: ProvisionedTenant
    id: str
    view_id: str
    database_id: str
    column_ids: tuple[str, ...]

    @property
    def records_url(self) -> str:
        return f"/v1/views/{self.view_id}/records"


MakeGrid = Callable[..., Grid]


@pytest.fixture(scope="session")
def make_grid(client: TestClient, tenants: dict[str, ProvisionedTenant]) -> MakeGrid:
    """`make_grid("alpha", columns=EVERY_TYPE, name=...)`: a new grid in the tenant's first database."""
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]

    def make(
        tenant: str = "alpha", columns: Sequence[dict[str, Any]] = EVERY_TYPE, name: str = "Grid"
    ) -> Grid:
        provisioned = tenants[tenant]
        s = quote_ident(provisioned.schema)

        async def run() -> tuple[str, Any]:
            async with runtime.pools.for_schema(provisioned.schema).acquire() as conn, conn.transaction():
                database_id = await conn.fetchval(
                    f"SELECT id FROM {s}.gridly_databases ORDER BY created_at LIMIT 1"
                )
                made = await create_grid(conn, s, database_id, name, columns_from_json(list(columns)))
                return database_id, made

        assert client.portal is not None
        database_id, made = client.portal.call(run)
        return Grid(provisioned, made.id, made.view_id, database_id, tuple(c.id for c in made.columns))

    return make


@pytest.fixture
def grid(make_grid: MakeGrid) -> Grid:
    """A fresh alpha grid with a column of every type (`EVERY_TYPE`) and its default view."""
    return make_grid("alpha")
