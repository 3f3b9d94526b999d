"""The Gridly file tests run against each file store: `backend` is module-scoped and parametrised over
`postgres` (the session's app) and `s3` (an app of its own whose store is moto's S3 server, a real
process: tests/cli/s3_server.py). `api` is the backend's TestClient. A test module imports the fixtures:

    from tests.api.gridly.file_backends import Backend, api_fixture, backend_fixture, s3_server_fixture

`backend.held(db, grid)` is what is stored for the grid's files: (rows in `gridly_files`, pieces of bytes),
the pieces being PostgreSQL chunks, or S3 objects; for S3 it also counts every object of the tenant that
has no row at all (an orphan), so `== (0, 0)` proves that nothing was left behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.testclient import TestClient

from tenantgrid.app import create_app
from tenantgrid.files.postgres import chunk_count
from tenantgrid.files.s3 import tenant_prefix
from tenantgrid.settings import Settings
from tenantgrid.tenancy.names import quote_ident
from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.api.gridly.conftest import Grid
from tests.cli.s3_server import S3Server, s3_server_fixture

__all__ = ["Backend", "api_fixture", "backend_fixture", "s3_server_fixture"]

S3_PREFIX = "files/"


@dataclass(frozen=True, slots=True)
class Backend:
    kind: str
    client: TestClient
    settings: Settings
    s3: S3Server | None = None

    def object_ids(self, schema: str) -> list[str]:
        """The file ids the bucket holds for the tenant (S3 only)."""
        assert self.s3 is not None
        prefix = tenant_prefix(self.settings, schema)
        return [key[len(prefix) :] for key in self.s3.keys(self.settings.s3_bucket, prefix)]

    def held(self, db: Any, grid: Grid) -> tuple[int, int]:
        s = quote_ident(grid.tenant.schema)
        rows = db.value(f"SELECT count(*) FROM {s}.gridly_files WHERE grid_id = $1", grid.id)
        if self.kind == "postgres":
            chunks = db.value(
                f"SELECT count(*) FROM {s}.gridly_file_chunks c JOIN {s}.gridly_files f ON f.id = c.file_id"
                " WHERE f.grid_id = $1",
                grid.id,
            )
            return rows, chunks
        here = {r[0] for r in db.fetch(f"SELECT id FROM {s}.gridly_files WHERE grid_id = $1", grid.id)}
        known = {r[0] for r in db.fetch(f"SELECT id FROM {s}.gridly_files")}
        objects = [i for i in self.object_ids(grid.tenant.schema) if i in here or i not in known]
        return rows, len(objects)

    def orphans(self, db: Any, tenant: ProvisionedTenant) -> list[str]:
        """Objects of the tenant without a row (S3), [] for PostgreSQL (the chunks' foreign key)."""
        if self.kind == "postgres":
            return []
        s = quote_ident(tenant.schema)
        known = {r[0] for r in db.fetch(f"SELECT id FROM {s}.gridly_files")}
        return [i for i in self.object_ids(tenant.schema) if i not in known]

    def pieces(self, size: int) -> int:
        """How many pieces a file of `size` bytes is stored as."""
        return chunk_count(size) if self.kind == "postgres" else 1


@pytest.fixture(name="backend", scope="module", params=["postgres", "s3"])
def backend_fixture(
    request: pytest.FixtureRequest, settings: Settings, client: TestClient
) -> Iterator[Backend]:
    if request.param == "postgres":
        yield Backend("postgres", client, settings)
        return
    server: S3Server = request.getfixturevalue("s3_server")
    s3_settings = server.settings(settings, prefix=S3_PREFIX)
    with TestClient(create_app(s3_settings), base_url="http://tenantgrid.test") as s3_client:
        yield Backend("s3", s3_client, s3_settings, server)


@pytest.fixture(name="api")
def api_fixture(backend: Backend) -> TestClient:
    return backend.client
