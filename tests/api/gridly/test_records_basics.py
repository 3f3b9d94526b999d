"""GET/POST /v1/views/{viewId}/records end to end: arrays in and out, empty cells, client ids."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.api.gridly.conftest import Grid


def test_post_then_list(client: TestClient, alpha_gridly: dict[str, str], grid: Grid) -> None:
    posted = client.post(
        grid.records_url,
        headers=alpha_gridly,
        json=[
            {
                "path": "Level 1",
                "cells": [{"columnId": "text", "value": "Pasta"}, {"columnId": "num", "value": 12}],
            },
            {"id": "mine", "cells": [{"columnId": "enUS", "value": "Hello"}]},
        ],
    )
    assert posted.status_code == 200, posted.text
    records = posted.json()
    assert [r["id"] for r in records][1] == "mine"
    first = records[0]
    assert first["path"] == "Level 1"
    cells = {c["columnId"]: c["value"] for c in first["cells"]}
    assert [c["columnId"] for c in first["cells"]] == list(grid.column_ids)
    assert cells["text"] == "Pasta" and cells["num"] == 12 and cells["enUS"] is None and cells["many"] == []

    listed = client.get(grid.records_url, headers=alpha_gridly)
    assert listed.status_code == 200, listed.text
    assert listed.headers["X-Total-Count"] == "2"
    assert "Link" not in listed.headers
    assert [r["id"] for r in listed.json()] == [first["id"], "mine"]
