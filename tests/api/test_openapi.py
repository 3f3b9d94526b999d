"""/openapi.json and /docs describe every route, with each table's columns from the catalog."""

from __future__ import annotations

import logging

import pytest
from starlette.testclient import TestClient

from tenantgrid.app import create_app
from tenantgrid.settings import Settings
from tenantgrid.tenancy.provision import ProvisionedTenant


def test_openapi_lists_every_exposed_table_with_its_columns(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for table in ("things", "fields", "entries", "field_entries"):
        assert set(paths[f"/rest/v1/{table}"]) == {"get", "post", "patch", "put", "delete"}
    things = spec["components"]["schemas"]["things"]
    assert set(things["properties"]) == {
        "id",
        "name",
        "description",
        "tags",
        "data",
        "active",
        "created_at",
        "updated_at",
    }
    assert things["properties"]["id"]["type"] == "integer"
    assert things["properties"]["created_at"]["format"] == "date-time"
    assert things["required"] == ["name"]
    assert spec["components"]["schemas"]["fields"]["properties"]["mandatory"]["type"] == "boolean"
    get_params = {p["name"] for p in paths["/rest/v1/things"]["get"]["parameters"]}
    assert {"select", "order", "limit", "offset", "Accept-Profile", "Prefer", "Range", "name"} <= get_params


def test_openapi_hides_private_tables_and_describes_auth(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/rest/v1/users" not in spec["paths"]
    assert "users" not in spec["components"]["schemas"]
    assert "password_hash" not in client.get("/openapi.json").text
    assert {"/auth/v1/token", "/auth/v1/user", "/auth/v1/logout", "/health"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["apikey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "apikey",
        "description": spec["components"]["securitySchemes"]["apikey"]["description"],
    }


def test_openapi_describes_the_probes_and_metrics_under_server(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/live", "/ready", "/health", "/metrics"):
        assert set(paths[path]) == {"get", "head"}, path
        assert paths[path]["get"]["tags"] == ["server"]
        assert "security" not in paths[path]["get"]  # unauthenticated
    assert "503" in paths["/ready"]["get"]["responses"]
    assert (
        "text/plain; version=0.0.4; charset=utf-8" in paths["/metrics"]["get"]["responses"]["200"]["content"]
    )


def test_docs_page_serves_swagger_ui_from_packaged_assets(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "/openapi.json" in page.text
    assert "/docs/assets/swagger-ui-bundle.js" in page.text
    assert "cdn." not in page.text  # works where browsers reach no CDN
    script = client.get("/docs/assets/swagger-ui-bundle.js")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.text
    assert client.get("/docs/assets/swagger-ui.css").status_code == 200
    assert client.get("/redoc").status_code == 404


def test_access_log_has_one_line_per_request(
    settings: Settings, alpha: ProvisionedTenant, caplog: pytest.LogCaptureFixture
) -> None:
    with TestClient(create_app(settings.model_copy(update={"log_requests": True}))) as logged:
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="tenantgrid.access"):
            response = logged.get("/rest/v1/things?limit=1", headers={"apikey": alpha.secret_key})
            logged.get("/rest/v1/nope", headers={"apikey": alpha.secret_key})
    assert response.status_code == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "tenantgrid.access"]
    assert len(lines) == 2
    method, path, status, ms, tenant, request_id = lines[0].split(" ")
    assert (method, path, status, tenant) == ("GET", "/rest/v1/things", "200", "tenant=alpha")
    assert request_id == f"request_id={response.headers['x-request-id']}"
    assert ms.endswith("ms") and float(ms[:-2]) >= 0
    assert lines[1].startswith("GET /rest/v1/nope 404 ")


def test_browser_preflight_allows_the_supabase_headers(client: TestClient) -> None:
    preflight = client.options(
        "/rest/v1/things",
        headers={
            "Origin": "https://app.example.com",
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "apikey,authorization,content-profile,prefer,x-client-info",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "PATCH" in preflight.headers["access-control-allow-methods"]
    allowed = preflight.headers["access-control-allow-headers"].lower()
    assert {"apikey", "authorization", "content-profile", "prefer", "x-client-info"} <= set(
        allowed.split(", ")
    )


def test_cross_origin_responses_expose_content_range(client: TestClient, alpha: ProvisionedTenant) -> None:
    response = client.get(
        "/rest/v1/things?limit=1", headers={"apikey": alpha.secret_key, "Origin": "https://app.example.com"}
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "content-range" in response.headers["access-control-expose-headers"].lower()
