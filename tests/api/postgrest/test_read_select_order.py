"""GET select= (columns, aliases, casts, JSON paths) and order= (directions, nulls, several keys)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.conftest import Database

P = f"rs-{uuid.uuid4().hex[:8]}-"

ROWS: list[dict[str, Any]] = [
    {
        "name": f"{P}b",
        "description": "second",
        "tags": ["x", "y"],
        "data": {"color": "red", "rank": 2, "nested": {"k": "v1"}, "list": [10, 20]},
        "active": True,
    },
    {
        "name": f"{P}a",
        "description": None,
        "tags": [],
        "data": {"color": "blue", "rank": 10, "nested": {"k": "v2"}, "list": [30]},
        "active": False,
    },
    {
        "name": f"{P}c",
        "description": "third",
        "tags": ["z"],
        "data": {"rank": 9},
        "active": True,
    },
    {
        "name": f"{P}d",
        "description": "fourth",
        "tags": ["x"],
        "data": {"color": "green"},
        "active": False,
    },
]
COLUMNS = ["id", "name", "description", "tags", "data", "active", "created_at", "updated_at"]


@pytest.fixture(scope="module")
def rows(
    client: TestClient, secret: dict[str, str], db: Database, alpha: ProvisionedTenant
) -> Iterator[dict[str, dict[str, Any]]]:
    created = client.post("/rest/v1/things", headers={**secret, "Prefer": "return=representation"}, json=ROWS)
    assert created.status_code == 201, created.text
    yield {row["name"].removeprefix(P): row for row in created.json()}
    db.fetch(f'DELETE FROM "{alpha.schema}".things WHERE starts_with(name, $1)', P)


def _get(client: TestClient, secret: dict[str, str], **params: str) -> Any:
    response = client.get("/rest/v1/things", headers=secret, params={"name": f"like.{P}*", **params})
    assert response.status_code == 200, response.text
    return response.json()


# -- select -------------------------------------------------------------------------------------


def test_no_select_and_star_return_every_column_in_table_order(
    client: TestClient, secret: dict[str, str], rows: dict[str, dict[str, Any]]
) -> None:
    for params in ({}, {"select": "*"}, {"select": ""}):
        body = _get(client, secret, order="name", **params)
        assert [list(row) for row in body] == [COLUMNS] * 4
        assert body == [rows[k] for k in "abcd"]


def test_select_columns_keeps_the_requested_order(
    client: TestClient, secret: dict[str, str], rows: dict[str, dict[str, Any]]
) -> None:
    body = _get(client, secret, select="active,name,id", order="name")
    assert [list(row) for row in body] == [["active", "name", "id"]] * 4
    assert body == [{"active": rows[k]["active"], "name": f"{P}{k}", "id": rows[k]["id"]} for k in "abcd"]


SELECT_CASES: list[tuple[str, dict[str, Any]]] = [
    ("name", {"name": f"{P}b"}),
    ("label:name", {"label": f"{P}b"}),
    ('"name"', {"name": f"{P}b"}),
    ("tags,data", {"tags": ["x", "y"], "data": ROWS[0]["data"]}),
    ("*,extra:description", {**{c: None for c in COLUMNS}, "extra": "second"}),
    # casts
    ("active::text", {"active": "true"}),
    ("flag:active::text", {"flag": "true"}),
    ("tags::text", {"tags": "{x,y}"}),
    ("active::int", {"active": 1}),
    # JSON paths: -> keeps JSON, ->> gives text; the key is the last step unless aliased
    ("data->color", {"color": "red"}),
    ("data->>color", {"color": "red"}),
    ("data->rank", {"rank": 2}),
    ("data->>rank", {"rank": "2"}),
    ("data->>rank::int", {"rank": 2}),
    ("data->rank::text", {"rank": "2"}),
    ("data->nested", {"nested": {"k": "v1"}}),
    ("data->nested->k", {"k": "v1"}),
    ("data->nested->>k", {"k": "v1"}),
    ("data->list->1", {"1": 20}),
    ("second:data->list->>1", {"second": "20"}),
    ("data->missing", {"missing": None}),
    ("c:data->color,r:data->rank", {"c": "red", "r": 2}),
]


@pytest.mark.parametrize(("select", "expected"), SELECT_CASES, ids=[s for s, _ in SELECT_CASES])
def test_select(
    client: TestClient,
    secret: dict[str, str],
    rows: dict[str, dict[str, Any]],
    select: str,
    expected: dict[str, Any],
) -> None:
    [row] = _get(client, secret, select=select, id=f"eq.{rows['b']['id']}")
    if select.startswith("*"):
        expected = {**rows["b"], "extra": "second"}
    assert list(row) == list(expected)
    assert row == expected


def test_repeated_keys_are_kept(
    client: TestClient, secret: dict[str, str], rows: dict[str, dict[str, Any]]
) -> None:
    """`*,id` and `id,id` repeat the key in the JSON text, as PostgREST does (no `id__1` renaming)."""
    for select, keys in (("*,id", [*COLUMNS, "id"]), ("id,id", ["id", "id"]), ("a:name,a:id", ["a", "a"])):
        response = client.get(
            "/rest/v1/things", headers=secret, params={"select": select, "id": f"eq.{rows['b']['id']}"}
        )
        assert response.status_code == 200
        pairs = response.json(object_pairs_hook=list)
        assert [key for key, _ in pairs[0]] == keys


@pytest.mark.parametrize(
    ("select", "expected"),
    [
        ("data->99999999999999999999", {"99999999999999999999": None}),
        ("data->" + "9" * 5000, {"9" * 63: None}),  # Postgres cuts names to 63 bytes
        ('data->"1"', {"1": None}),
        ("data->list->-1", {"-1": 20}),
        ("data->list->0", {"0": 10}),
    ],
    ids=["index beyond int4", "5000 digits", "quoted digits", "negative index", "index"],
)
def test_numeric_json_keys(
    client: TestClient,
    secret: dict[str, str],
    rows: dict[str, dict[str, Any]],
    select: str,
    expected: dict[str, Any],
) -> None:
    """An integer key indexes an array; one too large for an index (or quoted) is an object key."""
    [row] = _get(client, secret, select=select, id=f"eq.{rows['b']['id']}")
    assert row == expected


def test_id_cast_to_text(client: TestClient, secret: dict[str, str], rows: dict[str, dict[str, Any]]) -> None:
    [row] = _get(client, secret, select="id::text,name", id=f"eq.{rows['a']['id']}")
    assert row == {"id": str(rows["a"]["id"]), "name": f"{P}a"}


def test_select_json_path_on_every_row(
    client: TestClient, secret: dict[str, str], rows: dict[str, dict[str, Any]]
) -> None:
    body = _get(client, secret, select="name,color:data->>color,rank:data->rank", order="name")
    assert body == [
        {"name": f"{P}a", "color": "blue", "rank": 10},
        {"name": f"{P}b", "color": "red", "rank": 2},
        {"name": f"{P}c", "color": None, "rank": 9},
        {"name": f"{P}d", "color": "green", "rank": None},
    ]


# -- order --------------------------------------------------------------------------------------


ORDER_CASES: list[tuple[str, str]] = [
    ("name", "abcd"),
    ("name.asc", "abcd"),
    ("name.desc", "dcba"),
    # Postgres puts NULLs last ascending and first descending, unless told
    ("description,name", "dbca"),
    ("description.asc,name", "dbca"),
    ("description.desc,name", "acbd"),
    ("description.asc.nullsfirst,name", "adbc"),
    ("description.desc.nullslast,name", "cbda"),
    ("description.nullsfirst", "adbc"),
    # several keys
    ("active,name.desc", "dacb"),
    ("active.desc,name", "bcad"),
    ("tags,name", "adbc"),
    # JSON paths: -> orders as jsonb (numbers as numbers), ->> as text
    ("data->rank,name", "bcad"),
    ("data->rank.desc.nullslast,name", "acbd"),
    ("data->>rank,name", "abcd"),
    ("data->>color.nullsfirst,name", "cadb"),
    ("data->nested->>k.desc,name", "cdab"),
]


@pytest.mark.parametrize(("order", "expected"), ORDER_CASES, ids=[o for o, _ in ORDER_CASES])
def test_order(
    client: TestClient, secret: dict[str, str], rows: dict[str, dict[str, Any]], order: str, expected: str
) -> None:
    body = _get(client, secret, select="name", order=order)
    assert "".join(row["name"].removeprefix(P) for row in body) == expected


def test_order_with_filter_select_and_limit(
    client: TestClient, secret: dict[str, str], rows: dict[str, dict[str, Any]]
) -> None:
    response = client.get(
        "/rest/v1/things",
        headers=secret,
        params={
            "select": "n:name,rank:data->rank",
            "name": f"like.{P}*",
            "data->rank": "not.is.null",
            "order": "data->rank.desc",
            "limit": "2",
        },
    )
    assert response.status_code == 200
    assert response.headers["content-range"] == "0-1/*"
    assert response.json() == [{"n": f"{P}a", "rank": 10}, {"n": f"{P}c", "rank": 9}]
