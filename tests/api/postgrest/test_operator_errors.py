"""An operator that does not apply to the column's type is a bad request: 400 `42883`, not 404.

Postgres reports it as undefined_function (42883). PostgREST answers 404 for that SQLSTATE, which is
right for `/rpc/<missing function>` only; its own test suite marks the 404 for operators as wrong
(JsonOperatorSpec: "TODO the status code for the error is 404 ... for this case a 500 seems more
appropriate"). There is no RPC here, so a 42883 from the database is always the request's fault.
"""

from __future__ import annotations

import httpx
import pytest
from starlette.testclient import TestClient

from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.api.postgrest.write_support import Rows, headers, mark

pytestmark = pytest.mark.usefixtures("forget_written_rows")

MISMATCHES = [
    ("active", "cs.true", "operator does not exist: boolean @> boolean"),
    ("id", "cs.1", "operator does not exist: bigint @> bigint"),
    ("name", "sl.x", "operator does not exist: text << text"),
    ("active", "adj.true", "operator does not exist: boolean -|- boolean"),
    ("data", "ov.{a}", "operator does not exist: jsonb && jsonb"),
]


def assert_bad_operator(response: httpx.Response, message: str) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert set(body) == {"code", "message", "details", "hint"}
    assert (body["code"], body["message"]) == ("42883", message)


@pytest.mark.parametrize(("column", "condition", "message"), MISMATCHES, ids=[m[1] for m in MISMATCHES])
def test_read(
    client: TestClient, alpha: ProvisionedTenant, column: str, condition: str, message: str
) -> None:
    response = client.get(f"/rest/v1/things?{column}={condition}", headers={"apikey": alpha.secret_key})
    assert_bad_operator(response, message)


def test_head(client: TestClient, alpha: ProvisionedTenant) -> None:
    response = client.head("/rest/v1/things?active=cs.true", headers={"apikey": alpha.secret_key})
    assert response.status_code == 400
    assert response.content == b""


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_write(client: TestClient, alpha: ProvisionedTenant, rows: Rows, method: str) -> None:
    m = mark()
    rows.thing(m)
    response = client.request(
        method,
        f"/rest/v1/things?name=eq.{m}&active=cs.true",
        headers=headers(alpha),
        json={"description": "x"} if method == "PATCH" else None,
    )
    assert_bad_operator(response, "operator does not exist: boolean @> boolean")
    assert [r["description"] for r in rows.things(m)] == [None]
