"""The npm package `i18next-gridly-backend` (a real Gridly client) against a live server: it pages records
by `X-Total-Count` with `page={"limit":1000,"offset":N}`, `columnIds=<language>` and a namespace
`query`, and posts records with its own ids. Its base URL is hard-coded, so the driver
(`i18next_driver.mjs`) wraps `fetch` to send it to our server. Needs node and npm (skipped without);
the package is installed from the npm registry into a temporary folder once per session."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tenantgrid.tenancy.names import quote_ident
from tests.api.gridly.conftest import MakeGrid

PACKAGE = "i18next-gridly-backend@1.0.7"
DRIVER = Path(__file__).with_name("i18next_driver.mjs")


@pytest.fixture(scope="session")
def i18next_backend(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are needed to drive the npm package i18next-gridly-backend")
    folder = tmp_path_factory.mktemp("i18next")
    installed = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", str(folder), PACKAGE],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert installed.returncode == 0, f"npm install {PACKAGE} failed:\n{installed.stdout}\n{installed.stderr}"
    return folder


def test_i18next_gridly_backend_reads_and_creates(
    i18next_backend: Path,
    live_url: str,
    client: TestClient,
    alpha_gridly: dict[str, str],
    make_grid: MakeGrid,
    db: Any,
) -> None:
    grid = make_grid(
        "alpha",
        [
            {"id": "enUS", "name": "English", "type": "language", "languageCode": "enUS"},
            {"id": "uk", "name": "Ukrainian", "type": "language", "languageCode": "uk"},
            {"id": "ns", "name": "Namespace", "type": "singleLine"},
        ],
        name="i18n",
    )
    s = quote_ident(grid.tenant.schema)
    db.value(  # more than one page of 1000, so the client's paging by X-Total-Count is exercised
        f"INSERT INTO {s}.gridly_records (grid_id, id, cells) SELECT $1, 'key' || i,"
        " jsonb_build_object('enUS', 'value ' || i, 'uk', 'значення ' || i, 'ns', 'common')"
        " FROM generate_series(1, 1200) i",
        grid.id,
    )
    key = alpha_gridly["Authorization"].removeprefix("ApiKey ")
    ran = subprocess.run(
        ["node", str(DRIVER), str(i18next_backend), live_url, key, grid.view_id, "ns"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    result = json.loads(ran.stdout)
    assert "error" not in result, result
    assert result["saved"] == {"languages": ["enUS", "uk"], "ns": "common"}
    assert len(result["enUS"]) == 1201
    assert result["enUS"]["key1"] == "value 1" and result["enUS"]["key1200"] == "value 1200"
    assert result["enUS"]["greeting"] == "Hello"
    assert result["uk"]["key7"] == "значення 7" and result["uk"]["greeting"] == "Hello"
    assert result["other"] == {}
    reads = [call for call in result["calls"] if call.startswith("GET ")]
    assert any("%22offset%22%3A1000" in call for call in reads)  # the second page was asked for
    posted = client.get(
        grid.records_url,
        headers=alpha_gridly,
        params={"query": json.dumps({"ns": {"=": "common"}}), "columnIds": "ns"},
    )
    assert posted.headers["X-Total-Count"] == "1201"
