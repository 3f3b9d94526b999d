"""X-Request-Id: a valid incoming id is kept, anything else replaced; every response echoes it, and
every log record emitted while the request runs carries it (the access line, errors, JSON lines)."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.routing import Route
from starlette.testclient import TestClient

from tenantgrid.app import create_app
from tenantgrid.http.log_format import TextFormatter, json_formatter
from tenantgrid.http.observe import ObserveRequests
from tenantgrid.settings import Settings
from tenantgrid.tenancy.provision import ProvisionedTenant

GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.fixture(scope="module")
def logged(settings: Settings, tenants: dict[str, ProvisionedTenant]) -> Iterator[TestClient]:
    with TestClient(create_app(settings.model_copy(update={"log_requests": True}))) as client:
        yield client


def test_a_valid_incoming_id_is_echoed_on_every_kind_of_response(
    client: TestClient, alpha: ProvisionedTenant
) -> None:
    key = {"apikey": alpha.secret_key}
    cases = [
        ("GET", "/rest/v1/things?limit=1", key, 200),
        ("GET", "/rest/v1/no_such_table", key, 404),
        ("GET", "/rest/v1/things", {}, 401),
        ("GET", "/rest/v1/things?id=zz.1", key, 400),
        ("GET", "/no/such/path", {}, 404),
        ("POST", "/auth/v1/token?grant_type=password", key | {"content-type": "text/plain"}, 400),
        ("GET", "/openapi.json", {}, 200),
        ("GET", "/live", {}, 200),
        ("DELETE", "/live", {}, 405),
    ]
    for index, (method, path, headers, status) in enumerate(cases):
        request_id = f"req-{index}_A.b~c"
        response = client.request(method, path, headers=headers | {"X-Request-Id": request_id})
        assert response.status_code == status, (path, response.text)
        assert response.headers["x-request-id"] == request_id, path


def test_a_cors_preflight_echoes_the_id_and_allows_and_exposes_the_header(client: TestClient) -> None:
    preflight = client.options(
        "/rest/v1/things",
        headers={
            "Origin": "https://app.example.com",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "apikey,x-request-id",
            "X-Request-Id": "preflight-1",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["x-request-id"] == "preflight-1"
    assert "x-request-id" in preflight.headers["access-control-allow-headers"].lower()
    plain = client.get("/live", headers={"Origin": "https://app.example.com"})
    assert "x-request-id" in plain.headers["access-control-expose-headers"].lower()


@pytest.mark.parametrize(
    "incoming",
    [
        b"",
        b"has space",
        b'quote"d',
        b"semi;colon",
        b"x" * 129,
        "caf\u00e9".encode(),
        b"tab\there",
    ],
)
def test_an_invalid_id_is_replaced_by_a_new_one(client: TestClient, incoming: bytes) -> None:
    response = client.get("/live", headers=[(b"X-Request-Id", incoming)])
    assert response.status_code == 200
    assert GENERATED.fullmatch(response.headers["x-request-id"]), response.headers["x-request-id"]


def test_ids_at_the_bounds_are_kept_and_new_ones_differ(client: TestClient) -> None:
    longest = "a" * 128
    assert client.get("/live", headers={"X-Request-Id": longest}).headers["x-request-id"] == longest
    assert client.get("/live", headers={"X-Request-Id": "1"}).headers["x-request-id"] == "1"
    made = {client.get("/live").headers["x-request-id"] for _ in range(5)}
    assert len(made) == 5 and all(GENERATED.fullmatch(m) for m in made)


def test_the_access_line_and_its_record_carry_the_id(
    logged: TestClient, alpha: ProvisionedTenant, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="tenantgrid.access"):
        logged.get("/rest/v1/things?limit=1", headers={"apikey": alpha.secret_key, "X-Request-Id": "abc-123"})
        generated = logged.get("/rest/v1/nope", headers={"apikey": alpha.secret_key}).headers["x-request-id"]
    lines = [r for r in caplog.records if r.name == "tenantgrid.access"]
    assert [r.request_id for r in lines] == ["abc-123", generated]  # type: ignore[attr-defined]
    method, path, status, ms, tenant, request_id = lines[0].getMessage().split(" ")
    assert (method, path, status, tenant, request_id) == (
        "GET",
        "/rest/v1/things",
        "200",
        "tenant=alpha",
        "request_id=abc-123",
    )
    assert ms.endswith("ms") and float(ms[:-2]) >= 0
    assert lines[1].getMessage().startswith("GET /rest/v1/nope 404 ")
    assert lines[1].getMessage().endswith(f"request_id={generated}")


def test_records_outside_a_request_have_no_id(logged: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="tenantgrid.test"):
        logging.getLogger("tenantgrid.test").info("no request here")
    assert caplog.records[-1].request_id is None  # type: ignore[attr-defined]


def _capture(logger: str, formatter: logging.Formatter) -> tuple[logging.Handler, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logging.getLogger(logger).addHandler(handler)
    return handler, stream


def test_json_log_lines_are_json_with_the_request_fields(
    logged: TestClient, alpha: ProvisionedTenant
) -> None:
    handler, stream = _capture("tenantgrid", json_formatter())
    try:
        logged.get("/rest/v1/things?limit=1", headers={"apikey": alpha.secret_key, "X-Request-Id": "json-1"})
        logged.get("/live", headers={"X-Request-Id": "json-2"})
    finally:
        logging.getLogger("tenantgrid").removeHandler(handler)
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    access = [r for r in records if r["logger"] == "tenantgrid.access"]
    assert len(access) == 2
    first, second = access
    assert {k: first[k] for k in ("request_id", "method", "path", "status", "tenant", "level")} == {
        "request_id": "json-1",
        "method": "GET",
        "path": "/rest/v1/things",
        "status": 200,
        "tenant": "alpha",
        "level": "INFO",
    }
    assert isinstance(first["duration_ms"], float) and first["duration_ms"] >= 0
    assert first["timestamp"] and first["process"]
    assert (second["request_id"], second["path"], second["tenant"]) == ("json-2", "/live", None)


def test_text_format_puts_the_id_on_every_line_logged_during_a_request(logged: TestClient) -> None:
    async def fails(request: Request) -> None:
        logging.getLogger("tenantgrid.test").error("something broke")
        raise RuntimeError("boom")

    # As in create_app: inside Starlette's last-resort error handler, outside everything else.
    app = Starlette(routes=[Route("/fail", fails)], middleware=[Middleware(ObserveRequests)])
    handler, stream = _capture("tenantgrid.test", TextFormatter())
    try:
        with TestClient(app, raise_server_exceptions=False) as bare:
            response = bare.get("/fail", headers={"X-Request-Id": "text-1"})
    finally:
        logging.getLogger("tenantgrid.test").removeHandler(handler)
    # An exception no handler caught: still a JSON 500 that carries the id.
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "text-1"
    assert response.json()["message"] == "Internal server error"
    assert stream.getvalue().rstrip().endswith("tenantgrid.test: something broke request_id=text-1")
