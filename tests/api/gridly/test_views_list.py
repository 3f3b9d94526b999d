"""A grid's views: GET /v1/views?gridId= (default view first) and POST /v1/views {name, gridId, columns}."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.api.gridly.conftest import Grid
from tests.api.gridly.structure_support import gridly_error, not_found


def test_views_of_a_grid_default_first(client: TestClient, alpha_gridly: dict[str, str], grid: Grid) -> None:
    made = client.post(
        "/v1/views",
        headers=alpha_gridly,
        json={"name": "Translators", "gridId": grid.id, "columns": ["enUS", "text"]},
    )
    assert made.status_code == 201, made.text
    view = made.json()
    assert view["name"] == "Translators" and view["gridId"] == grid.id and view["isDefault"] is False
    assert [c["id"] for c in view["columns"]] == ["enUS", "text"]  # the order given
    assert client.get(f"/v1/views/{view['id']}", headers=alpha_gridly).json()["columns"] == view["columns"]

    objects = client.post(
        "/v1/views",
        headers=alpha_gridly,
        json={"name": "Numbers", "gridId": grid.id, "columns": [{"id": "num"}]},
    )
    assert objects.status_code == 201 and [c["id"] for c in objects.json()["columns"]] == ["num"]
    every = client.post("/v1/views", headers=alpha_gridly, json={"name": "All now", "gridId": grid.id}).json()
    assert [c["id"] for c in every["columns"]] == list(grid.column_ids)

    listed = client.get(f"/v1/views?gridId={grid.id}", headers=alpha_gridly)
    assert listed.status_code == 200, listed.text
    views = listed.json()
    assert [v["id"] for v in views] == [grid.view_id, view["id"], objects.json()["id"], every["id"]]
    assert views[0]["isDefault"] and views[0]["name"] == "Default view"
    assert {c["id"] for c in views[0]["columns"]} == set(grid.column_ids)


def test_a_column_added_through_a_view_shows_in_the_default_view_only_besides(
    client: TestClient, alpha_gridly: dict[str, str], grid: Grid
) -> None:
    first = client.post(
        "/v1/views", headers=alpha_gridly, json={"name": "A", "gridId": grid.id, "columns": ["text"]}
    ).json()
    second = client.post(
        "/v1/views", headers=alpha_gridly, json={"name": "B", "gridId": grid.id, "columns": ["num"]}
    ).json()
    added = client.post(
        f"/v1/views/{first['id']}/columns",
        headers=alpha_gridly,
        json={"id": "deDE", "name": "German", "type": "language"},
    )
    assert added.status_code == 201, added.text

    def shown(view_id: str) -> list[str]:
        return [c["id"] for c in client.get(f"/v1/views/{view_id}", headers=alpha_gridly).json()["columns"]]

    assert shown(first["id"]) == ["text", "deDE"]
    assert shown(grid.view_id)[-1] == "deDE"
    assert shown(second["id"]) == ["num"]
    # records written through the default view show only the view's columns through another view
    client.post(
        grid.records_url,
        headers=alpha_gridly,
        json=[{"id": "r1", "cells": [{"columnId": "deDE", "value": "Hallo"}]}],
    )
    records = client.get(f"/v1/views/{second['id']}/records", headers=alpha_gridly).json()
    assert [[c["columnId"] for c in r["cells"]] for r in records] == [["num"]]


def test_view_errors_and_isolation(
    client: TestClient, alpha_gridly: dict[str, str], beta_gridly: dict[str, str], grid: Grid
) -> None:
    gridly_error(client.get("/v1/views", headers=alpha_gridly), 400, "gridId")
    not_found(client.get("/v1/views?gridId=nogrid", headers=alpha_gridly), "grid", "nogrid")
    not_found(client.get(f"/v1/views?gridId={grid.id}", headers=beta_gridly), "grid", grid.id)
    gridly_error(client.post("/v1/views", headers=alpha_gridly, json={"gridId": grid.id}), 400, "name")
    gridly_error(client.post("/v1/views", headers=alpha_gridly, json={"name": "v"}), 400, "gridId")
    not_found(
        client.post("/v1/views", headers=alpha_gridly, json={"name": "v", "gridId": "nogrid"}),
        "grid",
        "nogrid",
    )
    not_found(
        client.post("/v1/views", headers=beta_gridly, json={"name": "v", "gridId": grid.id}), "grid", grid.id
    )
    gridly_error(
        client.post(
            "/v1/views",
            headers=alpha_gridly,
            json={"name": "v", "gridId": grid.id, "columns": ["text", "zz"]},
        ),
        400,
        "columns[1]",
    )
    gridly_error(
        client.post(
            "/v1/views", headers=alpha_gridly, json={"name": "v", "gridId": grid.id, "columns": "text"}
        ),
        400,
        "columns",
    )
    assert [v["id"] for v in client.get(f"/v1/views?gridId={grid.id}", headers=alpha_gridly).json()] == [
        grid.view_id
    ]
