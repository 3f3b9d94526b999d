"""PATCH and DELETE: filters, Content-Range, representation, refusals, and the rows afterwards."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.api.postgrest.write_support import Rows, error, headers, mark

UNFILTERED_HINT = "Add a filter such as id=eq.1, or enable TENANTGRID_ALLOW_UNFILTERED_WRITES."


pytestmark = pytest.mark.usefixtures("forget_written_rows")


def three(rows: Rows, m: str) -> list[int]:
    return [rows.thing(f"{m}-{i}") for i in range(3)]


# -- PATCH ---------------------------------------------------------------------------------------


def test_patch_minimal(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    ids = three(rows, m)
    response = client.patch(
        f"/rest/v1/things?name=like.{m}*&id=lt.{ids[2]}", headers=headers(alpha), json={"description": "new"}
    )
    assert response.status_code == 204
    assert response.content == b""
    assert "content-type" not in response.headers
    assert response.headers["content-range"] == "0-1/*"
    assert response.headers["content-profile"] == alpha.schema
    assert [r["description"] for r in rows.things(m)] == ["new", "new", None]


def test_patch_representation(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    ids = three(rows, m)
    response = client.patch(
        f"/rest/v1/things?name=like.{m}*&id=gt.{ids[0]}&select=id,description,tags",
        headers=headers(alpha, "return=representation"),
        json={"description": "d", "tags": ["t1", "t2"]},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.headers["content-range"] == "0-1/*"
    assert response.headers["preference-applied"] == "return=representation"
    assert sorted(response.json(), key=lambda r: r["id"]) == [
        {"id": ids[1], "description": "d", "tags": ["t1", "t2"]},
        {"id": ids[2], "description": "d", "tags": ["t1", "t2"]},
    ]
    assert [(r["description"], list(r["tags"])) for r in rows.things(m)] == [
        (None, []),
        ("d", ["t1", "t2"]),
        ("d", ["t1", "t2"]),
    ]


def test_patch_single_object(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    ids = three(rows, m)
    one = client.patch(
        f"/rest/v1/things?id=eq.{ids[0]}&select=id,name",
        headers=headers(alpha, "return=representation", Accept="application/vnd.pgrst.object+json"),
        json={"name": f"{m}-renamed"},
    )
    assert one.status_code == 200
    assert one.json() == {"id": ids[0], "name": f"{m}-renamed"}
    two = client.patch(
        f"/rest/v1/things?name=like.{m}-*&id=gt.{ids[0]}",
        headers=headers(alpha, "return=representation", Accept="application/vnd.pgrst.object+json"),
        json={"description": "both"},
    )
    assert two.status_code == 406
    assert two.json()["details"] == "The result contains 2 rows"
    assert [r["description"] for r in rows.things(m)] == [None, None, None]


def test_patch_no_match(client: TestClient, alpha: ProvisionedTenant) -> None:
    path = "/rest/v1/things?id=eq.-1"
    minimal = client.patch(path, headers=headers(alpha), json={"description": "x"})
    assert minimal.status_code == 204
    assert minimal.headers["content-range"] == "*/*"
    represented = client.patch(
        path, headers=headers(alpha, "return=representation"), json={"description": "x"}
    )
    assert represented.status_code == 200
    assert represented.content == b"[]"
    assert represented.headers["content-range"] == "*/*"


def test_patch_set_null(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    thing_id = rows.thing(m, description="something")
    response = client.patch(
        f"/rest/v1/things?id=eq.{thing_id}", headers=headers(alpha), json={"description": None}
    )
    assert response.status_code == 204
    assert rows.things(m)[0]["description"] is None


@pytest.mark.parametrize("raw", [b"", b"  "])
def test_patch_empty_body(client: TestClient, alpha: ProvisionedTenant, rows: Rows, raw: bytes) -> None:
    m = mark()
    thing_id = rows.thing(m)
    response = client.patch(
        f"/rest/v1/things?id=eq.{thing_id}",
        headers={**headers(alpha), "Content-Type": "application/json"},
        content=raw,
    )
    assert response.status_code == 400
    assert response.json() == error("PGRST102", "Empty or invalid json", "expected a JSON object, got empty")


def test_patch_empty_object_changes_nothing(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    """`{}` sets nothing: PostgREST answers 204 (or `[]`) and runs no UPDATE."""
    m = mark()
    thing_id = rows.thing(m)
    before = rows.things(m)[0]["updated_at"]
    minimal = client.patch(f"/rest/v1/things?id=eq.{thing_id}", headers=headers(alpha), json={})
    assert minimal.status_code == 204
    assert minimal.headers["content-range"] == "*/*"
    represented = client.patch(
        f"/rest/v1/things?id=eq.{thing_id}", headers=headers(alpha, "return=representation"), json={}
    )
    assert represented.status_code == 200
    assert represented.json() == []
    assert rows.things(m)[0]["updated_at"] == before


@pytest.mark.parametrize("body", [[], [{"description": "x"}], [{}]])
def test_patch_array_body(client: TestClient, alpha: ProvisionedTenant, rows: Rows, body: list) -> None:
    m = mark()
    thing_id = rows.thing(m)
    response = client.patch(f"/rest/v1/things?id=eq.{thing_id}", headers=headers(alpha), json=body)
    assert response.status_code == 400
    assert response.json() == error(
        "PGRST102", "Empty or invalid json", "expected a JSON object, got an array"
    )
    assert rows.things(m)[0]["description"] is None


@pytest.mark.parametrize("query", ["", "?select=id", "?order=id", "?columns=description"])
def test_patch_without_filter_is_refused(
    client: TestClient, alpha: ProvisionedTenant, rows: Rows, query: str
) -> None:
    m = mark()
    rows.thing(m)
    response = client.patch(f"/rest/v1/things{query}", headers=headers(alpha), json={"description": "all"})
    assert response.status_code == 400
    assert response.json() == error("21000", "UPDATE requires a WHERE clause", None, UNFILTERED_HINT)
    assert rows.db.value(f"SELECT count(*) FROM {rows.q('things')} WHERE description = 'all'") == 0


def test_patch_moves_updated_at(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    thing_id = rows.db.value(
        f"INSERT INTO {rows.q('things')} (name, created_at, updated_at) "
        "VALUES ($1, now() - interval '1 day', now() - interval '1 day') RETURNING id",
        m,
    )
    [before] = rows.things(m)
    response = client.patch(
        f"/rest/v1/things?id=eq.{thing_id}&select=created_at,updated_at",
        headers=headers(alpha, "return=representation"),
        json={"description": "touched"},
    )
    assert response.status_code == 200
    [after] = rows.things(m)
    assert after["updated_at"] > before["updated_at"]
    assert after["created_at"] == before["created_at"]
    [shown] = response.json()
    assert shown["updated_at"] != shown["created_at"]


def test_patch_cannot_backdate_updated_at(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    """The trigger owns updated_at: a client's value is overwritten."""
    m = mark()
    thing_id = rows.thing(m)
    response = client.patch(
        f"/rest/v1/things?id=eq.{thing_id}",
        headers=headers(alpha),
        json={"updated_at": "2000-01-01T00:00:00Z"},
    )
    assert response.status_code == 204
    assert rows.things(m)[0]["updated_at"].year > 2000


def test_soft_delete_as_seed_000_does(
    client: TestClient, user_headers: dict[str, str], alpha: ProvisionedTenant, rows: Rows
) -> None:
    m = mark()
    thing_id = rows.thing(m)
    entry_id = rows.entry(thing_id, m)
    other = rows.entry(thing_id, m)
    response = client.patch(
        f"/rest/v1/entries?id=eq.{entry_id}", headers=user_headers, json={"active": False}
    )
    assert response.status_code == 204
    assert response.headers["content-range"] == "0-0/*"
    active = dict(
        (r["id"], r["active"])
        for r in rows.db.fetch(f"SELECT id, active FROM {rows.q('entries')} WHERE thing_id = $1", thing_id)
    )
    assert active == {entry_id: False, other: True}
    listed = client.get(
        f"/rest/v1/entries?thing_id=eq.{thing_id}&active=is.true&select=id", headers=user_headers
    )
    assert listed.json() == [{"id": other}]


def test_patch_field_entry_with_value_alias(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    _, entry_id, fields = rows.entry_form(m)
    created = client.post(
        "/rest/v1/field_entries?select=id",
        headers=headers(alpha, "return=representation"),
        json={"entry_id": entry_id, "field_id": fields[0], "entered_value": "old"},
    )
    [fe] = created.json()
    response = client.patch(
        f"/rest/v1/field_entries?id=eq.{fe['id']}", headers=headers(alpha), json={"value": "new"}
    )
    assert response.status_code == 204
    assert rows.field_entries(entry_id) == [(fields[0], "new")]


def test_patch_columns(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    thing_id = rows.thing(m, description="before")
    response = client.patch(
        f"/rest/v1/things?id=eq.{thing_id}&columns=description&select=name,description",
        headers=headers(alpha, "return=representation"),
        json={"description": "after", "name": "ignored", "smth": "else"},
    )
    assert response.status_code == 200, response.text
    assert response.json() == [{"name": m, "description": "after"}]


def test_patch_columns_missing_default(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    """A column listed in `columns=` but absent from the body: NULL, or with `missing=default` its
    default."""
    m = mark()
    thing_id = rows.thing(m, description="before", active=False, tags=["t"])
    response = client.patch(
        f"/rest/v1/things?id=eq.{thing_id}&columns=description,active,tags&select=description,active,tags",
        headers=headers(alpha, "return=representation, missing=default"),
        json={"description": "after"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["preference-applied"] == "missing=default, return=representation"
    assert response.json() == [{"description": "after", "active": True, "tags": []}]
    nulls = client.patch(
        f"/rest/v1/things?id=eq.{thing_id}&columns=description",
        headers=headers(alpha),
        json={"active": False},
    )
    assert nulls.status_code == 204
    [row] = rows.things(m)
    assert (row["description"], row["active"]) == (None, True)


def test_patch_limited(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    ids = three(rows, m)
    response = client.patch(
        f"/rest/v1/things?name=like.{m}*&order=id.desc&limit=2",
        headers=headers(alpha, "return=representation"),
        json={"description": "limited"},
    )
    assert response.status_code == 200, response.text
    assert sorted(r["id"] for r in response.json()) == ids[1:]
    assert [r["description"] for r in rows.things(m)] == [None, "limited", "limited"]

    offset = client.patch(
        f"/rest/v1/things?name=like.{m}*&order=id&limit=1&offset=1",
        headers=headers(alpha),
        json={"description": "o"},
    )
    assert offset.status_code == 204
    assert [r["description"] for r in rows.things(m)] == [None, "o", "limited"]


def test_patch_limit_needs_order(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    three(rows, m)
    response = client.patch(
        f"/rest/v1/things?name=like.{m}*&limit=1", headers=headers(alpha), json={"description": "x"}
    )
    assert response.status_code == 400
    assert response.json() == error(
        "PGRST109",
        "A 'limit' was applied without an explicit 'order'",
        None,
        "Apply an 'order' using unique column(s)",
    )
    assert [r["description"] for r in rows.things(m)] == [None, None, None]


# -- DELETE --------------------------------------------------------------------------------------


def test_delete_minimal(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    ids = three(rows, m)
    response = client.delete(f"/rest/v1/things?id=in.({ids[0]},{ids[2]})", headers=headers(alpha))
    assert response.status_code == 204
    assert response.content == b""
    assert "content-type" not in response.headers
    assert response.headers["content-range"] == "*/*"
    assert response.headers["content-profile"] == alpha.schema
    assert [r["id"] for r in rows.things(m)] == [ids[1]]


def test_delete_representation(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    ids = three(rows, m)
    response = client.delete(
        f"/rest/v1/things?name=like.{m}*&id=lte.{ids[1]}&select=id,name",
        headers=headers(alpha, "return=representation"),
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.headers["content-range"] == "*/*"
    assert sorted(response.json(), key=lambda r: r["id"]) == [
        {"id": ids[0], "name": f"{m}-0"},
        {"id": ids[1], "name": f"{m}-1"},
    ]
    assert [r["id"] for r in rows.things(m)] == [ids[2]]


def test_delete_no_match(client: TestClient, alpha: ProvisionedTenant) -> None:
    response = client.delete("/rest/v1/things?id=eq.-1", headers=headers(alpha, "return=representation"))
    assert response.status_code == 200
    assert response.content == b"[]"
    assert response.headers["content-range"] == "*/*"


def test_delete_cascades(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    thing_id, entry_id, fields = rows.entry_form(m)
    rows.db.fetch(
        f"INSERT INTO {rows.q('field_entries')} (entry_id, field_id, entered_value) VALUES ($1, $2, 'v')",
        entry_id,
        fields[0],
    )
    response = client.delete(f"/rest/v1/things?id=eq.{thing_id}", headers=headers(alpha, "count=exact"))
    assert response.status_code == 204
    assert response.headers["content-range"] == "*/1"
    assert rows.field_entries(entry_id) == []
    assert rows.db.value(f"SELECT count(*) FROM {rows.q('entries')} WHERE id = $1", entry_id) == 0


@pytest.mark.parametrize("query", ["", "?select=id", "?order=id"])
def test_delete_without_filter_is_refused(
    client: TestClient, alpha: ProvisionedTenant, rows: Rows, query: str
) -> None:
    m = mark()
    rows.thing(m)
    total = rows.db.value(f"SELECT count(*) FROM {rows.q('things')}")
    response = client.delete(f"/rest/v1/things{query}", headers=headers(alpha, "return=representation"))
    assert response.status_code == 400
    assert response.json() == error("21000", "DELETE requires a WHERE clause", None, UNFILTERED_HINT)
    assert rows.db.value(f"SELECT count(*) FROM {rows.q('things')}") >= total
    assert rows.names(m) == [m]


def test_delete_limited(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    ids = three(rows, m)
    response = client.delete(
        f"/rest/v1/things?name=like.{m}*&order=id&limit=1&offset=1", headers=headers(alpha)
    )
    assert response.status_code == 204
    assert [r["id"] for r in rows.things(m)] == [ids[0], ids[2]]
    refused = client.delete(f"/rest/v1/things?name=like.{m}*&limit=1", headers=headers(alpha))
    assert refused.status_code == 400
    assert refused.json()["code"] == "PGRST109"
    assert [r["id"] for r in rows.things(m)] == [ids[0], ids[2]]


def test_delete_ignores_a_body(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    ids = three(rows, m)
    response = client.request(
        "DELETE", f"/rest/v1/things?id=eq.{ids[0]}", headers=headers(alpha), json={"id": ids[1]}
    )
    assert response.status_code == 204
    assert [r["id"] for r in rows.things(m)] == ids[1:]
