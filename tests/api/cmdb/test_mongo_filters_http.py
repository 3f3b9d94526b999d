"""MongoDB filters end to end over /rest/: the dialect, the compiler and the CMDB routes together.
(The dialect's semantics are tested on their own in tests/unit/query/test_mongo_semantics.py.)"""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.api.cmdb.framework_support import assert_cmdb_error, create_object, create_type

FIELDS = [
    {"type": "text", "name": "hostname", "label": "Hostname"},
    {"type": "number", "name": "port", "label": "Port"},
]


@pytest.fixture(scope="module")
def objects(client: TestClient, alpha_key: dict[str, str]) -> dict[str, Any]:
    kind = create_type(client, alpha_key, fields=FIELDS)
    ids = [
        create_object(
            client,
            alpha_key,
            kind["public_id"],
            [{"name": "hostname", "value": host}, {"name": "port", "value": port}],
        )
        for host, port in (("web-1", 443), ('db-"1"\\', 5432), ("web-2", 80))
    ]
    return {"type_id": kind["public_id"], "ids": ids}


def listed(client: TestClient, headers: dict[str, str], filter: Any, **params: str) -> list[int]:
    response = client.get(
        "/rest/objects/", headers=headers, params={"filter": json.dumps(filter), "view": "native", **params}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert int(response.headers["X-Total-Count"]) == body["total"]
    assert body["parameters"]["filter"] == filter
    return [row["public_id"] for row in body["results"]]


def test_elem_match_as_the_datagerry_client_sends_it(
    client: TestClient, alpha_key: dict[str, str], objects: dict[str, Any]
) -> None:
    web1, db1, web2 = objects["ids"]
    match = {"$and": [{"type_id": objects["type_id"]}, {"fields": {"$elemMatch": {"value": "web-2"}}}]}
    assert listed(client, alpha_key, [{"$match": match}], sort="name", limit="100") == [web2]
    by_name = {"fields": {"$elemMatch": {"name": "hostname", "value": {"$regex": "^WEB", "$options": "ism"}}}}
    assert listed(client, alpha_key, {"type_id": objects["type_id"], **by_name}) == [web1, web2]
    quoted = {"type_id": objects["type_id"], "fields.value": 'db-"1"\\'}
    assert listed(client, alpha_key, quoted) == [db1]


def test_types_are_kept_and_sort_by_field(
    client: TestClient, alpha_key: dict[str, str], objects: dict[str, Any]
) -> None:
    web1, db1, web2 = objects["ids"]
    own = {"type_id": objects["type_id"]}
    assert listed(client, alpha_key, {**own, "fields.value": 443}) == [web1]
    assert listed(client, alpha_key, {**own, "fields.value": "443"}) == []
    assert listed(client, alpha_key, {"type_id": str(objects["type_id"])}) == []
    assert listed(client, alpha_key, {**own, "fields.value": {"$gt": 100}}) == [web1, db1]
    assert listed(client, alpha_key, own, sort="fields.port") == [web2, web1, db1]
    assert listed(client, alpha_key, own, sort="fields.port", order="-1") == [db1, web1, web2]
    assert listed(client, alpha_key, own, sort="no.such.path", order="-1") == [web1, db1, web2]


@pytest.mark.parametrize(
    ("filter", "quoted"),
    [
        ('{"$where": "sleep(10)"}', "$where"),
        ('{"fields": {"$function": {}}}', "$function"),
        ('[{"$lookup": {"from": "users"}}]', "$lookup"),
        ("é", "é"),
        ('"x"', '"x"'),
        ('{"fields.value": {"$regex": "("}}', "regular expression"),
        ('{"fields.value": {"$regex": "a", "$options": "g"}}', '"g"'),
        ('{"$and": [' * 60 + "{}" + "]}" * 60, "100 levels"),
    ],
)
def test_bad_filters_are_cmdb_400s(
    client: TestClient, alpha_key: dict[str, str], filter: str, quoted: str
) -> None:
    response = client.get("/rest/objects/", headers=alpha_key, params={"filter": filter})
    body = assert_cmdb_error(response, 400)
    assert quoted in body["message"]
    head = client.head("/rest/objects/", headers=alpha_key, params={"filter": filter})
    assert head.status_code == 400 and head.content == b""


def test_a_secret_column_cannot_be_probed(client: TestClient, alpha_key: dict[str, str]) -> None:
    everyone = client.get("/rest/users/", headers=alpha_key, params={"limit": "0"}).json()["total"]
    assert everyone >= 1
    for filter, total in (
        ({"password_hash": {"$regex": "^\\$"}}, 0),
        ({"password_hash": {"$exists": True}}, 0),
        ({"password_hash": {"$exists": False}}, everyone),
    ):
        response = client.get("/rest/users/", headers=alpha_key, params={"filter": json.dumps(filter)})
        assert response.status_code == 200, response.text
        assert response.json()["total"] == total
