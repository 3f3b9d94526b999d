"""/openapi.json documents the routes of projects, databases, grids, views, columns and paths: their
parameters, bodies, answers and the Gridly key scheme; and a schemathesis run over them finds no 5xx."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

EXPECTED = {
    "/v1/projects": {"get", "post", "head"},
    "/v1/databases": {"get", "post", "head"},
    "/v1/grids": {"get", "post", "head"},
    "/v1/grids/{gridId}": {"get", "patch", "delete", "head"},
    "/v1/views": {"get", "post", "head"},
    "/v1/views/{viewId}/columns": {"get", "post", "head"},
    "/v1/views/{viewId}/columns/{columnId}": {"get", "patch", "delete", "head"},
    "/v1/views/{viewId}/paths": {"post", "delete"},
    "/v1/views/{viewId}/paths/{path}": {"put"},
    "/v1/views/{viewId}/paths/tree": {"get", "head"},
}


def _spec(client: TestClient) -> dict[str, Any]:
    answer = client.get("/openapi.json")
    assert answer.status_code == 200
    return answer.json()


def test_every_structure_route_is_documented(client: TestClient) -> None:
    paths = _spec(client)["paths"]
    for path, methods in EXPECTED.items():
        assert methods <= set(paths[path]), path
        for method in methods:
            operation = paths[path][method]
            assert operation["security"] == [{"gridlyApiKey": []}], (path, method)
            assert "404" in operation["responses"] and "401" in operation["responses"]
    assert not [p for p in paths if ":" in p]  # `{path:path}` is documented as `{path}`
    rename = paths["/v1/views/{viewId}/paths/{path}"]["put"]
    assert {p["name"] for p in rename["parameters"] if p["in"] == "path"} == {"viewId", "path"}
    assert rename["requestBody"]["content"]["application/json"]["schema"]["required"] == ["newName"]
    grids = paths["/v1/grids"]["post"]
    assert [p["name"] for p in grids["parameters"] if p["in"] == "query"] == ["dbId"]
    assert "201" in grids["responses"]
    assert "columns" in grids["responses"]["201"]["content"]["application/json"]["schema"]["properties"]
    columns = paths["/v1/views/{viewId}/columns"]["post"]
    assert columns["requestBody"]["content"]["application/json"]["schema"]["required"] == ["name", "type"]
    assert "409" in columns["responses"]
    assert "204" in paths["/v1/views/{viewId}/columns/{columnId}"]["delete"]["responses"]
    assert [p["name"] for p in paths["/v1/views"]["get"]["parameters"]] == ["gridId"]
