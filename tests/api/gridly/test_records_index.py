"""A query (and sort) on a number or datetime column over 100,000 records uses the column's
expression index `(grid_id, (cells -> '<column id>'))`: the plan of the very statement the records
list runs, rendered by the compiler, names the index."""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient

from tenantgrid.apis.gridly.grids_store import cell_index_name
from tenantgrid.query.compile import Body
from tenantgrid.query.dialects.gridly import parse_records_list, records_query
from tenantgrid.query.shape import split
from tenantgrid.runtime import Runtime
from tests.api.gridly.conftest import Grid, MakeGrid

RECORDS = 100_000


@pytest.fixture(scope="module")
def big(client: TestClient, make_grid: MakeGrid) -> Grid:
    grid = make_grid(
        "alpha",
        [
            {"id": "amount", "name": "Amount", "type": "number"},
            {"id": "due", "name": "Due", "type": "datetime"},
            {"id": "label", "name": "Label", "type": "singleLine"},
        ],
    )
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    s = f'"{grid.tenant.schema}"'

    async def fill() -> None:
        async with runtime.pools.for_schema(grid.tenant.schema).acquire() as conn:
            await conn.execute(
                f"""INSERT INTO {s}.gridly_records (grid_id, id, cells)
                SELECT $1, 'r' || i, jsonb_build_object('amount', i, 'label', 'row ' || i,
                    'due', to_char(timestamp '2020-01-01' + i * interval '1 minute', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
                FROM generate_series(1, {RECORDS}) i""",
                grid.id,
            )
            await conn.execute(f"ANALYZE {s}.gridly_records")

    assert client.portal is not None
    client.portal.call(fill)
    return grid


def plan(client: TestClient, grid: Grid, params: dict[str, str]) -> str:
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    columns = {"amount": "number", "due": "datetime", "label": "singleLine"}
    shape, values = split(records_query(grid.id, parse_records_list(params, columns)))
    compiled = runtime.compiler.read(shape, Body.ARRAY)

    async def explain() -> str:
        async with runtime.pools.for_schema(grid.tenant.schema).acquire() as conn:
            rows = await conn.fetch(
                "EXPLAIN " + compiled.render(grid.tenant.schema), *compiled.arguments(values)
            )
            return "\n".join(r[0] for r in rows)

    assert client.portal is not None
    return client.portal.call(explain)


@pytest.mark.parametrize(
    "params",
    [
        {"query": json.dumps({"amount": {"<": 500}})},
        {"query": json.dumps({"amount": {"between": [1000, 1100]}}), "sort": json.dumps({"amount": "desc"})},
        {"query": json.dumps({"amount": {"=": 77}})},
        {"query": json.dumps({"due": {">=": "2020-03-01T00:00:00Z"}}), "sort": json.dumps({"due": "asc"})},
        {"query": json.dumps({"due": {"<": "2020-01-01T05:00:00+00:00"}})},
    ],
)
def test_number_and_datetime_queries_use_the_column_index(
    client: TestClient, big: Grid, params: dict[str, str]
) -> None:
    text = plan(client, big, params)
    column = next(iter(json.loads(params["query"])))
    assert cell_index_name(column) in text, text


def test_the_records_list_answers_from_the_index(
    client: TestClient, alpha_gridly: dict[str, str], big: Grid
) -> None:
    response = client.get(
        big.records_url,
        headers=alpha_gridly,
        params={
            "query": json.dumps({"amount": {">": RECORDS - 150}}),
            "sort": json.dumps({"amount": "desc"}),
        },
    )
    assert response.status_code == 200
    assert response.headers["X-Total-Count"] == "150"
    assert [r["id"] for r in response.json()][:2] == [f"r{RECORDS}", f"r{RECORDS - 1}"]
    assert "Link" in response.headers
