"""schemathesis against the served `/openapi.json`: every documented operation, with generated
parameters and bodies, sent over real HTTP with a tenant's secret key, never answers a 5xx.

The calls go to a tenant of their own (`fuzzed`), since they create and delete at random (users,
groups, types, rows) and must not disturb the tenants the other tests share.
"""

from __future__ import annotations

import asyncio

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from starlette.testclient import TestClient

from tenantgrid.db.engine import create_engine
from tenantgrid.settings import Settings
from tenantgrid.tenancy.provision import ProvisionedTenant, create_tenant
from tests.conftest import PASSWORD

EXAMPLES = 8


@pytest.fixture(scope="module")
def fuzzed(settings: Settings, tenants: dict[str, ProvisionedTenant]) -> ProvisionedTenant:
    async def make() -> ProvisionedTenant:
        engine = create_engine(settings.database_url or "")
        try:
            return await create_tenant(engine, settings, "fuzzed", "fuzzed@example.com", PASSWORD)
        finally:
            await engine.dispose()

    return asyncio.run(make())


@pytest.mark.parametrize("mode", [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE])
def test_no_operation_answers_a_server_error(
    client: TestClient, live_url: str, fuzzed: ProvisionedTenant, mode: schemathesis.GenerationMode
) -> None:
    """POSITIVE cases follow the documented schemas, NEGATIVE ones break them on purpose."""
    spec = client.get("/openapi.json").json()
    operations = [result.ok() for result in schemathesis.openapi.from_dict(spec).get_all_operations()]
    assert len(operations) > 200  # PostgREST and its auth, the CMDB, Gridly, Gainfully, the server's own
    failures: list[str] = []
    answered: set[str] = set()  # operations that answered a 2xx at least once

    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
        )
        def call(case: schemathesis.Case) -> None:
            response = case.call(base_url=live_url, headers={"Api-Key": fuzzed.secret_key}, timeout=30)
            if response.status_code < 300:
                answered.add(f"{case.method} {case.path}")
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}"
                )

        try:
            call()
        except Unsatisfiable:  # nothing to break: an operation without parameters or body
            assert mode is schemathesis.GenerationMode.NEGATIVE
    assert failures == []
    if mode is schemathesis.GenerationMode.POSITIVE:
        # The key works on every API: its collection reads succeed (most other operations name ids
        # that a random case does not hit, and answer 404).
        for read in (
            "GET /rest/v1/things",
            "GET /rest/types/",
            "GET /rest/objects/",
            "GET /v1/projects",
            "GET /v1.0/content/",
        ):
            assert read in answered, sorted(answered)
