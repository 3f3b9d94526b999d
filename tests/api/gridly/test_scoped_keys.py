"""Keys scoped to some views (`tenantgrid keys create --views`): they reach those views and nothing
else, change no grid, and every other API refuses them."""

from __future__ import annotations

import time

from starlette.testclient import TestClient

from tenantgrid.settings import Settings
from tests.api.gridly.conftest import Grid, MakeGrid
from tests.api.gridly.structure_support import gridly_error, not_found, scoped_key
from tests.conftest import Database


def test_a_scoped_key_reaches_only_its_views(
    client: TestClient, alpha_gridly: dict[str, str], make_grid: MakeGrid, grid: Grid, db: Database
) -> None:
    view = client.post(
        "/v1/views",
        headers=alpha_gridly,
        json={"name": "Translators", "gridId": grid.id, "columns": ["enUS", "text"]},
    ).json()
    other_grid = make_grid("alpha")
    key = scoped_key(db, "alpha", [view["id"]])
    records = f"/v1/views/{view['id']}/records"

    # its view: read and write records, columns, paths
    assert client.get(f"/v1/views/{view['id']}", headers=key).json()["columns"] == view["columns"]
    posted = client.post(
        records, headers=key, json=[{"id": "r", "cells": [{"columnId": "enUS", "value": "Hi"}]}]
    )
    assert posted.status_code == 200, posted.text
    assert client.get(records, headers=key).json()[0]["cells"] == [
        {"columnId": "enUS", "value": "Hi"},
        {"columnId": "text", "value": None},
    ]
    assert [c["id"] for c in client.get(f"/v1/views/{view['id']}/columns", headers=key).json()] == [
        "enUS",
        "text",
    ]
    assert (
        client.post(f"/v1/views/{view['id']}/paths", headers=key, json={"paths": ["Mine"]}).status_code == 201
    )
    # the grid it lies in: readable, with only the columns its views show; its views: only its own
    seen = client.get(f"/v1/grids/{grid.id}", headers=key)
    assert seen.status_code == 200, seen.text
    assert [c["id"] for c in seen.json()["columns"]] == ["text", "enUS"]  # the grid's order
    assert [v["id"] for v in client.get(f"/v1/views?gridId={grid.id}", headers=key).json()] == [view["id"]]

    # other views of the grid, other grids: as if they did not exist
    for other in (grid.view_id, other_grid.view_id):
        not_found(client.get(f"/v1/views/{other}", headers=key), "view", other)
        not_found(client.get(f"/v1/views/{other}/records", headers=key), "view", other)
        not_found(client.post(f"/v1/views/{other}/records", headers=key, json=[{}]), "view", other)
        not_found(client.get(f"/v1/views/{other}/columns", headers=key), "view", other)
        not_found(client.get(f"/v1/views/{other}/paths/tree", headers=key), "view", other)
    not_found(client.get(f"/v1/grids/{other_grid.id}", headers=key), "grid", other_grid.id)
    not_found(client.get(f"/v1/views?gridId={other_grid.id}", headers=key), "grid", other_grid.id)

    # nothing above a view, and no change to the grid's shape
    forbidden = [
        client.get("/v1/projects", headers=key),
        client.post("/v1/projects", headers=key, json={"name": "p"}),
        client.get(f"/v1/databases?projectId={grid.database_id}", headers=key),
        client.get(f"/v1/grids?dbId={grid.database_id}", headers=key),
        client.post(f"/v1/grids?dbId={grid.database_id}", headers=key, json={"name": "g"}),
        client.patch(f"/v1/grids/{grid.id}", headers=key, json={"name": "g"}),
        client.delete(f"/v1/grids/{grid.id}", headers=key),
        client.post("/v1/views", headers=key, json={"name": "v", "gridId": grid.id}),
        client.post(f"/v1/views/{view['id']}/columns", headers=key, json={"name": "n", "type": "number"}),
        client.patch(f"/v1/views/{view['id']}/columns/text", headers=key, json={"name": "n"}),
        client.delete(f"/v1/views/{view['id']}/columns/text", headers=key),
    ]
    for answer in forbidden:
        gridly_error(answer, 403)
    assert client.get(f"/v1/grids/{grid.id}", headers=alpha_gridly).json()["name"] == "Grid"
    assert len(client.get(f"/v1/views/{view['id']}/columns", headers=key).json()) == 2


def test_a_scoped_key_is_no_key_for_the_other_apis_and_can_be_revoked(
    client: TestClient, grid: Grid, db: Database, settings: Settings
) -> None:
    key = scoped_key(db, "alpha", [grid.view_id])
    secret = key["Authorization"].split()[1]
    assert client.get(grid.records_url, headers=key).status_code == 200
    refused = client.get("/rest/v1/things", headers={"apikey": secret})
    assert refused.status_code == 401 and "scoped to Gridly views" in refused.json()["message"]
    assert client.get("/rest/users/", headers={"apikey": secret}).status_code == 401
    db.fetch("UPDATE tenantgrid.api_keys SET revoked_at = now() WHERE views = $1", [grid.view_id])
    time.sleep(settings.auth_cache_ttl + 0.1)
    gridly_error(client.get(grid.records_url, headers=key), 401)


def test_a_key_scoped_to_another_tenants_view_reaches_nothing(
    client: TestClient, make_grid: MakeGrid, db: Database
) -> None:
    beta_grid = make_grid("beta")
    key = scoped_key(db, "alpha", [beta_grid.view_id])  # alpha's key naming beta's view id
    not_found(client.get(beta_grid.records_url, headers=key), "view", beta_grid.view_id)
    not_found(client.get(f"/v1/grids/{beta_grid.id}", headers=key), "grid", beta_grid.id)
