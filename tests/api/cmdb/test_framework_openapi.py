"""Every framework route of the CMDB (types, categories, objects) is in /openapi.json with its
parameters, bodies, answers and security."""

from __future__ import annotations

from starlette.testclient import TestClient

FRAMEWORK = {
    "/rest/types/": {"get", "head", "post"},
    "/rest/types/{public_id}/count_objects": {"get", "head"},
    "/rest/types/{public_id}": {"get", "head", "put", "patch", "delete"},
    "/rest/categories/": {"get", "head", "post"},
    "/rest/categories/{public_id}": {"get", "head", "put", "patch", "delete"},
    "/rest/objects/": {"get", "head", "post"},
    "/rest/objects/clean/{public_id}": {"get", "head", "put"},
    "/rest/objects/delete/{public_id}": {"delete"},
    "/rest/objects/{public_id}/native": {"get", "head"},
    "/rest/objects/{public_id}/references": {"get", "head"},
    "/rest/objects/{public_id}/state": {"get", "head", "put"},
    "/rest/objects/{public_id}": {"get", "head", "put", "patch", "delete"},
}


def test_framework_routes_are_documented(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for path, methods in FRAMEWORK.items():
        for variant in (path, "/tenants/{schema}" + path):
            assert set(paths[variant]) == methods, variant
            for method in methods:
                operation = paths[variant][method]
                assert operation["security"] and operation["responses"], (variant, method)
                names = {p["name"] for p in operation["parameters"] if p["in"] == "path"}
                assert names == {n.strip("{}") for n in variant.split("/") if n.startswith("{")}
    objects = paths["/rest/objects/"]
    assert {p["name"] for p in objects["get"]["parameters"]} >= {
        "filter",
        "projection",
        "view",
        "active",
        "limit",
    }
    assert objects["post"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CmdbObjectWrite"
    }
    assert paths["/rest/types/"]["post"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CmdbTypeWrite"
    }
    assert "201" in paths["/rest/types/"]["post"]["responses"]
    bulk = paths["/rest/objects/{public_id}"]["put"]
    assert "objectIDs" in {p["name"] for p in bulk["parameters"]}
    schemas = spec["components"]["schemas"]
    for name in ("CmdbType", "CmdbCategory", "CmdbObject", "CmdbRenderedObject", "CmdbCategoryNode"):
        assert schemas[name]["properties"], name
    assert (
        schemas["CmdbTypeWrite"]["properties"]["fields"]["items"]["properties"]["type"]["enum"][0] == "text"
    )
