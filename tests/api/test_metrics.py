"""GET /metrics: Prometheus text, scraped after real requests and parsed with prometheus_client's parser.

Each test makes its own app, so its counters start at zero.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import asyncpg
import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from tenantgrid.app import create_app
from tenantgrid.settings import Settings
from tenantgrid.tenancy.provision import ProvisionedTenant

Labels = dict[str, str]


def _samples(text: str, name: str) -> list[tuple[Labels, float]]:
    return [
        (sample.labels, sample.value)
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    ]


def _value(text: str, name: str, **labels: str) -> float:
    matching = [v for found, v in _samples(text, name) if labels.items() <= found.items()]
    return sum(matching)


@pytest.fixture
def app_client(settings: Settings, tenants: dict[str, ProvisionedTenant]) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


def _scrape(client: TestClient) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return response.text


def test_requests_are_counted_by_api_route_template_method_and_status(
    app_client: TestClient, alpha: ProvisionedTenant
) -> None:
    key = {"apikey": alpha.secret_key}
    for table in ("things", "fields", "entries"):
        assert app_client.get(f"/rest/v1/{table}?limit=1", headers=key).status_code == 200
    assert app_client.get("/rest/v1/no_such_table", headers=key).status_code == 404
    assert app_client.head("/rest/v1/things", headers=key).status_code == 200
    for n in range(3):
        assert app_client.get(f"/random/{n}/path").status_code == 404
    assert app_client.get("/rest/v1/things").status_code == 401
    assert app_client.get("/auth/v1/user", headers=key).status_code == 401
    assert app_client.get("/live").status_code == 200
    assert app_client.request("BREW", "/live").status_code == 405
    assert app_client.get("/docs/assets/swagger-ui.css").status_code == 200

    text = _scrape(app_client)
    requests = "tenantgrid_http_requests_total"
    table = "/rest/v1/{table}"
    assert _value(text, requests, api="postgrest", route=table, method="GET", status="200") == 3
    assert _value(text, requests, api="postgrest", route=table, method="GET", status="404") == 1
    assert _value(text, requests, api="postgrest", route=table, method="HEAD", status="200") == 1
    assert _value(text, requests, api="postgrest", route=table, method="GET", status="401") == 1
    assert _value(text, requests, api="auth", route="/auth/v1/user", method="GET", status="401") == 1
    assert _value(text, requests, api="server", route="unmatched", method="GET", status="404") == 3
    assert _value(text, requests, api="server", route="/live", method="GET", status="200") == 1
    assert _value(text, requests, api="server", route="/live", method="other", status="405") == 1
    assert _value(text, requests, api="server", route="/docs/assets", method="GET", status="200") == 1
    routes = {labels["route"] for labels, _ in _samples(text, requests)}
    assert routes == {table, "/auth/v1/user", "unmatched", "/live", "/docs/assets"}  # never a raw path
    assert "/random/0/path" not in text and "no_such_table" not in text

    duration = "tenantgrid_http_request_duration_seconds"
    assert _value(text, f"{duration}_count", api="postgrest", route=table, method="GET") == 5
    assert _value(text, f"{duration}_bucket", api="postgrest", route=table, method="GET", le="+Inf") == 5
    assert _value(text, f"{duration}_sum", api="postgrest", route=table, method="GET") > 0

    failures = "tenantgrid_auth_failures_total"
    assert _value(text, failures, api="postgrest", status="401") == 1
    assert _value(text, failures, api="auth", status="401") == 1


def test_pool_gauges_are_read_at_scrape_time(app_client: TestClient, settings: Settings) -> None:
    text = _scrape(app_client)
    assert _value(text, "tenantgrid_pool_size") == settings.pool_size
    assert 1 <= _value(text, "tenantgrid_pool_open_connections") <= settings.pool_size
    assert _value(text, "tenantgrid_pool_in_use_connections") == 0
    assert _value(text, "tenantgrid_pool_waiting_requests") == 0
    assert _value(text, "process_resident_memory_bytes") > 0


def test_no_tenant_label_by_default(app_client: TestClient, alpha: ProvisionedTenant) -> None:
    assert app_client.get("/rest/v1/things?limit=1", headers={"apikey": alpha.secret_key}).status_code == 200
    text = _scrape(app_client)
    assert all(
        "tenant" not in labels
        for family in text_string_to_metric_families(text)
        for s in family.samples
        for labels in [s.labels]
    )
    assert alpha.tenant not in text and alpha.schema not in text


def test_the_setting_turns_the_tenant_label_on(
    settings: Settings, alpha: ProvisionedTenant, beta: ProvisionedTenant
) -> None:
    with TestClient(create_app(settings.model_copy(update={"metrics_tenant_labels": True}))) as client:
        for tenant, times in ((alpha, 2), (beta, 1)):
            for _ in range(times):
                client.get("/rest/v1/things?limit=1", headers={"apikey": tenant.secret_key})
        client.get("/live")
        text = _scrape(client)
    requests = "tenantgrid_http_requests_total"
    assert _value(text, requests, route="/rest/v1/{table}", tenant="alpha") == 2
    assert _value(text, requests, route="/rest/v1/{table}", tenant="beta") == 1
    assert _value(text, requests, route="/live", tenant="") == 1


def test_metrics_can_be_turned_off(settings: Settings, tenants: dict[str, ProvisionedTenant]) -> None:
    with TestClient(create_app(settings.model_copy(update={"metrics": False}))) as client:
        assert client.get("/metrics").status_code == 404
        assert "/metrics" not in client.get("/openapi.json").json()["paths"]
        assert client.get("/live").headers["x-request-id"]  # the request id stays


def test_a_cancelled_statement_counts_as_a_statement_timeout(
    app_client: TestClient, alpha: ProvisionedTenant, database_url: str
) -> None:
    """A read waits on a table another session locked; cancelling it is Postgres's 57014, a 504."""
    portal = app_client.portal
    assert portal is not None
    locker: Any = portal.call(asyncpg.connect, database_url)
    admin: Any = portal.call(asyncpg.connect, database_url)
    answers: list[Any] = []
    try:
        portal.call(locker.execute, f'BEGIN; LOCK TABLE "{alpha.schema}".things IN ACCESS EXCLUSIVE MODE')
        reader = threading.Thread(
            target=lambda: answers.append(
                app_client.get("/rest/v1/things?limit=1", headers={"apikey": alpha.secret_key})
            )
        )
        reader.start()
        deadline = time.monotonic() + 10
        cancelled = False
        while not cancelled and time.monotonic() < deadline:
            cancelled = portal.call(
                admin.fetchval,
                "SELECT bool_or(pg_cancel_backend(pid)) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND query LIKE '%things%' AND pid <> $1",
                locker.get_server_pid(),
            )
            time.sleep(0.05)
        reader.join(timeout=10)
    finally:
        portal.call(locker.close)
        portal.call(admin.close)
    assert cancelled
    assert answers[0].status_code == 504
    assert answers[0].json()["code"] == "57014"
    text = _scrape(app_client)
    assert _value(text, "tenantgrid_statement_timeouts_total", api="postgrest") == 1
    assert _value(text, "tenantgrid_http_requests_total", status="504") == 1
