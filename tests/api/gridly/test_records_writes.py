"""POST/PATCH/DELETE records: validation per column type (400 naming the column), unspecified cells
unchanged, client ids, paths, dependency statuses; paging with X-Total-Count and Link; columnIds;
after/before; GET /v1/views/{viewId}; errors and isolation between tenants and views."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.testclient import TestClient

from tests.api.gridly.conftest import Grid, MakeGrid
from tests.conftest import Database


def cells(record: dict[str, Any]) -> dict[str, Any]:
    return {c["columnId"]: c["value"] for c in record["cells"]}


def post(client: TestClient, grid: Grid, headers: dict[str, str], body: Any) -> Any:
    response = client.post(grid.records_url, headers=headers, json=body)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("text", 5),
        ("text", {"a": 1}),
        ("num", "ten"),
        ("num", True),
        ("num", [1]),
        ("flag", "yes"),
        ("flag", 1),
        ("when", "tomorrow"),
        ("when", 12),
        ("one", "purple"),
        ("one", 3),
        ("many", ["a", "z"]),
        ("many", [1]),
        ("ref", {"id": 1}),
        ("docs", "file"),
        ("enUS", False),
    ],
)
def test_a_value_that_does_not_fit_its_column_is_400_naming_it(
    client: TestClient, alpha_gridly: dict[str, str], grid: Grid, db: Database, column: str, value: Any
) -> None:
    response = client.post(
        grid.records_url, headers=alpha_gridly, json=[{"cells": [{"columnId": column, "value": value}]}]
    )
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["errors"][0]["field"] == column
    assert f'"{column}"' in body["message"]
    assert (
        db.value(f'SELECT count(*) FROM "{grid.tenant.schema}".gridly_records WHERE grid_id = $1', grid.id)
        == 0
    )


def test_values_are_normalised_by_type(client: TestClient, alpha_gridly: dict[str, str], grid: Grid) -> None:
    [record] = post(
        client,
        grid,
        alpha_gridly,
        [
            {
                "cells": [
                    {"columnId": "num", "value": "12.5"},
                    {"columnId": "flag", "value": "true"},
                    {"columnId": "when", "value": "2024-03-04T05:06:07.891+02:00"},
                    {"columnId": "many", "value": "b"},
                    {"columnId": "ref", "value": ["x", "x"]},
                    {"columnId": "data", "value": {"nested": [1, None]}},
                    {"columnId": "text", "value": ""},
                ]
            }
        ],
    )
    got = cells(record)
    assert got["num"] == 12.5 and got["flag"] is True and got["when"] == "2024-03-04T03:06:07.891Z"
    assert got["many"] == ["b"] and got["ref"] == ["x"] and got["data"] == {"nested": [1, None]}
    assert got["text"] is None


def test_unknown_column_in_a_write_is_400(
    client: TestClient, alpha_gridly: dict[str, str], grid: Grid
) -> None:
    response = client.post(
        grid.records_url, headers=alpha_gridly, json=[{"cells": [{"columnId": "nope", "value": 1}]}]
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "nope"


@pytest.mark.parametrize("body", [{"cells": []}, "x", [1], [{"cells": {}}], [{"path": 5}], [{"id": ""}]])
def test_malformed_post_bodies_are_400(
    client: TestClient, alpha_gridly: dict[str, str], grid: Grid, body: Any
) -> None:
    response = client.post(grid.records_url, headers=alpha_gridly, json=body)
    assert response.status_code == 400, response.text
    assert response.json()["errors"]


def test_client_ids_are_kept_and_a_taken_id_is_409(
    client: TestClient, alpha_gridly: dict[str, str], grid: Grid
) -> None:
    post(
        client,
        grid,
        alpha_gridly,
        [{"id": "common.hello world", "cells": [{"columnId": "enUS", "value": "Hi"}]}],
    )
    again = client.post(grid.records_url, headers=alpha_gridly, json=[{"id": "common.hello world"}])
    assert again.status_code == 409
    twice = client.post(grid.records_url, headers=alpha_gridly, json=[{"id": "x"}, {"id": "x"}])
    assert twice.status_code == 409
    listed = client.get(grid.records_url, headers=alpha_gridly).json()
    assert [r["id"] for r in listed] == ["common.hello world"]


def test_patch_changes_only_the_cells_given(
    client: TestClient, alpha_gridly: dict[str, str], grid: Grid
) -> None:
    post(
        client,
        grid,
        alpha_gridly,
        [
            {
                "id": "a",
                "path": "One/Two",
                "cells": [{"columnId": "text", "value": "keep"}, {"columnId": "num", "value": 1}],
            }
        ],
    )
    response = client.patch(
        grid.records_url, headers=alpha_gridly, json=[{"id": "a", "cells": [{"columnId": "num", "value": 2}]}]
    )
    assert response.status_code == 200, response.text
    [record] = response.json()
    assert cells(record)["text"] == "keep" and cells(record)["num"] == 2 and record["path"] == "One/Two"
    moved = client.patch(
        f"{grid.records_url}/a",
        headers=alpha_gridly,
        json={"path": "/Other/", "cells": [{"columnId": "num", "value": None}]},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["path"] == "Other" and cells(moved.json())["num"] is None
    wrong_path = client.patch(
        f"{grid.records_url}/a", headers=alpha_gridly, params={"path": "One/Two"}, json={"cells": []}
    )
    assert wrong_path.status_code == 404
    missing = client.patch(grid.records_url, headers=alpha_gridly, json=[{"id": "nope", "cells": []}])
    assert missing.status_code == 404
    assert missing.json()["errors"][0] == {
        "code": "missing",
        "field": "id",
        "message": 'Record "nope" could not be found.',
        "resource": "record",
    }
    bad = client.patch(
        grid.records_url,
        headers=alpha_gridly,
        json=[{"id": "a", "cells": [{"columnId": "num", "value": "x"}]}],
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "num"
    assert cells(client.get(grid.records_url, headers=alpha_gridly).json()[0])["text"] == "keep"


def test_delete_by_ids_and_identifiers(client: TestClient, alpha_gridly: dict[str, str], grid: Grid) -> None:
    post(client, grid, alpha_gridly, [{"id": "a"}, {"id": "b", "path": "P"}, {"id": "c", "path": "Q"}])
    response = client.request(
        "DELETE", grid.records_url, headers=alpha_gridly, json={"ids": ["a", "unknown"]}
    )
    assert response.status_code == 204 and response.content == b""
    wrong = client.request(
        "DELETE", grid.records_url, headers=alpha_gridly, json={"identifiers": [{"id": "b", "path": "Q"}]}
    )
    assert wrong.status_code == 204
    right = client.request(
        "DELETE", grid.records_url, headers=alpha_gridly, json={"identifiers": [{"id": "c", "path": "Q"}]}
    )
    assert right.status_code == 204
    assert [r["id"] for r in client.get(grid.records_url, headers=alpha_gridly).json()] == ["b"]
    assert client.request("DELETE", grid.records_url, headers=alpha_gridly, json={}).status_code == 400


def test_paging_answers_total_and_link_on_every_page(
    client: TestClient, alpha_gridly: dict[str, str], make_grid: MakeGrid
) -> None:
    grid = make_grid("alpha", [{"id": "n", "name": "N", "type": "number"}])
    post(
        client,
        grid,
        alpha_gridly,
        [{"id": f"r{i:03d}", "cells": [{"columnId": "n", "value": i}]} for i in range(250)],
    )
    first = client.get(grid.records_url, headers=alpha_gridly)
    assert len(first.json()) == 100 and first.headers["X-Total-Count"] == "250"
    seen = [r["id"] for r in first.json()]
    url = first.headers["Link"]
    pages = 1
    while (
        "Link" in (response := client.get(url.split(">")[0].lstrip("<"), headers=alpha_gridly)).headers
        or pages < 3
    ):
        assert response.headers["X-Total-Count"] == "250"
        seen += [r["id"] for r in response.json()]
        pages += 1
        if "Link" not in response.headers:
            break
        url = response.headers["Link"]
        assert url.endswith('; rel="next"') and url.startswith("<http://tenantgrid.test/v1/views/")
    assert seen == [f"r{i:03d}" for i in range(250)] and pages == 3
    filtered = client.get(
        grid.records_url,
        headers=alpha_gridly,
        params={
            "query": json.dumps({"n": {">=": 200}}),
            "sort": json.dumps({"n": "desc"}),
            "page": json.dumps({"limit": 20}),
        },
    )
    assert filtered.headers["X-Total-Count"] == "50"
    assert [r["id"] for r in filtered.json()] == [f"r{i:03d}" for i in range(249, 229, -1)]
    link = urlsplit(filtered.headers["Link"].split(">")[0].lstrip("<"))
    params = parse_qs(link.query)
    assert json.loads(params["page"][0]) == {"offset": 20, "limit": 20}
    assert json.loads(params["query"][0]) == {"n": {">=": 200}}
    last = client.get(
        grid.records_url, headers=alpha_gridly, params={"page": json.dumps({"offset": 240, "limit": 1000})}
    )
    assert len(last.json()) == 10 and "Link" not in last.headers and last.headers["X-Total-Count"] == "250"
    after = client.get(grid.records_url, headers=alpha_gridly, params={"afterRecordId": "r247"})
    assert [r["id"] for r in after.json()] == ["r248", "r249"]
    before = client.get(grid.records_url, headers=alpha_gridly, params={"beforeRecordId": "r002"})
    assert [r["id"] for r in before.json()] == ["r000", "r001"]
    unknown = client.get(grid.records_url, headers=alpha_gridly, params={"afterRecordId": "nope"})
    assert unknown.status_code == 404 and unknown.json()["errors"][0]["field"] == "afterRecordId"


def test_column_ids_pick_cells_in_their_order(
    client: TestClient, alpha_gridly: dict[str, str], grid: Grid
) -> None:
    post(
        client,
        grid,
        alpha_gridly,
        [{"cells": [{"columnId": "text", "value": "t"}, {"columnId": "num", "value": 3}]}],
    )
    response = client.get(grid.records_url, headers=alpha_gridly, params={"columnIds": "num,text,num"})
    assert response.json()[0]["cells"] == [
        {"columnId": "num", "value": 3},
        {"columnId": "text", "value": "t"},
    ]


def test_dependencies_mark_targets_out_of_date_until_written(
    client: TestClient, alpha_gridly: dict[str, str], grid: Grid
) -> None:
    url = f"/v1/views/{grid.view_id}/dependencies"
    made = client.post(url, headers=alpha_gridly, json={"sourceColumnId": "enUS", "targetColumnId": "text"})
    assert made.status_code == 201, made.text
    dependency = made.json()
    assert dependency["sourceColumnId"] == "enUS" and dependency["targetColumnId"] == "text"
    assert (
        client.post(
            url, headers=alpha_gridly, json={"sourceColumnId": "enUS", "targetColumnId": "text"}
        ).status_code
        == 409
    )
    assert (
        client.post(
            url, headers=alpha_gridly, json={"sourceColumnId": "enUS", "targetColumnId": "nope"}
        ).status_code
        == 400
    )
    assert client.get(url, headers=alpha_gridly).json() == [dependency]

    post(
        client,
        grid,
        alpha_gridly,
        [
            {
                "id": "k",
                "cells": [{"columnId": "enUS", "value": "Hello"}, {"columnId": "text", "value": "Hallo"}],
            }
        ],
    )

    def status() -> Any:
        record = client.get(grid.records_url, headers=alpha_gridly, params={"columnIds": "text"}).json()[0]
        return record["cells"][0].get("dependencyStatus")

    assert status() == "upToDate"
    client.patch(
        grid.records_url,
        headers=alpha_gridly,
        json=[{"id": "k", "cells": [{"columnId": "enUS", "value": "Hello!"}]}],
    )
    assert status() == "outOfDate"
    client.patch(
        grid.records_url,
        headers=alpha_gridly,
        json=[{"id": "k", "cells": [{"columnId": "enUS", "value": "Hello!"}]}],
    )
    assert status() == "outOfDate"  # the same value again is no change, and does not write the target
    client.patch(
        grid.records_url,
        headers=alpha_gridly,
        json=[{"id": "k", "cells": [{"columnId": "text", "value": "Hallo!"}]}],
    )
    assert status() == "upToDate"
    client.patch(
        grid.records_url,
        headers=alpha_gridly,
        json=[
            {
                "id": "k",
                "cells": [
                    {
                        "columnId": "text",
                        "value": "Hallo!",
                        "dependencyStatus": "outOfDate",
                        "sourceStatus": "readyForTranslation",
                    }
                ],
            }
        ],
    )
    record = client.get(grid.records_url, headers=alpha_gridly, params={"columnIds": "text"}).json()[0]
    assert record["cells"][0] == {
        "columnId": "text",
        "dependencyStatus": "outOfDate",
        "sourceStatus": "readyForTranslation",
        "value": "Hallo!",
    }
    gone = client.request("DELETE", url, headers=alpha_gridly, json={"ids": [dependency["id"]]})
    assert gone.status_code == 204 and client.get(url, headers=alpha_gridly).json() == []


def test_get_view_with_and_without_records(
    client: TestClient, alpha_gridly: dict[str, str], grid: Grid
) -> None:
    post(client, grid, alpha_gridly, [{"id": "a", "cells": [{"columnId": "num", "value": 1}]}])
    response = client.get(f"/v1/views/{grid.view_id}", headers=alpha_gridly)
    assert response.status_code == 200
    view = response.json()
    assert view["id"] == grid.view_id and view["gridId"] == grid.id and view["name"]
    assert [c["id"] for c in view["columns"]] == list(grid.column_ids)
    assert {"id": "num", "name": "Number", "type": "number"} in view["columns"]
    assert "records" not in view
    included = client.get(
        f"/v1/views/{grid.view_id}", headers=alpha_gridly, params={"include": "records", "columnIds": "num"}
    )
    assert included.json()["records"] == [
        {
            "id": "a",
            "cells": [{"columnId": "num", "value": 1}],
            "path": "",
            "lastModifiedTime": included.json()["records"][0]["lastModifiedTime"],
        }
    ]
    assert included.headers["X-Total-Count"] == "1"


def test_unknown_view_is_the_seeds_404(client: TestClient, alpha_gridly: dict[str, str]) -> None:
    for method, url in [
        ("GET", "/v1/views/NezkWk3VEL"),
        ("GET", "/v1/views/NezkWk3VEL/records"),
        ("POST", "/v1/views/NezkWk3VEL/records"),
        ("GET", "/v1/views/NezkWk3VEL/dependencies"),
    ]:
        response = client.request(method, url, headers=alpha_gridly, json=[])
        assert response.status_code == 404
        assert response.json() == {
            "message": "Validation failed.",
            "errors": [
                {
                    "resource": "view",
                    "field": "id",
                    "code": "missing",
                    "message": 'View "NezkWk3VEL" could not be found.',
                }
            ],
        }


def test_credentials(client: TestClient, grid: Grid, alpha_gridly: dict[str, str]) -> None:
    assert client.get(grid.records_url).status_code == 401
    assert (
        client.get(grid.records_url, headers={"Authorization": "ApiKey tg_sk_" + "x" * 43}).status_code == 401
    )
    publishable = client.get(
        grid.records_url, headers={"Authorization": f"ApiKey {grid.tenant.publishable_key}"}
    )
    assert publishable.status_code == 401 and publishable.json()["errors"]
    assert client.get(grid.records_url, headers={"Api-Key": grid.tenant.secret_key}).status_code == 200
    assert client.get(grid.records_url, headers={"apikey": grid.tenant.secret_key}).status_code == 200
    assert client.put(grid.records_url, headers=alpha_gridly).status_code == 405
    assert client.get("/v1/nothing/here", headers=alpha_gridly).json()["errors"]


def test_tenants_and_views_are_isolated(
    client: TestClient, alpha_gridly: dict[str, str], beta_gridly: dict[str, str], make_grid: MakeGrid
) -> None:
    mine = make_grid("alpha", [{"id": "t", "name": "T", "type": "singleLine"}])
    other = make_grid("alpha", [{"id": "t", "name": "T", "type": "singleLine"}])
    post(client, mine, alpha_gridly, [{"id": "same", "cells": [{"columnId": "t", "value": "mine"}]}])
    post(client, other, alpha_gridly, [{"id": "same", "cells": [{"columnId": "t", "value": "other"}]}])
    assert [cells(r)["t"] for r in client.get(mine.records_url, headers=alpha_gridly).json()] == ["mine"]
    client.request("DELETE", other.records_url, headers=alpha_gridly, json={"ids": ["same"]})
    assert [cells(r)["t"] for r in client.get(mine.records_url, headers=alpha_gridly).json()] == ["mine"]
    for method in ("GET", "POST", "PATCH", "DELETE"):
        response = client.request(
            method,
            mine.records_url,
            headers=beta_gridly,
            json=[] if method != "DELETE" else {"ids": ["same"]},
        )
        assert response.status_code == 404, (method, response.text)
    assert client.get(f"/v1/views/{mine.view_id}", headers=beta_gridly).status_code == 404
    assert [cells(r)["t"] for r in client.get(mine.records_url, headers=alpha_gridly).json()] == ["mine"]
