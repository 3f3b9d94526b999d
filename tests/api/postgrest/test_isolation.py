"""Tenant isolation, the first security property: one tenant's credentials never reach another's schema.

Every case is tried in both directions (alpha against beta, beta against alpha), with a secret key
and with a signed-in user's JWT, and checks in SQL that neither schema changed.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

import jwt
import pytest
from starlette.testclient import TestClient

from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.api.postgrest.conftest import sign_in
from tests.conftest import Database

TABLES = ("things", "fields", "entries", "field_entries", "users")
WRITES = ("POST", "PATCH", "PUT", "DELETE")
KINDS = ("secret", "user")
PAIRS = (("alpha", "beta"), ("beta", "alpha"))
Snapshot = dict[str, tuple[int, str]]


def snapshot(db: Database, schema: str) -> Snapshot:
    """Each table's row count and a digest of every row, to prove nothing was written."""
    state = {}
    for table in TABLES:
        row = db.fetch(
            f"SELECT count(*), coalesce(md5(string_agg(t::text, '|' ORDER BY t.id::text)), '') "
            f'FROM "{schema}".{table} t'
        )[0]
        state[table] = (row[0], row[1])
    return state


def write_request(
    client: TestClient, method: str, headers: dict[str, str], table: str = "things", query: str = ""
):  # type: ignore[no-untyped-def]
    """A write that would visibly change `table` (every row of it, for PATCH and DELETE)."""
    headers = {"Prefer": "return=representation", **headers}
    if method == "POST":
        return client.post(f"/rest/v1/{table}{query}", headers=headers, json={"name": "pwned"})
    if method == "PATCH":
        return client.patch(
            f"/rest/v1/{table}?id=not.is.null{query}", headers=headers, json={"name": "pwned"}
        )
    if method == "PUT":
        return client.put(
            f"/rest/v1/{table}?id=eq.1{query}", headers=headers, json={"id": 1, "name": "pwned"}
        )
    return client.delete(f"/rest/v1/{table}?id=not.is.null{query}", headers=headers)


def assert_schema_refused(response, caller: ProvisionedTenant, asked: str | None = None) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 406, response.text
    if response.request.method == "HEAD":
        return
    body = response.json()
    assert body["code"] == "PGRST106"
    assert set(body) == {"code", "message", "details", "hint"}
    # The hint lists only what the caller may use: never another tenant's schema.
    assert body["hint"] == f"Only the following schemas are exposed: {caller.schema}, public"
    if asked is not None:
        assert body["message"] == f"Invalid schema: {asked}"


@pytest.fixture(scope="module")
def sessions(client: TestClient, tenants: dict[str, ProvisionedTenant]) -> dict[str, dict]:
    return {name: sign_in(client, tenant) for name, tenant in tenants.items()}


@pytest.fixture(scope="module")
def credentials(
    tenants: dict[str, ProvisionedTenant], sessions: dict[str, dict]
) -> Callable[[str, str], dict[str, str]]:
    """credentials(tenant, kind): the headers of that tenant's secret key, or of its signed-in user."""

    def make(name: str, kind: str) -> dict[str, str]:
        tenant = tenants[name]
        if kind == "secret":
            return {"apikey": tenant.secret_key}
        return {"apikey": tenant.publishable_key, "Authorization": f"Bearer {sessions[name]['access_token']}"}

    return make


@pytest.fixture
def unchanged(db: Database, tenants: dict[str, ProvisionedTenant]):  # type: ignore[no-untyped-def]
    """Asserts, after the test, that no tenant schema and not the template changed."""
    schemas = [t.schema for t in tenants.values()] + ["public"]
    before = {schema: snapshot(db, schema) for schema in schemas}
    yield
    assert {schema: snapshot(db, schema) for schema in schemas} == before


# -- profile headers naming another tenant -------------------------------------------------------


@pytest.mark.parametrize(("caller", "victim"), PAIRS)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_reading_another_tenants_schema_is_refused(
    client: TestClient, tenants, credentials, caller: str, victim: str, kind: str, method: str
) -> None:
    victim_schema = tenants[victim].schema
    headers = {**credentials(caller, kind), "Accept-Profile": victim_schema}
    for table in ("things", "users", "no_such_table"):
        response = client.request(method, f"/rest/v1/{table}", headers=headers)
        assert_schema_refused(response, tenants[caller], victim_schema)


@pytest.mark.parametrize(("caller", "victim"), PAIRS)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("method", WRITES)
def test_writing_another_tenants_schema_is_refused(
    client: TestClient, tenants, credentials, unchanged, caller: str, victim: str, kind: str, method: str
) -> None:
    victim_schema = tenants[victim].schema
    own = tenants[caller].schema
    cases = [
        {"Content-Profile": victim_schema},
        {"Content-Profile": victim_schema, "Accept-Profile": victim_schema},
        {"Content-Profile": victim_schema, "Accept-Profile": own},
        # seed 000 sends both headers on writes: the Accept-Profile must be allowed too
        {"Content-Profile": own, "Accept-Profile": victim_schema},
        {"Accept-Profile": victim_schema},
    ]
    for profile in cases:
        response = write_request(client, method, {**credentials(caller, kind), **profile})
        assert_schema_refused(response, tenants[caller], victim_schema)


@pytest.mark.parametrize(("caller", "victim"), PAIRS)
def test_content_profile_does_not_pick_the_schema_of_a_read(
    client: TestClient, tenants, credentials, caller: str, victim: str
) -> None:
    """A read uses Accept-Profile; a stray Content-Profile naming another tenant changes nothing."""
    headers = {**credentials(caller, "secret"), "Content-Profile": tenants[victim].schema}
    response = client.get("/rest/v1/things?select=id", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-profile"] == tenants[caller].schema


HOSTILE_SCHEMAS = [
    "tenantgrid",
    "pg_catalog",
    "information_schema",
    "pg_toast",
    "pg_temp",
    "PUBLIC",
    "public;drop schema public cascade",
    "public, {victim}",
    "{victim}, public",
    "{own},{victim}",
    '"{victim}"',
    '{own}"; drop table things; --',
    "{victim}.things",
    "{own}.things",
    "../{victim}",
    "{victim}\t",
    "{OWN}",
    "*",
    "%",
    "public.things",
]


@pytest.mark.parametrize("template", HOSTILE_SCHEMAS)
@pytest.mark.parametrize("method", ["GET", "POST", "PATCH", "DELETE"])
def test_hostile_schema_names_are_refused(
    client: TestClient, tenants, credentials, unchanged, template: str, method: str
) -> None:
    own, victim = tenants["alpha"].schema, tenants["beta"].schema
    asked = template.format(own=own, victim=victim, OWN=own.upper())
    header = "Accept-Profile" if method == "GET" else "Content-Profile"
    headers = {**credentials("alpha", "secret"), header: asked}
    if method == "GET":
        response = client.get("/rest/v1/things", headers=headers)
    else:
        response = write_request(client, method, headers)
    assert_schema_refused(response, tenants["alpha"], asked.strip())


def test_padded_own_schema_is_still_own(client: TestClient, tenants, credentials) -> None:
    own = tenants["alpha"].schema
    response = client.get(
        "/rest/v1/things?select=id", headers={**credentials("alpha", "secret"), "Accept-Profile": f" {own} "}
    )
    assert response.status_code == 200
    assert response.headers["content-profile"] == own


def test_refusal_is_the_same_for_an_existing_and_a_missing_schema(
    client: TestClient, tenants, credentials
) -> None:
    """406 for beta's real schema reads exactly like 406 for a name no one has: existence is never confirmed."""
    headers = credentials("alpha", "secret")
    real = client.get("/rest/v1/things", headers={**headers, "Accept-Profile": tenants["beta"].schema})
    fake = client.get("/rest/v1/things", headers={**headers, "Accept-Profile": "beta_000000"})
    assert real.status_code == fake.status_code == 406
    assert real.json()["hint"] == fake.json()["hint"]
    assert {k: v for k, v in real.json().items() if k != "message"} == {
        k: v for k, v in fake.json().items() if k != "message"
    }


# -- credentials of two tenants mixed ------------------------------------------------------------


@pytest.mark.parametrize(("jwt_of", "key_of"), PAIRS)
@pytest.mark.parametrize("key_kind", ["publishable", "secret"])
@pytest.mark.parametrize("method", ["GET", *WRITES])
def test_one_tenants_jwt_with_another_tenants_key_is_refused(
    client: TestClient, tenants, sessions, unchanged, jwt_of: str, key_of: str, key_kind: str, method: str
) -> None:
    key_tenant = tenants[key_of]
    key = key_tenant.secret_key if key_kind == "secret" else key_tenant.publishable_key
    base = {"apikey": key, "Authorization": f"Bearer {sessions[jwt_of]['access_token']}"}
    for profile in ({}, {"Accept-Profile": key_tenant.schema, "Content-Profile": key_tenant.schema}):
        headers = {**base, **profile}
        if method == "GET":
            response = client.get("/rest/v1/things", headers=headers)
        else:
            response = write_request(client, method, headers)
        assert response.status_code == 401, response.text
        assert response.json()["code"] == "PGRST303"
        assert "www-authenticate" in response.headers


def test_forged_jwt_naming_another_schema_is_refused(
    client: TestClient, tenants, sessions, unchanged
) -> None:
    claims = jwt.decode(sessions["alpha"]["access_token"], options={"verify_signature": False})
    forged = jwt.encode(
        claims | {"schema": tenants["beta"].schema}, "a guessed secret of thirty-two bytes", algorithm="HS256"
    )
    for key in (tenants["alpha"].publishable_key, tenants["beta"].publishable_key):
        headers = {"apikey": key, "Authorization": f"Bearer {forged}"}
        response = client.get("/rest/v1/things", headers=headers)
        assert response.status_code == 401
        assert response.json()["code"] == "PGRST301"
        assert write_request(client, "DELETE", headers).status_code == 401


def test_user_endpoint_and_logout_refuse_a_jwt_of_another_tenant(
    client: TestClient, tenants, sessions, db: Database
) -> None:
    headers = {
        "apikey": tenants["beta"].publishable_key,
        "Authorization": f"Bearer {sessions['alpha']['access_token']}",
    }
    assert client.get("/auth/v1/user", headers=headers).status_code == 401
    assert client.post("/auth/v1/logout?scope=global", headers=headers).status_code == 401
    claims = jwt.decode(sessions["alpha"]["access_token"], options={"verify_signature": False})
    revoked = db.value(
        "SELECT revoked_at FROM tenantgrid.auth_sessions WHERE id = $1::uuid", claims["session_id"]
    )
    assert revoked is None


# -- tables that are not the tenant's exposed resources -----------------------------------------

PRIVATE_TABLES = [
    "tenantgrid.tenants",
    "tenantgrid.api_keys",
    "tenants",
    "api_keys",
    "auth_sessions",
    "refresh_tokens",
    "server_secrets",
    "users",
    "alembic_version",
    "pg_catalog.pg_tables",
    "pg_tables",
    "pg_authid",
    "information_schema.tables",
    "public.things",
    "{victim}.things",
    "{victim}.users",
    '"things"',
    "Things",
    "things;drop table things",
    "things where 1=1",
    "things--",
    "*",
]


@pytest.mark.parametrize("template", PRIVATE_TABLES)
@pytest.mark.parametrize("kind", KINDS)
def test_tables_outside_the_catalog_are_not_found(
    client: TestClient, tenants, credentials, unchanged, template: str, kind: str
) -> None:
    table = template.format(victim=tenants["beta"].schema)
    path = "/rest/v1/" + quote(table, safe="")
    headers = credentials("alpha", kind)
    for method in ("GET", "HEAD", "POST", "PATCH", "PUT", "DELETE"):
        response = client.request(
            method, path + "?id=eq.1", headers={**headers, "Prefer": "return=representation"}, json={"id": 1}
        )
        assert response.status_code == 404, (method, response.text)
        if method != "HEAD":
            body = response.json()
            assert body["code"] == "PGRST205"
            assert "password" not in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/rest/v1/..%2F..%2Fthings",
        "/rest/v1/%2e%2e/things",
        "/rest/v1/things/%2e%2e%2fusers",
        "/rest/v1/things%2Fusers",
        "/rest/v1/{victim}%2Fthings",
    ],
)
def test_path_tricks_are_not_found(client: TestClient, tenants, credentials, path: str) -> None:
    response = client.get(path.format(victim=tenants["beta"].schema), headers=credentials("alpha", "secret"))
    assert response.status_code == 404, response.text
    assert response.json()["code"] in {"PGRST125", "PGRST205"}


# -- query strings naming other schemas, or trying to inject SQL ---------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "select={victim}.things.id",
        "select=id,{victim}.things(*)",
        'select=id,"{victim}.things.id"',
        "select=id,{victim}.users.password_hash",
        "{victim}.things.id=eq.1",
        '"{victim}".things.id=eq.1',
        "order={victim}.things.id",
        "or=({victim}.things.id.eq.1)",
        "select=id,password_hash",
        "select=id,users(*)",
        "select=*,tenantgrid.tenants(*)",
    ],
)
def test_query_strings_naming_another_schema_are_refused(
    client: TestClient, tenants, credentials, unchanged, query: str
) -> None:
    victim = tenants["beta"].schema
    response = client.get(
        "/rest/v1/things?" + query.format(victim=victim), headers=credentials("alpha", "secret")
    )
    assert response.status_code == 400, response.text
    assert set(response.json()) == {"code", "message", "details", "hint"}


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("id=eq.1;drop table things", 400),
        ("id=eq.1);drop table things;--", 400),
        ("id=in.(1);drop table things", 400),
        ("id=in.(1,2)) or (1=1", 400),
        ("or=(id.eq.1,id.eq.(select 1))", 400),
        ("or=(id.eq.1;drop table things)", 400),
        ("select=id,(select 1)", 400),
        ("select=id,pg_sleep(1)", 400),
        ("select=id,name::text);drop table things;--", 400),
        ("select=id,name::text from things;--", 400),
        ("select=id,x:name)--", 400),
        ("order=id;drop table things", 400),
        ("order=(select 1)", 400),
        ("order=id.desc;drop table things", 400),
        ("order=id desc, (select 1)", 400),
        ("limit=1;drop table things", 400),
        ("offset=0 union select 1", 400),
        ("name=fts(english';drop table things;--).x", 400),
        ("name=eq.x' or '1'='1", 200),
        ("name=like.*' or '1'='1", 200),
        ("name=in.(\"x') or ('1'='1\")", 200),
        ("data->>color';drop table things;--=eq.x", 200),
        ("data->>'a'||(select 1)||'=eq.1", 400),
        ("data->>\"'||(select 1)||'\"=eq.1", 200),
        ("name=eq.$1", 200),
        ("name=eq.\\'", 200),
    ],
)
def test_injection_attempts_change_nothing(
    client: TestClient, tenants, credentials, unchanged, db: Database, query: str, status: int
) -> None:
    response = client.get(
        "/rest/v1/things?" + query.replace(";", "%3B").replace("+", "%2B"),
        headers=credentials("alpha", "secret"),
    )
    assert response.status_code == status, response.text
    if status == 200:
        assert response.json() == []  # every value was compared as a value, matching nothing
    else:
        assert set(response.json()) == {"code", "message", "details", "hint"}
    for tenant in tenants.values():
        assert db.value("SELECT to_regclass($1) IS NOT NULL", f'"{tenant.schema}".things')


@pytest.mark.parametrize(
    "query",
    [
        "?columns=name);drop table things;--",
        "?columns=name,{victim}.things.name",
        "?on_conflict=id);drop table things;--",
        "?on_conflict={victim}.things.id",
        "?select=id,(select 1)",
    ],
)
def test_write_parameters_cannot_inject(
    client: TestClient, tenants, credentials, unchanged, query: str
) -> None:
    headers = {
        **credentials("alpha", "secret"),
        "Prefer": "return=representation,resolution=merge-duplicates",
    }
    response = client.post(
        "/rest/v1/things" + query.format(victim=tenants["beta"].schema).replace(";", "%3B"),
        headers=headers,
        json={"name": "pwned"},
    )
    assert response.status_code == 400, response.text


@pytest.mark.parametrize(
    "select",
    [
        'id,"x__tenant__.y":name',
        'id,data->"k__tenant__.j"',
        "id,__tenant__:name",
        'id,"__tenant__":data->"__tenant__"',
    ],
)
def test_labels_containing_the_schema_placeholder_are_plain_labels(
    client: TestClient, tenants, credentials, select: str
) -> None:
    """An alias is the client's text; rendering the tenant's schema must not rewrite it."""
    response = client.get(
        "/rest/v1/things", params={"select": select, "limit": "1"}, headers=credentials("alpha", "secret")
    )
    assert response.status_code == 200, response.text
    assert tenants["alpha"].schema not in response.text


# -- the template schema: readable, never writable -----------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_template_schema_is_readable(
    client: TestClient, credentials, db: Database, kind: str, method: str
) -> None:
    response = client.request(
        method,
        "/rest/v1/things?select=id,name&order=id",
        headers={**credentials("alpha", kind), "Accept-Profile": "public"},
    )
    assert response.status_code == 200
    assert response.headers["content-profile"] == "public"
    if method == "GET":
        expected = [
            {"id": r["id"], "name": r["name"]}
            for r in db.fetch("SELECT id, name FROM public.things ORDER BY id")
        ]
        assert response.json() == expected


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("method", WRITES)
@pytest.mark.parametrize("table", ["things", "fields", "entries", "field_entries"])
def test_template_schema_is_never_written(
    client: TestClient, credentials, unchanged, kind: str, method: str, table: str
) -> None:
    for profile in ({"Content-Profile": "public"}, {"Content-Profile": "public", "Accept-Profile": "public"}):
        response = write_request(client, method, {**credentials("alpha", kind), **profile}, table)
        assert response.status_code == 403, response.text
        body = response.json()
        assert body["code"] == "42501"
        assert set(body) == {"code", "message", "details", "hint"}


def test_template_write_is_refused_even_with_tx_rollback_or_upsert(
    client: TestClient, credentials, unchanged
) -> None:
    headers = {**credentials("alpha", "secret"), "Content-Profile": "public"}
    for prefer in (
        "tx=rollback",
        "resolution=merge-duplicates",
        "resolution=ignore-duplicates",
        "missing=default",
    ):
        response = client.post(
            "/rest/v1/things", headers={**headers, "Prefer": prefer}, json=[{"id": 1, "name": "pwned"}]
        )
        assert response.status_code == 403, (prefer, response.text)


def test_own_schema_named_explicitly_works(client: TestClient, tenants, credentials, db: Database) -> None:
    own = tenants["alpha"].schema
    headers = {
        **credentials("alpha", "user"),
        "Accept-Profile": own,
        "Content-Profile": own,
        "Prefer": "return=representation",
    }
    created = client.post("/rest/v1/things", headers=headers, json={"name": "isolation probe"})
    assert created.status_code == 201, created.text
    assert created.headers["content-profile"] == own
    [row] = created.json()
    assert db.value(f'SELECT name FROM "{own}".things WHERE id = $1', row["id"]) == "isolation probe"
    assert (
        db.value(f'SELECT count(*) FROM "{tenants["beta"].schema}".things WHERE name = $1', "isolation probe")
        == 0
    )
    assert db.value("SELECT count(*) FROM public.things WHERE name = $1", "isolation probe") == 0
    deleted = client.delete(f"/rest/v1/things?id=eq.{row['id']}", headers=headers)
    assert deleted.status_code == 200
