"""`/rest/objects/`: POST (bare id), validation against the type, GET rendered and native, lists,
PUT/PATCH with the version rule, DELETE one."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.testclient import TestClient

from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.api.cmdb.framework_support import assert_cmdb_error, create_object, create_type
from tests.conftest import Database

FIELDS = [
    {"type": "text", "name": "hostname", "label": "Hostname", "required": True, "regex": "[a-z0-9.-]+"},
    {"type": "number", "name": "cpus", "label": "CPUs"},
    {"type": "checkbox", "name": "virtual", "label": "Virtual"},
    {
        "type": "select",
        "name": "env",
        "label": "Env",
        "options": [{"name": "prod", "label": "Prod"}, {"name": "test", "label": "Test"}],
    },
    {"type": "date", "name": "bought", "label": "Bought"},
]
RENDER_META = {
    "icon": "fas fa-server",
    "sections": [{"type": "section", "name": "main", "label": "Main", "fields": ["hostname", "cpus"]}],
    "externals": [
        {"name": "dns", "href": "https://dns.example/{}", "label": "DNS", "icon": "i", "fields": ["hostname"]}
    ],
    "summary": {"fields": ["hostname", "cpus"]},
}


@pytest.fixture(scope="module")
def server_type(client: TestClient, alpha_key: dict[str, str]) -> dict[str, Any]:
    return create_type(client, alpha_key, fields=FIELDS, render_meta=RENDER_META)


def values(**kv: Any) -> list[dict[str, Any]]:
    return [{"name": k, "value": v} for k, v in kv.items()]


def test_post_answers_the_new_id_as_a_bare_number(
    client: TestClient,
    alpha_key: dict[str, str],
    server_type: dict[str, Any],
    db: Database,
    alpha: ProvisionedTenant,
) -> None:
    body = {
        "author_id": 1,
        "version": "0.0.1",  # what the python client sends; the server starts at 1.0.0
        "type_id": server_type["public_id"],
        "active": True,
        "fields": values(hostname="web-1", cpus=4),
        "views": 7,
    }
    response = client.post("/rest/objects/", headers=alpha_key, json=body)
    assert response.status_code == 200, response.text
    public_id = response.json()
    assert isinstance(public_id, int)
    assert response.headers["Location"] == f"http://tenantgrid.test/rest/objects/{public_id}"
    assert response.headers["X-API-Version"] == "1.0"
    row = db.fetch(
        f'SELECT type_id, version, author_id, active, views, fields::text FROM "{alpha.schema}".cmdb_objects '
        "WHERE public_id = $1",
        public_id,
    )[0]
    assert (row["type_id"], row["version"], row["author_id"], row["active"], row["views"]) == (
        server_type["public_id"],
        "1.0.0",
        1,
        True,
        0,
    )
    assert json.loads(row["fields"]) == body["fields"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        (values(hostname="web-2", cpus="4"), "cpus"),
        (values(hostname="web-2", virtual="yes"), "virtual"),
        (values(hostname="web-2", env="staging"), "env"),
        (values(hostname="web-2", bought="someday"), "bought"),
        (values(hostname="Not Valid"), "hostname"),
        (values(cpus=2), "hostname"),  # required
        (values(hostname="web-2", colour="red"), "colour"),  # not a field of the type
    ],
)
def test_values_are_checked_against_the_type(
    client: TestClient,
    alpha_key: dict[str, str],
    server_type: dict[str, Any],
    fields: list[dict[str, Any]],
    field: str,
) -> None:
    response = client.post(
        "/rest/objects/", headers=alpha_key, json={"type_id": server_type["public_id"], "fields": fields}
    )
    body = assert_cmdb_error(response, 400)
    assert list(body["message"]["validation_error"]) == [field]


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({"fields": []}, "type_id"),
        ({"type_id": 987654321, "fields": []}, "type_id"),
        ({"type_id": "1", "fields": []}, "type_id"),
        ({"type_id": 1}, "fields"),
        ({"type_id": 1, "fields": [], "active": "yes"}, "active"),
    ],
)
def test_bad_bodies_name_the_key(
    client: TestClient, alpha_key: dict[str, str], body: dict[str, Any], key: str
) -> None:
    assert list(
        assert_cmdb_error(client.post("/rest/objects/", headers=alpha_key, json=body), 400)["message"][
            "validation_error"
        ]
    ) == [key]


def test_not_json_and_not_an_object(client: TestClient, alpha_key: dict[str, str]) -> None:
    assert_cmdb_error(client.post("/rest/objects/", headers=alpha_key, content=b"{nope"), 400)
    assert_cmdb_error(client.post("/rest/objects/", headers=alpha_key, json=[1]), 400)


def test_refs_must_point_at_an_existing_object_of_an_allowed_type(
    client: TestClient, alpha_key: dict[str, str]
) -> None:
    rack = create_type(client, alpha_key, fields=[{"type": "text", "name": "label"}])
    other = create_type(client, alpha_key, fields=[{"type": "text", "name": "label"}])
    host = create_type(
        client, alpha_key, fields=[{"type": "ref", "name": "rack", "ref_types": [rack["public_id"]]}]
    )
    rack_id = create_object(client, alpha_key, rack["public_id"], values(label="r1"))
    other_id = create_object(client, alpha_key, other["public_id"], values(label="o1"))
    assert isinstance(create_object(client, alpha_key, host["public_id"], values(rack=rack_id)), int)
    for bad in (other_id, 987654321, "1"):
        response = client.post(
            "/rest/objects/",
            headers=alpha_key,
            json={"type_id": host["public_id"], "fields": values(rack=bad)},
        )
        assert list(assert_cmdb_error(response, 400)["message"]["validation_error"]) == ["rack"]


def test_a_client_public_id_is_kept_and_never_collides_later(
    client: TestClient, alpha_key: dict[str, str], server_type: dict[str, Any]
) -> None:
    latest = create_object(client, alpha_key, server_type["public_id"], values(hostname="a"))
    chosen = latest + 1000
    assert (
        create_object(client, alpha_key, server_type["public_id"], values(hostname="b"), public_id=chosen)
        == chosen
    )
    after = create_object(client, alpha_key, server_type["public_id"], values(hostname="c"))
    assert after > chosen
    # Choosing a free lower id does not move the sequence back.
    assert client.delete(f"/rest/objects/{latest}", headers=alpha_key).status_code == 200
    assert (
        create_object(client, alpha_key, server_type["public_id"], values(hostname="e"), public_id=latest)
        == latest
    )
    assert create_object(client, alpha_key, server_type["public_id"], values(hostname="f")) > after
    response = client.post(
        "/rest/objects/",
        headers=alpha_key,
        json={"type_id": server_type["public_id"], "fields": values(hostname="d"), "public_id": chosen},
    )
    assert_cmdb_error(response, 400)


def test_get_one_is_the_rendered_object(
    client: TestClient, alpha_key: dict[str, str], server_type: dict[str, Any]
) -> None:
    public_id = create_object(
        client, alpha_key, server_type["public_id"], values(hostname="web-9", cpus=2), author_id=1
    )
    response = client.get(f"/rest/objects/{public_id}", headers=alpha_key)
    assert response.status_code == 200, response.text
    view = response.json()
    assert view["object_information"]["object_id"] == public_id
    assert view["object_information"]["version"] == "1.0.0"
    assert view["object_information"]["author_name"]  # user 1, alpha's admin
    assert view["type_information"]["type_id"] == server_type["public_id"]
    assert view["type_information"]["icon"] == "fas fa-server"
    assert view["type_information"]["acl"] == {"activated": False, "groups": {"includes": {}}}
    assert [(f["name"], f["value"]) for f in view["fields"]] == [
        ("hostname", "web-9"),
        ("cpus", 2),
        ("virtual", None),
        ("env", None),
        ("bought", None),
    ]
    assert view["summary_line"] == "web-9 | 2"
    assert view["externals"][0]["href"] == "https://dns.example/web-9"
    assert set(view["current_render_time"]) == {"$date"}
    head = client.head(f"/rest/objects/{public_id}", headers=alpha_key)
    assert head.status_code == 200 and head.content == b""


def test_native_is_the_stored_object(
    client: TestClient, alpha_key: dict[str, str], server_type: dict[str, Any]
) -> None:
    public_id = create_object(client, alpha_key, server_type["public_id"], values(hostname="n1"))
    native = client.get(f"/rest/objects/{public_id}/native", headers=alpha_key).json()
    assert native["public_id"] == public_id and native["type_id"] == server_type["public_id"]
    assert native["fields"] == values(hostname="n1") and native["views"] == 0 and native["status"] is None
    assert set(native["creation_time"]) == {"$date"} and native["last_edit_time"] is None


def test_lists_native_render_active_projection(client: TestClient, alpha_key: dict[str, str]) -> None:
    type_ = create_type(client, alpha_key, fields=[{"type": "text", "name": "hostname"}])
    first = create_object(client, alpha_key, type_["public_id"], values(hostname="l1"))
    second = create_object(client, alpha_key, type_["public_id"], values(hostname="l2"), active=False)
    flt = json.dumps([{"$match": {"type_id": type_["public_id"]}}])
    for path in ("/rest/objects/", "/rest/objects"):
        body = client.get(path, headers=alpha_key, params={"filter": flt}).json()
        assert [o["public_id"] for o in body["results"]] == [first, second] and body["model"] == "Object"
    active = client.get("/rest/objects/", headers=alpha_key, params={"filter": flt, "active": "true"})
    assert [o["public_id"] for o in active.json()["results"]] == [first]
    assert active.headers["X-Total-Count"] == "1"
    assert active.json()["parameters"]["optional"]["active"] == "true"
    rendered = client.get(
        "/rest/objects/", headers=alpha_key, params={"filter": flt, "view": "render"}
    ).json()
    assert [o["summary_line"] for o in rendered["results"]] == [f"Server #{first}", f"Server #{second}"]
    projected = client.get(
        "/rest/objects/",
        headers=alpha_key,
        params={"filter": flt, "projection": json.dumps({"public_id": 1})},
    ).json()
    assert projected["results"] == [{"public_id": first}, {"public_id": second}]
    assert_cmdb_error(client.get("/rest/objects/", headers=alpha_key, params={"view": "raw"}), 400)
    assert_cmdb_error(client.get("/rest/objects/", headers=alpha_key, params={"active": "maybe"}), 400)


def test_put_merges_fields_and_bumps_the_version(
    client: TestClient,
    alpha_key: dict[str, str],
    alpha_rest: str,
    alpha_admin: dict[str, str],
    db: Database,
    alpha: ProvisionedTenant,
) -> None:
    type_ = create_type(client, alpha_key, fields=[{"type": "text", "name": n} for n in "abcd"])
    public_id = create_object(
        client, alpha_key, type_["public_id"], values(a="1", b="1", c="1", d="1"), active=False
    )
    # What the python client's update_object sends: only the fields to change.
    body = {
        "author_id": 1,
        "version": "0.0.1",
        "type_id": type_["public_id"],
        "public_id": public_id,
        "fields": values(a="2"),
        "views": 0,
    }
    response = client.put(f"{alpha_rest}/objects/{public_id}", headers=alpha_admin, json=body)
    assert response.status_code == 202, response.text
    assert response.headers["Location"] == f"http://tenantgrid.test{alpha_rest}/objects/{public_id}"
    result = response.json()
    assert result["response_type"] == "UPDATE" and result["failed"] == []
    updated = result["results"][0]
    assert updated["fields"] == values(a="2", b="1", c="1", d="1")
    assert updated["version"] == "1.0.1" and updated["active"] is False  # no `active` sent: kept
    assert set(updated["last_edit_time"]) == {"$date"} and updated["editor_id"] is not None
    row = db.fetch(
        f'SELECT version, editor_id, last_edit_time FROM "{alpha.schema}".cmdb_objects WHERE public_id = $1',
        public_id,
    )[0]
    assert row["version"] == "1.0.1" and row["last_edit_time"] is not None
    three = client.patch(
        f"/rest/objects/{public_id}", headers=alpha_key, json={"fields": values(a="3", b="3", c="3")}
    )
    assert three.json()["results"][0]["version"] == "1.1.0"
    four = client.patch(
        f"/rest/objects/{public_id}", headers=alpha_key, json={"fields": values(a="4", b="4", c="4", d="4")}
    )
    assert four.json()["results"][0]["version"] == "2.0.0"
    same = client.put(f"/rest/objects/{public_id}", headers=alpha_key, json={"fields": values(a="4")})
    assert same.json()["results"][0]["version"] == "2.0.0"


def test_put_refusals(
    client: TestClient,
    alpha_key: dict[str, str],
    server_type: dict[str, Any],
    db: Database,
    alpha: ProvisionedTenant,
) -> None:
    public_id = create_object(client, alpha_key, server_type["public_id"], values(hostname="p1"))
    assert_cmdb_error(
        client.put(f"/rest/objects/{public_id}", headers=alpha_key, json={"fields": values(cpus="x")}), 400
    )
    assert_cmdb_error(
        client.put(f"/rest/objects/{public_id}", headers=alpha_key, json={"fields": values(hostname="")}), 400
    )
    assert_cmdb_error(
        client.put(f"/rest/objects/{public_id}", headers=alpha_key, json={"public_id": public_id + 1}), 400
    )
    assert_cmdb_error(
        client.put(f"/rest/objects/{public_id}", headers=alpha_key, json={"type_id": 987654321}), 400
    )
    assert_cmdb_error(client.put("/rest/objects/987654321", headers=alpha_key, json={}), 404)
    assert_cmdb_error(client.put("/rest/objects/abc", headers=alpha_key, json={}), 404)
    version = db.value(f'SELECT version FROM "{alpha.schema}".cmdb_objects WHERE public_id = $1', public_id)
    assert version == "1.0.0"


def test_delete_one_answers_true(
    client: TestClient,
    alpha_key: dict[str, str],
    server_type: dict[str, Any],
    db: Database,
    alpha: ProvisionedTenant,
) -> None:
    public_id = create_object(client, alpha_key, server_type["public_id"], values(hostname="d1"))
    response = client.delete(f"/rest/objects/{public_id}", headers=alpha_key)
    assert response.status_code == 200 and response.json() is True
    assert (
        db.value(f'SELECT count(*) FROM "{alpha.schema}".cmdb_objects WHERE public_id = $1', public_id) == 0
    )
    assert_cmdb_error(client.delete(f"/rest/objects/{public_id}", headers=alpha_key), 404)
    assert_cmdb_error(client.get(f"/rest/objects/{public_id}", headers=alpha_key), 404)
    # What the python client sends when it finds nothing: `/rest/objects/[]`.
    assert_cmdb_error(client.delete("/rest/objects/[]", headers=alpha_key), 404)
