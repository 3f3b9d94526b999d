"""A type's own `version` bumps on PUT/PATCH by how much of its definition changed."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.api.cmdb.framework_support import create_type

FIELDS = [
    {"type": "text", "name": "hostname", "label": "Hostname"},
    {"type": "number", "name": "cpus", "label": "CPUs"},
    {"type": "text", "name": "rack", "label": "Rack"},
]


def _put(client: TestClient, headers: dict[str, str], public_id: int, body: dict[str, object]) -> str:
    response = client.put(f"/rest/types/{public_id}", headers=headers, json=body)
    assert response.status_code == 202, response.text
    version: str = response.json()["result"]["version"]
    assert client.get(f"/rest/types/{public_id}", headers=headers).json()["result"]["version"] == version
    return version


def test_the_type_version_bumps_by_the_share_of_changed_field_definitions(
    client: TestClient, alpha_key: dict[str, str]
) -> None:
    made = create_type(client, alpha_key, fields=FIELDS)
    assert made["version"] == "1.0.0"
    one = [{**FIELDS[0], "label": "Host"}, *FIELDS[1:]]
    assert _put(client, alpha_key, made["public_id"], {"fields": one}) == "1.0.1"
    two = [{**f, "label": f["label"] + "!"} for f in one[:2]] + one[2:]
    assert _put(client, alpha_key, made["public_id"], {"fields": two}) == "1.1.0"
    every = [{**f, "description": "x"} for f in two]
    assert _put(client, alpha_key, made["public_id"], {"fields": every}) == "2.0.0"


def test_other_definition_changes_are_a_patch_and_no_change_keeps_the_version(
    client: TestClient, alpha_key: dict[str, str]
) -> None:
    made = create_type(client, alpha_key, fields=FIELDS)
    assert _put(client, alpha_key, made["public_id"], {"label": "Renamed"}) == "1.0.1"
    assert _put(client, alpha_key, made["public_id"], {"label": "Renamed"}) == "1.0.1"
    acl = {"activated": True, "groups": {"includes": {"2": ["READ"]}}}
    assert _put(client, alpha_key, made["public_id"], {"acl": acl}) == "1.0.2"
    # A version in the body is the server's to set, as for objects.
    assert _put(client, alpha_key, made["public_id"], {"version": "9.9.9"}) == "1.0.2"
