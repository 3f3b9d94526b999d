"""The table pages' writing side: create, edit and delete through the row form (without JavaScript,
and delete with htmx), checked in the database and through /rest/v1; type coercion per column type
and the database's constraints as messages at the field."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from starlette.testclient import TestClient

from tenantgrid.settings import Settings
from tenantgrid.tenancy.names import quote_ident
from tests.admin.panel import provision
from tests.admin.tables_panel import Panel, form_values, html
from tests.conftest import Database


@pytest.fixture(scope="module")
def panel(client: TestClient, settings: Settings) -> Iterator[Panel]:
    yield Panel(client, provision(settings)).signed_in()


@pytest.fixture(scope="module")
def schema(panel: Panel) -> str:
    return quote_ident(panel.tenant.schema)


def field_errors(response: httpx.Response) -> dict[str, str]:
    return {e.attrs["data-field"]: e.text for e in html(response).find_all(cls="field-error")}


def form_error(response: httpx.Response) -> str | None:
    box = html(response).find(cls="form-error")
    return box.text if box else None


def new_form(panel: Panel, resource: str) -> dict[str, str]:
    page = panel.get(f"/admin/tables/{resource}/new")
    assert page.status_code == 200, page.text
    return form_values(html(page).one("form", id="row-form"))


def create(panel: Panel, resource: str, **values: str) -> httpx.Response:
    data = new_form(panel, resource)
    data.update(values)
    return panel.post(f"/admin/tables/{resource}/new", data)


def row_links(panel: Panel, resource: str, filter_text: str) -> list[tuple[str, str, str]]:
    """(data-pk, edit href, delete action) of each listed row."""
    page = panel.get(f"/admin/tables/{resource}", params={"filter": filter_text})
    assert page.status_code == 200
    rows = html(page).one("table", id="rows").find_all("tr", data_pk=None)
    return [
        (
            row.attrs["data-pk"],
            row.one("a", cls="edit-row").attrs["href"],
            row.one("form", cls="delete-row").attrs["action"],
        )
        for row in rows
    ]


def edit(panel: Panel, href: str, **values: str) -> httpx.Response:
    page = panel.get(href)
    assert page.status_code == 200, page.text
    data = form_values(html(page).one("form", id="row-form"))
    data.update(values)
    return panel.post(href, data)


def count(db: Database, sql: str, *args: Any) -> int:
    return int(db.value(f"SELECT count(*) FROM {sql}", *args))


# -- create, edit, delete ----------------------------------------------------------------------


def test_create_a_row_with_every_kind_of_value(panel: Panel, schema: str, db: Database) -> None:
    form = html(panel.get("/admin/tables/things/new")).one("form", id="row-form")
    assert form.find("input", name="csrf_token") is not None
    assert form.one("select", name="active").find("option", value="true") is not None
    assert form.find("textarea", name="data") is not None
    response = create(
        panel,
        "things",
        name="Widget",
        description="first line\nsecond line",
        tags='["red", "blue"]',
        data='{"size": [1, 2], "ok": true}',
        active="false",
        created_at="2024-01-31T12:00:00Z",
    )
    assert response.status_code == 303, response.text
    target = urlsplit(response.headers["location"])
    assert target.path == "/admin/tables/things" and parse_qs(target.query) == {"notice": ["created"]}
    assert "Row created." in html(panel.get(response.headers["location"])).one(cls="flash").text
    rows = db.fetch(
        f"SELECT name, description, tags, data::text AS data, active, created_at FROM {schema}.things"
        " WHERE name = 'Widget'"
    )
    assert len(rows) == 1
    row = rows[0]
    assert row["description"] == "first line\nsecond line"
    assert row["tags"] == ["red", "blue"]
    assert row["data"] == '{"ok": true, "size": [1, 2]}'
    assert row["active"] is False
    assert row["created_at"].isoformat() == "2024-01-31T12:00:00+00:00"
    api = panel.rest("GET", "things?name=eq.Widget&select=name,tags,data,active")
    assert api.status_code == 200
    assert api.json() == [
        {"name": "Widget", "tags": ["red", "blue"], "data": {"size": [1, 2], "ok": True}, "active": False}
    ]


def test_empty_inputs_take_the_defaults_on_a_new_row(panel: Panel, schema: str, db: Database) -> None:
    response = create(panel, "things", name="Defaults")
    assert response.status_code == 303, response.text
    row = db.fetch(
        f"SELECT description, tags, data::text AS data, active FROM {schema}.things WHERE name = 'Defaults'"
    )[0]
    assert (row["description"], row["tags"], row["data"], row["active"]) == (None, [], "{}", True)


def test_edit_a_row_and_see_it_through_the_api(panel: Panel, schema: str, db: Database) -> None:
    assert create(panel, "things", name="Before", data='{"v": 1}').status_code == 303
    [(pk, href, _)] = row_links(panel, "things", "name=eq.Before")
    page = html(panel.get(href))
    form = page.one("form", id="row-form")
    assert form.attrs["action"] == href
    values = form_values(form)
    assert values["name"] == "Before"
    assert values["data"].split() == ["{", '"v":', "1", "}"]  # pretty-printed JSON
    assert "readonly" in form.one("input", name="id").attrs  # the key is not edited
    response = edit(panel, href, name="After", data='{"v": 2}', description="")
    assert response.status_code == 303, response.text
    assert parse_qs(urlsplit(response.headers["location"]).query) == {"notice": ["saved"]}
    rows = db.fetch(
        f"SELECT id, name, data::text AS data, description FROM {schema}.things WHERE name = 'After'"
    )
    assert [(r["name"], r["data"], r["description"]) for r in rows] == [("After", '{"v": 2}', None)]
    assert count(db, f"{schema}.things WHERE name = 'Before'") == 0
    api = panel.rest("GET", f"things?id=eq.{rows[0]['id']}&select=name,data")
    assert api.json() == [{"name": "After", "data": {"v": 2}}]
    # The row keeps its key (the listing names it the same way).
    assert row_links(panel, "things", "name=eq.After")[0][0] == pk


def test_delete_without_javascript(panel: Panel, schema: str, db: Database) -> None:
    assert create(panel, "things", name="Doomed").status_code == 303
    [(_, _, action)] = row_links(panel, "things", "name=eq.Doomed")
    response = panel.post(action)
    assert response.status_code == 303
    assert parse_qs(urlsplit(response.headers["location"]).query) == {"notice": ["deleted"]}
    assert count(db, f"{schema}.things WHERE name = 'Doomed'") == 0
    assert panel.rest("GET", "things?name=eq.Doomed").json() == []


def test_delete_with_htmx_answers_an_empty_row(panel: Panel, schema: str, db: Database) -> None:
    assert create(panel, "things", name="Swapped").status_code == 303
    [(_, _, action)] = row_links(panel, "things", "name=eq.Swapped")
    # htmx sends the token as a header (base.html's hx-headers), not as a form field.
    response = panel.post(action, csrf=False, headers={"HX-Request": "true", "X-CSRF-Token": panel.csrf})
    assert response.status_code == 200
    assert response.text == ""
    assert count(db, f"{schema}.things WHERE name = 'Swapped'") == 0


def test_a_deleted_row_is_gone_for_the_edit_page(panel: Panel) -> None:
    assert create(panel, "things", name="Gone").status_code == 303
    [(_, href, action)] = row_links(panel, "things", "name=eq.Gone")
    assert panel.post(action).status_code == 303
    assert panel.get(href).status_code == 404
    assert panel.post(href, {"name": "Back"}).status_code == 404
    assert panel.post(action).status_code == 404


def test_a_row_made_through_the_api_is_edited_in_the_panel(panel: Panel, schema: str, db: Database) -> None:
    made = panel.rest(
        "POST", "things", json={"name": "FromApi", "tags": ["a"]}, headers={"Prefer": "return=representation"}
    )
    assert made.status_code == 201
    [(_, href, _)] = row_links(panel, "things", "name=eq.FromApi")
    assert edit(panel, href, tags='["a", "b"]').status_code == 303
    assert panel.rest("GET", "things?name=eq.FromApi&select=tags").json() == [{"tags": ["a", "b"]}]


def test_saving_changes_only_what_was_changed(panel: Panel, schema: str, db: Database) -> None:
    thing = db.value(
        f"INSERT INTO {schema}.things (name, description, created_at) "
        "VALUES ('Untouched', '', '2024-05-05 05:05:05.123456+00') RETURNING id"
    )
    [(_, href, _)] = row_links(panel, "things", f"id=eq.{thing}")
    assert edit(panel, href, name="Touched").status_code == 303
    row = db.fetch(f"SELECT name, description, created_at FROM {schema}.things WHERE id = $1", thing)[0]
    assert row["name"] == "Touched"
    assert row["description"] == ""  # an untouched empty text stays empty, not NULL
    assert row["created_at"].isoformat() == "2024-05-05T05:05:05.123456+00:00"


def test_an_untouched_empty_not_null_text_can_be_saved(panel: Panel, schema: str, db: Database) -> None:
    database = db.value(f"SELECT id FROM {schema}.gridly_databases LIMIT 1")
    grid = db.value(
        f"INSERT INTO {schema}.gridly_grids (database_id, name) VALUES ($1, 'g') RETURNING id", database
    )
    db.fetch(f"INSERT INTO {schema}.gridly_records (grid_id, id) VALUES ($1, 'r1')", grid)
    [(_, href, _)] = row_links(panel, "gridly_records", f"grid_id=eq.{grid}")
    assert form_values(html(panel.get(href)).one("form", id="row-form"))["path"] == ""
    response = edit(panel, href, cells='{"c1": "hello"}')
    assert response.status_code == 303, response.text
    row = db.fetch(
        f"SELECT path, cells::text AS cells FROM {schema}.gridly_records WHERE grid_id = $1", grid
    )[0]
    assert (row["path"], row["cells"]) == ("", '{"c1": "hello"}')


def test_line_breaks_from_a_textarea_are_stored_as_newlines(panel: Panel, schema: str, db: Database) -> None:
    assert create(panel, "things", name="Lines", description="one\r\ntwo").status_code == 303
    assert db.value(f"SELECT description FROM {schema}.things WHERE name = 'Lines'") == "one\ntwo"


def test_markup_in_values_is_shown_as_text(panel: Panel) -> None:
    assert create(panel, "things", name="<script>alert(1)</script>").status_code == 303
    page = panel.get("/admin/tables/things", params={"filter": "name=like.<script>*"})
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    [(_, href, _)] = row_links(panel, "things", "name=like.<script>*")
    assert "<script>alert(1)</script>" not in panel.get(href).text


# -- composite keys ----------------------------------------------------------------------------


def test_a_composite_key_with_awkward_values(panel: Panel, schema: str, db: Database) -> None:
    user_id = db.value(f"SELECT public_id FROM {schema}.users")
    identifier = "ui/theme?x=1&y=2 #ünï.cøde%2F"
    response = create(
        panel, "cmdb_user_settings", user_id=str(user_id), identifier=identifier, payload='{"dark": true}'
    )
    assert response.status_code == 303, response.text
    links = row_links(panel, "cmdb_user_settings", "identifier=like.ui/theme*")
    [(pk, href, action)] = links
    assert "/" not in pk and "?" not in pk and "%" not in pk
    response = edit(panel, href, payload='{"dark": false}', setting_type="APPLICATION")
    assert response.status_code == 303, response.text
    rows = db.fetch(
        f"SELECT identifier, setting_type, payload::text AS payload FROM {schema}.cmdb_user_settings"
    )
    assert [(r["identifier"], r["setting_type"], r["payload"]) for r in rows] == [
        (identifier, "APPLICATION", '{"dark": false}')
    ]
    assert panel.post(action).status_code == 303
    assert count(db, f"{schema}.cmdb_user_settings") == 0


def test_a_table_of_key_columns_only(panel: Panel, schema: str, db: Database) -> None:
    event = db.value(f"INSERT INTO {schema}.gainfully_events (name, starts_at) VALUES ('e', 1) RETURNING id")
    content = db.value(f"INSERT INTO {schema}.gainfully_content (name) VALUES ('c') RETURNING id")
    response = create(panel, "gainfully_event_content", event_id=str(event), content_id=str(content))
    assert response.status_code == 303, response.text
    [(_, href, action)] = row_links(panel, "gainfully_event_content", f"event_id=eq.{event}")
    assert edit(panel, href).status_code == 303  # nothing to change, and nothing breaks
    assert panel.post(action).status_code == 303
    assert count(db, f"{schema}.gainfully_event_content") == 0


def test_generated_and_always_numbered_columns_are_not_set(panel: Panel, schema: str, db: Database) -> None:
    thing = db.value(f"INSERT INTO {schema}.things (name) VALUES ('owner') RETURNING id")
    form = html(panel.get("/admin/tables/entries/new")).one("form", id="row-form")
    assert "disabled" in form.one("input", id="field-validity").attrs
    response = create(
        panel,
        "entries",
        thing_id=str(thing),
        validity_start_date="2024-01-01",
        validity_end_date="2024-02-01",
        validity="[2000-01-01,2000-01-02)",  # not a settable column: ignored
    )
    assert response.status_code == 303, response.text
    assert (
        db.value(f"SELECT validity::text FROM {schema}.entries WHERE thing_id = $1", thing)
        == "[2024-01-01,2024-02-01)"
    )


# -- field errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "values", "errors"),
    [
        ("things", {"name": ""}, {"name": "This field is required."}),
        ("things", {"name": "x", "active": "maybe"}, {"active": "Choose true or false."}),
        ("things", {"name": "x", "data": "{bad"}, {"data": "Enter valid JSON"}),
        ("things", {"name": "x", "data": "null"}, {"data": "This field is required."}),
        ("things", {"name": "x", "tags": '"red"'}, {"tags": "Enter a JSON array"}),
        ("things", {"name": "x", "tags": '[["nested"]]'}, {"tags": "Item 1: expecting a single value"}),
        ("things", {"name": "x", "created_at": "yesterday"}, {"created_at": "Enter a date and time"}),
        ("things", {"name": "nul\x00byte"}, {"name": "NUL"}),
        ("things", {"id": "12x", "name": "x"}, {"id": "Enter a whole number."}),
        ("entries", {"thing_id": "1.5"}, {"thing_id": "Enter a whole number."}),
        ("entries", {"thing_id": "99999999999999999999"}, {"thing_id": "Out of range"}),
        ("entries", {"thing_id": "1", "created_by": "not-a-uuid"}, {"created_by": "Enter a UUID"}),
        (
            "entries",
            {"thing_id": "1", "validity_start_date": "2024-13-01"},
            {"validity_start_date": "Enter a date"},
        ),
        ("fields", {"thing_id": "1", "name": "f", "position": "3000000000"}, {"position": "Out of range"}),
        ("gainfully_relationships", {"name": "n", "email": "e", "type": "70000"}, {"type": "Out of range"}),
        ("cmdb_categories", {"name": "c", "types": '[1, "two"]'}, {"types": "Item 2: Enter a whole number."}),
        ("cmdb_categories", {"name": "c", "meta": "[1,"}, {"meta": "Enter valid JSON"}),
    ],
)
def test_a_value_of_the_wrong_type_is_an_error_at_its_field(
    panel: Panel, db: Database, schema: str, resource: str, values: dict[str, str], errors: dict[str, str]
) -> None:
    before = count(db, f"{schema}.{quote_ident(resource)}")
    response = create(panel, resource, **values)
    assert response.status_code == 400, response.text
    shown = field_errors(response)
    assert set(shown) == set(errors)
    for name, message in errors.items():
        assert message in shown[name]
    assert count(db, f"{schema}.{quote_ident(resource)}") == before
    # The form comes back with what was typed (a select can only show one of its options).
    form = html(response).one("form", id="row-form")
    selects = {node.attrs["name"] for node in form.find_all("select")}
    again = form_values(form)
    for name, value in values.items():
        if name not in selects and "\x00" not in value:
            assert again[name] == value


def test_several_fields_in_error_at_once(panel: Panel) -> None:
    response = create(panel, "things", name="", active="perhaps", data="nope")
    assert response.status_code == 400
    assert set(field_errors(response)) == {"name", "active", "data"}


def test_a_unique_violation_is_shown_at_the_field(panel: Panel, schema: str, db: Database) -> None:
    assert create(panel, "gainfully_relationships", name="Ann", email="ann@example.com").status_code == 303
    response = create(panel, "gainfully_relationships", name="Other Ann", email="ann@example.com")
    assert response.status_code == 400
    assert field_errors(response) == {"email": "A row with this value already exists."}
    assert count(db, f"{schema}.gainfully_relationships WHERE email = 'ann@example.com'") == 1


def test_a_unique_violation_on_edit_leaves_the_row_unchanged(panel: Panel, schema: str, db: Database) -> None:
    assert create(panel, "gainfully_relationships", name="Bo", email="bo@example.com").status_code == 303
    assert create(panel, "gainfully_relationships", name="Cy", email="cy@example.com").status_code == 303
    [(_, href, _)] = row_links(panel, "gainfully_relationships", "email=eq.cy@example.com")
    response = edit(panel, href, name="Cy Two", email="bo@example.com")
    assert response.status_code == 400
    assert field_errors(response) == {"email": "A row with this value already exists."}
    values = form_values(html(response).one("form", id="row-form"))
    assert (values["name"], values["email"]) == ("Cy Two", "bo@example.com")  # what was typed
    assert (
        db.value(f"SELECT name FROM {schema}.gainfully_relationships WHERE email = 'cy@example.com'") == "Cy"
    )


def test_a_composite_unique_violation_marks_both_fields(panel: Panel, schema: str, db: Database) -> None:
    thing = db.value(f"INSERT INTO {schema}.things (name) VALUES ('t') RETURNING id")
    entry = db.value(f"INSERT INTO {schema}.entries (thing_id) VALUES ($1) RETURNING id", thing)
    field = db.value(f"INSERT INTO {schema}.fields (thing_id, name) VALUES ($1, 'f') RETURNING id", thing)
    assert create(panel, "field_entries", entry_id=str(entry), field_id=str(field)).status_code == 303
    response = create(panel, "field_entries", entry_id=str(entry), field_id=str(field), entered_value="x")
    assert response.status_code == 400
    assert field_errors(response) == {
        "entry_id": "This combination already exists.",
        "field_id": "This combination already exists.",
    }


def test_a_foreign_key_violation_is_shown_at_the_field(panel: Panel, schema: str, db: Database) -> None:
    response = create(panel, "fields", thing_id="987654321", name="orphan")
    assert response.status_code == 400
    assert field_errors(response) == {"thing_id": "No such row in things."}
    assert count(db, f"{schema}.fields WHERE name = 'orphan'") == 0


def test_a_check_violation_on_one_column_is_shown_at_it(panel: Panel, schema: str, db: Database) -> None:
    user_id = db.value(f"SELECT public_id FROM {schema}.users")
    response = create(panel, "cmdb_user_settings", user_id=str(user_id), identifier="c", setting_type="BOGUS")
    assert response.status_code == 400
    errors = field_errors(response)
    assert list(errors) == ["setting_type"]
    assert "cmdb_user_settings_setting_type_check" in errors["setting_type"]


def test_a_check_on_several_columns_is_shown_for_the_form(panel: Panel, schema: str, db: Database) -> None:
    response = create(panel, "gainfully_events", name="late", starts_at="10", ends_at="5")
    assert response.status_code == 400
    message = form_error(response)
    assert message is not None and "gainfully_events_check" in message
    assert set(field_errors(response)) == {"starts_at", "ends_at"}
    assert count(db, f"{schema}.gainfully_events WHERE name = 'late'") == 0


def test_deleting_a_row_still_referenced_is_refused(panel: Panel, schema: str, db: Database) -> None:
    kind = db.value(f"INSERT INTO {schema}.cmdb_types (name) VALUES ('server') RETURNING public_id")
    db.value(f"INSERT INTO {schema}.cmdb_objects (type_id) VALUES ($1) RETURNING public_id", kind)
    [(_, _, action)] = row_links(panel, "cmdb_types", "name=eq.server")
    response = panel.post(action)
    assert response.status_code == 409
    assert "still referenced from cmdb_objects" in html(response).one(cls="form-error").text
    htmx = panel.post(action, headers={"HX-Request": "true"})
    assert htmx.status_code == 200
    assert htmx.headers["HX-Retarget"] == "#row-message"
    assert "still referenced" in htmx.text
    assert count(db, f"{schema}.cmdb_types WHERE name = 'server'") == 1
