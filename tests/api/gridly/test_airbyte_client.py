"""The `airbyte-source-gridly` connector (PyPI), in a venv of its own (Python < 3.12, see
airbyte_support.py), against a live server: `check` reads the grid, `discover` its views, `read`
every record of each view, paging as the connector does (no `page` first, then
`page={"offset":100,"limit":100}`, ... for ceil(X-Total-Count / 100) pages)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.api.gridly.airbyte_support import connector_python, of_type, run_connector
from tests.api.gridly.conftest import MakeGrid
from tests.api.gridly.structure_support import scoped_key
from tests.conftest import Database

COLUMNS = [
    {"id": "enUS", "name": "English", "type": "language"},
    {"id": "price", "name": "Price", "type": "number"},
    {"id": "sold", "name": "Sold", "type": "boolean"},
    {"id": "when", "name": "When", "type": "datetime"},
]


@pytest.fixture(scope="module")
def airbyte_python() -> Path:
    return connector_python()


def _catalog(streams: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "streams": [
            {"stream": stream, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}
            for stream in streams
        ]
    }


def test_airbyte_checks_discovers_and_reads_every_page(
    client: TestClient,
    alpha_gridly: dict[str, str],
    make_grid: MakeGrid,
    live_url: str,
    airbyte_python: Path,
    tmp_path: Path,
) -> None:
    grid = make_grid("alpha", COLUMNS, name="Airbyte grid")
    made = client.post(
        "/v1/views", headers=alpha_gridly, json={"name": "Prices", "gridId": grid.id, "columns": ["price"]}
    )
    assert made.status_code == 201, made.text
    records = [
        {
            "id": f"r{n:03}",
            "cells": [
                {"columnId": "enUS", "value": f"text {n}"},
                {"columnId": "price", "value": n + 0.5},
                {"columnId": "sold", "value": n % 2 == 0},
            ],
        }
        for n in range(250)
    ]
    assert client.post(grid.records_url, headers=alpha_gridly, json=records).status_code == 200
    config = {"api_key": alpha_gridly["Authorization"].split()[1], "grid_id": grid.id}

    checked = of_type(
        run_connector(airbyte_python, live_url, "check", tmp_path, config=config), "CONNECTION_STATUS"
    )
    assert checked[0]["connectionStatus"]["status"] == "SUCCEEDED", checked

    catalog = of_type(run_connector(airbyte_python, live_url, "discover", tmp_path, config=config), "CATALOG")
    streams = catalog[0]["catalog"]["streams"]
    assert [s["name"] for s in streams] == ["Default view", "Prices"]
    assert streams[0]["json_schema"]["properties"] == {
        "enUS": {"type": ["null", "string"]},
        "price": {"type": ["null", "number"]},
        "sold": {"type": ["null", "boolean"]},
        "when": {"type": ["null", "string"]},
    }

    read = run_connector(airbyte_python, live_url, "read", tmp_path, config=config, catalog=_catalog(streams))
    rows = [m["record"] for m in of_type(read, "RECORD")]
    by_stream = {
        name: [r["data"] for r in rows if r["stream"] == name] for name in ("Default view", "Prices")
    }
    assert by_stream["Default view"] == [
        {"enUS": f"text {n}", "price": n + 0.5, "sold": n % 2 == 0, "when": None} for n in range(250)
    ]
    assert by_stream["Prices"] == [{"price": n + 0.5} for n in range(250)]


def test_airbyte_check_fails_on_a_bad_key_or_grid(
    client: TestClient,
    alpha_gridly: dict[str, str],
    make_grid: MakeGrid,
    live_url: str,
    airbyte_python: Path,
    tmp_path: Path,
    db: Database,
) -> None:
    grid = make_grid("alpha", COLUMNS[:1])
    for config, expected in (
        ({"api_key": "tg_sk_" + "A" * 43, "grid_id": grid.id}, "Invalid API Key"),
        (
            {"api_key": alpha_gridly["Authorization"].split()[1], "grid_id": "nogrid"},
            "Grid 'nogrid' not found",
        ),
    ):
        messages = run_connector(airbyte_python, live_url, "check", tmp_path, config=config)
        # The connector raises; this CDK reports that as an error trace, not a FAILED status.
        assert not [
            m
            for m in of_type(messages, "CONNECTION_STATUS")
            if m["connectionStatus"]["status"] == "SUCCEEDED"
        ]
        errors = [m["trace"]["error"]["internal_message"] for m in of_type(messages, "TRACE")]
        assert errors and expected in errors[0], messages
    # a key scoped to the grid's default view discovers just that view
    key = scoped_key(db, "alpha", [grid.view_id])["Authorization"].split()[1]
    catalog = of_type(
        run_connector(
            airbyte_python, live_url, "discover", tmp_path, config={"api_key": key, "grid_id": grid.id}
        ),
        "CATALOG",
    )
    assert [s["name"] for s in catalog[0]["catalog"]["streams"]] == ["Default view"]
