"""The `gridly-cli` client (PyPI) against a live server: its listings of projects, databases, grids,
views and columns, a grid's rename, record deletion, and its export, which pages records by following
`Link: rel="next"` alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.api.gridly.conftest import MakeGrid
from tests.api.gridly.gridly_cli_support import gridly_cli

COLUMNS = [
    {"id": "enUS", "name": "English", "type": "language", "languageCode": "enUS"},
    {"id": "price", "name": "Price", "type": "number"},
]


def test_gridly_cli_walks_the_tree_and_exports_every_page(
    client: TestClient,
    alpha_gridly: dict[str, str],
    make_grid: MakeGrid,
    live_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    database = client.post(
        f"/v1/databases?projectId={client.get('/v1/projects', headers=alpha_gridly).json()[0]['id']}",
        headers=alpha_gridly,
        json={"name": "CLI database"},
    ).json()
    project_name = client.get("/v1/projects", headers=alpha_gridly).json()[0]["name"]
    grid = client.post(
        f"/v1/grids?dbId={database['id']}",
        headers=alpha_gridly,
        json={"name": "CLI grid", "columns": COLUMNS},
    ).json()
    view_id = grid["defaultAccessViewId"]
    records = [
        {
            "id": f"r{n:03}",
            "cells": [{"columnId": "enUS", "value": f"text {n}"}, {"columnId": "price", "value": n}],
        }
        for n in range(250)
    ]
    assert client.post(f"/v1/views/{view_id}/records", headers=alpha_gridly, json=records).status_code == 200
    key = alpha_gridly["Authorization"].split()[1]
    tree = [project_name, "CLI database", "CLI grid"]

    with gridly_cli(monkeypatch, live_url, key) as cli:
        projects = cli.run("project")
        assert projects.exit_code == 0, projects.output
        assert project_name in projects.output.splitlines()

        databases = cli.run("database", answers=[project_name])
        assert "CLI database" in databases.output.splitlines()

        grids = cli.run("grid", answers=tree[:2])
        assert grids.output.splitlines() == ["CLI grid"]

        views = cli.run("view", "-ls", answers=tree)
        assert views.output.splitlines() == ["Default view"]

        columns = cli.run("column", answers=tree)
        assert columns.exit_code == 0, columns.output
        assert "Grid name: CLI grid" in columns.output
        assert "| enUS" in columns.output and "| language" in columns.output and "| number" in columns.output

        shown = cli.run("view", view_id)
        assert json.loads(shown.output)["id"] == view_id

        cli.http.sent.clear()
        exported = cli.run("export", "-json", view_id, str(tmp_path) + "/")
        assert exported.exit_code == 0, exported.output
        pages = [url for method, url in cli.http.sent if "/records" in url]
        assert len(pages) == 3  # the first page, then two `Link: rel="next"` URLs
        assert all(url.startswith(live_url) for url in pages)
        dumped = json.loads((tmp_path / f"grid_{view_id}_all.json").read_text())
        assert dumped == [{"id": f"r{n:03}", "enUS": f"text {n}", "price": n} for n in range(250)]

        # `grid -u` renames through PATCH /v1/grids/{id} (the client then fails on its own:
        # its `patch` returns nothing it could read).
        cli.run("grid", "-u", answers=[*tree, "Renamed grid"])
        assert ("PATCH", f"{live_url}/v1/grids/{grid['id']}") in cli.http.sent
        assert client.get(f"/v1/grids/{grid['id']}", headers=alpha_gridly).json()["name"] == "Renamed grid"

        deleted = cli.run(
            "record", "-d", answers=[*tree[:2], "Renamed grid", "Default view", ["r000", "r249"]]
        )
        assert deleted.exit_code == 0, deleted.output
    left = client.get(f"/v1/views/{view_id}/records", headers=alpha_gridly)
    assert left.headers["X-Total-Count"] == "248"
    assert "r000" not in {r["id"] for r in left.json()}
