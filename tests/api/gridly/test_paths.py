"""Paths (folders): POST /paths {parentPath, paths}, PUT /paths/{path} {newName}, DELETE /paths {paths},
GET /paths/tree?rootPath -> [{name, parentPath}]."""

from __future__ import annotations

from urllib.parse import quote

from starlette.testclient import TestClient

from tests.api.gridly.conftest import Grid
from tests.api.gridly.structure_support import gridly_error, not_found
from tests.conftest import Database


def _paths(grid: Grid) -> str:
    return f"/v1/views/{grid.view_id}/paths"


def _tree(
    client: TestClient, headers: dict[str, str], grid: Grid, root: str | None = None
) -> list[tuple[str, str]]:
    params = {"rootPath": root} if root is not None else {}
    answer = client.get(f"{_paths(grid)}/tree", headers=headers, params=params)
    assert answer.status_code == 200, answer.text
    return [(f["parentPath"], f["name"]) for f in answer.json()]


def _record_paths(client: TestClient, headers: dict[str, str], grid: Grid) -> dict[str, str]:
    return {r["id"]: r["path"] for r in client.get(grid.records_url, headers=headers).json()}


def test_create_folders_and_read_the_tree(
    client: TestClient, alpha_gridly: dict[str, str], grid: Grid
) -> None:
    made = client.post(
        _paths(grid), headers=alpha_gridly, json={"parentPath": "Menu/Food", "paths": ["Pasta", "Pizza"]}
    )
    assert made.status_code == 201, made.text
    assert made.json() == {"paths": ["Menu/Food/Pasta", "Menu/Food/Pizza"]}
    top = client.post(_paths(grid), headers=alpha_gridly, json={"paths": ["Drinks"]})
    assert top.json() == {"paths": ["Drinks"]}
    # a record's path is a folder too
    client.post(grid.records_url, headers=alpha_gridly, json=[{"id": "r", "path": "Menu/Sides/Fries"}])
    assert _tree(client, alpha_gridly, grid) == [
        ("", "Drinks"),
        ("", "Menu"),
        ("Menu", "Food"),
        ("Menu/Food", "Pasta"),
        ("Menu/Food", "Pizza"),
        ("Menu", "Sides"),
        ("Menu/Sides", "Fries"),
    ]
    assert _tree(client, alpha_gridly, grid, "Menu/Food") == [("Menu/Food", "Pasta"), ("Menu/Food", "Pizza")]
    assert _tree(client, alpha_gridly, grid, "Drinks") == []
    not_found(
        client.get(f"{_paths(grid)}/tree", headers=alpha_gridly, params={"rootPath": "Nowhere"}),
        "path",
        "Nowhere",
    )


def test_rename_moves_everything_below(
    client: TestClient, alpha_gridly: dict[str, str], grid: Grid, db: Database
) -> None:
    client.post(_paths(grid), headers=alpha_gridly, json={"parentPath": "Menu", "paths": ["Empty"]})
    client.post(
        grid.records_url,
        headers=alpha_gridly,
        json=[
            {"id": "a", "path": "Menu"},
            {"id": "b", "path": "Menu/Food/Pasta"},
            {"id": "c", "path": "Menus"},
        ],
    )
    renamed = client.put(f"{_paths(grid)}/Menu", headers=alpha_gridly, json={"newName": "Carte"})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json() == {"path": "Carte"}
    assert _record_paths(client, alpha_gridly, grid) == {"a": "Carte", "b": "Carte/Food/Pasta", "c": "Menus"}
    assert ("Carte", "Empty") in _tree(client, alpha_gridly, grid)
    assert not [f for f in _tree(client, alpha_gridly, grid) if f[1] == "Menu" or f[0].startswith("Menu/")]
    # a nested folder, its '/' sent encoded or not
    nested = client.put(
        f"{_paths(grid)}/{quote('Carte/Food', safe='')}", headers=alpha_gridly, json={"newName": "Dishes"}
    )
    assert nested.status_code == 200, nested.text
    assert nested.json() == {"path": "Carte/Dishes"}
    plain = client.put(
        f"{_paths(grid)}/Carte/Dishes/Pasta", headers=alpha_gridly, json={"newName": "Noodles"}
    )
    assert plain.json() == {"path": "Carte/Dishes/Noodles"}
    assert _record_paths(client, alpha_gridly, grid)["b"] == "Carte/Dishes/Noodles"
    body = gridly_error(
        client.put(f"{_paths(grid)}/Carte", headers=alpha_gridly, json={"newName": "Menus"}), 409
    )
    assert "Menus" in body["message"]
    not_found(
        client.put(f"{_paths(grid)}/Nowhere", headers=alpha_gridly, json={"newName": "x"}), "path", "Nowhere"
    )
    for bad in ({}, {"newName": "a/b"}, {"newName": ""}, {"newName": 3}):
        gridly_error(client.put(f"{_paths(grid)}/Carte", headers=alpha_gridly, json=bad), 400, "newName")


def test_delete_folders_with_their_records(
    client: TestClient, alpha_gridly: dict[str, str], grid: Grid
) -> None:
    client.post(_paths(grid), headers=alpha_gridly, json={"parentPath": "Old", "paths": ["Empty"]})
    client.post(
        grid.records_url,
        headers=alpha_gridly,
        json=[
            {"id": "a", "path": "Old/Sub"},
            {"id": "b", "path": "Old"},
            {"id": "c", "path": "Older"},
            {"id": "d"},
        ],
    )
    deleted = client.request("DELETE", _paths(grid), headers=alpha_gridly, json={"paths": ["Old"]})
    assert deleted.status_code == 204 and deleted.content == b""
    assert _record_paths(client, alpha_gridly, grid) == {"c": "Older", "d": ""}
    assert _tree(client, alpha_gridly, grid) == [("", "Older")]
    not_found(
        client.request("DELETE", _paths(grid), headers=alpha_gridly, json={"paths": ["Old"]}), "path", "Old"
    )
    gridly_error(
        client.request("DELETE", _paths(grid), headers=alpha_gridly, json={"paths": []}), 400, "paths"
    )


def test_path_errors_and_isolation(
    client: TestClient, alpha_gridly: dict[str, str], beta_gridly: dict[str, str], grid: Grid
) -> None:
    gridly_error(client.post(_paths(grid), headers=alpha_gridly, json={"paths": "a"}), 400, "paths")
    gridly_error(client.post(_paths(grid), headers=alpha_gridly, json={"paths": ["a//b"]}), 400, "paths[0]")
    gridly_error(client.post(_paths(grid), headers=alpha_gridly, json={"paths": [""]}), 400, "paths[0]")
    gridly_error(
        client.post(_paths(grid), headers=alpha_gridly, json={"parentPath": 1, "paths": ["a"]}),
        400,
        "parentPath",
    )
    client.post(_paths(grid), headers=alpha_gridly, json={"paths": ["Mine"]})
    not_found(client.get(f"{_paths(grid)}/tree", headers=beta_gridly), "view", grid.view_id)
    not_found(client.post(_paths(grid), headers=beta_gridly, json={"paths": ["x"]}), "view", grid.view_id)
    not_found(
        client.put(f"{_paths(grid)}/Mine", headers=beta_gridly, json={"newName": "x"}), "view", grid.view_id
    )
    not_found(
        client.request("DELETE", _paths(grid), headers=beta_gridly, json={"paths": ["Mine"]}),
        "view",
        grid.view_id,
    )
    assert _tree(client, alpha_gridly, grid) == [("", "Mine")]
