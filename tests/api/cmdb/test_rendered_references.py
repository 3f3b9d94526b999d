"""The rendered object embeds, for each `ref` field, the object it points at: that object's type,
its summary fields with their values and its summary line (DATAGERRY's `reference`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.testclient import TestClient

from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.api.cmdb.conftest import MadeUser, rest
from tests.api.cmdb.framework_support import create_object, create_type

RACK_FIELDS = [
    {"type": "text", "name": "room", "label": "Room"},
    {"type": "number", "name": "slot", "label": "Slot"},
    {"type": "text", "name": "notes", "label": "Notes"},
]
RACK_META = {"icon": "fas fa-box", "sections": [], "externals": [], "summary": {"fields": ["room", "slot"]}}


def _setup(
    client: TestClient, headers: dict[str, str], rack_acl: dict[str, Any] | None = None
) -> tuple[int, int, dict[str, Any]]:
    rack_type = create_type(client, headers, fields=RACK_FIELDS, render_meta=RACK_META, acl=rack_acl)
    server_type = create_type(
        client,
        headers,
        fields=[
            {"type": "text", "name": "hostname", "label": "Hostname"},
            {"type": "ref", "name": "rack", "label": "Rack", "ref_types": [rack_type["public_id"]]},
            {"type": "ref", "name": "spare", "label": "Spare"},
            {"type": "number", "name": "cpus", "label": "CPUs"},
        ],
    )
    rack = create_object(
        client,
        headers,
        rack_type["public_id"],
        [{"name": "room", "value": "B-12"}, {"name": "slot", "value": 4}, {"name": "notes", "value": "n"}],
    )
    server = create_object(
        client,
        headers,
        server_type["public_id"],
        [
            {"name": "hostname", "value": "web-1"},
            {"name": "rack", "value": rack},
            {"name": "cpus", "value": rack},
        ],
    )
    return rack, server, rack_type


def _fields(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["name"]: f for f in view["fields"]}


def test_a_ref_field_shows_the_referenced_objects_summaries(
    client: TestClient, alpha_key: dict[str, str]
) -> None:
    rack, server, rack_type = _setup(client, alpha_key)
    view = client.get(f"/rest/objects/{server}", headers=alpha_key).json()
    fields = _fields(view)
    assert fields["rack"]["value"] == rack
    assert fields["rack"]["reference"] == {
        "type_id": rack_type["public_id"],
        "type_name": rack_type["name"],
        "type_label": "Server",
        "icon": "fas fa-box",
        "object_id": rack,
        "summaries": [
            {"type": "text", "name": "room", "label": "Room", "value": "B-12"},
            {"type": "number", "name": "slot", "label": "Slot", "value": 4},
        ],
        "line": "B-12 | 4",
    }
    # An empty ref field has no reference; a number field holding an id is not a reference.
    assert fields["spare"]["reference"] is None
    assert "reference" not in fields["cpus"] and "reference" not in fields["hostname"]
    # The list's rendered view shows the same.
    listed = client.get(
        f'/rest/objects/?view=render&filter={{"public_id": {server}}}', headers=alpha_key
    ).json()["results"]
    assert _fields(listed[0])["rack"]["reference"] == fields["rack"]["reference"]


def test_a_referenced_object_that_is_gone_shows_no_reference(
    client: TestClient, alpha_key: dict[str, str]
) -> None:
    rack, server, _ = _setup(client, alpha_key)
    assert client.delete(f"/rest/objects/{rack}", headers=alpha_key).status_code == 200
    view = client.get(f"/rest/objects/{server}", headers=alpha_key).json()
    assert _fields(view)["rack"] == {**_fields(view)["rack"], "value": rack, "reference": None}


def test_a_reference_the_caller_may_not_read_shows_nothing_of_it(
    client: TestClient,
    alpha_key: dict[str, str],
    alpha: ProvisionedTenant,
    make_user: Callable[..., MadeUser],
) -> None:
    hidden = {"activated": True, "groups": {"includes": {"1": ["READ"]}}}
    rack, server, _ = _setup(client, alpha_key, rack_acl=hidden)
    user = make_user(group_id=2)
    for url in (
        f"{rest(alpha)}/objects/{server}",
        f'{rest(alpha)}/objects/?view=render&filter={{"public_id": {server}}}',
    ):
        body = client.get(url, headers=user.basic).json()
        view = body["results"][0] if "results" in body else body
        assert _fields(view)["rack"]["value"] == rack and _fields(view)["rack"]["reference"] is None
    assert (
        _fields(client.get(f"/rest/objects/{server}", headers=alpha_key).json())["rack"]["reference"]
        is not None
    )
