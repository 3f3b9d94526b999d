"""The `datagerry` client from PyPI (0.0.1), pointed at a running tenantgrid unchanged.

It speaks HTTP Basic only and builds every URL as `url + "/rest/..."`, so its users give it the
tenant-named prefix `http://host/tenants/<schema>`. It parses every answer with `response.json()`.
"""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any

import httpx
import pytest
from datagerry import Datagerry

from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.conftest import PASSWORD, Database


def _request(client: Datagerry, method: str, path: str, params: dict[str, Any] | None = None) -> Any:
    """A call through the client's own session and request plumbing, for what it has no method for."""
    client.request.method = method
    client.request.url = client.url + path
    if params is not None:
        client.request.params = params
    return client.make_request()


@pytest.fixture
def datagerry(live_url: str, alpha: ProvisionedTenant) -> Datagerry:
    auth = base64.b64encode(f"{alpha.email.lower()}:{PASSWORD}".encode()).decode()
    users = httpx.get(
        f"{live_url}/tenants/{alpha.schema}/rest/users/",
        params={"filter": json.dumps({"user_name": alpha.email.lower()})},
        headers={"Authorization": f"Basic {auth}"},
    ).json()
    author_id = users["results"][0]["public_id"]
    return Datagerry(f"{live_url}/tenants/{alpha.schema}", auth, True, author_id)


def test_the_client_manages_a_type_and_its_objects(
    datagerry: Datagerry, db: Database, alpha: ProvisionedTenant
) -> None:
    label = f"Server {secrets.token_hex(3)}"
    name = label.lower().replace(" ", "-")
    created = datagerry.create_type(
        {
            "name": name,
            "label": label,
            "description": "machines in the rack",
            "icon": "fas fa-server",
            "sections": [{"type": "section", "name": "main", "label": "Main", "fields": ["hostname", "ip"]}],
            "fields": [
                {"type": "text", "name": "hostname", "label": "Hostname", "required": True},
                {"type": "text", "name": "ip", "label": "IP address"},
            ],
        }
    )
    assert created["response_type"] == "INSERT" and created["model"] == "Type"
    type_id = created["result_id"]
    assert datagerry.get_type_id(label) == type_id
    assert label in datagerry.get_types()
    assert [f["name"] for f in datagerry.get_type_fields(label)] == ["hostname", "ip"]

    object_id = datagerry.create_object(label, {"hostname": "web-1", "ip": "10.0.0.1"})
    assert isinstance(object_id, int)  # the bare new id, as the real server answers
    datagerry.create_object(label, {"hostname": "web-2", "ip": "10.0.0.2"})
    # found by its value alone: `{"fields": {"$elemMatch": {"value": "web-1"}}}` within the type
    assert datagerry.get_object_id(label, "web-1") == object_id
    assert sorted(o[0]["value"] for o in datagerry.get_objects(label)) == ["web-1", "web-2"]
    rendered = datagerry.get_object_fields(label, "web-1")
    assert {f["name"]: f["value"] for f in rendered} == {"hostname": "web-1", "ip": "10.0.0.1"}

    # The client sends only the fields to change; the others keep their values.
    updated = datagerry.update_object(label, "web-1", {"ip": "10.0.0.9"})
    assert updated["response_type"] == "UPDATE"
    stored = db.value(f'SELECT fields FROM "{alpha.schema}".cmdb_objects WHERE public_id = $1', object_id)
    assert {f["name"]: f["value"] for f in json.loads(stored)} == {"hostname": "web-1", "ip": "10.0.0.9"}

    # Its `delete_object` looks the type up by id as if it were a label (a bug of the client), so
    # it finds no object and the server answers a JSON error; deleting through its session works.
    refused = datagerry.delete_object(label, "web-1")
    assert refused["status"] in (400, 404)
    assert (
        db.value(f'SELECT count(*) FROM "{alpha.schema}".cmdb_objects WHERE public_id = $1', object_id) == 1
    )
    assert _request(datagerry, "DELETE", f"/rest/objects/{object_id}") is True
    assert datagerry.get_object_id(label, "web-1") == []

    others = _request(
        datagerry, "GET", "/rest/objects/", {"filter": json.dumps([{"$match": {"type_id": type_id}}])}
    )
    for other in others["results"]:
        assert _request(datagerry, "DELETE", f"/rest/objects/{other['public_id']}") is True
    deleted = datagerry.delete_type(label)
    assert deleted["response_type"] == "DELETE"
    assert datagerry.get_type_id(label) == []


def test_wrong_credentials_answer_json_the_client_can_parse(live_url: str, alpha: ProvisionedTenant) -> None:
    auth = base64.b64encode(f"{alpha.email.lower()}:wrong password".encode()).decode()
    client = Datagerry(f"{live_url}/tenants/{alpha.schema}", auth, True, 1)
    answer = _request(client, "GET", "/rest/types/", {"limit": 100})
    assert answer["status"] == 401
    assert client.get_types().startswith("KeyError")  # its own error path: no `results` in the body
