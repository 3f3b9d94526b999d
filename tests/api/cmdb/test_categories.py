"""`/rest/categories/`: list and tree, one, POST, PUT/PATCH (no cycles), DELETE (children re-parented)."""

from __future__ import annotations

import json
from typing import Any

from starlette.testclient import TestClient

from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.api.cmdb.framework_support import assert_cmdb_error, create_category, create_type, unique
from tests.conftest import Database


def test_post_answers_201_with_the_category(
    client: TestClient, alpha_key: dict[str, str], db: Database, alpha: ProvisionedTenant
) -> None:
    type_ = create_type(client, alpha_key)
    name = unique("servers")
    body = {
        "name": name,
        "label": "Servers",
        "meta": {"icon": "", "order": 0},
        "parent": None,
        "types": [type_["public_id"]],
    }
    response = client.post("/rest/categories/", headers=alpha_key, json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    public_id = created["result_id"]
    assert created["raw"] == {"public_id": public_id, **body}
    assert created["model"] == "Category"
    assert response.headers["Location"] == f"http://tenantgrid.test/rest/categories/{public_id}"
    row = db.fetch(
        f'SELECT name, types FROM "{alpha.schema}".cmdb_categories WHERE public_id = $1', public_id
    )[0]
    assert (row["name"], row["types"]) == (name, [type_["public_id"]])
    assert client.get(f"/rest/categories/{public_id}", headers=alpha_key).json()["result"] == created["raw"]


def test_defaults_and_refusals(client: TestClient, alpha_key: dict[str, str]) -> None:
    made = create_category(client, alpha_key)
    assert made["meta"] == {"icon": "", "order": None} and made["parent"] is None and made["types"] == []
    assert_cmdb_error(client.post("/rest/categories/", headers=alpha_key, json={"name": made["name"]}), 400)
    assert_cmdb_error(client.post("/rest/categories/", headers=alpha_key, json={"name": "Not Kebab"}), 400)
    body = assert_cmdb_error(
        client.post("/rest/categories", headers=alpha_key, json={"name": unique("c"), "parent": 987654321}),
        400,
    )
    assert "parent" in body["message"]["validation_error"]
    body = assert_cmdb_error(
        client.post("/rest/categories", headers=alpha_key, json={"name": unique("c"), "types": [987654321]}),
        400,
    )
    assert "types" in body["message"]["validation_error"]


def test_no_category_is_its_own_parent_or_ancestor(client: TestClient, alpha_key: dict[str, str]) -> None:
    root = create_category(client, alpha_key)
    child = create_category(client, alpha_key, parent=root["public_id"])
    grandchild = create_category(client, alpha_key, parent=child["public_id"])
    body = assert_cmdb_error(
        client.put(
            f"/rest/categories/{root['public_id']}", headers=alpha_key, json={"parent": root["public_id"]}
        ),
        400,
    )
    assert "own parent" in body["description"]
    body = assert_cmdb_error(
        client.patch(
            f"/rest/categories/{root['public_id']}",
            headers=alpha_key,
            json={"parent": grandchild["public_id"]},
        ),
        400,
    )
    assert "cycle" in body["description"]
    moved = client.put(
        f"/rest/categories/{grandchild['public_id']}", headers=alpha_key, json={"parent": root["public_id"]}
    )
    assert moved.status_code == 202 and moved.json()["result"]["parent"] == root["public_id"]


def test_put_keeps_what_it_leaves_out(client: TestClient, alpha_key: dict[str, str]) -> None:
    type_ = create_type(client, alpha_key)
    made = create_category(
        client, alpha_key, label="Old", types=[type_["public_id"]], meta={"icon": "x", "order": 3}
    )
    response = client.put(f"/rest/categories/{made['public_id']}", headers=alpha_key, json={"label": "New"})
    assert response.status_code == 202, response.text
    assert response.headers["Location"] == f"http://tenantgrid.test/rest/categories/{made['public_id']}"
    assert response.json()["result"] == {**made, "label": "New"}


def test_tree_is_nested_and_ordered_nulls_last(client: TestClient, alpha_key: dict[str, str]) -> None:
    type_ = create_type(client, alpha_key)
    root = create_category(client, alpha_key, meta={"icon": "", "order": -1000})
    late = create_category(client, alpha_key, parent=root["public_id"])
    early = create_category(
        client, alpha_key, parent=root["public_id"], meta={"icon": "", "order": 1}, types=[type_["public_id"]]
    )
    response = client.get("/rest/categories/", headers=alpha_key, params={"view": "tree"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["parameters"]["optional"] == {"view": "tree"}
    node = next(n for n in body["results"] if n["category"]["public_id"] == root["public_id"])
    assert node["node_order"] == -1000
    assert [c["category"]["public_id"] for c in node["children"]] == [early["public_id"], late["public_id"]]
    assert node["children"][0]["types"][0]["public_id"] == type_["public_id"]
    assert_cmdb_error(client.get("/rest/categories/", headers=alpha_key, params={"view": "graph"}), 400)


def test_list_echoes_view_list(client: TestClient, alpha_key: dict[str, str]) -> None:
    made = create_category(client, alpha_key)
    response = client.get(
        "/rest/categories", headers=alpha_key, params={"filter": json.dumps({"name": made["name"]})}
    )
    body = response.json()
    assert response.status_code == 200 and body["results"] == [made]
    assert body["parameters"]["optional"] == {"view": "list"}
    assert response.headers["X-Total-Count"] == "1"


def test_delete_reparents_children(
    client: TestClient, alpha_key: dict[str, str], db: Database, alpha: ProvisionedTenant
) -> None:
    root = create_category(client, alpha_key)
    child = create_category(client, alpha_key, parent=root["public_id"])
    response = client.delete(f"/rest/categories/{root['public_id']}", headers=alpha_key)
    assert response.status_code == 202
    assert response.json()["deleted_entry"] == root and response.json()["raw"] == root
    assert (
        db.value(
            f'SELECT parent FROM "{alpha.schema}".cmdb_categories WHERE public_id = $1', child["public_id"]
        )
        is None
    )
    assert (
        client.get(f"/rest/categories/{child['public_id']}", headers=alpha_key).json()["result"]["parent"]
        is None
    )
    assert_cmdb_error(client.delete(f"/rest/categories/{root['public_id']}", headers=alpha_key), 404)


def test_rights_and_isolation(
    client: TestClient, alpha_key: dict[str, str], beta_key: dict[str, str], alpha_rest: str, make_user: Any
) -> None:
    made = create_category(client, alpha_key)
    user = make_user(group_id=2)  # category.view only
    assert client.get(f"{alpha_rest}/categories/{made['public_id']}", headers=user.basic).status_code == 200
    body = assert_cmdb_error(
        client.post(f"{alpha_rest}/categories/", headers=user.basic, json={"name": unique("c")}), 403
    )
    assert "base.framework.category.add" in body["description"]
    listed = client.get("/rest/categories/", headers=beta_key, params={"limit": "0"}).json()["results"]
    assert made["name"] not in {c["name"] for c in listed}
