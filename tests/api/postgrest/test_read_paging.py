"""GET/HEAD paging and negotiation: limit/offset, the Range header, Content-Range, 200/206/416,
Prefer: count=..., HEAD, vnd.pgrst.object+json (PGRST116), unknown Accept (PGRST107), profiles.

PostgREST's rules (RangeQuery.rangeStatusHeader): with a known total, 416 when the offset is past
the total, 206 when the page holds fewer rows than the total, else 200; without a count always 200.
Content-Range is `first-last/total`, with `*` for an empty page and for an unknown total.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.conftest import Database

P = f"rp-{uuid.uuid4().hex[:8]}-"
NAMES = [f"{P}{i}" for i in range(5)]
OBJECT = "application/vnd.pgrst.object+json"
JSON_TYPE = "application/json; charset=utf-8"
OBJECT_TYPE = "application/vnd.pgrst.object+json; charset=utf-8"


@pytest.fixture(scope="module")
def rows(
    client: TestClient, secret: dict[str, str], db: Database, alpha: ProvisionedTenant
) -> Iterator[list[dict[str, Any]]]:
    created = client.post(
        "/rest/v1/things",
        headers={**secret, "Prefer": "return=representation"},
        json=[{"name": n, "description": None if i % 2 else f"row {i}"} for i, n in enumerate(NAMES)],
    )
    assert created.status_code == 201, created.text
    yield sorted(created.json(), key=lambda r: r["name"])
    db.fetch(f'DELETE FROM "{alpha.schema}".things WHERE starts_with(name, $1)', P)


def _read(
    client: TestClient,
    secret: dict[str, str],
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    method: str = "GET",
) -> Any:
    params = {"select": "name", "order": "name", "name": f"like.{P}*", **(query or {})}
    return client.request(method, "/rest/v1/things", params=params, headers={**secret, **(headers or {})})


def _range_error(offset: int, total: int) -> dict[str, Any]:
    return {
        "code": "PGRST103",
        "message": "Requested range not satisfiable",
        "details": f"An offset of {offset} was requested, but there are only {total} rows.",
        "hint": None,
    }


EXACT = {"Prefer": "count=exact"}

# (query, headers, status, Content-Range, indexes of the rows returned, or the 416 error's offset)
PAGES: list[tuple[dict[str, str], dict[str, str], int, str, list[int] | int]] = [
    # no count: always 200, total `*`
    ({}, {}, 200, "0-4/*", [0, 1, 2, 3, 4]),
    ({"limit": "2"}, {}, 200, "0-1/*", [0, 1]),
    ({"limit": "2", "offset": "2"}, {}, 200, "2-3/*", [2, 3]),
    ({"offset": "3"}, {}, 200, "3-4/*", [3, 4]),
    ({"offset": "5"}, {}, 200, "*/*", []),
    ({"offset": "100"}, {}, 200, "*/*", []),
    ({"limit": "0"}, {}, 200, "*/*", []),
    ({"limit": "0", "offset": "2"}, {}, 200, "*/*", []),
    ({"limit": "100"}, {}, 200, "0-4/*", [0, 1, 2, 3, 4]),
    ({"offset": "0"}, {}, 200, "0-4/*", [0, 1, 2, 3, 4]),
    ({"limit": "0" * 30 + "2", "offset": "0" * 30 + "1"}, {}, 200, "1-2/*", [1, 2]),
    ({"limit": str(2**63 - 1)}, {}, 200, "0-4/*", [0, 1, 2, 3, 4]),
    ({"offset": str(2**63 - 1)}, {}, 200, "*/*", []),
    # count=exact: 206 for a partial page, 416 only when the offset is past the total
    ({}, EXACT, 200, "0-4/5", [0, 1, 2, 3, 4]),
    ({"limit": "5"}, EXACT, 200, "0-4/5", [0, 1, 2, 3, 4]),
    ({"limit": "2"}, EXACT, 206, "0-1/5", [0, 1]),
    ({"limit": "2", "offset": "4"}, EXACT, 206, "4-4/5", [4]),
    ({"offset": "1"}, EXACT, 206, "1-4/5", [1, 2, 3, 4]),
    ({"offset": "5"}, EXACT, 206, "*/5", []),
    ({"offset": "6"}, EXACT, 416, "*/5", 6),
    ({"offset": "100", "limit": "3"}, EXACT, 416, "*/5", 100),
    ({"limit": "0"}, EXACT, 206, "*/5", []),
    ({"limit": "0", "offset": "10"}, EXACT, 206, "*/5", []),
    ({"description": "not.is.null"}, EXACT, 200, "0-2/3", [0, 2, 4]),
    ({"description": "not.is.null", "limit": "1", "offset": "1"}, EXACT, 206, "1-1/3", [2]),
    ({"name": "eq.nothing"}, EXACT, 200, "*/0", []),
    ({"name": "eq.nothing", "offset": "1"}, EXACT, 416, "*/0", 1),
    # planned and estimated counts are answered exactly
    ({"limit": "2"}, {"Prefer": "count=planned"}, 206, "0-1/5", [0, 1]),
    ({}, {"Prefer": "count=estimated"}, 200, "0-4/5", [0, 1, 2, 3, 4]),
    # Range header (GET): inclusive bounds, open-ended, truncated at the end
    ({}, {"Range": "0-1"}, 200, "0-1/*", [0, 1]),
    ({}, {"Range": "0-0"}, 200, "0-0/*", [0]),
    ({}, {"Range": "1-"}, 200, "1-4/*", [1, 2, 3, 4]),
    ({}, {"Range": "3-10"}, 200, "3-4/*", [3, 4]),
    ({}, {"Range": "10-20"}, 200, "*/*", []),
    ({}, {"Range": f"1-{2**63 - 1}"}, 200, "1-4/*", [1, 2, 3, 4]),
    ({}, {"Range": "0-1", **EXACT}, 206, "0-1/5", [0, 1]),
    ({}, {"Range": "0-9", **EXACT}, 200, "0-4/5", [0, 1, 2, 3, 4]),
    ({}, {"Range": "10-20", **EXACT}, 416, "*/5", 10),
    # ... intersected with limit/offset
    ({"limit": "3"}, {"Range": "0-1"}, 200, "0-1/*", [0, 1]),
    ({"limit": "2"}, {"Range": "0-5"}, 200, "0-1/*", [0, 1]),
    ({"offset": "1"}, {"Range": "0-2"}, 200, "1-2/*", [1, 2]),
    ({"offset": "1", "limit": "3"}, {"Range": "2-10"}, 200, "2-3/*", [2, 3]),
    ({"offset": "2"}, {"Range": "1-"}, 200, "2-4/*", [2, 3, 4]),
    ({"limit": "0"}, {"Range": "1-3"}, 200, "*/*", []),
]


@pytest.mark.parametrize(
    ("query", "headers", "status", "content_range", "expected"),
    PAGES,
    ids=[f"{q}-{h}" for q, h, *_ in PAGES],
)
def test_page(
    client: TestClient,
    secret: dict[str, str],
    rows: list[dict[str, Any]],
    query: dict[str, str],
    headers: dict[str, str],
    status: int,
    content_range: str,
    expected: list[int] | int,
) -> None:
    response = _read(client, secret, query, headers)
    assert response.status_code == status, response.text
    assert response.headers["content-range"] == content_range
    assert response.headers["content-type"] == JSON_TYPE
    if isinstance(expected, int):
        assert response.json() == _range_error(expected, int(content_range.split("/")[1]))
    else:
        assert response.json() == [{"name": NAMES[i]} for i in expected]
    prefer = headers.get("Prefer")
    assert response.headers.get("preference-applied") == prefer


def test_disjoint_range_and_offset_is_416(client: TestClient, secret: dict[str, str], rows: Any) -> None:
    """A Range header and limit/offset that select no row in common cannot be satisfied (PostgREST)."""
    response = _read(client, secret, {"offset": "3"}, {"Range": "0-1"})
    assert response.status_code == 416
    body = response.json()
    assert (body["code"], body["message"], body["hint"]) == (
        "PGRST103",
        "Requested range not satisfiable",
        None,
    )
    assert "Range header (0-1)" in body["details"]


def test_range_lower_above_upper_is_416(client: TestClient, secret: dict[str, str], rows: Any) -> None:
    response = _read(client, secret, headers={"Range": "3-1"})
    assert response.status_code == 416
    body = response.json()
    assert (body["code"], body["message"], body["hint"]) == (
        "PGRST103",
        "Requested range not satisfiable",
        None,
    )
    assert body["details"].startswith(
        "The lower boundary must be lower than or equal to the upper boundary in the Range header"
    )


def test_negative_limit_is_416(client: TestClient, secret: dict[str, str], rows: Any) -> None:
    response = _read(client, secret, {"limit": "-1"})
    assert response.status_code == 416
    body = response.json()
    assert (body["code"], body["message"], body["hint"]) == (
        "PGRST103",
        "Requested range not satisfiable",
        None,
    )
    assert body["details"].startswith("Limit should be greater than or equal to zero")


# -- HEAD -----------------------------------------------------------------------------------------

HEADED = ["content-range", "content-type", "content-profile", "preference-applied"]


@pytest.mark.parametrize(
    ("query", "headers", "status"),
    [
        ({}, {}, 200),
        ({"limit": "2", "offset": "1"}, {}, 200),
        ({"limit": "2"}, EXACT, 206),
        ({}, EXACT, 200),
        ({"offset": "5"}, EXACT, 206),
        ({"offset": "9"}, EXACT, 416),
        ({"limit": "0"}, {}, 200),
        ({"name": f"eq.{P}0"}, {"Accept": OBJECT}, 200),
        ({}, {"Accept": OBJECT}, 406),
        ({"limit": "-1"}, {}, 416),
        ({"nope": "eq.1"}, {}, 400),
    ],
)
def test_head_has_the_headers_of_get_and_no_body(
    client: TestClient,
    secret: dict[str, str],
    rows: Any,
    query: dict[str, str],
    headers: dict[str, str],
    status: int,
) -> None:
    get = _read(client, secret, query, headers)
    head = _read(client, secret, query, headers, method="HEAD")
    assert get.status_code == head.status_code == status
    assert get.content != b""
    assert head.content == b""
    assert {h: head.headers.get(h) for h in HEADED} == {h: get.headers.get(h) for h in HEADED}


def test_head_ignores_the_range_header(client: TestClient, secret: dict[str, str], rows: Any) -> None:
    """PostgREST (after RFC 9110) honours Range on GET only; limit/offset still apply to HEAD."""
    head = _read(client, secret, {"offset": "1"}, {"Range": "0-1", **EXACT}, method="HEAD")
    assert head.status_code == 206
    assert head.headers["content-range"] == "1-4/5"
    assert head.content == b""


# -- one object: application/vnd.pgrst.object+json ------------------------------------------------


def test_object_returns_the_single_row(client: TestClient, secret: dict[str, str], rows: Any) -> None:
    response = _read(client, secret, {"name": f"eq.{P}3", "select": "name,description"}, {"Accept": OBJECT})
    assert response.status_code == 200
    assert response.headers["content-type"] == OBJECT_TYPE
    assert response.headers["content-range"] == "0-0/*"
    assert response.json() == {"name": f"{P}3", "description": None}


@pytest.mark.parametrize(
    "accept",
    [
        OBJECT,
        "application/vnd.pgrst.object",
        "application/vnd.pgrst.object+json; charset=utf-8",
        "text/csv, application/vnd.pgrst.object+json",
        "application/json;q=0.5, application/vnd.pgrst.object+json",
    ],
)
def test_object_accept_forms(client: TestClient, secret: dict[str, str], rows: Any, accept: str) -> None:
    response = _read(client, secret, {"limit": "1"}, {"Accept": accept})
    assert response.status_code == 200, response.text
    assert response.json() == {"name": f"{P}0"}


@pytest.mark.parametrize(("query", "count"), [({"name": "eq.nothing"}, 0), ({"limit": "2"}, 2), ({}, 5)])
def test_object_needs_exactly_one_row(
    client: TestClient, secret: dict[str, str], rows: Any, query: dict[str, str], count: int
) -> None:
    response = _read(client, secret, query, {"Accept": OBJECT})
    assert response.status_code == 406
    assert response.headers["content-type"] == JSON_TYPE
    assert response.json() == {
        "code": "PGRST116",
        "message": "Cannot coerce the result to a single JSON object",
        "details": f"The result contains {count} rows",
        "hint": None,
    }


def test_object_with_count(client: TestClient, secret: dict[str, str], rows: Any) -> None:
    response = _read(client, secret, {"name": f"eq.{P}1"}, {"Accept": OBJECT, **EXACT})
    assert response.status_code == 200
    assert response.headers["content-range"] == "0-0/1"
    assert response.json() == {"name": f"{P}1"}


# -- other media types ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "accept",
    [
        "application/json",
        "*/*",
        "application/*",
        "application/vnd.pgrst.array+json",
        "application/vnd.pgrst.array",
        "text/csv, application/json",
        "application/json; charset=utf-8",
        "text/html, */*;q=0.8",
        "",
    ],
)
def test_array_accept_forms(client: TestClient, secret: dict[str, str], rows: Any, accept: str) -> None:
    response = _read(client, secret, {"limit": "2"}, {"Accept": accept})
    assert response.status_code == 200, response.text
    assert response.json() == [{"name": f"{P}0"}, {"name": f"{P}1"}]


@pytest.mark.parametrize(
    "accept", ["text/csv", "application/xml", "text/html, image/png", "application/json;q=0"]
)
def test_unknown_accept_is_406(client: TestClient, secret: dict[str, str], rows: Any, accept: str) -> None:
    response = _read(client, secret, {"limit": "2"}, {"Accept": accept})
    assert response.status_code == 406
    assert response.json() == {
        "code": "PGRST107",
        "message": f"None of these media types are available: {accept}",
        "details": None,
        "hint": None,
    }


def test_nulls_stripped(client: TestClient, secret: dict[str, str], rows: Any) -> None:
    """`nulls=stripped` drops null-valued keys, as PostgREST does, for arrays and single objects."""
    array = _read(
        client,
        secret,
        {"select": "name,description", "limit": "2"},
        {"Accept": "application/vnd.pgrst.array+json;nulls=stripped"},
    )
    assert array.status_code == 200
    assert array.headers["content-type"] == "application/vnd.pgrst.array+json;nulls=stripped; charset=utf-8"
    assert array.json() == [{"name": f"{P}0", "description": "row 0"}, {"name": f"{P}1"}]
    one = _read(
        client,
        secret,
        {"select": "name,description", "name": f"eq.{P}1"},
        {"Accept": "application/vnd.pgrst.object+json;nulls=stripped"},
    )
    assert one.status_code == 200
    assert one.headers["content-type"] == "application/vnd.pgrst.object+json;nulls=stripped; charset=utf-8"
    assert one.json() == {"name": f"{P}1"}


# -- profiles -------------------------------------------------------------------------------------


def test_content_profile_names_the_schema_read(
    client: TestClient, secret: dict[str, str], alpha: ProvisionedTenant, rows: Any
) -> None:
    own = _read(client, secret, {"limit": "1"})
    assert own.headers["content-profile"] == alpha.schema
    named = _read(client, secret, {"limit": "1"}, {"Accept-Profile": alpha.schema})
    assert named.headers["content-profile"] == alpha.schema
    assert named.json() == own.json() == [{"name": f"{P}0"}]
    template = client.get(
        "/rest/v1/things",
        headers={**secret, "Accept-Profile": "public"},
        params={"select": "name", "order": "id"},
    )
    assert template.status_code == 200
    assert template.headers["content-profile"] == "public"
    assert template.json() == [{"name": "Customer"}, {"name": "Asset"}, {"name": "Ticket"}]
    head = client.head("/rest/v1/things", headers={**secret, "Accept-Profile": "public"})
    assert head.status_code == 200
    assert head.headers["content-profile"] == "public"
    assert head.headers["content-range"] == "0-2/*"
