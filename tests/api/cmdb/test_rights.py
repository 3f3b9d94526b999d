"""GET /rest/rights/ (the 62 static rights, no credentials needed), /rest/rights/{name}, /rest/rights/levels."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.api.cmdb.conftest import rest


def test_rights_list_defaults_to_sort_by_name_limit_10(client: TestClient) -> None:
    response = client.get("/rest/rights/")
    assert response.status_code == 200, response.text
    assert response.headers["x-api-version"] == "1.0"
    assert response.headers["x-total-count"] == "62"
    body = response.json()
    assert body["total"] == 62
    assert body["count"] == 10 == len(body["results"])
    names = [r["name"] for r in body["results"]]
    assert names == sorted(names)
    assert body["results"][0] == {
        "level": 0,
        "name": "base.*",
        "label": "base.*",
        "description": "Base application right",
        "is_master": True,
    }
    assert body["parameters"] == {
        "limit": 10,
        "sort": "name",
        "order": 1,
        "page": 1,
        "filter": {},
        "optional": {"view": "list"},
    }
    assert body["pager"] == {"page": 1, "page_size": 10, "total_pages": 7}
    assert body["response_type"] == "GET"
    assert body["model"] == "Right"
    assert body["pagination"]["current"] == "http://tenantgrid.test/rest/rights/"
    assert body["pagination"]["first"] == "http://tenantgrid.test/rest/rights/?page=1"
    assert body["pagination"]["prev"] == "http://tenantgrid.test/rest/rights/?page=1"
    assert body["pagination"]["next"] == "http://tenantgrid.test/rest/rights/?page=2"
    assert body["pagination"]["last"] == "http://tenantgrid.test/rest/rights/?page=7"


def test_rights_limit_1_matches_the_seed_example(client: TestClient) -> None:
    body = client.get("/rest/rights/?limit=1").json()
    assert body["count"] == 1 and body["total"] == 62
    assert body["results"][0]["name"] == "base.*"
    assert body["pager"] == {"page": 1, "page_size": 1, "total_pages": 62}
    assert body["pagination"]["next"] == "http://tenantgrid.test/rest/rights/?limit=1&page=2"
    assert body["pagination"]["last"] == "http://tenantgrid.test/rest/rights/?limit=1&page=62"


def test_rights_limit_0_is_all_and_without_slash_too(client: TestClient) -> None:
    body = client.get("/rest/rights?limit=0").json()
    assert body["count"] == 62 == body["total"]
    assert body["pager"]["total_pages"] == 1
    assert len({r["name"] for r in body["results"]}) == 62


def test_rights_paging_order_and_filter(client: TestClient) -> None:
    last = client.get("/rest/rights/?page=7").json()
    assert last["count"] == 2
    assert last["pagination"]["next"].endswith("page=7")
    assert last["pagination"]["prev"].endswith("page=6")
    descending = client.get("/rest/rights/?order=-1&limit=1").json()
    assert descending["results"][0]["name"] == "base.user-management.user.view"
    by_level = client.get('/rest/rights/?filter={"level": 80}&limit=0').json()
    assert {r["name"] for r in by_level["results"]} == {
        "base.framework.log.delete",
        "base.user-management.group.add",
        "base.user-management.group.edit",
        "base.exportd.log.delete",
    }
    regex = client.get(
        '/rest/rights/?filter=[{"$match": {"name": {"$regex": "^BASE\\\\.DOCAPI", "$options": "i"}}}]&limit=0'
    ).json()
    assert regex["total"] == 6
    masters = client.get('/rest/rights/?filter={"is_master": true}&sort=level&order=-1&limit=0').json()
    assert all(r["is_master"] for r in masters["results"])
    assert masters["results"][-1]["name"] == "base.*"


@pytest.mark.parametrize(
    "query",
    [
        "order=2",
        "order=x",
        "page=0",
        "page=-1",
        "page=\u0661",
        "limit=-1",
        "limit=99999999999999999999999",
        "filter=é",
    ],
)
def test_rights_bad_parameters_are_400_in_cmdb_format(client: TestClient, query: str) -> None:
    response = client.get(f"/rest/rights/?{query}")
    assert response.status_code == 400, response.text
    assert response.headers["x-api-version"] == "1.0"
    body = response.json()
    assert body["status"] == 400
    assert body["response"].startswith("Bad Request: http://tenantgrid.test/rest/rights/")
    assert set(body) == {"status", "response", "description", "message"}


def test_rights_tree_nests_by_prefix(client: TestClient) -> None:
    body = client.get("/rest/rights/?view=tree").json()
    assert body["parameters"]["optional"] == {"view": "tree"}
    (root,) = body["results"]
    assert root["name"] == "base.*"
    children = {c["name"]: c for c in root["children"]}
    assert "base.framework.*" in children
    framework = {c["name"]: c for c in children["base.framework.*"]["children"]}
    assert "base.framework.object.view" in {
        c["name"] for c in framework["base.framework.object.*"]["children"]
    }

    def count(node: dict) -> int:
        return 1 + sum(count(c) for c in node.get("children", []))

    assert count(root) == 62
    assert client.get("/rest/rights/?view=graph").status_code == 400


def test_one_right_by_name_and_unknown_is_404(client: TestClient) -> None:
    response = client.get("/rest/rights/base.*")
    assert response.status_code == 200
    assert response.json()["result"]["description"] == "Base application right"
    assert response.json()["model"] == "Right"
    missing = client.get("/rest/rights/base.nothing")
    assert missing.status_code == 404
    assert missing.headers["x-api-version"] == "1.0"
    assert missing.json()["status"] == 404


def test_levels(client: TestClient) -> None:
    response = client.get("/rest/rights/levels")
    assert response.status_code == 200
    assert response.json()["result"] == {
        "CRITICAL": 100,
        "DANGER": 80,
        "SECURE": 50,
        "PROTECTED": 30,
        "PERMISSION": 10,
        "NOTSET": 0,
    }
    assert response.json()["model"] == "Security-Level"


def test_head_answers_headers_without_body(client: TestClient, alpha: ProvisionedTenant) -> None:
    get = client.get("/rest/rights/")
    head = client.head("/rest/rights/")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["x-total-count"] == "62"
    assert head.headers["x-api-version"] == "1.0"
    assert int(head.headers["content-length"]) == len(get.content) or head.headers["content-length"]
    tenant = client.head(f"{rest(alpha)}/rights/levels")
    assert tenant.status_code == 200 and tenant.content == b""
