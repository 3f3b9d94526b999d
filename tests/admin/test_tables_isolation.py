"""The table pages never reach past the session's tenant: another tenant's rows are never listed,
read or written (forged keys, forged resource names: 404), the template schema refuses every write
(403), and every write needs the session's CSRF token (403 without it)."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import orjson
import pytest
from starlette.testclient import TestClient

from tenantgrid.settings import Settings
from tenantgrid.tenancy.names import quote_ident
from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.admin.panel import provision
from tests.admin.tables_panel import Panel, html
from tests.conftest import Database

FOREIGN_ID = 900001


@pytest.fixture(scope="module")
def pair(settings: Settings) -> tuple[ProvisionedTenant, ProvisionedTenant]:
    return provision(settings), provision(settings)


@pytest.fixture(scope="module")
def one(client: TestClient, pair: tuple[ProvisionedTenant, ProvisionedTenant]) -> Iterator[Panel]:
    yield Panel(client, pair[0]).signed_in()


@pytest.fixture(scope="module")
def two(
    client: TestClient, pair: tuple[ProvisionedTenant, ProvisionedTenant], db: Database
) -> Iterator[Panel]:
    schema = quote_ident(pair[1].schema)
    db.fetch(f"INSERT INTO {schema}.things (id, name) VALUES ({FOREIGN_ID}, 'secret of two')")
    yield Panel(client, pair[1]).signed_in()


def token(*values: object) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(list(values))).rstrip(b"=").decode()


def things_of(db: Database, panel: Panel) -> list[str]:
    rows = db.fetch(f"SELECT name FROM {quote_ident(panel.tenant.schema)}.things ORDER BY id")
    return [r["name"] for r in rows]


def test_a_tenant_lists_only_its_own_rows(one: Panel, two: Panel) -> None:
    for filter_text in ("", "name=eq.secret of two", f"id=eq.{FOREIGN_ID}"):
        page = one.get("/admin/tables/things", params={"filter": filter_text})
        assert page.status_code == 200
        assert "secret of two" not in html(page).one("table", id="rows").text
        assert html(page).find("tr", data_pk=token(FOREIGN_ID)) is None
    mine = two.get("/admin/tables/things", params={"filter": f"id=eq.{FOREIGN_ID}"})
    assert "secret of two" in mine.text
    assert html(mine).one("tr", data_pk=token(FOREIGN_ID)) is not None


def test_profile_headers_do_not_choose_the_schema(one: Panel, two: Panel) -> None:
    headers = {"Accept-Profile": two.tenant.schema, "Content-Profile": two.tenant.schema}
    page = one.get("/admin/tables/things", params={"filter": f"id=eq.{FOREIGN_ID}"}, headers=headers)
    assert page.status_code == 200
    assert html(page).find("tr", data_pk=None) is None


def test_a_forged_key_of_another_tenants_row_is_not_found(one: Panel, two: Panel, db: Database) -> None:
    before = things_of(db, two)
    edit = f"/admin/tables/things/rows/{token(FOREIGN_ID)}"
    assert one.get(edit).status_code == 404
    assert one.post(edit, {"name": "stolen"}).status_code == 404
    assert one.post(edit + "/delete").status_code == 404
    assert things_of(db, two) == before
    assert "stolen" not in things_of(db, one)


@pytest.mark.parametrize(
    "forged",
    [
        "x",
        "!!!",
        "%2e%2e",
        token(),
        token(1, 2),
        token("abc"),
        token(True),
        token(None),
        token({"id": 1}),
        token([1]),
        token(1.5),
        base64.urlsafe_b64encode(b"[1180591620717411303424]").decode(),  # past bigint
        base64.urlsafe_b64encode(b"not json").decode(),
        "A" * 5000,
    ],
)
def test_a_malformed_key_is_not_found(one: Panel, forged: str) -> None:
    url = f"/admin/tables/things/rows/{forged}"
    assert one.get(url).status_code == 404
    assert one.post(url, {"name": "x"}).status_code == 404
    assert one.post(url + "/delete").status_code == 404


@pytest.mark.parametrize(
    "resource",
    [
        "users",
        "gridly_file_chunks",
        "nope",
        "alembic_version",
        "pg_class",
        "things%20",
        "THINGS",
        "public.things",
    ],
)
def test_a_resource_the_panel_does_not_show_is_not_found(
    one: Panel, two: Panel, resource: str, db: Database
) -> None:
    users = db.value(f"SELECT count(*) FROM {quote_ident(one.tenant.schema)}.users")
    assert one.get(f"/admin/tables/{resource}").status_code == 404
    assert one.get(f"/admin/template/tables/{resource}").status_code == 404
    assert one.get(f"/admin/tables/{resource}/new").status_code == 404
    assert one.post(f"/admin/tables/{resource}/new", {"email": "x@example.com"}).status_code == 404
    assert one.post(f"/admin/tables/{resource}/rows/{token('x')}").status_code == 404
    assert one.post(f"/admin/tables/{resource}/rows/{token('x')}/delete").status_code == 404
    assert db.value(f"SELECT count(*) FROM {quote_ident(one.tenant.schema)}.users") == users


def test_another_tenants_schema_as_a_resource_name_is_not_found(one: Panel, two: Panel) -> None:
    for name in (f"{two.tenant.schema}.things", f'"{two.tenant.schema}".things', two.tenant.schema):
        page = one.get(f"/admin/tables/{name}")
        assert page.status_code == 404
        assert "secret of two" not in page.text


def test_a_read_only_resource_refuses_writes(one: Panel) -> None:
    page = html(one.get("/admin/tables/gridly_files"))
    assert page.find("a", cls="new-row") is None
    assert page.find(cls="read-only-reason") is not None
    assert one.get("/admin/tables/gridly_files/new").status_code == 403
    assert one.post("/admin/tables/gridly_files/new", {"id": "f"}).status_code == 403
    assert one.post(f"/admin/tables/gridly_files/rows/{token('f')}/delete").status_code == 403


def test_every_write_to_the_template_is_forbidden(one: Panel, settings: Settings, db: Database) -> None:
    template = quote_ident(settings.template_schema)
    before = db.fetch(f"SELECT id, name FROM {template}.things ORDER BY id")
    first = before[0]["id"]
    for path in (
        "/admin/template/tables",
        "/admin/template/tables/things",
        "/admin/template/tables/things/new",
        f"/admin/template/tables/things/rows/{token(first)}",
        f"/admin/template/tables/things/rows/{token(first)}/delete",
        "/admin/template/tables/nope/new",
    ):
        response = one.post(path, {"name": "changed"})
        assert response.status_code == 403, path
        assert "read-only" in html(response).one(cls="form-error").text
        for method in ("PUT", "PATCH", "DELETE"):
            forbidden = one.request(method, path, headers={"X-CSRF-Token": one.csrf})
            assert forbidden.status_code == 403, (method, path)
    assert db.fetch(f"SELECT id, name FROM {template}.things ORDER BY id") == before


def test_writes_without_the_csrf_token_are_refused(one: Panel, db: Database) -> None:
    schema = quote_ident(one.tenant.schema)
    db.fetch(f"INSERT INTO {schema}.things (id, name) VALUES (800001, 'guarded')")
    edit = f"/admin/tables/things/rows/{token(800001)}"
    attempts = [
        ("/admin/tables/things/new", {"name": "csrf-less"}),
        (edit, {"name": "csrf-less"}),
        (edit + "/delete", {}),
    ]
    for path, data in attempts:
        assert one.post(path, data, csrf=False).status_code == 403
        assert one.post(path, {**data, "csrf_token": "forged"}).status_code == 403
        assert one.post(path, {**data, "csrf_token": ""}).status_code == 403
    assert db.value(f"SELECT name FROM {schema}.things WHERE id = 800001") == "guarded"
    assert db.value(f"SELECT count(*) FROM {schema}.things WHERE name = 'csrf-less'") == 0


def test_another_sessions_csrf_token_is_refused(one: Panel, two: Panel, db: Database) -> None:
    schema = quote_ident(one.tenant.schema)
    response = one.post("/admin/tables/things/new", {"name": "cross-token", "csrf_token": two.csrf})
    assert response.status_code == 403
    assert db.value(f"SELECT count(*) FROM {schema}.things WHERE name = 'cross-token'") == 0


def test_writes_need_a_signed_in_panel(client: TestClient, one: Panel, db: Database) -> None:
    schema = quote_ident(one.tenant.schema)
    anonymous = Panel(client, one.tenant)
    anonymous.csrf = one.csrf
    response = anonymous.post("/admin/tables/things/new", {"name": "anonymous"})
    assert response.status_code in (303, 403)
    assert db.value(f"SELECT count(*) FROM {schema}.things WHERE name = 'anonymous'") == 0
