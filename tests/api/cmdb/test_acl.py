"""A type's `acl` binds users signed in with Basic or Bearer: lists hide what their group may not
READ, single reads and every write on an object of such a type are a 403 naming the permission,
bulk writes change nothing; a secret key keeps every right."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.testclient import TestClient

from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.api.cmdb.conftest import MadeUser, rest
from tests.api.cmdb.framework_support import assert_cmdb_error, create_object, create_type

FIELDS = [{"type": "text", "name": "hostname", "label": "Hostname"}]


def acl(**groups: list[str]) -> dict[str, Any]:
    return {"activated": True, "groups": {"includes": {k.lstrip("g"): v for k, v in groups.items()}}}


@dataclass
class World:
    read_only: int  # type: group 2 may READ only
    hidden: int  # type: acl activated, group 2 not listed
    open_: int  # type: no acl
    ro_object: int
    hidden_object: int
    open_object: int
    user: MadeUser
    base: str


@pytest.fixture
def world(
    client: TestClient,
    alpha_key: dict[str, str],
    alpha: ProvisionedTenant,
    make_user: Callable[..., MadeUser],
) -> World:
    read_only = create_type(client, alpha_key, fields=FIELDS, acl=acl(g2=["READ"], g1=["CREATE", "READ"]))
    hidden = create_type(client, alpha_key, fields=FIELDS, acl=acl(g1=["READ"]))
    open_ = create_type(
        client, alpha_key, fields=FIELDS, acl={"activated": False, "groups": {"includes": {}}}
    )
    objects = [
        create_object(client, alpha_key, t["public_id"], [{"name": "hostname", "value": t["name"]}])
        for t in (read_only, hidden, open_)
    ]
    return World(
        read_only["public_id"],
        hidden["public_id"],
        open_["public_id"],
        *objects,
        user=make_user(group_id=2),
        base=rest(alpha),
    )


def _ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.text
    return {o.get("public_id") or o["object_information"]["object_id"] for o in response.json()["results"]}


def _forbidden(response: Any, permission: str, type_id: int) -> None:
    body = assert_cmdb_error(response, 403)
    assert permission in str(body["message"]) and str(type_id) in str(body["message"])


def test_lists_hide_objects_of_types_the_group_may_not_read(
    client: TestClient, alpha_key: dict[str, str], world: World
) -> None:
    mine = {world.ro_object, world.hidden_object, world.open_object}
    for view in ("native", "render"):
        url = f"{world.base}/objects/?limit=0&view={view}"
        assert _ids(client.get(url, headers=world.user.basic)) & mine == {world.ro_object, world.open_object}
        assert _ids(client.get(url, headers=alpha_key)) >= mine
    by_type = client.get(
        f'{world.base}/objects/?filter={{"type_id": {world.hidden}}}', headers=world.user.basic
    )
    assert _ids(by_type) == set() and by_type.headers["X-Total-Count"] == "0"


def test_single_reads_are_403_naming_the_permission(
    client: TestClient, alpha_key: dict[str, str], world: World
) -> None:
    for suffix in ("", "/native", "/state", "/references"):
        _forbidden(
            client.get(f"{world.base}/objects/{world.hidden_object}{suffix}", headers=world.user.basic),
            "READ",
            world.hidden,
        )
        assert (
            client.get(
                f"{world.base}/objects/{world.ro_object}{suffix}", headers=world.user.basic
            ).status_code
            == 200
        )
        assert (
            client.get(f"/rest/objects/{world.hidden_object}{suffix}", headers=alpha_key).status_code == 200
        )
    _forbidden(
        client.get(f"{world.base}/objects/clean/{world.hidden}", headers=world.user.basic),
        "READ",
        world.hidden,
    )


def test_writes_need_their_permission_and_bulk_writes_change_nothing(
    client: TestClient, alpha_key: dict[str, str], world: World
) -> None:
    user, base = world.user.basic, world.base
    fields = [{"name": "hostname", "value": "changed"}]
    _forbidden(
        client.post(f"{base}/objects/", headers=user, json={"type_id": world.read_only, "fields": fields}),
        "CREATE",
        world.read_only,
    )
    assert (
        client.post(
            f"{base}/objects/", headers=user, json={"type_id": world.open_, "fields": fields}
        ).status_code
        == 200
    )
    _forbidden(
        client.put(f"{base}/objects/{world.ro_object}", headers=user, json={"fields": fields}),
        "UPDATE",
        world.read_only,
    )
    _forbidden(
        client.put(f"{base}/objects/{world.ro_object}/state", headers=user, json=False),
        "UPDATE",
        world.read_only,
    )
    bulk = f"{base}/objects/0?objectIDs={world.open_object}&objectIDs={world.ro_object}"
    _forbidden(client.put(bulk, headers=user, json={"fields": fields}), "UPDATE", world.read_only)
    # Moving an object into a type it may not create in.
    response = client.put(
        f"{base}/objects/{world.open_object}", headers=user, json={"type_id": world.read_only}
    )
    _forbidden(response, "CREATE", world.read_only)
    _forbidden(client.delete(f"{base}/objects/{world.ro_object}", headers=user), "DELETE", world.read_only)
    _forbidden(
        client.delete(f"{base}/objects/{world.open_object},{world.ro_object}", headers=user),
        "DELETE",
        world.read_only,
    )
    for object_id in (world.open_object, world.ro_object):
        native = client.get(f"/rest/objects/{object_id}/native", headers=alpha_key).json()
        assert native["fields"][0]["value"] != "changed" and native["active"] is True
        assert native["type_id"] in (world.open_, world.read_only)
    assert (
        client.get(f"/rest/objects/{world.open_object}/native", headers=alpha_key).json()["type_id"]
        == world.open_
    )
    # The same user may write objects of a type without an acl; the secret key may write everything.
    assert (
        client.put(f"{base}/objects/{world.open_object}", headers=user, json={"fields": fields}).status_code
        == 202
    )
    assert (
        client.put(f"/rest/objects/{world.ro_object}", headers=alpha_key, json={"fields": fields}).status_code
        == 202
    )
    assert client.delete(f"/rest/objects/{world.hidden_object}", headers=alpha_key).status_code == 200


def test_bearer_tokens_are_bound_too(client: TestClient, world: World) -> None:
    login = client.post(
        f"{world.base}/auth/login", json={"user_name": world.user.user_name, "password": world.user.password}
    )
    assert login.status_code == 200, login.text
    bearer = {"Authorization": f"Bearer {login.json()['token']}"}
    _forbidden(client.get(f"/rest/objects/{world.hidden_object}", headers=bearer), "READ", world.hidden)
    assert client.get(f"/rest/objects/{world.ro_object}", headers=bearer).status_code == 200
