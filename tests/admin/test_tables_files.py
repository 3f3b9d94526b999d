"""Deleting a Gridly row in the panel deletes the stored bytes of the files under it, as Gridly's own
routes do, also in an S3 store (moto's S3 server, a real process: tests/cli/s3_server.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from tenantgrid.app import create_app
from tenantgrid.files.s3 import object_key, tenant_prefix
from tenantgrid.settings import Settings
from tenantgrid.tenancy.names import quote_ident
from tests.admin.panel import provision
from tests.admin.tables_panel import Panel, html
from tests.cli.s3_server import S3Server, s3_server_fixture  # noqa: F401 (the fixture `s3_server`)
from tests.conftest import Database


@pytest.fixture(scope="module")
def s3_settings(settings: Settings, s3_server: S3Server) -> Settings:
    return s3_server.settings(settings, prefix="panel/")


@pytest.fixture(scope="module")
def panel(s3_settings: Settings, client: TestClient) -> Iterator[Panel]:
    with TestClient(create_app(s3_settings), base_url="http://tenantgrid.test") as s3_client:
        yield Panel(s3_client, provision(s3_settings)).signed_in()


class Grid:
    """A grid with a files column, records, and a stored object per file, made in the database and
    the bucket directly (what Gridly's upload leaves behind)."""

    def __init__(
        self, panel: Panel, db: Database, s3: S3Server, settings: Settings, files: dict[str, str]
    ) -> None:
        self.schema = panel.tenant.schema
        self.s3, self.settings = s3, settings
        s = quote_ident(self.schema)
        database = db.value(f"SELECT id FROM {s}.gridly_databases LIMIT 1")
        self.id = db.value(
            f"INSERT INTO {s}.gridly_grids (database_id, name) VALUES ($1, 'g') RETURNING id", database
        )
        db.fetch(
            f"INSERT INTO {s}.gridly_columns (grid_id, id, name, type, position) VALUES ($1, 'docs', 'Docs', 'files', 0)",
            self.id,
        )
        for record in sorted(set(files.values())):
            db.fetch(f"INSERT INTO {s}.gridly_records (grid_id, id) VALUES ($1, $2)", self.id, record)
        for file_id, record in files.items():
            db.fetch(
                f"INSERT INTO {s}.gridly_files (id, grid_id, record_id, column_id, original_name, content_type, size)"
                " VALUES ($1, $2, $3, 'docs', 'a.txt', 'text/plain', 1)",
                file_id,
                self.id,
                record,
            )
            s3.client.put_object(Bucket=settings.s3_bucket, Key=self.key(file_id), Body=b"x")

    def key(self, file_id: str) -> str:
        return object_key(self.settings, self.schema, file_id)

    def stored(self) -> set[str]:
        return set(self.s3.keys(self.settings.s3_bucket, tenant_prefix(self.settings, self.schema)))


def delete(panel: Panel, resource: str, filter_text: str) -> None:
    page = panel.get(f"/admin/tables/{resource}", params={"filter": filter_text})
    [row] = html(page).one("table", id="rows").find_all("tr", data_pk=None)
    answer = panel.post(row.one("form", cls="delete-row").attrs["action"])
    assert answer.status_code == 303, answer.text


def test_deleting_a_record_deletes_its_files_objects(
    panel: Panel, db: Database, s3_server: S3Server, s3_settings: Settings
) -> None:
    grid = Grid(panel, db, s3_server, s3_settings, {"fa1": "r1", "fb1": "r2", "fb2": "r2"})
    assert {grid.key(f) for f in ("fa1", "fb1", "fb2")} <= grid.stored()
    delete(panel, "gridly_records", f"grid_id=eq.{grid.id}&id=eq.r2")
    assert grid.key("fa1") in grid.stored()
    assert not {grid.key("fb1"), grid.key("fb2")} & grid.stored()
    s = quote_ident(grid.schema)
    assert db.value(f"SELECT array_agg(id) FROM {s}.gridly_files WHERE grid_id = $1", grid.id) == ["fa1"]


def test_deleting_a_column_a_grid_or_a_database_deletes_the_objects_under_it(
    panel: Panel, db: Database, s3_server: S3Server, s3_settings: Settings
) -> None:
    by_column = Grid(panel, db, s3_server, s3_settings, {"fc1": "r1"})
    delete(panel, "gridly_columns", f"grid_id=eq.{by_column.id}")
    assert by_column.key("fc1") not in by_column.stored()

    by_grid = Grid(panel, db, s3_server, s3_settings, {"fg1": "r1", "fg2": "r2"})
    delete(panel, "gridly_grids", f"id=eq.{by_grid.id}")
    assert not {by_grid.key("fg1"), by_grid.key("fg2")} & by_grid.stored()

    s = quote_ident(panel.tenant.schema)
    project = db.value(f"SELECT id FROM {s}.gridly_projects LIMIT 1")
    database = db.value(
        f"INSERT INTO {s}.gridly_databases (project_id, name) VALUES ($1, 'second') RETURNING id", project
    )
    in_database = Grid(panel, db, s3_server, s3_settings, {"fd1": "r1"})
    db.fetch(f"UPDATE {s}.gridly_grids SET database_id = $1 WHERE id = $2", database, in_database.id)
    kept = Grid(panel, db, s3_server, s3_settings, {"fk1": "r1"})  # in the other database
    delete(panel, "gridly_databases", f"id=eq.{database}")
    assert in_database.key("fd1") not in in_database.stored()
    assert kept.key("fk1") in kept.stored()
