"""Grids: GET/POST /v1/grids?dbId=, GET/PATCH/DELETE /v1/grids/{gridId}; a grid answers its columns
and is made with its default view."""

from __future__ import annotations

from starlette.testclient import TestClient

from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.api.gridly.conftest import EVERY_TYPE, Grid, MakeGrid
from tests.api.gridly.structure_support import gridly_error, not_found
from tests.conftest import Database


def _database(client: TestClient, headers: dict[str, str]) -> str:
    project = client.get("/v1/projects", headers=headers).json()[0]["id"]
    return client.get(f"/v1/databases?projectId={project}", headers=headers).json()[0]["id"]


def test_create_a_grid_with_columns_and_its_default_view(
    client: TestClient, alpha_gridly: dict[str, str], db: Database, alpha: ProvisionedTenant
) -> None:
    database = _database(client, alpha_gridly)
    made = client.post(
        f"/v1/grids?dbId={database}", headers=alpha_gridly, json={"name": "Menu", "columns": EVERY_TYPE}
    )
    assert made.status_code == 201, made.text
    grid = made.json()
    assert grid["name"] == "Menu" and grid["databaseId"] == database
    assert [(c["id"], c["name"], c["type"]) for c in grid["columns"]] == [
        (c["id"], c["name"], c["type"]) for c in EVERY_TYPE
    ]
    assert grid["columns"][7]["selectionOptions"] == ["red", "green", "blue"]
    assert grid["columns"][11]["languageCode"] == "enUS"

    views = client.get(f"/v1/views?gridId={grid['id']}", headers=alpha_gridly).json()
    assert len(views) == 1 and views[0]["id"] == grid["defaultAccessViewId"]
    assert views[0]["name"] == "Default view" and views[0]["isDefault"] is True
    assert [c["id"] for c in views[0]["columns"]] == [c["id"] for c in EVERY_TYPE]

    assert client.get(f"/v1/grids/{grid['id']}", headers=alpha_gridly).json() == grid
    listed = client.get(f"/v1/grids?dbId={database}", headers=alpha_gridly)
    assert listed.status_code == 200 and grid in listed.json()
    # the number and datetime columns got their index
    indexes = {
        r["indexdef"] for r in db.fetch("SELECT indexdef FROM pg_indexes WHERE schemaname = $1", alpha.schema)
    }
    assert any("'num'" in i for i in indexes) and any("'when'" in i for i in indexes)

    # A grid without columns is fine too; records can be written into its default view.
    bare = client.post(f"/v1/grids?dbId={database}", headers=alpha_gridly, json={"name": "Bare"}).json()
    assert bare["columns"] == []
    records = client.post(
        f"/v1/views/{bare['defaultAccessViewId']}/records", headers=alpha_gridly, json=[{"path": "a"}]
    )
    assert records.status_code == 200, records.text


def test_rename_and_delete_a_grid(
    client: TestClient, alpha_gridly: dict[str, str], grid: Grid, db: Database
) -> None:
    renamed = client.patch(f"/v1/grids/{grid.id}", headers=alpha_gridly, json={"name": "Renamed"})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "Renamed" and [c["id"] for c in renamed.json()["columns"]] == list(
        grid.column_ids
    )
    assert renamed.json()["updatedAt"] >= renamed.json()["createdAt"]
    assert client.get(f"/v1/grids/{grid.id}", headers=alpha_gridly).json()["name"] == "Renamed"
    gridly_error(client.patch(f"/v1/grids/{grid.id}", headers=alpha_gridly, json={"name": " "}), 400, "name")

    posted = client.post(
        grid.records_url, headers=alpha_gridly, json=[{"cells": [{"columnId": "num", "value": 1}]}]
    )
    assert posted.status_code == 200
    schema = grid.tenant.schema
    deleted = client.delete(f"/v1/grids/{grid.id}", headers=alpha_gridly)
    assert deleted.status_code == 204 and deleted.content == b""
    not_found(client.get(f"/v1/grids/{grid.id}", headers=alpha_gridly), "grid", grid.id)
    not_found(client.get(grid.records_url, headers=alpha_gridly), "view", grid.view_id)
    for table in ("gridly_views", "gridly_columns", "gridly_records"):
        assert db.value(f'SELECT count(*) FROM "{schema}".{table} WHERE grid_id = $1', grid.id) == 0
    not_found(client.delete(f"/v1/grids/{grid.id}", headers=alpha_gridly), "grid", grid.id)


def test_a_deleted_grid_drops_the_cell_index_no_other_grid_needs(
    client: TestClient, alpha_gridly: dict[str, str], make_grid: MakeGrid, db: Database
) -> None:
    column = [{"id": "onlyHereNum", "name": "N", "type": "number"}]
    first, second = make_grid("alpha", column), make_grid("alpha", column)
    schema = first.tenant.schema

    def indexed() -> bool:
        return bool(
            db.value(
                "SELECT count(*) FROM pg_indexes WHERE schemaname = $1 AND indexdef LIKE '%onlyHereNum%'",
                schema,
            )
        )

    assert indexed()
    assert client.delete(f"/v1/grids/{first.id}", headers=alpha_gridly).status_code == 204
    assert indexed()  # the second grid still queries by it
    assert client.delete(f"/v1/grids/{second.id}", headers=alpha_gridly).status_code == 204
    assert not indexed()


def test_grid_errors(client: TestClient, alpha_gridly: dict[str, str]) -> None:
    database = _database(client, alpha_gridly)
    gridly_error(client.get("/v1/grids", headers=alpha_gridly), 400, "dbId")
    not_found(client.get("/v1/grids?dbId=nodb", headers=alpha_gridly), "database", "nodb")
    not_found(
        client.post("/v1/grids?dbId=nodb", headers=alpha_gridly, json={"name": "g"}), "database", "nodb"
    )
    not_found(client.get("/v1/grids/nogrid", headers=alpha_gridly), "grid", "nogrid")
    not_found(client.patch("/v1/grids/nogrid", headers=alpha_gridly, json={"name": "x"}), "grid", "nogrid")
    url = f"/v1/grids?dbId={database}"
    gridly_error(client.post(url, headers=alpha_gridly, json={}), 400, "name")
    gridly_error(client.post(url, headers=alpha_gridly, json={"name": "g", "columns": {}}), 400, "columns")
    gridly_error(
        client.post(
            url, headers=alpha_gridly, json={"name": "g", "columns": [{"name": "x", "type": "text"}]}
        ),
        400,
        "columns[0].type",
    )
    gridly_error(
        client.post(
            url, headers=alpha_gridly, json={"name": "g", "columns": [{"id": "a b", "type": "number"}]}
        ),
        400,
        "columns[0].id",
    )
    twice = [{"id": "a", "name": "A", "type": "number"}, {"id": "a", "name": "B", "type": "singleLine"}]
    gridly_error(client.post(url, headers=alpha_gridly, json={"name": "g", "columns": twice}), 409)
    gridly_error(client.put("/v1/grids/nogrid", headers=alpha_gridly, json={}), 405)


def test_grids_of_another_tenant_are_not_found(
    client: TestClient, beta_gridly: dict[str, str], alpha_gridly: dict[str, str], grid: Grid
) -> None:
    not_found(client.get(f"/v1/grids/{grid.id}", headers=beta_gridly), "grid", grid.id)
    not_found(client.patch(f"/v1/grids/{grid.id}", headers=beta_gridly, json={"name": "x"}), "grid", grid.id)
    not_found(client.delete(f"/v1/grids/{grid.id}", headers=beta_gridly), "grid", grid.id)
    not_found(
        client.get(f"/v1/grids?dbId={grid.database_id}", headers=beta_gridly), "database", grid.database_id
    )
    not_found(
        client.post(f"/v1/grids?dbId={grid.database_id}", headers=beta_gridly, json={"name": "x"}),
        "database",
        grid.database_id,
    )
    assert client.get(f"/v1/grids/{grid.id}", headers=alpha_gridly).status_code == 200
