"""Every Gainfully route in /openapi.json: tagged, typed, secured, with its parameters."""

from __future__ import annotations

from starlette.testclient import TestClient


def test_every_route_is_documented(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for resource in ("relationships", "content", "events"):
        collection, item = paths[f"/v1.0/{resource}/"], paths[f"/v1.0/{resource}/{{id}}"]
        assert {"get", "post"} <= set(collection) and {"get", "patch", "delete"} <= set(item)
        for operation in (*collection.values(), *item.values()):
            assert operation["tags"] == ["Gainfully"]
            assert operation["security"] == [{"gainfullyKey": []}, {"gainfullyApiKey": []}]
            for status in ("400", "401", "404", "429"):
                assert operation["responses"][status]["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/GainfullyError"
                }
        names = {p["name"] for p in collection["get"]["parameters"]}
        assert {
            "limit",
            "offset",
            "ordering",
            "fields",
            "omit",
            "filter__id",
            "filter__created_at__gt",
        } <= names
        assert item["get"]["parameters"][0] == {
            "name": "id",
            "in": "path",
            "required": True,
            "schema": {"type": "integer"},
        }
    listing = paths["/v1.0/content/"]["get"]
    page = listing["responses"]["200"]["content"]["application/json"]["schema"]
    assert page == {"$ref": "#/components/schemas/GainfullyContentPage"}
    schemas = spec["components"]["schemas"]
    assert schemas["GainfullyContent"]["properties"]["created_at"]["type"] == "integer"
    assert schemas["GainfullyEvent"]["properties"]["content"]["type"] == "array"
    assert schemas["GainfullyRelationshipCreate"]["required"] == ["name", "email"]
    parameters = {p["name"]: p for p in listing["parameters"]}
    assert parameters["filter__name__icontains"]["schema"] == {"type": "string"}
    assert parameters["filter__author__isnull"]["schema"]["enum"] == ["true", "false", "1", "0"]
    assert spec["components"]["securitySchemes"]["gainfullyKey"]["name"] == "Authorization"
