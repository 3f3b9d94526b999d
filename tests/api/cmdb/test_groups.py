"""/rest/groups/: rights stored by name and answered expanded; groups 1 and 2 kept; deleting a group
moves or deletes its users in the same transaction."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator

import pytest
from starlette.testclient import TestClient

from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.api.cmdb.conftest import MadeUser
from tests.conftest import Database


@pytest.fixture
def group(client: TestClient, alpha_key: dict[str, str]) -> Iterator[Callable[..., int]]:
    made: list[int] = []

    def make(rights: list[str] | None = None) -> int:
        response = client.post(
            "/rest/groups/",
            headers=alpha_key,
            json={"name": f"g-{secrets.token_hex(4)}", "label": "Test", "rights": rights or []},
        )
        assert response.status_code == 201, response.text
        made.append(response.json()["result_id"])
        return made[-1]

    yield make
    for public_id in made:
        client.delete(f"/rest/groups/{public_id}?action=DELETE", headers=alpha_key)


def test_default_groups_listed_with_expanded_rights(client: TestClient, alpha_key: dict[str, str]) -> None:
    response = client.get("/rest/groups", headers=alpha_key)
    assert response.status_code == 200
    assert response.headers["x-total-count"] == response.json()["total"].__str__()
    results = {g["public_id"]: g for g in response.json()["results"]}
    assert results[1] == {
        "public_id": 1,
        "name": "admin",
        "label": "Administrator",
        "rights": [
            {
                "level": 0,
                "name": "base.*",
                "label": "base.*",
                "description": "Base application right",
                "is_master": True,
            }
        ],
    }
    assert [r["name"] for r in results[2]["rights"]] == [
        "base.framework.object.*",
        "base.framework.type.view",
        "base.framework.category.view",
        "base.framework.log.view",
        "base.user-management.user.view",
        "base.user-management.group.view",
        "base.docapi.template.view",
    ]
    assert response.json()["model"] == "Group"


def test_insert_update_get(
    client: TestClient,
    alpha_key: dict[str, str],
    group: Callable[..., int],
    db: Database,
    alpha: ProvisionedTenant,
) -> None:
    name = f"g-{secrets.token_hex(4)}"
    created = client.post(
        "/rest/groups/",
        headers=alpha_key,
        json={"name": name, "label": "Test", "rights": ["base.framework.object.*"]},
    )
    assert created.status_code == 201, created.text
    public_id = created.json()["result_id"]
    assert public_id >= 3
    assert created.headers["location"] == f"http://tenantgrid.test/rest/groups/{public_id}"
    assert created.json()["raw"]["rights"][0] == {
        "level": 10,
        "name": "base.framework.object.*",
        "label": "object.*",
        "description": "Manage objects from framework",
        "is_master": True,
    }
    stored = db.value(f"SELECT rights FROM {alpha.schema}.cmdb_groups WHERE public_id = $1", public_id)
    assert stored == ["base.framework.object.*"]
    # The seed's PUT body; right objects are accepted too (taken by name). Left-out keys keep their value.
    put = client.put(
        f"/rest/groups/{public_id}",
        headers=alpha_key,
        json={"public_id": public_id, "name": name, "rights": [{"name": "base.framework.type.view"}]},
    )
    assert put.status_code == 202, put.text
    assert put.json()["result"]["label"] == "Test"
    assert [r["name"] for r in put.json()["result"]["rights"]] == ["base.framework.type.view"]
    patch = client.patch(f"/rest/groups/{public_id}/", headers=alpha_key, json={"label": "Renamed"})
    assert patch.status_code == 202 and patch.json()["result"]["label"] == "Renamed"
    one = client.get(f"/rest/groups/{public_id}", headers=alpha_key)
    assert one.status_code == 200 and one.json()["result"]["label"] == "Renamed"
    gone = client.delete(f"/rest/groups/{public_id}", headers=alpha_key)
    assert gone.status_code == 202
    assert gone.json()["deleted_entry"]["name"] == name == gone.json()["raw"]["name"]
    assert client.get(f"/rest/groups/{public_id}", headers=alpha_key).status_code == 404


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({"name": "x-unknown-right", "rights": ["base.nothing"]}, "rights"),
        ({"name": "x-bad-rights", "rights": "base.*"}, "rights"),
        ({"label": "no name"}, "name"),
        ({"name": "admin"}, "name"),
        ({"name": 3}, "name"),
    ],
)
def test_insert_validation(client: TestClient, alpha_key: dict[str, str], body: dict, key: str) -> None:
    response = client.post("/rest/groups/", headers=alpha_key, json=body)
    assert response.status_code == 400, response.text
    assert key in response.json()["message"]["validation_error"]


def test_groups_1_and_2_cannot_be_deleted(client: TestClient, alpha_key: dict[str, str]) -> None:
    for public_id in (1, 2):
        response = client.delete(f"/rest/groups/{public_id}?action=DELETE", headers=alpha_key)
        assert response.status_code == 403
        assert client.get(f"/rest/groups/{public_id}", headers=alpha_key).status_code == 200


def test_delete_with_members_needs_an_action(
    client: TestClient,
    alpha_key: dict[str, str],
    group: Callable[..., int],
    make_user: Callable[..., MadeUser],
) -> None:
    public_id = group()
    make_user(group_id=public_id)
    response = client.delete(f"/rest/groups/{public_id}", headers=alpha_key)
    assert response.status_code == 409
    assert client.get(f"/rest/groups/{public_id}", headers=alpha_key).status_code == 200
    assert client.delete(f"/rest/groups/{public_id}?action=KEEP", headers=alpha_key).status_code == 400
    assert client.delete(f"/rest/groups/{public_id}?action=MOVE", headers=alpha_key).status_code == 400
    assert (
        client.delete(f"/rest/groups/{public_id}?action=MOVE&group_id=x", headers=alpha_key).status_code
        == 400
    )


def test_delete_moves_users(
    client: TestClient,
    alpha_key: dict[str, str],
    group: Callable[..., int],
    make_user: Callable[..., MadeUser],
) -> None:
    public_id = group()
    users = [make_user(group_id=public_id) for _ in range(2)]
    response = client.delete(f"/rest/groups/{public_id}?action=MOVE&group_id=2", headers=alpha_key)
    assert response.status_code == 202, response.text
    for user in users:
        assert (
            client.get(f"/rest/users/{user.public_id}", headers=alpha_key).json()["result"]["group_id"] == 2
        )


def test_delete_deletes_users(
    client: TestClient,
    alpha_key: dict[str, str],
    group: Callable[..., int],
    make_user: Callable[..., MadeUser],
) -> None:
    public_id = group()
    user = make_user(group_id=public_id)
    response = client.delete(f"/rest/groups/{public_id}?action=delete", headers=alpha_key)
    assert response.status_code == 202
    assert client.get(f"/rest/users/{user.public_id}", headers=alpha_key).status_code == 404


def test_move_to_a_missing_group_changes_nothing(
    client: TestClient,
    alpha_key: dict[str, str],
    group: Callable[..., int],
    make_user: Callable[..., MadeUser],
) -> None:
    public_id = group()
    user = make_user(group_id=public_id)
    response = client.delete(f"/rest/groups/{public_id}?action=MOVE&group_id=98765", headers=alpha_key)
    assert response.status_code == 400
    assert client.get(f"/rest/groups/{public_id}", headers=alpha_key).status_code == 200
    assert (
        client.get(f"/rest/users/{user.public_id}", headers=alpha_key).json()["result"]["group_id"]
        == public_id
    )
    same = client.delete(f"/rest/groups/{public_id}?action=MOVE&group_id={public_id}", headers=alpha_key)
    assert same.status_code == 400


def test_unknown_group_and_odd_ids(client: TestClient, alpha_key: dict[str, str]) -> None:
    for bad in ("424242", "x", "9" * 40):
        assert client.get(f"/rest/groups/{bad}", headers=alpha_key).status_code == 404
        assert client.delete(f"/rest/groups/{bad}", headers=alpha_key).status_code == 404
        assert client.put(f"/rest/groups/{bad}", headers=alpha_key, json={"label": "x"}).status_code == 404
