"""The Gridly dialect against real rows: every operator (both spellings) on every column type it
applies to, typing by the declared column type, negatives matching empty cells, sort, paging."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.api.gridly.conftest import Grid, MakeGrid

ROWS: list[dict[str, Any]] = [
    {
        "id": "r1",
        "text": "Pizza margherita",
        "num": 9,
        "flag": True,
        "when": "2024-01-02T03:04:05Z",
        "one": "red",
        "many": ["a", "b"],
        "ref": ["r2"],
        "data": {"k": 1},
    },
    {
        "id": "r2",
        "text": "pasta",
        "num": 10,
        "flag": False,
        "when": "2024-01-02T05:04:05+01:00",
        "one": "green",
        "many": ["c"],
        "data": [1, 2],
    },
    {"id": "r3", "text": "Cheese pizza", "num": 100.5, "when": "2023-12-31", "one": "blue", "many": ["a"]},
    {"id": "r4", "num": -3},
    {"id": "r5", "text": "50% off_now"},
]


@pytest.fixture(scope="module")
def filled(client: TestClient, make_grid: MakeGrid, alpha_gridly: dict[str, str]) -> Grid:
    grid = make_grid("alpha")
    body = [
        {"id": row["id"], "cells": [{"columnId": k, "value": v} for k, v in row.items() if k != "id"]}
        for row in ROWS
    ]
    response = client.post(grid.records_url, headers=alpha_gridly, json=body)
    assert response.status_code == 200, response.text
    return grid


def ids(client: TestClient, grid: Grid, headers: dict[str, str], **params: Any) -> list[str]:
    query = {k: json.dumps(v) if not isinstance(v, str) else v for k, v in params.items()}
    response = client.get(grid.records_url, headers=headers, params=query)
    assert response.status_code == 200, response.text
    assert response.headers["X-Total-Count"] == str(len(response.json()))
    return [r["id"] for r in response.json()]


CASES: list[tuple[dict[str, Any], list[str]]] = [
    # numbers compare as numbers (10 > 9, 100.5 > 10), never as text
    ({"num": {"=": 10}}, ["r2"]),
    ({"num": {"=": "10"}}, ["r2"]),
    ({"num": {"!=": 10}}, ["r1", "r3", "r4", "r5"]),
    ({"num": {">": 9}}, ["r2", "r3"]),
    ({"num": {">=": 9}}, ["r1", "r2", "r3"]),
    ({"num": {"<": 9}}, ["r4"]),
    ({"num": {"<=": 10}}, ["r1", "r2", "r4"]),
    ({"num": {"in": [9, 100.5]}}, ["r1", "r3"]),
    ({"num": {"notIn": [9, 100.5]}}, ["r2", "r4", "r5"]),
    ({"num": {"between": [9, 10]}}, ["r1", "r2"]),
    ({"num": {"notBetween": [9, 10]}}, ["r3", "r4", "r5"]),
    ({"num": {"isEmpty": True}}, ["r5"]),
    ({"num": {"isNull": None}}, ["r5"]),
    ({"num": {"isNotEmpty": True}}, ["r1", "r2", "r3", "r4"]),
    ({"num": {"isNotNull": True}}, ["r1", "r2", "r3", "r4"]),
    ({"num": {">": 0, "<": 50}}, ["r1", "r2"]),
    # datetimes compare as timestamps, whatever the zone written
    ({"when": {"=": "2024-01-02T04:04:05+00:00"}}, ["r2"]),
    ({"when": {">": "2024-01-01"}}, ["r1", "r2"]),
    ({"when": {"<": "2024-01-02T03:04:05.001Z"}}, ["r1", "r3"]),
    ({"when": {"between": ["2023-12-31T00:00:00Z", "2024-01-02T03:04:05Z"]}}, ["r1", "r3"]),
    ({"when": {"!=": "2023-12-31"}}, ["r1", "r2", "r4", "r5"]),
    ({"when": {"isEmpty": True}}, ["r4", "r5"]),
    # text as text, case-sensitive unless caseSensitive: false
    ({"text": {"=": "pasta"}}, ["r2"]),
    ({"text": {"=": "PASTA", "caseSensitive": False}}, ["r2"]),
    ({"text": {"!=": "pasta"}}, ["r1", "r3", "r4", "r5"]),
    ({"text": {"contains": "pizza"}}, ["r3"]),
    ({"text": {"contains": "pizza", "caseSensitive": False}}, ["r1", "r3"]),
    ({"text": {"contains": "% off_"}}, ["r5"]),
    ({"text": {"contains": "%", "caseSensitive": False}}, ["r5"]),
    ({"text": {"notContains": "pizza"}}, ["r1", "r2", "r4", "r5"]),
    ({"text": {"startsWith": "Pi"}}, ["r1"]),
    ({"text": {"notStartsWith": "Pi"}}, ["r2", "r3", "r4", "r5"]),
    ({"text": {"endsWith": "pizza"}}, ["r3"]),
    ({"text": {"endsWith": "PIZZA", "caseSensitive": False}}, ["r3"]),
    ({"text": {"notEndsWith": "pizza"}}, ["r1", "r2", "r4", "r5"]),
    ({"text": {"regex": "^[PC]"}}, ["r1", "r3"]),
    ({"text": {"regexp": "^[PC]"}}, ["r1", "r3"]),
    ({"text": {"regex": "^p", "caseSensitive": False}}, ["r1", "r2"]),
    ({"text": {"notRegex": "^[PC]"}}, ["r2", "r4", "r5"]),
    ({"text": {"notRegexp": "^[PC]"}}, ["r2", "r4", "r5"]),
    ({"text": {"in": ["pasta", "Cheese pizza"]}}, ["r2", "r3"]),
    ({"text": {"notIn": ["pasta"]}}, ["r1", "r3", "r4", "r5"]),
    ({"text": {"in": []}}, []),
    ({"text": {"notIn": []}}, ["r1", "r2", "r3", "r4", "r5"]),
    ({"text": {">": "Pizza"}}, ["r1", "r2"]),
    ({"text": {"between": ["a", "q"]}}, ["r2"]),
    ({"text": {"isEmpty": True}}, ["r4"]),
    ({"text": {"=": ""}}, ["r4"]),
    ({"text": {"isNotEmpty": True}}, ["r1", "r2", "r3", "r5"]),
    # booleans
    ({"flag": {"=": True}}, ["r1"]),
    ({"flag": {"=": "false"}}, ["r2"]),
    ({"flag": {"!=": True}}, ["r2", "r3", "r4", "r5"]),
    ({"flag": {"in": [True, False]}}, ["r1", "r2"]),
    ({"flag": {"isEmpty": True}}, ["r3", "r4", "r5"]),
    # selections by membership
    ({"one": {"=": "red"}}, ["r1"]),
    ({"one": {"in": ["red", "blue"]}}, ["r1", "r3"]),
    ({"one": {"notIn": ["red", "blue"]}}, ["r2", "r4", "r5"]),
    ({"one": {"startsWith": "gr"}}, ["r2"]),
    ({"many": {"=": "a"}}, ["r1", "r3"]),
    ({"many": {"contains": "b"}}, ["r1"]),
    ({"many": {"!=": "a"}}, ["r2", "r4", "r5"]),
    ({"many": {"notContains": "a"}}, ["r2", "r4", "r5"]),
    ({"many": {"in": ["b", "c"]}}, ["r1", "r2"]),
    ({"many": {"notIn": ["b", "c"]}}, ["r3", "r4", "r5"]),
    ({"many": {"isEmpty": True}}, ["r4", "r5"]),
    ({"ref": {"=": "r2"}}, ["r1"]),
    ({"ref": {"isNotEmpty": True}}, ["r1"]),
    # json
    ({"data": {"=": {"k": 1}}}, ["r1"]),
    ({"data": {"isEmpty": True}}, ["r3", "r4", "r5"]),
    ({"docs": {"isEmpty": True}}, ["r1", "r2", "r3", "r4", "r5"]),
    # several columns: AND
    ({"num": {">": 0}, "text": {"contains": "p"}}, ["r2", "r3"]),
    ({}, ["r1", "r2", "r3", "r4", "r5"]),
]


@pytest.mark.parametrize(("query", "expected"), CASES, ids=[json.dumps(c[0]) for c in CASES])
def test_operator(
    client: TestClient, alpha_gridly: dict[str, str], filled: Grid, query: dict[str, Any], expected: list[str]
) -> None:
    assert ids(client, filled, alpha_gridly, query=query) == expected


def test_sort_orders_by_type_and_keeps_key_order(
    client: TestClient, alpha_gridly: dict[str, str], filled: Grid
) -> None:
    assert ids(client, filled, alpha_gridly, sort={"num": "asc"}) == ["r4", "r1", "r2", "r3", "r5"]
    assert ids(client, filled, alpha_gridly, sort={"num": "desc"}) == ["r5", "r3", "r2", "r1", "r4"]
    assert ids(client, filled, alpha_gridly, sort={"when": "asc"}) == ["r3", "r1", "r2", "r4", "r5"]
    assert ids(client, filled, alpha_gridly, sort={"flag": "asc", "num": "desc"}) == [
        "r2",
        "r1",
        "r5",
        "r3",
        "r4",
    ]
    assert ids(client, filled, alpha_gridly, sort={}) == ["r1", "r2", "r3", "r4", "r5"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"query": "{nope"}, "query"),
        ({"page": "{nope"}, "page"),
        ({"sort": "[1"}, "sort"),
        ({"query": json.dumps([1])}, "query"),
        ({"query": json.dumps({"missing": {"=": 1}})}, "query"),
        ({"sort": json.dumps({"missing": "asc"})}, "sort"),
        ({"sort": json.dumps({"num": "up"})}, "sort"),
        ({"query": json.dumps({"num": {"contains": "1"}})}, "query"),
        ({"query": json.dumps({"num": {"regex": "1"}})}, "query"),
        ({"query": json.dumps({"flag": {">": True}})}, "query"),
        ({"query": json.dumps({"num": {"=": "ten"}})}, "query"),
        ({"query": json.dumps({"when": {">": "yesterday"}})}, "query"),
        ({"query": json.dumps({"num": {"between": [1]}})}, "query"),
        ({"query": json.dumps({"num": {"in": 1}})}, "query"),
        ({"query": json.dumps({"num": {"like": 1}})}, "query"),
        ({"query": json.dumps({"num": 5})}, "query"),
        ({"page": json.dumps({"limit": 1001})}, "page"),
        ({"page": json.dumps({"offset": -1})}, "page"),
        ({"page": json.dumps({"limit": "ten"})}, "page"),
        ({"columnIds": "text,nope"}, "columnIds"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(
    client: TestClient, alpha_gridly: dict[str, str], filled: Grid, params: dict[str, str], field: str
) -> None:
    response = client.get(filled.records_url, headers=alpha_gridly, params=params)
    assert response.status_code == 400, response.text
    body = response.json()
    assert set(body) == {"message", "errors"}
    assert body["errors"][0]["field"] == field
    assert set(body["errors"][0]) == {"code", "field", "message", "resource"}


def test_bad_regex_is_400(client: TestClient, alpha_gridly: dict[str, str], filled: Grid) -> None:
    response = client.get(
        filled.records_url, headers=alpha_gridly, params={"query": json.dumps({"text": {"regex": "("}})}
    )
    assert response.status_code == 400
    assert "message" in response.json() and response.json()["errors"]
