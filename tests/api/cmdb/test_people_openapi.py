"""Every people route of the CMDB is in /openapi.json with parameters, bodies, answers and security."""

from __future__ import annotations

from starlette.testclient import TestClient

PEOPLE = {
    "/rest/auth/login": {"post"},
    "/rest/users/": {"get", "head", "post"},
    "/rest/users/{public_id}": {"get", "head", "put", "patch", "delete"},
    "/rest/users/{public_id}/password": {"patch"},
    "/rest/users/{user_id}/settings/": {"get", "head", "post"},
    "/rest/users/{user_id}/settings/{identifier}": {"get", "head", "put", "patch", "delete"},
    "/rest/groups/": {"get", "head", "post"},
    "/rest/groups/{public_id}": {"get", "head", "put", "patch", "delete"},
    "/rest/rights/": {"get", "head"},
    "/rest/rights/levels": {"get", "head"},
    "/rest/rights/{name}": {"get", "head"},
}


def test_people_routes_are_documented(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for path, methods in PEOPLE.items():
        for variant in (path, "/tenants/{schema}" + path):
            assert set(paths[variant]) == methods, variant
            for method in methods:
                operation = paths[variant][method]
                assert operation["tags"] == ["CMDB"]
                assert operation["security"]
                assert operation["responses"]
                names = {p["name"] for p in operation["parameters"] if p["in"] == "path"}
                assert names == {n.strip("{}") for n in variant.split("/") if n.startswith("{")}
    users = paths["/rest/users/"]
    assert {p["name"] for p in users["get"]["parameters"]} >= {"filter", "sort", "order", "page", "limit"}
    assert users["post"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CmdbUserWrite"
    }
    assert "201" in users["post"]["responses"] and "401" in users["post"]["responses"]
    delete_group = paths["/rest/groups/{public_id}"]["delete"]
    assert {p["name"] for p in delete_group["parameters"]} == {"public_id", "action", "group_id"}
    schemes = spec["components"]["securitySchemes"]
    assert schemes["cmdbApiKey"]["name"] == "Api-Key"
    assert schemes["cmdbBearer"]["scheme"] == "bearer"
    assert schemes["cmdbBasic"]["scheme"] == "basic"
    assert "password" not in spec["components"]["schemas"]["CmdbUser"]["properties"]
    assert {} in paths["/rest/rights/"]["get"]["security"]  # no credentials needed
