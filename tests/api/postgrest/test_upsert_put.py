"""Upserts: POST with `Prefer: resolution=...` (and `on_conflict=`), and PUT of one row by its key."""

from __future__ import annotations

import secrets

import pytest
from starlette.testclient import TestClient

from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.api.postgrest.write_support import Rows, error, headers, mark

MERGE = "resolution=merge-duplicates"
IGNORE = "resolution=ignore-duplicates"
PUT_FILTER = error("PGRST105", "Filters must include all and only primary key columns with 'eq' operators")


pytestmark = pytest.mark.usefixtures("forget_written_rows")


def far_id() -> int:
    """An id far above anything the identity hands out, so a test may choose it without clashing."""
    return 10**12 + secrets.randbelow(10**12)


# -- POST + resolution on the primary key --------------------------------------------------------


def test_merge_duplicates_updates_on_the_key(
    client: TestClient, alpha: ProvisionedTenant, rows: Rows
) -> None:
    m = mark()
    a, b = rows.thing(f"{m}-a", description="a"), rows.thing(f"{m}-b", description="b")
    response = client.post(
        "/rest/v1/things?select=id,name,description",
        headers=headers(alpha, f"return=representation, {MERGE}"),
        json=[
            {"id": a, "name": f"{m}-a2", "description": "A"},
            {"id": b, "name": f"{m}-b2", "description": "B"},
        ],
    )
    assert response.status_code == 200, response.text  # nothing inserted
    assert response.headers["preference-applied"] == "resolution=merge-duplicates, return=representation"
    assert response.json() == [
        {"id": a, "name": f"{m}-a2", "description": "A"},
        {"id": b, "name": f"{m}-b2", "description": "B"},
    ]
    assert [(r["id"], r["name"], r["description"]) for r in rows.things(m)] == [
        (a, f"{m}-a2", "A"),
        (b, f"{m}-b2", "B"),
    ]


def test_merge_duplicates_inserts_and_updates(
    client: TestClient, alpha: ProvisionedTenant, rows: Rows
) -> None:
    """What supabase-py's upsert of a list sends: columns=, missing=default, merge-duplicates."""
    m = mark()
    a = rows.thing(f"{m}-a", description="keep")
    response = client.post(
        '/rest/v1/things?columns="id","name"&select=id,name,description',
        headers=headers(alpha, f"return=representation, {MERGE}, missing=default"),
        json=[{"id": a, "name": f"{m}-a2"}, {"name": f"{m}-new"}],
    )
    assert response.status_code == 201, response.text
    assert response.headers["preference-applied"] == (
        "resolution=merge-duplicates, missing=default, return=representation"
    )
    stored = rows.things(m)
    assert [(r["name"], r["description"]) for r in stored] == [(f"{m}-a2", "keep"), (f"{m}-new", None)]
    new_id = stored[1]["id"]
    assert new_id != a
    assert response.json() == [
        {"id": a, "name": f"{m}-a2", "description": "keep"},
        {"id": new_id, "name": f"{m}-new", "description": None},
    ]


def test_merge_duplicates_minimal_status(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    a = rows.thing(f"{m}-a")
    updated = client.post("/rest/v1/things", headers=headers(alpha, MERGE), json={"id": a, "name": f"{m}-x"})
    assert updated.status_code == 200
    assert updated.content == b""
    inserted = client.post("/rest/v1/things", headers=headers(alpha, MERGE), json={"name": f"{m}-y"})
    assert inserted.status_code == 201
    assert rows.names(m) == [f"{m}-x", f"{m}-y"]


def test_merge_duplicates_empty_array(client: TestClient, alpha: ProvisionedTenant) -> None:
    response = client.post(
        "/rest/v1/things", headers=headers(alpha, f"return=representation, {MERGE}"), json=[]
    )
    assert response.status_code == 200
    assert response.json() == []


def test_ignore_duplicates_on_the_key(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    a = rows.thing(f"{m}-a", description="original")
    response = client.post(
        "/rest/v1/things?select=id,description",
        headers=headers(alpha, f"return=representation, {IGNORE}"),
        json=[{"id": a, "name": f"{m}-a", "description": "changed"}],
    )
    assert response.status_code == 201
    assert response.headers["preference-applied"] == "resolution=ignore-duplicates, return=representation"
    assert response.json() == []
    assert rows.things(m)[0]["description"] == "original"


def test_without_resolution_a_duplicate_is_a_conflict(
    client: TestClient, alpha: ProvisionedTenant, rows: Rows
) -> None:
    m = mark()
    a = rows.thing(f"{m}-a")
    response = client.post("/rest/v1/things", headers=headers(alpha), json=[{"id": a, "name": f"{m}-b"}])
    assert response.status_code == 409
    assert response.json() == error(
        "23505",
        'duplicate key value violates unique constraint "things_pkey"',
        f"Key (id)=({a}) already exists.",
    )
    assert rows.names(m) == [f"{m}-a"]


# -- POST + resolution on field_entries' (entry_id, field_id) ------------------------------------


def _seed_value(rows: Rows, entry_id: int, field_id: int, value: str) -> int:
    return rows.db.value(
        f"INSERT INTO {rows.q('field_entries')} (entry_id, field_id, entered_value) VALUES ($1, $2, $3) "
        "RETURNING id",
        entry_id,
        field_id,
        value,
    )


def test_merge_on_conflict_unique_columns(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    _, entry_id, fields = rows.entry_form(m)
    existing = _seed_value(rows, entry_id, fields[0], "old")
    response = client.post(
        "/rest/v1/field_entries?on_conflict=entry_id,field_id&select=id,field_id,entered_value",
        headers=headers(alpha, f"return=representation, {MERGE}"),
        json=[
            {"entry_id": entry_id, "field_id": fields[0], "value": "new"},
            {"entry_id": entry_id, "field_id": fields[1], "value": "added"},
        ],
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body[0] == {"id": existing, "field_id": fields[0], "entered_value": "new"}
    assert body[1]["field_id"] == fields[1] and body[1]["entered_value"] == "added"
    assert rows.field_entries(entry_id) == [(fields[0], "new"), (fields[1], "added")]


def test_merge_without_on_conflict_uses_the_primary_key(
    client: TestClient, alpha: ProvisionedTenant, rows: Rows
) -> None:
    """Without on_conflict= the upsert is on `id`; the (entry_id, field_id) duplicate still conflicts."""
    m = mark()
    _, entry_id, fields = rows.entry_form(m)
    _seed_value(rows, entry_id, fields[0], "old")
    response = client.post(
        "/rest/v1/field_entries",
        headers=headers(alpha, MERGE),
        json=[
            {"entry_id": entry_id, "field_id": fields[1], "value": "added"},
            {"entry_id": entry_id, "field_id": fields[0], "value": "new"},
        ],
    )
    assert response.status_code == 409
    assert response.json()["code"] == "23505"
    assert rows.field_entries(entry_id) == [(fields[0], "old")]


def test_ignore_on_conflict_unique_columns(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    _, entry_id, fields = rows.entry_form(m)
    _seed_value(rows, entry_id, fields[0], "old")
    response = client.post(
        "/rest/v1/field_entries?on_conflict=entry_id,field_id&select=field_id,entered_value",
        headers=headers(alpha, f"return=representation, {IGNORE}"),
        json=[
            {"entry_id": entry_id, "field_id": fields[0], "value": "new"},
            {"entry_id": entry_id, "field_id": fields[2], "value": "added"},
        ],
    )
    assert response.status_code == 201
    assert response.json() == [{"field_id": fields[2], "entered_value": "added"}]
    assert rows.field_entries(entry_id) == [(fields[0], "old"), (fields[2], "added")]


def test_on_conflict_with_the_value_alias_in_columns(
    client: TestClient, alpha: ProvisionedTenant, rows: Rows
) -> None:
    """supabase-py: `upsert([...], on_conflict="entry_id,field_id")` with the seed's `value` key."""
    m = mark()
    _, entry_id, fields = rows.entry_form(m)
    _seed_value(rows, entry_id, fields[0], "old")
    response = client.post(
        '/rest/v1/field_entries?on_conflict=entry_id,field_id&columns="entry_id","field_id","value"',
        headers=headers(alpha, f"return=representation, {MERGE}"),
        json=[{"entry_id": entry_id, "field_id": fields[0], "value": "v2"}],
    )
    assert response.status_code == 200, response.text
    assert rows.field_entries(entry_id) == [(fields[0], "v2")]


def test_on_conflict_errors(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    _, entry_id, fields = rows.entry_form(m)
    row = {"entry_id": entry_id, "field_id": fields[0], "value": "x"}
    unknown = client.post(
        "/rest/v1/field_entries?on_conflict=entry_id,nope", headers=headers(alpha, MERGE), json=row
    )
    assert unknown.status_code == 400
    assert unknown.json()["code"] == "PGRST204"
    not_unique = client.post(
        "/rest/v1/field_entries?on_conflict=entry_id", headers=headers(alpha, MERGE), json=row
    )
    assert not_unique.status_code == 400
    assert not_unique.json() == error(
        "42P10", "there is no unique or exclusion constraint matching the ON CONFLICT specification"
    )
    assert rows.field_entries(entry_id) == []


# -- PUT -----------------------------------------------------------------------------------------


def test_put_inserts_then_replaces(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    key = far_id()
    created = client.put(
        f"/rest/v1/things?id=eq.{key}&select=id,name,description",
        headers=headers(alpha, "return=representation"),
        json={"id": key, "name": m, "description": "first"},
    )
    assert created.status_code == 201, created.text
    assert created.json() == [{"id": key, "name": m, "description": "first"}]
    assert created.headers["preference-applied"] == "return=representation"
    assert "content-range" not in created.headers  # as PostgREST: none on PUT
    replaced = client.put(
        f"/rest/v1/things?id=eq.{key}&select=id,name,description",
        headers=headers(alpha, "return=representation"),
        json=[{"id": key, "name": f"{m}-2", "description": "second"}],
    )
    assert replaced.status_code == 200
    assert replaced.json() == [{"id": key, "name": f"{m}-2", "description": "second"}]
    assert [(r["id"], r["name"], r["description"]) for r in rows.things(m)] == [(key, f"{m}-2", "second")]
    minimal = client.put(
        f"/rest/v1/things?id=eq.{key}",
        headers=headers(alpha, "return=minimal"),
        json={"id": key, "name": f"{m}-3"},
    )
    assert minimal.status_code == 204
    assert minimal.content == b""
    assert minimal.headers["preference-applied"] == "return=minimal"
    assert rows.names(m) == [f"{m}-3"]
    default = client.put(
        f"/rest/v1/things?id=eq.{key}", headers=headers(alpha), json={"id": key, "name": f"{m}-4"}
    )
    assert default.status_code == 204
    assert rows.names(m) == [f"{m}-4"]


def test_put_single_object(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    key = far_id()
    response = client.put(
        f"/rest/v1/things?id=eq.{key}&select=name",
        headers=headers(alpha, "return=representation", Accept="application/vnd.pgrst.object+json"),
        json={"id": key, "name": m},
    )
    assert response.status_code == 201
    assert response.json() == {"name": m}
    assert response.headers["content-type"] == "application/vnd.pgrst.object+json; charset=utf-8"


@pytest.mark.parametrize(
    "query",
    [
        "",
        "name=eq.x",
        "id=gt.5",
        "id=not.eq.5",
        "id=in.(5)",
        "id=eq.5&name=eq.x",
        "or=(id.eq.5)",
        "and=(id.eq.5)",
        "data->>id=eq.5",
        "id=eq(any).{5}",
    ],
)
def test_put_filter_must_be_the_primary_key(
    client: TestClient, alpha: ProvisionedTenant, rows: Rows, query: str
) -> None:
    m = mark()
    response = client.put(f"/rest/v1/things?{query}", headers=headers(alpha), json={"id": 5, "name": m})
    assert response.status_code == 405
    assert response.json() == PUT_FILTER
    assert rows.things(m) == []


@pytest.mark.parametrize(
    "body",
    [{"id": 6, "name": "x"}, {"name": "x"}, {"id": None, "name": "x"}, {"id": "5.0", "name": "x"}],
)
def test_put_payload_must_match_the_key(
    client: TestClient, alpha: ProvisionedTenant, rows: Rows, body: dict
) -> None:
    key = far_id()
    response = client.put(f"/rest/v1/things?id=eq.{key}", headers=headers(alpha), json=body)
    assert response.status_code == 400
    assert response.json() == error("PGRST115", "Payload values do not match URL in primary key column(s)")
    assert rows.db.value(f"SELECT count(*) FROM {rows.q('things')} WHERE id = $1", key) == 0


def test_put_key_as_string_matches(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    key = far_id()
    response = client.put(
        f"/rest/v1/things?id=eq.{key}", headers=headers(alpha), json={"id": str(key), "name": m}
    )
    assert response.status_code == 204
    assert [r["id"] for r in rows.things(m)] == [key]


@pytest.mark.parametrize("query", ["limit=1", "offset=1"])
def test_put_refuses_limit_and_offset(client: TestClient, alpha: ProvisionedTenant, query: str) -> None:
    key = far_id()
    response = client.put(
        f"/rest/v1/things?id=eq.{key}&{query}", headers=headers(alpha), json={"id": key, "name": "x"}
    )
    assert response.status_code == 400
    assert response.json() == error("PGRST114", "limit/offset querystring parameters are not allowed for PUT")


def test_put_takes_one_object(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    key = far_id()
    response = client.put(
        f"/rest/v1/things?id=eq.{key}",
        headers=headers(alpha),
        json=[{"id": key, "name": m}, {"id": key, "name": m}],
    )
    assert response.status_code == 400
    assert response.json()["code"] == "PGRST102"
    assert rows.things(m) == []


def test_put_errors_write_nothing(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    key = far_id()
    response = client.put(
        f"/rest/v1/things?id=eq.{key}", headers=headers(alpha), json={"id": key, "name": None}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "23502"
    unknown = client.put(f"/rest/v1/things?id=eq.{key}", headers=headers(alpha), json={"id": key, "nope": 1})
    assert unknown.status_code == 400
    assert unknown.json()["code"] == "PGRST204"
    assert rows.db.value(f"SELECT count(*) FROM {rows.q('things')} WHERE id = $1", key) == 0
