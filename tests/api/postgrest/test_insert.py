"""POST /rest/v1/{table}: one object or an array, `columns=`, `missing=default`, every `return=`, and
what really lands in the database (all the rows, or none of them)."""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient

from tenantgrid.query.compile import Body, WriteShape
from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.api.postgrest.write_support import PLAIN, Rows, error, headers, mark, plain
from tests.conftest import Database

pytestmark = pytest.mark.usefixtures("forget_written_rows")


def test_one_object_default_is_minimal(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    response = client.post("/rest/v1/things", headers=headers(alpha), json={"name": m})
    assert response.status_code == 201
    assert response.content == b""
    assert "content-type" not in response.headers
    assert "location" not in response.headers
    assert "preference-applied" not in response.headers
    assert response.headers["content-range"] == "*/*"
    assert response.headers["content-profile"] == alpha.schema
    [row] = rows.things(m)
    assert plain(row) == {
        "id": row["id"],
        "name": m,
        "description": None,
        "tags": [],
        "data": {},
        "active": True,
    }
    assert row["created_at"] is not None and row["updated_at"] is not None


def test_array_is_one_statement(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    body = [{"name": f"{m}-{i}", "description": f"d{i}"} for i in range(3)]
    response = client.post(
        "/rest/v1/things?select=name,description",
        headers=headers(alpha, "return=representation"),
        json=body,
    )
    assert response.status_code == 201, response.text
    assert response.json() == body
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.headers["preference-applied"] == "return=representation"
    assert response.headers["content-range"] == "*/*"
    stored = rows.things(m)
    assert [(r["name"], r["description"]) for r in stored] == [(b["name"], b["description"]) for b in body]
    # One INSERT: one transaction, one statement timestamp for every row.
    assert len({r["created_at"] for r in stored}) == 1
    writers = rows.db.fetch(
        f"SELECT DISTINCT xmin::text AS xid FROM {rows.q('things')} WHERE name LIKE $1", m + "%"
    )
    assert len(writers) == 1


def test_representation_is_the_stored_row(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    body = {"name": m, "tags": ["a", "b c"], "data": {"k": [1, {"x": None}], "s": "é"}, "active": False}
    response = client.post("/rest/v1/things", headers=headers(alpha, "return=representation"), json=body)
    assert response.status_code == 201
    [created] = response.json()
    [row] = rows.things(m)
    assert created["id"] == row["id"]
    assert {k: created[k] for k in ("id", "name", "description", "tags", "data", "active")} == plain(row)
    assert plain(row) == {"id": row["id"], "description": None, **body}
    assert set(created) == {"id", "name", "description", "tags", "data", "active", "created_at", "updated_at"}


def test_representation_with_select_aliases_and_casts(
    client: TestClient, alpha: ProvisionedTenant, rows: Rows
) -> None:
    m = mark()
    response = client.post(
        "/rest/v1/things?select=label:name,id::text,data->>k",
        headers=headers(alpha, "return=representation"),
        json={"name": m, "data": {"k": "v"}},
    )
    assert response.status_code == 201
    [row] = rows.things(m)
    assert response.json() == [{"label": m, "id": str(row["id"]), "k": "v"}]


def test_select_is_ignored_without_representation(
    client: TestClient, alpha: ProvisionedTenant, rows: Rows
) -> None:
    m = mark()
    response = client.post(
        "/rest/v1/things?select=name", headers=headers(alpha, "return=minimal"), json={"name": m}
    )
    assert response.status_code == 201
    assert response.content == b""
    assert response.headers["preference-applied"] == "return=minimal"
    assert rows.names(m) == [m]


def test_headers_only_gives_location(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    response = client.post("/rest/v1/things", headers=headers(alpha, "return=headers-only"), json={"name": m})
    assert response.status_code == 201
    assert response.content == b""
    assert "content-type" not in response.headers
    [row] = rows.things(m)
    assert response.headers["location"] == f"/things?id=eq.{row['id']}"
    assert response.headers["preference-applied"] == "return=headers-only"
    assert response.headers["content-range"] == "*/*"
    # The Location reads back the row.
    again = client.get(f"/rest/v1{response.headers['location']}&select=name", headers=headers(alpha))
    assert again.json() == [{"name": m}]


def test_single_object_accept(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    response = client.post(
        "/rest/v1/things?select=name,active",
        headers=headers(alpha, "return=representation", Accept="application/vnd.pgrst.object+json"),
        json={"name": m},
    )
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/vnd.pgrst.object+json; charset=utf-8"
    assert response.json() == {"name": m, "active": True}
    assert rows.names(m) == [m]


@pytest.mark.parametrize("prefer", ["return=representation", "return=minimal"])
def test_single_object_accept_with_two_rows_writes_nothing(
    client: TestClient, alpha: ProvisionedTenant, rows: Rows, prefer: str
) -> None:
    m = mark()
    response = client.post(
        "/rest/v1/things",
        headers=headers(alpha, prefer, Accept="application/vnd.pgrst.object+json"),
        json=[{"name": f"{m}-1"}, {"name": f"{m}-2"}],
    )
    assert response.status_code == 406
    assert response.json() == error(
        "PGRST116", "Cannot coerce the result to a single JSON object", "The result contains 2 rows"
    )
    assert rows.things(m) == []


def test_single_object_accept_with_empty_array(client: TestClient, alpha: ProvisionedTenant) -> None:
    response = client.post(
        "/rest/v1/things",
        headers=headers(alpha, "return=representation", Accept="application/vnd.pgrst.object+json"),
        json=[],
    )
    assert response.status_code == 406
    assert response.json()["details"] == "The result contains 0 rows"


@pytest.mark.parametrize("prefer", [None, "return=representation"])
def test_empty_array(client: TestClient, alpha: ProvisionedTenant, prefer: str | None) -> None:
    response = client.post("/rest/v1/things", headers=headers(alpha, prefer), json=[])
    assert response.status_code == 201
    assert response.headers["content-range"] == "*/*"
    assert response.content == (b"[]" if prefer else b"")


# -- columns= ------------------------------------------------------------------------------------


@pytest.mark.parametrize("columns", ["name,description", '"name","description"', '"name", "description"'])
def test_columns_limits_the_inserted_keys(
    client: TestClient, alpha: ProvisionedTenant, rows: Rows, columns: str
) -> None:
    m = mark()
    response = client.post(
        "/rest/v1/things",
        params={"columns": columns, "select": "name,description,active,tags"},
        headers=headers(alpha, "return=representation"),
        json=[
            {"name": f"{m}-1", "description": "one", "active": False, "junk": 1},
            {"name": f"{m}-2", "tags": ["ignored"]},
        ],
    )
    assert response.status_code == 201, response.text
    expected = [
        {"name": f"{m}-1", "description": "one", "active": True, "tags": []},
        {"name": f"{m}-2", "description": None, "active": True, "tags": []},
    ]
    assert response.json() == expected
    assert [
        {k: v for k, v in plain(r).items() if k in ("name", "description", "active", "tags")}
        for r in rows.things(m)
    ] == expected


def test_columns_absent_key_is_null(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    """Without `missing=default`, a key in `columns=` but not in a row is NULL, not its default."""
    m = mark()
    response = client.post(
        "/rest/v1/things?columns=name,tags",
        headers=headers(alpha),
        json=[{"name": f"{m}-1", "tags": ["x"]}, {"name": f"{m}-2"}],
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "23502"
    assert body["message"] == 'null value in column "tags" of relation "things" violates not-null constraint'
    assert rows.things(m) == []


def test_missing_default(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    response = client.post(
        "/rest/v1/things?columns=name,tags,active,description&select=name,tags,active,description",
        headers=headers(alpha, "return=representation, missing=default"),
        json=[
            {"name": f"{m}-1", "tags": ["x"]},
            {"name": f"{m}-2"},
            {"name": f"{m}-3", "tags": ["y"]},
            {"name": f"{m}-4", "active": False},
        ],
    )
    assert response.status_code == 201, response.text
    assert response.headers["preference-applied"] == "missing=default, return=representation"
    expected = [
        {"name": f"{m}-1", "tags": ["x"], "active": True, "description": None},
        {"name": f"{m}-2", "tags": [], "active": True, "description": None},
        {"name": f"{m}-3", "tags": ["y"], "active": True, "description": None},
        {"name": f"{m}-4", "tags": [], "active": False, "description": None},
    ]
    assert response.json() == expected  # in the body's order
    stored = {r["name"]: plain(r) for r in rows.things(m)}
    assert [{k: stored[e["name"]][k] for k in e} for e in expected] == expected


def test_missing_default_all_or_nothing(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    """`missing=default` may run one INSERT per key set; a failure in the last undoes the first."""
    m = mark()
    response = client.post(
        "/rest/v1/things?columns=name,tags",
        headers=headers(alpha, "missing=default"),
        json=[{"name": f"{m}-1", "tags": ["x"]}, {"name": f"{m}-2"}, {"tags": ["z"]}],
    )
    assert response.status_code == 400
    assert response.json()["code"] == "23502"
    assert rows.things(m) == []


def test_empty_object_takes_every_default(client: TestClient, alpha: ProvisionedTenant) -> None:
    """`{}` is a row of defaults (PostgREST runs it); `things.name` has none, so Postgres refuses."""
    for body in ({}, [{}], [{}, {}]):
        response = client.post("/rest/v1/things", headers=headers(alpha), json=body)
        assert response.status_code == 400, body
        problem = response.json()
        assert problem["code"] == "23502"
        assert problem["message"] == (
            'null value in column "name" of relation "things" violates not-null constraint'
        )
        assert problem["details"].startswith("Failing row contains (")


def test_columns_naming_no_row_key_inserts_defaults(
    client: TestClient, alpha: ProvisionedTenant, rows: Rows
) -> None:
    """`columns=` naming keys no row has, with `missing=default`, is again a row of defaults."""
    m = mark()
    thing_id = rows.thing(m)
    response = client.post(
        "/rest/v1/entries?columns=status,classification_item_name&select=status,active",
        headers=headers(alpha, "return=representation, missing=default"),
        json=[{"thing_id": thing_id}],
    )
    assert response.status_code == 400  # thing_id is not in columns=, so it is not inserted
    assert response.json()["message"] == (
        'null value in column "thing_id" of relation "entries" violates not-null constraint'
    )


# -- seed 000's field_entries and its `value` alias ----------------------------------------------


def test_value_alias(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    _, entry_id, fields = rows.entry_form(m)
    response = client.post(
        "/rest/v1/field_entries?select=entry_id,field_id,entered_value",
        headers=headers(alpha, "return=representation"),
        json={"entry_id": entry_id, "field_id": fields[0], "value": "Value for Field"},
    )
    assert response.status_code == 201, response.text
    assert response.json() == [
        {"entry_id": entry_id, "field_id": fields[0], "entered_value": "Value for Field"}
    ]
    assert rows.field_entries(entry_id) == [(fields[0], "Value for Field")]


def test_value_alias_in_a_supabase_list_insert(
    client: TestClient, alpha: ProvisionedTenant, rows: Rows
) -> None:
    """supabase-py lists a list insert's keys in `columns=`, `value` among them."""
    m = mark()
    _, entry_id, fields = rows.entry_form(m)
    response = client.post(
        '/rest/v1/field_entries?columns="entry_id","field_id","value"',
        headers=headers(alpha),
        json=[
            {"entry_id": entry_id, "field_id": fields[0], "value": "a"},
            {"entry_id": entry_id, "field_id": fields[1], "value": "b"},
        ],
    )
    assert response.status_code == 201, response.text
    assert rows.field_entries(entry_id) == [(fields[0], "a"), (fields[1], "b")]


def test_value_and_entered_value_together(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    _, entry_id, fields = rows.entry_form(m)
    response = client.post(
        "/rest/v1/field_entries",
        headers=headers(alpha),
        json={"entry_id": entry_id, "field_id": fields[0], "value": "a", "entered_value": "b"},
    )
    assert response.status_code == 400
    assert response.json() == error(
        "PGRST102",
        "Both 'value' and 'entered_value' were given",
        "'value' is another name for 'entered_value'",
    )
    assert rows.field_entries(entry_id) == []


def test_value_and_entered_value_in_columns(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    _, entry_id, fields = rows.entry_form(m)
    response = client.post(
        "/rest/v1/field_entries?columns=entry_id,field_id,value,entered_value",
        headers=headers(alpha),
        json=[{"entry_id": entry_id, "field_id": fields[0], "value": "a"}],
    )
    assert response.status_code == 400
    assert response.json()["code"] == "PGRST102"
    assert rows.field_entries(entry_id) == []


def test_seed_client_headers(
    client: TestClient, user_headers: dict[str, str], alpha: ProvisionedTenant, rows: Rows
) -> None:
    """Seed 000's own headers: publishable key, user JWT, both profile headers."""
    m = mark()
    thing_id = rows.thing(m)
    response = client.post(
        f"/rest/v1/entries?select={PLAIN.replace('name,description,tags,data', 'thing_id,status')}",
        headers={**user_headers, "Prefer": "return=representation"},
        json={"thing_id": thing_id, "status": m},
    )
    assert response.status_code == 201, response.text
    [entry] = response.json()
    assert entry == {"id": entry["id"], "thing_id": thing_id, "status": m, "active": True}
    assert response.headers["content-profile"] == alpha.schema
    assert rows.db.value(f"SELECT count(*) FROM {rows.q('entries')} WHERE thing_id = $1", thing_id) == 1


def test_json_text_values_round_trip(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    description = "quote \" backslash \\ newline \n unicode ☃ and 'single'"
    response = client.post(
        "/rest/v1/things?select=description",
        headers=headers(alpha, "return=representation"),
        content=json.dumps({"name": m, "description": description}).encode(),
    )
    assert response.status_code == 201
    assert response.json() == [{"description": description}]
    [row] = rows.things(m)
    assert row["description"] == description


def test_nulls_stripped_representation(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    """supabase-py with null stripping on: `Accept: ...;nulls=stripped`, on writes too."""
    m = mark()
    array = client.post(
        "/rest/v1/things?select=name,description,tags",
        headers=headers(
            alpha, "return=representation", Accept="application/vnd.pgrst.array+json;nulls=stripped"
        ),
        json=[{"name": f"{m}-1"}, {"name": f"{m}-2"}],
    )
    assert array.status_code == 201
    assert array.headers["content-type"] == "application/vnd.pgrst.array+json;nulls=stripped; charset=utf-8"
    assert array.json() == [{"name": f"{m}-1", "tags": []}, {"name": f"{m}-2", "tags": []}]
    one = client.patch(
        f"/rest/v1/things?name=eq.{m}-1&select=name,description",
        headers=headers(
            alpha, "return=representation", Accept="application/vnd.pgrst.object+json;nulls=stripped"
        ),
        json={"active": False},
    )
    assert one.status_code == 200
    assert one.headers["content-type"] == "application/vnd.pgrst.object+json;nulls=stripped; charset=utf-8"
    assert one.json() == {"name": f"{m}-1"}
    assert len(rows.things(m)) == 2


def test_rows_of_defaults_are_inserted(db: Database) -> None:
    """The statement `{}` / `[{}, {}]` compiles to, run on a copy of `things` whose every column has a
    default (the seed's tables all have a NOT NULL column without one, so no API call can succeed)."""
    scratch = mark().replace("-", "_")
    runtime = db.runtime
    db.fetch(f'CREATE SCHEMA "{scratch}"')
    try:
        db.fetch(
            f'CREATE TABLE "{scratch}".things (LIKE "{runtime.settings.template_schema}".things INCLUDING ALL)'
        )
        db.fetch(f"ALTER TABLE \"{scratch}\".things ALTER COLUMN name SET DEFAULT 'unnamed'")
        compiled = runtime.compiler.write(WriteShape("things", "INSERT", body=Body.ARRAY))
        [row] = db.fetch(compiled.render(scratch), *compiled.arguments(["[{}, {}]"]))
        assert (row["total"], row["page_count"], row["inserted"]) == (2, 2, 2)
        created = json.loads(row["body"])
        assert [(r["name"], r["tags"], r["data"], r["active"]) for r in created] == [
            ("unnamed", [], {}, True),
            ("unnamed", [], {}, True),
        ]
        assert db.value(f'SELECT count(*) FROM "{scratch}".things') == 2
    finally:
        db.fetch(f'DROP SCHEMA "{scratch}" CASCADE')
