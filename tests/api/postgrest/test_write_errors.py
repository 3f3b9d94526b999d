"""Bad writes: each answers PostgREST's error (never a 500), and none of them changes a row."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.api.postgrest.write_support import Rows, error, headers, mark
from tests.conftest import Database

LIMIT = 64 * 1024  # settings.max_body_bytes in the test settings


pytestmark = pytest.mark.usefixtures("forget_written_rows")


# -- the body ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw", [b"}{ x = 2", b'{"name": ', b"", b"   ", b"\xff\xfe", b"nul", b'{"a":1}{"b":2}']
)
def test_invalid_json(client: TestClient, alpha: ProvisionedTenant, raw: bytes) -> None:
    for method in ("POST", "PATCH"):
        response = client.request(
            method,
            "/rest/v1/things?name=eq.nothing",
            headers={**headers(alpha), "Content-Type": "application/json"},
            content=raw,
        )
        assert response.status_code == 400, (method, raw)
        body = response.json()
        assert body["code"] == "PGRST102"
        assert body["message"] == "Empty or invalid json"


@pytest.mark.parametrize("body", ['"a string"', "5", "true", "null"])
def test_non_object_body(client: TestClient, alpha: ProvisionedTenant, body: str) -> None:
    response = client.post("/rest/v1/things", headers=headers(alpha), content=body.encode())
    assert response.status_code == 400
    assert response.json()["code"] == "PGRST102"


def test_array_elements_must_be_objects(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    response = client.post(
        "/rest/v1/things", headers=headers(alpha), json=[{"name": m}, 123, "xxxx", {"name": m}]
    )
    assert response.status_code == 400
    assert response.json() == error(
        "PGRST102", "All object keys must match", "every element of the array must be an object"
    )
    assert rows.things(m) == []


def test_mismatched_keys(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    response = client.post(
        "/rest/v1/things",
        headers=headers(alpha),
        json=[{"name": f"{m}-1"}, {"name": f"{m}-2", "description": "x"}, {"name": f"{m}-3"}],
    )
    assert response.status_code == 400
    assert response.json() == error("PGRST102", "All object keys must match")
    assert rows.things(m) == []


def test_body_over_the_limit(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    big = {"name": m, "description": "x" * LIMIT}
    response = client.post("/rest/v1/things", headers=headers(alpha), json=big)
    assert response.status_code == 413
    assert response.json() == error("PGRST413", "Payload Too Large", f"The body exceeds {LIMIT} bytes")
    assert rows.things(m) == []


def test_streamed_body_over_the_limit(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    """No Content-Length (chunked): the limit is counted while reading."""
    m = mark()

    def chunks() -> Iterator[bytes]:
        yield f'{{"name": "{m}", "description": "'.encode()
        for _ in range(LIMIT // 1024 + 1):
            yield b"x" * 1024
        yield b'"}'

    response = client.post(
        "/rest/v1/things", headers={**headers(alpha), "Content-Type": "application/json"}, content=chunks()
    )
    assert response.status_code == 413
    assert response.json()["code"] == "PGRST413"
    assert rows.things(m) == []


def test_body_just_under_the_limit(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    prefix = f'{{"name": "{m}", "description": "'.encode()
    raw = prefix + b"y" * (LIMIT - len(prefix) - 2) + b'"}'
    assert len(raw) == LIMIT
    response = client.post("/rest/v1/things", headers=headers(alpha), content=raw)
    assert response.status_code == 201
    assert len(rows.things(m)[0]["description"]) == LIMIT - len(prefix) - 2


def test_patch_over_the_limit_changes_nothing(
    client: TestClient, alpha: ProvisionedTenant, rows: Rows
) -> None:
    m = mark()
    rows.thing(m)
    response = client.patch(
        f"/rest/v1/things?name=eq.{m}", headers=headers(alpha), json={"description": "x" * LIMIT}
    )
    assert response.status_code == 413
    assert rows.things(m)[0]["description"] is None


# -- columns -------------------------------------------------------------------------------------


def test_unknown_key_in_body(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    response = client.post("/rest/v1/things", headers=headers(alpha), json={"name": m, "colour": "red"})
    assert response.status_code == 400
    assert response.json() == error(
        "PGRST204", "Could not find the 'colour' column of 'things' in the schema cache"
    )
    assert rows.things(m) == []


@pytest.mark.parametrize("columns", ["name,helicopter", '"name","helicopter"'])
def test_unknown_column_in_columns(
    client: TestClient, alpha: ProvisionedTenant, rows: Rows, columns: str
) -> None:
    m = mark()
    response = client.post(
        "/rest/v1/things", params={"columns": columns}, headers=headers(alpha), json=[{"name": m}]
    )
    assert response.status_code == 400
    assert response.json() == error(
        "PGRST204", "Could not find the 'helicopter' column of 'things' in the schema cache"
    )
    assert rows.things(m) == []


@pytest.mark.parametrize("columns", ["", ",", "name,", '"name', "name->x", "(name)"])
def test_malformed_columns(client: TestClient, alpha: ProvisionedTenant, rows: Rows, columns: str) -> None:
    m = mark()
    response = client.post(
        "/rest/v1/things", params={"columns": columns}, headers=headers(alpha), json=[{"name": m}]
    )
    assert response.status_code == 400, response.text
    assert response.json()["code"] in ("PGRST100", "PGRST204")
    assert rows.things(m) == []


def test_patch_unknown_key(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    rows.thing(m)
    response = client.patch(
        f"/rest/v1/things?name=eq.{m}", headers=headers(alpha), json={"description": "x", "colour": "red"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "PGRST204"
    assert rows.things(m)[0]["description"] is None


# -- what Postgres refuses -----------------------------------------------------------------------


def test_wrong_type(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    response = client.post("/rest/v1/things", headers=headers(alpha), json={"name": m, "active": "notabool"})
    assert response.status_code == 400
    assert response.json() == error("22P02", 'invalid input syntax for type boolean: "notabool"')
    assert rows.things(m) == []


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"tags": "not an array"}, "22P02"),
        ({"tags": [[1, 2], [3]]}, "22P02"),
        ({"id": "abc"}, "22P02"),
        ({"id": 1e30}, "22P02"),
        ({"id": 9223372036854775808}, "22003"),
        ({"data": "\u0000"}, "22P05"),
    ],
)
def test_values_postgres_refuses(
    client: TestClient, alpha: ProvisionedTenant, rows: Rows, body: dict, code: str
) -> None:
    m = mark()
    response = client.post("/rest/v1/things", headers=headers(alpha), json={"name": m, **body})
    assert response.status_code == 400, response.text
    assert response.json()["code"] == code
    assert rows.things(m) == []


def test_not_null_violation(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    response = client.post("/rest/v1/things", headers=headers(alpha), json={"name": None, "description": m})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "23502"
    assert body["message"] == 'null value in column "name" of relation "things" violates not-null constraint'
    assert body["details"].startswith("Failing row contains (")
    assert body["hint"] is None
    assert rows.db.value(f"SELECT count(*) FROM {rows.q('things')} WHERE description = $1", m) == 0


def test_not_null_in_third_row_writes_nothing(
    client: TestClient, alpha: ProvisionedTenant, rows: Rows
) -> None:
    m = mark()
    response = client.post(
        "/rest/v1/things",
        headers=headers(alpha),
        json=[
            {"name": f"{m}-1", "description": m},
            {"name": f"{m}-2", "description": m},
            {"name": None, "description": m},
        ],
    )
    assert response.status_code == 400
    assert response.json()["code"] == "23502"
    assert rows.db.value(f"SELECT count(*) FROM {rows.q('things')} WHERE description = $1", m) == 0


def test_unique_violation(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    _, entry_id, fields = rows.entry_form(m)
    first = {"entry_id": entry_id, "field_id": fields[0], "value": "first"}
    assert client.post("/rest/v1/field_entries", headers=headers(alpha), json=first).status_code == 201
    response = client.post(
        "/rest/v1/field_entries",
        headers=headers(alpha),
        json=[
            {"entry_id": entry_id, "field_id": fields[1], "value": "new"},
            {"entry_id": entry_id, "field_id": fields[0], "value": "again"},
        ],
    )
    assert response.status_code == 409
    assert response.json() == error(
        "23505",
        'duplicate key value violates unique constraint "field_entries_entry_field_key"',
        f"Key (entry_id, field_id)=({entry_id}, {fields[0]}) already exists.",
    )
    assert rows.field_entries(entry_id) == [(fields[0], "first")]


def test_foreign_key_violation(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    response = client.post(
        "/rest/v1/entries", headers=headers(alpha), json={"thing_id": 999999999, "status": m}
    )
    assert response.status_code == 409
    assert response.json() == error(
        "23503",
        'insert or update on table "entries" violates foreign key constraint "entries_thing_id_fkey"',
        'Key (thing_id)=(999999999) is not present in table "things".',
    )
    assert rows.db.value(f"SELECT count(*) FROM {rows.q('entries')} WHERE status = $1", m) == 0


def test_foreign_key_in_third_row_writes_nothing(
    client: TestClient, alpha: ProvisionedTenant, rows: Rows
) -> None:
    m = mark()
    thing_id = rows.thing(m)
    response = client.post(
        "/rest/v1/entries",
        headers=headers(alpha),
        json=[
            {"thing_id": thing_id, "status": m},
            {"thing_id": thing_id, "status": m},
            {"thing_id": 999999, "status": m},
        ],
    )
    assert response.status_code == 409
    assert response.json()["code"] == "23503"
    assert rows.db.value(f"SELECT count(*) FROM {rows.q('entries')} WHERE status = $1", m) == 0


def test_patch_foreign_key_violation(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    thing_id = rows.thing(m)
    entry_id = rows.entry(thing_id, m)
    response = client.patch(
        f"/rest/v1/entries?id=eq.{entry_id}", headers=headers(alpha), json={"thing_id": 999999}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "23503"
    assert rows.db.value(f"SELECT thing_id FROM {rows.q('entries')} WHERE id = $1", entry_id) == thing_id


def test_generated_column(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    thing_id = rows.thing(m)
    response = client.post(
        "/rest/v1/entries",
        headers=headers(alpha),
        json={"thing_id": thing_id, "status": m, "validity": "[2024-01-01,2024-02-01)"},
    )
    assert response.status_code == 400
    assert response.json() == error(
        "428C9",
        'cannot insert a non-DEFAULT value into column "validity"',
        'Column "validity" is a generated column.',
    )
    assert rows.db.value(f"SELECT count(*) FROM {rows.q('entries')} WHERE status = $1", m) == 0

    entry_id = rows.entry(thing_id, m)
    response = client.patch(
        f"/rest/v1/entries?id=eq.{entry_id}", headers=headers(alpha), json={"validity": "[2024-01-01,)"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "428C9"


def test_generated_column_is_computed(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    thing_id = rows.thing(m)
    response = client.post(
        "/rest/v1/entries?select=validity",
        headers=headers(alpha, "return=representation"),
        json={"thing_id": thing_id, "validity_start_date": "2024-01-01", "validity_end_date": "2024-02-01"},
    )
    assert response.status_code == 201
    assert response.json() == [{"validity": "[2024-01-01,2024-02-01)"}]


# -- filters of PATCH / DELETE -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("colour=eq.red", 400, "42703"),
        ("id=eq.abc", 400, "22P02"),
        ("id=zz.1", 400, "PGRST100"),
        ("or=()", 400, "PGRST100"),
        ("select=nope", 400, "42703"),
    ],
)
def test_bad_filters(
    client: TestClient, alpha: ProvisionedTenant, rows: Rows, query: str, status: int, code: str
) -> None:
    m = mark()
    rows.thing(m)
    for method in ("PATCH", "DELETE"):
        response = client.request(
            method,
            f"/rest/v1/things?name=eq.{m}&{query}",
            headers=headers(alpha, "return=representation"),
            json={"description": "changed"},
        )
        assert response.status_code == status, (method, response.text)
        assert response.json()["code"] == code
    [row] = rows.things(m)
    assert row["description"] is None


def test_unknown_table(client: TestClient, alpha: ProvisionedTenant) -> None:
    for method in ("POST", "PATCH", "PUT", "DELETE"):
        response = client.request(method, "/rest/v1/nope?id=eq.1", headers=headers(alpha), json={"a": 1})
        assert response.status_code == 404
        assert response.json()["code"] == "PGRST205"


def test_private_table_is_not_writable(client: TestClient, alpha: ProvisionedTenant, db: Database) -> None:
    before = db.value(f'SELECT count(*) FROM "{alpha.schema}".users')
    response = client.post(
        "/rest/v1/users", headers=headers(alpha), json={"email": "x@example.com", "password_hash": "x"}
    )
    assert response.status_code == 404
    assert db.value(f'SELECT count(*) FROM "{alpha.schema}".users') == before


# -- nothing answers 500 -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "raw"),
    [
        ("POST", "/things", b'{"name": {"nested": [1, 2]}}'),
        ("POST", "/things", b'{"name": "x", "data": 1e999}'),
        ("POST", "/things", b'{"name": "\\ud800"}'),
        ("POST", "/things", b'{"": 1}'),
        ("POST", "/things", b'{"name": "x", "name": "y", "nope\\"": 1}'),
        ("POST", "/things", b"[" * 5000 + b"]" * 5000),
        ("POST", "/things?on_conflict=name", b'{"name": "x"}'),
        ("POST", "/things?columns=name&on_conflict=description", b'{"name": "x"}'),
        ("POST", "/field_entries?on_conflict=entry_id", b'{"entry_id": 1, "field_id": 1}'),
        ("POST", "/things?select=name::nosuchtype", b'{"name": "x"}'),
        ("POST", "/things?select=data->>x->y", b'{"name": "x"}'),
        ("PATCH", "/things?id=eq.1&limit=abc", b'{"name": "x"}'),
        ("PATCH", "/things?id=eq.1&limit=-1&order=id", b'{"name": "x"}'),
        ("PATCH", "/things?id=eq.1&order=nope&limit=1", b'{"name": "x"}'),
        ("PATCH", "/things?data->>a=eq.1&id=lt.0", b'{"data": {"a": 1}}'),
        ("PATCH", "/things?id=eq.1", b'{"id": null}'),
        ("DELETE", "/things?id=in.(a,b)", b""),
        ("DELETE", "/things?tags=cs.notarray", b""),
        ("PUT", "/things?id=eq.abc", b'{"id": "abc", "name": "x"}'),
        ("PUT", "/things?id=eq.1&id=eq.2", b'{"id": 1, "name": "x"}'),
        ("PUT", "/things?id=eq.1", b'{"id": 1, "name": null}'),
    ],
)
def test_never_500(client: TestClient, alpha: ProvisionedTenant, method: str, path: str, raw: bytes) -> None:
    response = client.request(
        method,
        f"/rest/v1{path}",
        headers={**headers(alpha, "return=representation, tx=rollback"), "Content-Type": "application/json"},
        content=raw,
    )
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert set(response.json()) == {"code", "message", "details", "hint"}
