"""/openapi.json and /docs describe every route, with each table's columns from the catalog."""

from __future__ import annotations

import logging

import pytest
from starlette.testclient import TestClient

from tenantgrid.app import create_app
from tenantgrid.http.docs import key_credentials
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


API_OF_PREFIX = [
    ("/rest/v1/", "PostgREST"),
    ("/auth/v1/", "Auth"),
    ("/rest/", "CMDB"),
    ("/tenants/{schema}/rest/", "CMDB"),
    ("/v1.0/", "Gainfully"),
    ("/v1/", "Gridly"),
    ("/api/tenants/", "Sign-up"),
]
SERVER_PATHS = {"/live", "/ready", "/health", "/metrics"}


def _api_of(path: str) -> str:
    if path in SERVER_PATHS:
        return "server"
    return next(tag for prefix, tag in API_OF_PREFIX if path.startswith(prefix))


def test_openapi_groups_every_operation_under_its_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert [t["name"] for t in spec["tags"]] == [
        "PostgREST",
        "Auth",
        "CMDB",
        "Gridly",
        "Gainfully",
        "Sign-up",
        "server",
    ]
    assert all(t["description"] for t in spec["tags"])
    seen: dict[str, int] = {}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            assert operation["tags"] == [_api_of(path)], (method, path, operation["tags"])
            seen[operation["tags"][0]] = seen.get(operation["tags"][0], 0) + 1
    # Every API is there, with all its operations: PostgREST's five per table, the CMDB's under both
    # of its path forms.
    assert set(seen) == {t["name"] for t in spec["tags"]}
    assert seen["PostgREST"] == 5 * sum(p.startswith("/rest/v1/") for p in spec["paths"])
    assert seen["Auth"] >= 3 and seen["Gridly"] > 20 and seen["Gainfully"] > 10
    assert "post" in spec["paths"]["/api/tenants/register"]


def test_openapi_has_a_security_scheme_for_each_credential_form(client: TestClient) -> None:
    schemes = client.get("/openapi.json").json()["components"]["securitySchemes"]
    forms = {
        (s["type"], s.get("in"), s.get("name"), s.get("scheme"), s.get("bearerFormat"))
        for s in schemes.values()
    }
    assert {
        ("apiKey", "header", "apikey", None, None),  # Supabase
        ("apiKey", "header", "Api-Key", None, None),  # seed 003, CMDB, Gainfully
        ("apiKey", "header", "Authorization", None, None),  # ApiKey <key> (Gridly), <key> (Gainfully)
        ("http", None, None, "bearer", "JWT"),  # a user's access token
        ("http", None, None, "basic", None),  # CMDB user_name:password
    } <= forms
    authorization = {n: s["description"] for n, s in schemes.items() if s.get("name") == "Authorization"}
    assert "ApiKey <" in authorization["gridlyApiKey"] and "tg_sk_" in authorization["gainfullyKey"]


def test_every_operation_names_only_defined_schemes_and_public_ones_say_so(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    schemes = set(spec["components"]["securitySchemes"])
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if _api_of(path) == "server":
                assert "security" not in operation, path
                continue
            if path == "/api/tenants/register":
                continue  # sign-up: open, or the operator's registration token
            requirements = operation["security"]
            assert requirements, (method, path)
            for requirement in requirements:
                assert set(requirement) <= schemes, (method, path, requirement)


@pytest.mark.parametrize(
    ("path", "scheme"),
    [
        ("/rest/v1/things?limit=1", "apikey"),
        ("/rest/users/", "cmdbApiKey"),
        ("/v1/projects", "gridlyApiKey"),
        ("/v1.0/events/", "gainfullyKey"),
        ("/v1.0/events/", "gainfullyApiKey"),
    ],
)
def test_each_key_scheme_as_docs_fills_it_in_is_accepted(
    client: TestClient, alpha: ProvisionedTenant, path: str, scheme: str
) -> None:
    """The values /docs pre-authorises with a session's key work against the API whose operation
    names that scheme, sent the way the scheme describes (and nothing else is sent)."""
    spec = client.get("/openapi.json").json()
    credentials = key_credentials(spec["components"]["securitySchemes"], alpha.secret_key)
    operation = spec["paths"][path.split("?")[0]]["get"]
    assert any(scheme in requirement for requirement in operation["security"])
    header = spec["components"]["securitySchemes"][scheme]["name"]
    response = client.get(path, headers={header: credentials[scheme]})
    assert response.status_code == 200, response.text
    assert client.get(path).status_code == 401


def test_docs_pre_authorises_every_key_scheme_and_no_user_credential(client: TestClient) -> None:
    schemes = client.get("/openapi.json").json()["components"]["securitySchemes"]
    credentials = key_credentials(schemes, "tg_sk_x")
    assert credentials == {
        "apikey": "tg_sk_x",
        "cmdbApiKey": "tg_sk_x",
        "gridlyApiKey": "ApiKey tg_sk_x",
        "gainfullyKey": "ApiKey tg_sk_x",
        "gainfullyApiKey": "tg_sk_x",
    }
    assert all(schemes[name]["type"] == "http" for name in set(schemes) - set(credentials))


def test_docs_without_a_panel_session_acts_for_no_one_and_is_never_cached(client: TestClient) -> None:
    for cookie in ({}, {"Cookie": "tenantgrid_admin=forged.value.sig"}):
        page = client.get("/docs", headers=cookie)
        assert page.status_code == 200
        assert page.headers["cache-control"] == "no-store"
        assert "tenantgrid-acting-for" not in page.text
        assert "const credentials = {};" in page.text
        assert '"persistAuthorization": true' in page.text  # a pasted key survives a reload
        assert "tg_sk_" not in page.text
