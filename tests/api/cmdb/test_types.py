"""`/rest/types/`: list, one, POST, PUT/PATCH, DELETE, count_objects; rights and tenant isolation."""

from __future__ import annotations

import json
from typing import Any

from starlette.testclient import TestClient

from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.api.cmdb.framework_support import assert_cmdb_error, create_object, create_type, unique
from tests.conftest import Database

FIELDS = [
    {"type": "text", "name": "hostname", "label": "Hostname", "required": True},
    {"type": "number", "name": "cpus", "label": "CPUs"},
]
RENDER_META = {
    "icon": "fas fa-server",
    "sections": [{"type": "section", "name": "main", "label": "Main", "fields": ["hostname", "cpus"]}],
    "externals": [],
    "summary": {"fields": ["hostname"]},
}


def python_client_type(name: str) -> dict[str, Any]:
    """Exactly what the PyPI `datagerry` 0.0.1 client's create_type sends."""
    return {
        "name": name,
        "label": "Printer",
        "description": "printers",
        "version": "1.0.0",
        "status": None,
        "active": True,
        "clean_db": True,
        "access": {"groups": "", "users": ""},
        "author_id": 1,
        "render_meta": {
            "icon": "fa fa-print",
            "sections": [],
            "externals": [],
            "summary": {"fields": ["model"]},
        },
        "fields": [{"type": "text", "name": "model", "label": "Model"}],
        "category_id": None,
        "acl": {"activated": False, "groups": {"includes": {}}},
    }


def test_post_answers_201_with_the_stored_type_and_location(
    client: TestClient, alpha_key: dict[str, str], db: Database, alpha: ProvisionedTenant
) -> None:
    name = unique("server")
    response = client.post(
        "/rest/types/",
        headers=alpha_key,
        json={"name": name, "label": "Server", "fields": FIELDS, "render_meta": RENDER_META},
    )
    assert response.status_code == 201, response.text
    assert response.headers["X-API-Version"] == "1.0"
    body = response.json()
    public_id = body["result_id"]
    assert response.headers["Location"] == f"http://tenantgrid.test/rest/types/{public_id}"
    assert body["response_type"] == "INSERT" and body["model"] == "Type"
    raw = body["raw"]
    assert raw["public_id"] == public_id and raw["name"] == name and raw["version"] == "1.0.0"
    assert raw["fields"] == FIELDS and raw["render_meta"] == RENDER_META
    assert set(raw["creation_time"]) == {"$date"} and raw["last_edit_time"] is None
    row = db.fetch(
        f'SELECT name, label, active, fields::text FROM "{alpha.schema}".cmdb_types WHERE public_id = $1',
        public_id,
    )[0]
    assert (row["name"], row["label"], row["active"]) == (name, "Server", True)
    assert json.loads(row["fields"]) == FIELDS


def test_the_python_clients_body_is_accepted_and_stored_keys_come_back(
    client: TestClient, alpha_key: dict[str, str], db: Database, alpha: ProvisionedTenant
) -> None:
    name = unique("printer")
    response = client.post("/rest/types", headers=alpha_key, json=python_client_type(name))
    assert response.status_code == 201, response.text
    public_id = response.json()["result_id"]
    got = client.get(f"/rest/types/{public_id}", headers=alpha_key).json()["result"]
    assert (
        got["clean_db"] is True
        and got["access"] == {"groups": "", "users": ""}
        and got["category_id"] is None
    )
    assert got["acl"] == {"activated": False, "groups": {"includes": {}}}
    extra = db.value(f'SELECT extra::text FROM "{alpha.schema}".cmdb_types WHERE public_id = $1', public_id)
    assert json.loads(extra) == {
        "access": {"groups": "", "users": ""},
        "category_id": None,
        "clean_db": True,
        "status": None,
    }


def test_duplicate_names_are_a_400(client: TestClient, alpha_key: dict[str, str]) -> None:
    name = unique("dup")
    create_type(client, alpha_key, name=name)
    body = assert_cmdb_error(client.post("/rest/types/", headers=alpha_key, json={"name": name}), 400)
    assert "exists" in body["description"]


def test_names_must_be_kebab_case(client: TestClient, alpha_key: dict[str, str]) -> None:
    body = assert_cmdb_error(client.post("/rest/types/", headers=alpha_key, json={"name": "My Type"}), 400)
    assert "name" in body["message"]["validation_error"]


def test_a_wrong_type_on_a_used_key_names_it(client: TestClient, alpha_key: dict[str, str]) -> None:
    body = assert_cmdb_error(
        client.post("/rest/types/", headers=alpha_key, json={"name": unique("t"), "fields": {"a": 1}}), 400
    )
    assert body["message"] == {"validation_error": {"fields": "'fields' must be a list of field definitions"}}
    body = assert_cmdb_error(
        client.post(
            "/rest/types/",
            headers=alpha_key,
            json={"name": unique("t"), "fields": FIELDS, "render_meta": {"summary": {"fields": ["nope"]}}},
        ),
        400,
    )
    assert "render_meta.summary" in body["message"]["validation_error"]


def test_list_with_and_without_slash_filter_and_head(client: TestClient, alpha_key: dict[str, str]) -> None:
    made = create_type(client, alpha_key, label=unique("Label"))
    flt = json.dumps([{"$match": {"label": made["label"]}}])
    for path in ("/rest/types/", "/rest/types"):
        response = client.get(path, headers=alpha_key, params={"filter": flt})
        assert response.status_code == 200, response.text
        body = response.json()
        assert [t["public_id"] for t in body["results"]] == [made["public_id"]]
        assert body["total"] == 1 and response.headers["X-Total-Count"] == "1"
        assert body["model"] == "Type"
    head = client.head("/rest/types/", headers=alpha_key, params={"filter": flt})
    assert head.status_code == 200 and head.content == b"" and head.headers["X-Total-Count"] == "1"


def test_one_type_and_unknown_ids(client: TestClient, alpha_key: dict[str, str]) -> None:
    made = create_type(client, alpha_key)
    response = client.get(f"/rest/types/{made['public_id']}/", headers=alpha_key)
    assert response.status_code == 200
    assert response.json()["result"] == made
    for bad in ("999999999", "-1", "abc", "99999999999999999999999", "%C2%B2"):
        assert_cmdb_error(client.get(f"/rest/types/{bad}", headers=alpha_key), 404)


def test_put_keeps_the_keys_it_leaves_out(
    client: TestClient, alpha_key: dict[str, str], db: Database, alpha: ProvisionedTenant
) -> None:
    made = create_type(
        client, alpha_key, fields=FIELDS, description="kept", render_meta=RENDER_META, clean_db=True
    )
    response = client.put(f"/rest/types/{made['public_id']}", headers=alpha_key, json={"label": "Renamed"})
    assert response.status_code == 202, response.text
    assert response.headers["Location"] == f"http://tenantgrid.test/rest/types/{made['public_id']}"
    result = response.json()["result"]
    assert response.json()["response_type"] == "UPDATE"
    assert result["label"] == "Renamed"
    assert (result["description"], result["fields"], result["render_meta"], result["active"]) == (
        "kept",
        FIELDS,
        RENDER_META,
        True,
    )
    assert result["clean_db"] is True
    assert set(result["last_edit_time"]) == {"$date"}
    row = db.fetch(
        f'SELECT label, description, last_edit_time FROM "{alpha.schema}".cmdb_types WHERE public_id = $1',
        made["public_id"],
    )[0]
    assert (row["label"], row["description"]) == ("Renamed", "kept") and row["last_edit_time"] is not None


def test_patch_validates_the_merged_type(client: TestClient, alpha_key: dict[str, str]) -> None:
    made = create_type(client, alpha_key, fields=FIELDS, render_meta=RENDER_META)
    # Dropping a field the summary still names is refused.
    response = client.patch(
        f"/rest/types/{made['public_id']}", headers=alpha_key, json={"fields": [FIELDS[1]]}
    )
    assert_cmdb_error(response, 400)
    response = client.patch(f"/rest/types/{made['public_id']}", headers=alpha_key, json={"active": False})
    assert response.status_code == 202 and response.json()["result"]["active"] is False


def test_rename_to_a_taken_name_is_a_400(client: TestClient, alpha_key: dict[str, str]) -> None:
    first, second = create_type(client, alpha_key), create_type(client, alpha_key)
    response = client.put(
        f"/rest/types/{second['public_id']}", headers=alpha_key, json={"name": first["name"]}
    )
    assert_cmdb_error(response, 400)


def test_delete_answers_the_deleted_type(
    client: TestClient, alpha_key: dict[str, str], db: Database, alpha: ProvisionedTenant
) -> None:
    made = create_type(client, alpha_key)
    response = client.delete(f"/rest/types/{made['public_id']}", headers=alpha_key)
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["deleted_entry"] == made and body["raw"] == made and body["response_type"] == "DELETE"
    assert (
        db.value(f'SELECT count(*) FROM "{alpha.schema}".cmdb_types WHERE public_id = $1', made["public_id"])
        == 0
    )
    assert_cmdb_error(client.delete(f"/rest/types/{made['public_id']}", headers=alpha_key), 404)


def test_a_type_with_objects_cannot_be_deleted(
    client: TestClient, alpha_key: dict[str, str], db: Database, alpha: ProvisionedTenant
) -> None:
    made = create_type(client, alpha_key)
    assert client.get(f"/rest/types/{made['public_id']}/count_objects", headers=alpha_key).json() == 0
    object_id = create_object(client, alpha_key, made["public_id"], [{"name": "hostname", "value": "a"}])
    assert client.get(f"/rest/types/{made['public_id']}/count_objects", headers=alpha_key).json() == 1
    body = assert_cmdb_error(client.delete(f"/rest/types/{made['public_id']}", headers=alpha_key), 409)
    assert "object" in body["description"]
    assert (
        db.value(f'SELECT count(*) FROM "{alpha.schema}".cmdb_types WHERE public_id = $1', made["public_id"])
        == 1
    )
    assert client.delete(f"/rest/objects/{object_id}", headers=alpha_key).status_code == 200
    assert client.delete(f"/rest/types/{made['public_id']}", headers=alpha_key).status_code == 202


def test_deleting_a_type_removes_it_from_categories(
    client: TestClient, alpha_key: dict[str, str], db: Database, alpha: ProvisionedTenant
) -> None:
    made = create_type(client, alpha_key)
    category = client.post(
        "/rest/categories/", headers=alpha_key, json={"name": unique("cat"), "types": [made["public_id"]]}
    ).json()["raw"]
    client.delete(f"/rest/types/{made['public_id']}", headers=alpha_key)
    types = db.value(
        f'SELECT types FROM "{alpha.schema}".cmdb_categories WHERE public_id = $1', category["public_id"]
    )
    assert types == []


def test_rights(client: TestClient, alpha: ProvisionedTenant, alpha_rest: str, make_user: Any) -> None:
    user = make_user(group_id=2)  # User: type.view, not type.add
    made = create_type(client, {"Api-Key": alpha.secret_key})
    assert client.get(f"{alpha_rest}/types/{made['public_id']}", headers=user.basic).status_code == 200
    body = assert_cmdb_error(
        client.post(f"{alpha_rest}/types/", headers=user.basic, json={"name": unique("t")}), 403
    )
    assert "base.framework.type.add" in body["description"]
    assert_cmdb_error(client.delete(f"{alpha_rest}/types/{made['public_id']}", headers=user.basic), 403)
    assert_cmdb_error(client.get("/rest/types/"), 401)


def test_basic_under_the_tenant_prefix(
    client: TestClient, alpha_rest: str, alpha_admin: dict[str, str]
) -> None:
    response = client.post(f"{alpha_rest}/types/", headers=alpha_admin, json={"name": unique("t")})
    assert response.status_code == 201, response.text
    assert response.headers["Location"].startswith(f"http://tenantgrid.test{alpha_rest}/types/")
    assert response.json()["raw"]["author_id"] is not None  # the signed-in admin


def test_tenants_never_see_each_others_types(
    client: TestClient, alpha_key: dict[str, str], beta_key: dict[str, str]
) -> None:
    made = create_type(client, alpha_key)
    # Ids are per tenant: beta may have a type with the same id, never alpha's.
    seen = client.get(f"/rest/types/{made['public_id']}", headers=beta_key)
    assert seen.status_code == 404 or seen.json()["result"]["name"] != made["name"]
    flt = json.dumps({"name": made["name"]})
    assert client.get("/rest/types/", headers=beta_key, params={"filter": flt}).json()["total"] == 0
    listed = client.get("/rest/types/", headers=beta_key, params={"limit": "0"}).json()["results"]
    assert made["name"] not in {t["name"] for t in listed}
    # The same name is free in beta: names are unique per tenant.
    assert client.post("/rest/types/", headers=beta_key, json={"name": made["name"]}).status_code == 201
