"""A view's columns: POST/GET /v1/views/{viewId}/columns, GET/PATCH/DELETE .../columns/{columnId}."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.testclient import TestClient

from tenantgrid.apis.gridly.grids_store import COLUMN_TYPES
from tests.api.gridly.conftest import Grid, MakeGrid
from tests.api.gridly.structure_support import gridly_error, not_found
from tests.conftest import Database


def _columns_url(grid: Grid) -> str:
    return f"/v1/views/{grid.view_id}/columns"


@pytest.mark.parametrize("kind", COLUMN_TYPES)
def test_create_a_column_of_every_type(
    client: TestClient, alpha_gridly: dict[str, str], make_grid: MakeGrid, kind: str
) -> None:
    grid = make_grid("alpha", [])
    made = client.post(
        _columns_url(grid), headers=alpha_gridly, json={"id": f"c_{kind}", "name": kind, "type": kind}
    )
    assert made.status_code == 201, made.text
    assert made.json() == {"id": f"c_{kind}", "name": kind, "type": kind}
    assert client.get(f"{_columns_url(grid)}/c_{kind}", headers=alpha_gridly).json() == made.json()


def test_create_list_and_read_columns(
    client: TestClient, alpha_gridly: dict[str, str], make_grid: MakeGrid
) -> None:
    grid = make_grid("alpha", [])
    url = _columns_url(grid)
    english = {
        "id": "enUS",
        "name": "English",
        "type": "language",
        "languageCode": "enUS",
        "localizationType": "sourceLanguage",
        "isSource": True,
        "description": "the source text",
    }
    assert client.post(url, headers=alpha_gridly, json=english).json() == english
    generated = client.post(url, headers=alpha_gridly, json={"name": "Price", "type": "number"})
    assert generated.status_code == 201
    generated_id = generated.json()["id"]
    assert generated_id and generated_id != "enUS"
    listed = client.get(url, headers=alpha_gridly)
    assert listed.status_code == 200
    assert [c["id"] for c in listed.json()] == ["enUS", generated_id]
    assert client.get(f"/v1/grids/{grid.id}", headers=alpha_gridly).json()["columns"] == listed.json()
    # the new number column filters at once
    client.post(
        grid.records_url, headers=alpha_gridly, json=[{"cells": [{"columnId": generated_id, "value": 5}]}]
    )
    query = json.dumps({generated_id: {">": 4}})
    assert (
        client.get(grid.records_url, headers=alpha_gridly, params={"query": query}).headers["X-Total-Count"]
        == "1"
    )


def test_column_errors(client: TestClient, alpha_gridly: dict[str, str], grid: Grid) -> None:
    url = _columns_url(grid)
    gridly_error(client.post(url, headers=alpha_gridly, json={"type": "number"}), 400, "name")
    gridly_error(client.post(url, headers=alpha_gridly, json={"name": "N"}), 400, "type")
    gridly_error(client.post(url, headers=alpha_gridly, json={"name": "N", "type": "text"}), 400, "type")
    gridly_error(
        client.post(url, headers=alpha_gridly, json={"id": "a'b", "name": "N", "type": "number"}), 400, "id"
    )
    body = gridly_error(
        client.post(url, headers=alpha_gridly, json={"id": "num", "name": "N", "type": "number"}), 409
    )
    assert "num" in body["message"]
    gridly_error(client.post(url, headers=alpha_gridly, json=[]), 400, "body")
    not_found(client.get(f"{url}/nocol", headers=alpha_gridly), "column", "nocol")
    not_found(client.patch(f"{url}/nocol", headers=alpha_gridly, json={"name": "x"}), "column", "nocol")
    not_found(client.delete(f"{url}/nocol", headers=alpha_gridly), "column", "nocol")
    not_found(client.get("/v1/views/noview/columns", headers=alpha_gridly), "view", "noview")
    not_found(
        client.post("/v1/views/noview/columns", headers=alpha_gridly, json={"name": "n", "type": "number"}),
        "view",
        "noview",
    )
    gridly_error(client.patch(f"{url}/num", headers=alpha_gridly, json={"id": "other"}), 400, "id")
    gridly_error(client.patch(f"{url}/num", headers=alpha_gridly, json={"type": "nope"}), 400, "type")
    gridly_error(client.patch(f"{url}/num", headers=alpha_gridly, json={"type": "files"}), 400, "type")
    gridly_error(client.patch(f"{url}/num", headers=alpha_gridly, json={"name": ""}), 400, "name")


def test_a_view_reaches_only_the_columns_it_shows(
    client: TestClient, alpha_gridly: dict[str, str], beta_gridly: dict[str, str], grid: Grid
) -> None:
    view = client.post(
        "/v1/views", headers=alpha_gridly, json={"name": "T", "gridId": grid.id, "columns": ["text"]}
    ).json()
    url = f"/v1/views/{view['id']}/columns"
    assert [c["id"] for c in client.get(url, headers=alpha_gridly).json()] == ["text"]
    not_found(client.get(f"{url}/num", headers=alpha_gridly), "column", "num")
    not_found(client.delete(f"{url}/num", headers=alpha_gridly), "column", "num")
    not_found(client.patch(f"{url}/num", headers=alpha_gridly, json={"name": "x"}), "column", "num")
    # another tenant reaches none of it
    not_found(client.get(f"{_columns_url(grid)}/num", headers=beta_gridly), "view", grid.view_id)
    not_found(client.delete(f"{_columns_url(grid)}/num", headers=beta_gridly), "view", grid.view_id)
    not_found(
        client.post(_columns_url(grid), headers=beta_gridly, json={"name": "n", "type": "number"}),
        "view",
        grid.view_id,
    )
    assert client.get(f"{_columns_url(grid)}/num", headers=alpha_gridly).status_code == 200


def _cells(client: TestClient, headers: dict[str, str], grid: Grid, column: str) -> dict[str, Any]:
    records = client.get(grid.records_url, headers=headers, params={"columnIds": column}).json()
    return {r["id"]: r["cells"][0]["value"] for r in records}


def test_patch_renames_and_converts_cells_to_a_new_type(
    client: TestClient, alpha_gridly: dict[str, str], grid: Grid, db: Database
) -> None:
    url = f"{_columns_url(grid)}/text"
    client.post(
        grid.records_url,
        headers=alpha_gridly,
        json=[
            {"id": "a", "cells": [{"columnId": "text", "value": "12.5"}, {"columnId": "num", "value": 3}]},
            {"id": "b", "cells": [{"columnId": "text", "value": "pizza"}]},
        ],
    )
    renamed = client.patch(url, headers=alpha_gridly, json={"name": "Amount", "description": "money"})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json() == {"id": "text", "name": "Amount", "type": "singleLine", "description": "money"}
    retyped = client.patch(url, headers=alpha_gridly, json={"type": "number", "description": None})
    assert retyped.json() == {"id": "text", "name": "Amount", "type": "number"}
    assert _cells(client, alpha_gridly, grid, "text") == {"a": 12.5, "b": None}  # "pizza" is no number
    over = client.get(grid.records_url, headers=alpha_gridly, params={"query": '{"text": {">": 12}}'})
    assert [r["id"] for r in over.json()] == ["a"]
    schema = grid.tenant.schema
    assert db.value(
        "SELECT count(*) FROM pg_indexes WHERE schemaname = $1 AND indexdef LIKE '%''text''%'", schema
    )
    # and back: numbers become text
    assert client.patch(url, headers=alpha_gridly, json={"type": "singleLine"}).status_code == 200
    assert _cells(client, alpha_gridly, grid, "text") == {"a": "12.5", "b": None}
    num = client.patch(f"{_columns_url(grid)}/num", headers=alpha_gridly, json={"type": "multipleLines"})
    assert num.status_code == 200 and _cells(client, alpha_gridly, grid, "num") == {"a": "3", "b": None}
    # narrowing selection options clears the values no longer offered
    client.patch(
        grid.records_url,
        headers=alpha_gridly,
        json=[{"id": "a", "cells": [{"columnId": "one", "value": "red"}]}],
    )
    client.patch(
        grid.records_url,
        headers=alpha_gridly,
        json=[{"id": "b", "cells": [{"columnId": "one", "value": "blue"}]}],
    )
    assert (
        client.patch(
            f"{_columns_url(grid)}/one", headers=alpha_gridly, json={"selectionOptions": ["red"]}
        ).status_code
        == 200
    )
    assert _cells(client, alpha_gridly, grid, "one") == {"a": "red", "b": None}


def test_delete_removes_the_column_its_cells_files_and_index(
    client: TestClient, alpha_gridly: dict[str, str], grid: Grid, db: Database
) -> None:
    schema = grid.tenant.schema
    client.post(
        grid.records_url,
        headers=alpha_gridly,
        json=[{"id": "r", "cells": [{"columnId": "num", "value": 7}, {"columnId": "text", "value": "x"}]}],
    )
    uploaded = client.post(
        f"/v1/views/{grid.view_id}/records/r/files",
        headers=alpha_gridly,
        files={"file": ("a.txt", b"hello")},
        data={"columnId": "docs"},
    )
    assert uploaded.status_code in (200, 201), uploaded.text
    other = client.post(
        "/v1/views",
        headers=alpha_gridly,
        json={"name": "O", "gridId": grid.id, "columns": ["num", "docs", "text"]},
    ).json()

    for column in ("num", "docs"):
        deleted = client.delete(f"{_columns_url(grid)}/{column}", headers=alpha_gridly)
        assert deleted.status_code == 204 and deleted.content == b""
        not_found(client.get(f"{_columns_url(grid)}/{column}", headers=alpha_gridly), "column", column)
    assert [
        c["id"] for c in client.get(f"/v1/views/{other['id']}", headers=alpha_gridly).json()["columns"]
    ] == ["text"]
    cells = db.value(
        f'SELECT cells::text FROM "{schema}".gridly_records WHERE grid_id = $1 AND id = $2', grid.id, "r"
    )
    assert cells == '{"text": "x"}'
    assert db.value(f'SELECT count(*) FROM "{schema}".gridly_files WHERE grid_id = $1', grid.id) == 0
    assert db.value(f'SELECT count(*) FROM "{schema}".gridly_file_chunks') == db.value(
        f'SELECT count(*) FROM "{schema}".gridly_file_chunks c JOIN "{schema}".gridly_files f ON f.id = c.file_id'
    )
    gridly_error(
        client.get(grid.records_url, headers=alpha_gridly, params={"query": '{"num": {">": 1}}'}), 400
    )
    # a column of the same id can be made again, empty
    again = client.post(
        _columns_url(grid), headers=alpha_gridly, json={"id": "num", "name": "N", "type": "number"}
    )
    assert again.status_code == 201
    assert _cells(client, alpha_gridly, grid, "num") == {"r": None}
