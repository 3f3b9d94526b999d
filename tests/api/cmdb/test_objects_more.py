"""`/rest/objects/`: state, references, clean, bulk edit and bulk delete (all or nothing), rights,
and tenant isolation."""

from __future__ import annotations

import json
from typing import Any

from starlette.testclient import TestClient

from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.api.cmdb.framework_support import assert_cmdb_error, create_object, create_type
from tests.conftest import Database


def values(**kv: Any) -> list[dict[str, Any]]:
    return [{"name": k, "value": v} for k, v in kv.items()]


def stored(db: Database, schema: str, public_id: int) -> dict[str, Any] | None:
    rows = db.fetch(
        f'SELECT row_to_json(o)::text FROM "{schema}".cmdb_objects o WHERE public_id = $1', public_id
    )
    return json.loads(rows[0][0]) if rows else None


def test_state(client: TestClient, alpha_key: dict[str, str], db: Database, alpha: ProvisionedTenant) -> None:
    type_ = create_type(client, alpha_key)
    public_id = create_object(client, alpha_key, type_["public_id"], values(hostname="s1"))
    url = f"/rest/objects/{public_id}/state"
    assert client.get(url, headers=alpha_key).json() is True
    same = client.put(url, headers=alpha_key, content=b"true")
    assert same.status_code == 204 and same.content == b"" and same.headers["X-API-Version"] == "1.0"
    changed = client.put(url, headers=alpha_key, content=b"false")
    assert changed.status_code == 202, changed.text
    assert client.get(url, headers=alpha_key).json() is False
    assert stored(db, alpha.schema, public_id)["active"] is False  # type: ignore[index]
    for bad in (b'"false"', b"0", b'{"active": false}', b"", b"nope"):
        assert_cmdb_error(client.put(url, headers=alpha_key, content=bad), 400)
    assert_cmdb_error(client.put("/rest/objects/987654321/state", headers=alpha_key, content=b"true"), 404)


def test_references(client: TestClient, alpha_key: dict[str, str]) -> None:
    rack = create_type(client, alpha_key, fields=[{"type": "text", "name": "label"}])
    host = create_type(
        client,
        alpha_key,
        fields=[
            {"type": "ref", "name": "rack", "ref_types": [rack["public_id"]]},
            {"type": "text", "name": "n"},
        ],
    )
    anything = create_type(client, alpha_key, fields=[{"type": "ref", "name": "link"}])
    rack_id = create_object(client, alpha_key, rack["public_id"], values(label="r"))
    other_rack = create_object(client, alpha_key, rack["public_id"], values(label="r2"))
    on_rack = create_object(client, alpha_key, host["public_id"], values(rack=rack_id, n="x"))
    create_object(client, alpha_key, host["public_id"], values(rack=other_rack))
    linked = create_object(client, alpha_key, anything["public_id"], values(link=rack_id))
    response = client.get(f"/rest/objects/{rack_id}/references", headers=alpha_key)
    assert response.status_code == 200, response.text
    assert [o["public_id"] for o in response.json()["results"]] == [on_rack, linked]
    assert response.headers["X-Total-Count"] == "2"
    rendered = client.get(
        f"/rest/objects/{rack_id}/references/", headers=alpha_key, params={"view": "render"}
    ).json()
    assert [o["object_information"]["object_id"] for o in rendered["results"]] == [on_rack, linked]
    none = client.get(f"/rest/objects/{on_rack}/references", headers=alpha_key)
    assert none.status_code == 200 and none.json()["results"] == [] and none.json()["total"] == 0
    assert_cmdb_error(client.get("/rest/objects/987654321/references", headers=alpha_key), 404)


def test_clean(client: TestClient, alpha_key: dict[str, str], db: Database, alpha: ProvisionedTenant) -> None:
    type_ = create_type(
        client, alpha_key, fields=[{"type": "text", "name": "a"}, {"type": "text", "name": "b"}]
    )
    clean = create_object(client, alpha_key, type_["public_id"], values(a="1", b="2"))
    short = create_object(client, alpha_key, type_["public_id"], values(a="1"))
    # The type changes after the objects were made: `b` goes, `c` (with a default) comes.
    client.put(
        f"/rest/types/{type_['public_id']}",
        headers=alpha_key,
        json={"fields": [{"type": "text", "name": "a"}, {"type": "text", "name": "c", "default": "dflt"}]},
    )
    listed = client.get(f"/rest/objects/clean/{type_['public_id']}", headers=alpha_key)
    assert listed.status_code == 200, listed.text
    assert [o["public_id"] for o in listed.json()["results"]] == [clean, short]
    cleaned = client.put(f"/rest/objects/clean/{type_['public_id']}", headers=alpha_key)
    assert cleaned.status_code == 202, cleaned.text
    assert [o["public_id"] for o in cleaned.json()["results"]] == [clean, short]
    assert stored(db, alpha.schema, clean)["fields"] == values(a="1", c="dflt")  # type: ignore[index]
    assert stored(db, alpha.schema, short)["fields"] == values(a="1", c="dflt")  # type: ignore[index]
    assert client.get(f"/rest/objects/clean/{type_['public_id']}/", headers=alpha_key).json()["results"] == []
    assert_cmdb_error(client.get("/rest/objects/clean/987654321", headers=alpha_key), 404)


def test_bulk_edit_changes_every_listed_object_or_none(
    client: TestClient, alpha_key: dict[str, str], db: Database, alpha: ProvisionedTenant
) -> None:
    type_ = create_type(
        client, alpha_key, fields=[{"type": "text", "name": "a"}, {"type": "number", "name": "n"}]
    )
    first = create_object(client, alpha_key, type_["public_id"], values(a="x", n=1))
    second = create_object(client, alpha_key, type_["public_id"], values(a="y", n=2), active=False)
    body = {
        "type_id": type_["public_id"],
        "version": "1.0.0",
        "author_id": 1,
        "fields": values(n=9),
        "views": 0,
    }
    missing = client.put(
        f"/rest/objects/0?objectIDs={first}&objectIDs=987654321", headers=alpha_key, json=body
    )
    assert_cmdb_error(missing, 404)
    invalid = client.put(
        f"/rest/objects/0?objectIDs={first}&objectIDs={second}",
        headers=alpha_key,
        json={"fields": values(n="nine")},
    )
    assert_cmdb_error(invalid, 400)
    assert stored(db, alpha.schema, first)["fields"] == values(a="x", n=1)  # type: ignore[index]
    response = client.put(
        f"/rest/objects/0?objectIDs={first}&objectIDs={second}", headers=alpha_key, json=body
    )
    assert response.status_code == 202, response.text
    assert response.json()["failed"] == [] and len(response.json()["results"]) == 2
    one, two = stored(db, alpha.schema, first), stored(db, alpha.schema, second)
    assert one["fields"] == values(a="x", n=9) and two["fields"] == values(a="y", n=9)  # type: ignore[index]
    assert one["version"] == "1.0.1" and two["active"] is False  # type: ignore[index]
    assert_cmdb_error(client.put("/rest/objects/0?objectIDs=x", headers=alpha_key, json=body), 400)


def test_bulk_delete_is_all_or_nothing(
    client: TestClient, alpha_key: dict[str, str], db: Database, alpha: ProvisionedTenant
) -> None:
    type_ = create_type(client, alpha_key)
    ids = [create_object(client, alpha_key, type_["public_id"], values(hostname=f"h{i}")) for i in range(4)]
    refused = client.delete(f"/rest/objects/{ids[0]},{ids[1]},987654321", headers=alpha_key)
    body = assert_cmdb_error(refused, 404)
    assert "987654321" in body["description"]
    assert all(stored(db, alpha.schema, i) is not None for i in ids)
    response = client.delete(f"/rest/objects/{ids[0]},{ids[1]}", headers=alpha_key)
    assert response.status_code == 200 and response.json() == {"successfully": [True, True]}
    response = client.delete(f"/rest/objects/delete/{ids[2]},{ids[3]}", headers=alpha_key)
    assert response.status_code == 200 and response.json() == {"successfully": [True, True]}
    assert all(stored(db, alpha.schema, i) is None for i in ids)
    assert_cmdb_error(client.delete("/rest/objects/1,x", headers=alpha_key), 400)
    assert_cmdb_error(client.delete("/rest/objects/delete/99999999999999999999999", headers=alpha_key), 404)


def test_rights(client: TestClient, alpha_key: dict[str, str], alpha_rest: str, make_user: Any) -> None:
    type_ = create_type(client, alpha_key)
    public_id = create_object(client, alpha_key, type_["public_id"], values(hostname="r1"))
    user = make_user(group_id=2)  # base.framework.object.*: every object route
    assert client.get(f"{alpha_rest}/objects/{public_id}", headers=user.basic).status_code == 200
    assert (
        client.put(
            f"{alpha_rest}/objects/{public_id}/state", headers=user.basic, content=b"false"
        ).status_code
        == 202
    )
    assert (
        client.put(f"{alpha_rest}/objects/clean/{type_['public_id']}", headers=user.basic).status_code == 403
    )
    viewer = client.post(
        "/rest/groups/",
        headers=alpha_key,
        json={"name": f"viewers-{public_id}", "rights": ["base.framework.object.view"]},
    )
    assert viewer.status_code == 201, viewer.text
    reader = make_user(group_id=viewer.json()["result_id"])
    assert client.get(f"{alpha_rest}/objects/{public_id}/native", headers=reader.basic).status_code == 200
    for method, path in (("DELETE", f"/objects/{public_id}"), ("PUT", f"/objects/{public_id}/state")):
        body = assert_cmdb_error(
            client.request(method, f"{alpha_rest}{path}", headers=reader.basic, content=b"true"), 403
        )
        assert "base.framework.object." in body["description"]


def test_tenants_never_see_each_others_objects(
    client: TestClient, alpha_key: dict[str, str], beta_key: dict[str, str]
) -> None:
    type_ = create_type(client, alpha_key, fields=[{"type": "text", "name": "secret"}])
    public_id = create_object(client, alpha_key, type_["public_id"], values(secret="alpha-only-value"))
    seen = client.get(f"/rest/objects/{public_id}/native", headers=beta_key)
    assert seen.status_code == 404 or seen.json()["fields"] != values(secret="alpha-only-value")
    flt = json.dumps({"fields": {"$elemMatch": {"value": "alpha-only-value"}}})
    assert client.get("/rest/objects/", headers=beta_key, params={"filter": flt}).json()["total"] == 0
    assert client.get("/rest/objects/", headers=alpha_key, params={"filter": flt}).json()["total"] == 1
