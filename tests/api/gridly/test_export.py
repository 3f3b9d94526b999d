"""GET /v1/views/{viewId}/export: CSV (default), TSV and JSON; fileHeader none|columnName|columnId; every
row as wide as the header; values by column type; query/sort/columnIds; many pages; errors; and the
`gridly-api` client (export and import) against a live server."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from tenantgrid.tenancy.names import quote_ident
from tests.api.gridly.conftest import Grid, MakeGrid
from tests.api.gridly.files_support import MULTIPART, assert_gridly_error, multipart

Headers = dict[str, str]
HEADER_IDS = [
    "_recordId",
    "text",
    "lines",
    "rich",
    "md",
    "num",
    "flag",
    "when",
    "one",
    "many",
    "docs",
    "ref",
    "enUS",
    "data",
]
HEADER_NAMES = [
    "_recordId", "Text", "Lines", "Rich", "Markdown", "Number", "Flag", "When", "One", "Many", "Docs", "Ref", "English", "Data",
]  # fmt: skip


def export(client: TestClient, headers: Headers, grid: Grid, **params: str) -> httpx.Response:
    return client.get(f"/v1/views/{grid.view_id}/export", headers=headers, params=params)


def rows_of(answer: httpx.Response, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(answer.content.decode("utf-8"), newline=""), delimiter=delimiter))


@pytest.fixture
def filled(client: TestClient, alpha_gridly: Headers, grid: Grid) -> Grid:
    records = [
        {
            "id": "r1",
            "path": "Menu/Pasta",
            "cells": [
                {"columnId": "text", "value": 'Spaghetti, "al dente"'},
                {"columnId": "lines", "value": "line 1\nline 2"},
                {"columnId": "num", "value": 12.5},
                {"columnId": "flag", "value": True},
                {"columnId": "when", "value": "2024-01-02T03:04:05Z"},
                {"columnId": "one", "value": "red"},
                {"columnId": "many", "value": ["a", "c"]},
                {"columnId": "ref", "value": ["r2"]},
                {"columnId": "enUS", "value": "Привіт, світ"},
                {"columnId": "data", "value": {"k": [1, 2]}},
            ],
        },
        {"id": "r2", "cells": [{"columnId": "num", "value": 3}, {"columnId": "flag", "value": False}]},
        {"id": "r3", "cells": []},
    ]
    assert client.post(grid.records_url, headers=alpha_gridly, json=records).status_code == 200
    uploaded = client.post(
        f"/v1/views/{grid.view_id}/records/r1/files",
        headers={**alpha_gridly, "Content-Type": MULTIPART},
        content=multipart(b"img", "pizza.jpg", "image/jpeg", columnId="docs"),
    )
    assert uploaded.status_code == 200
    client.post(
        f"/v1/views/{grid.view_id}/records/r1/files",
        headers={**alpha_gridly, "Content-Type": MULTIPART},
        content=multipart(b"img", "ÿ.png", "image/png", columnId="docs"),
    )
    return grid


def test_csv_by_default(client: TestClient, alpha_gridly: Headers, filled: Grid) -> None:
    answer = export(client, alpha_gridly, filled)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"] == 'attachment; filename="Default view.csv"'
    rows = rows_of(answer)
    assert rows[0] == HEADER_NAMES
    assert rows[1] == [
        "r1", 'Spaghetti, "al dente"', "line 1\nline 2", "", "", "12.5", "true", "2024-01-02T03:04:05.000Z",
        "red", "a, c", "pizza.jpg, ÿ.png", "r2", "Привіт, світ", '{"k":[1,2]}',
    ]  # fmt: skip
    assert rows[2] == ["r2", "", "", "", "", "3", "false", "", "", "", "", "", "", ""]
    assert rows[3] == ["r3", *[""] * 13]
    assert len(rows) == 4 and {len(row) for row in rows} == {14}
    assert answer.content.startswith(b"_recordId,")  # no BOM
    assert b"\r\n" in answer.content


def test_file_headers_and_types(client: TestClient, alpha_gridly: Headers, filled: Grid) -> None:
    assert rows_of(export(client, alpha_gridly, filled, fileHeader="columnId"))[0] == HEADER_IDS
    assert (
        rows_of(export(client, alpha_gridly, filled, fileHeader="columnName", type="csv"))[0] == HEADER_NAMES
    )
    bare = rows_of(export(client, alpha_gridly, filled, fileHeader="none"))
    assert [row[0] for row in bare] == ["r1", "r2", "r3"]
    tsv = export(client, alpha_gridly, filled, type="tsv", fileHeader="columnId")
    assert tsv.headers["content-type"] == "text/tab-separated-values; charset=utf-8"
    assert rows_of(tsv, "\t")[0] == HEADER_IDS

    answer = export(client, alpha_gridly, filled, type="json", fileHeader="columnId")
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["content-disposition"] == 'attachment; filename="Default view.json"'
    items = answer.json()
    assert [item["_recordId"] for item in items] == ["r1", "r2", "r3"]
    assert list(items[0]) == HEADER_IDS
    assert items[0]["num"] == 12.5 and items[0]["flag"] is True and items[0]["many"] == ["a", "c"]
    assert items[0]["docs"] == ["pizza.jpg", "ÿ.png"] and items[0]["data"] == {"k": [1, 2]}
    assert items[1]["flag"] is False
    by_name = export(client, alpha_gridly, filled, type="json").json()
    assert list(by_name[0]) == HEADER_NAMES
    arrays = export(client, alpha_gridly, filled, type="json", fileHeader="none").json()
    assert arrays[1][:7] == ["r2", None, None, None, None, 3, False]


def test_query_sort_and_column_ids(client: TestClient, alpha_gridly: Headers, filled: Grid) -> None:
    answer = export(
        client,
        alpha_gridly,
        filled,
        fileHeader="columnId",
        columnIds="num,text",
        query=json.dumps({"num": {">": 1}}),
        sort=json.dumps({"num": "asc"}),
    )
    assert answer.status_code == 200, answer.text
    assert rows_of(answer) == [
        ["_recordId", "num", "text"],
        ["r2", "3", ""],
        ["r1", "12.5", 'Spaghetti, "al dente"'],
    ]
    assert answer.headers["x-total-count"] == "2"


def test_errors(client: TestClient, alpha_gridly: Headers, beta_gridly: Headers, grid: Grid) -> None:
    assert_gridly_error(export(client, alpha_gridly, grid, type="xlsx"), 400, "type")
    assert_gridly_error(export(client, alpha_gridly, grid, fileHeader="yes"), 400, "fileHeader")
    assert_gridly_error(export(client, alpha_gridly, grid, query="{bad"), 400, "query")
    assert_gridly_error(export(client, alpha_gridly, grid, sort=json.dumps({"ghost": "asc"})), 400)
    body = assert_gridly_error(export(client, beta_gridly, grid), 404, "id")
    assert body["errors"][0]["resource"] == "view"
    assert_gridly_error(client.get(f"/v1/views/{grid.view_id}/export"), 401)


def test_empty_view_and_head(client: TestClient, alpha_gridly: Headers, grid: Grid) -> None:
    assert rows_of(export(client, alpha_gridly, grid)) == [HEADER_NAMES]
    assert export(client, alpha_gridly, grid, fileHeader="none").content == b""
    assert export(client, alpha_gridly, grid, type="json").json() == []
    head = client.head(f"/v1/views/{grid.view_id}/export", headers=alpha_gridly)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == "text/csv; charset=utf-8"


def test_many_pages_in_order(client: TestClient, alpha_gridly: Headers, make_grid: MakeGrid, db: Any) -> None:
    grid = make_grid("alpha", [{"id": "n", "name": "N", "type": "number"}])
    s = quote_ident(grid.tenant.schema)
    db.value(
        f"INSERT INTO {s}.gridly_records (grid_id, id, cells)"
        " SELECT $1, 'rec' || lpad(i::text, 5, '0'), jsonb_build_object('n', i % 7) FROM generate_series(1, 2500) i",
        grid.id,
    )
    rows = rows_of(export(client, alpha_gridly, grid, fileHeader="columnId"))
    assert len(rows) == 2501
    assert [row[0] for row in rows[1:]] == [f"rec{i:05d}" for i in range(1, 2501)]
    assert rows[1] == ["rec00001", "1"]
    ordered = rows_of(export(client, alpha_gridly, grid, fileHeader="none", sort=json.dumps({"n": "desc"})))
    assert len(ordered) == 2500 and len({row[0] for row in ordered}) == 2500
    values = [int(row[1]) for row in ordered]
    assert values == sorted(values, reverse=True)
    listed = client.get(
        grid.records_url,
        headers=alpha_gridly,
        params={"sort": json.dumps({"n": "desc"}), "page": json.dumps({"offset": 1000, "limit": 5})},
    )
    assert [r["id"] for r in listed.json()] == [row[0] for row in ordered[1000:1005]]


def test_openapi_documents_the_export(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/v1/views/{viewId}/export"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert parameters["type"]["schema"]["enum"] == ["csv", "tsv", "json"]
    assert parameters["fileHeader"]["schema"]["enum"] == ["none", "columnName", "columnId"]
    assert {"columnIds", "query", "sort"} <= set(parameters)
    assert "text/csv" in operation["responses"]["200"]["content"]


# -- the `gridly-api` client (PyPI), its base URL pointed at a live server ------------------------


@pytest.fixture
def gridly_api(live_url: str, alpha_gridly: Headers, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The client keeps its URL, key and view in module globals read at import: set them."""
    import gridly_api.gridly_api as module

    monkeypatch.setattr(module, "__URL__", live_url)
    monkeypatch.setattr(module, "__AUTH__", alpha_gridly["Authorization"])
    return module


LANGUAGES = [
    {
        "id": "enUS",
        "name": "English",
        "type": "language",
        "languageCode": "enUS",
        "localizationType": "sourceLanguage",
    },
    {
        "id": "uk",
        "name": "Ukrainian",
        "type": "language",
        "languageCode": "uk",
        "localizationType": "targetLanguage",
    },
]


def test_gridly_api_export(
    client: TestClient,
    alpha_gridly: Headers,
    make_grid: MakeGrid,
    gridly_api: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    grid = make_grid("alpha", LANGUAGES, name="Translations")
    records = [
        {
            "id": "greeting",
            "cells": [{"columnId": "enUS", "value": "Hello"}, {"columnId": "uk", "value": "Привіт"}],
        },
        {"id": "farewell", "cells": [{"columnId": "enUS", "value": "Bye,\nfriend"}]},
    ]
    assert client.post(grid.records_url, headers=alpha_gridly, json=records).status_code == 200
    monkeypatch.setattr(gridly_api, "__VIEW_ID__", grid.view_id)
    assert gridly_api.export() == {
        "enUS": {"greeting": "Hello", "farewell": "Bye,\\\nfriend"},
        "uk": {"greeting": "Привіт", "farewell": ""},
    }


def test_gridly_api_import(
    client: TestClient,
    alpha_gridly: Headers,
    make_grid: MakeGrid,
    gridly_api: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    grid = make_grid("alpha", LANGUAGES, name="Import")
    monkeypatch.setattr(gridly_api, "__VIEW_ID__", grid.view_id)
    source = tmp_path / "uk.csv"
    source.write_text("greeting;Привіт\nmenu.title;Меню; з крапкою\n", encoding="utf-8")
    gridly_api.import_from_csv(str(source))
    records = client.get(grid.records_url, headers=alpha_gridly).json()
    assert [r["id"] for r in records] == ["greeting", "menu.title"]
    cells = {r["id"]: {c["columnId"]: c for c in r["cells"]} for r in records}
    assert cells["greeting"]["uk"]["value"] == "Привіт"
    assert cells["menu.title"]["uk"]["value"] == "Меню"
    assert cells["greeting"]["uk"].get("dependencyStatus") == "outOfDate"
    assert cells["greeting"]["enUS"]["value"] is None
    # ... and the export reads back what was imported.
    assert gridly_api.export()["uk"] == {"greeting": "Привіт", "menu.title": "Меню"}
