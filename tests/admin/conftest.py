"""Fixtures of the panel's tests: apps with their own settings (tiny token lifetimes, sign-up open
or guarded, a tight login budget), each on the suite's database, served through the real ASGI stack."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from starlette.testclient import TestClient

from tenantgrid.app import create_app
from tenantgrid.settings import Settings
from tenantgrid.tenancy.provision import ProvisionedTenant


@contextmanager
def app_with(settings: Settings, **changes: Any) -> Iterator[TestClient]:
    with TestClient(
        create_app(settings.model_copy(update=changes)), base_url="http://tenantgrid.test"
    ) as client:
        yield client


@pytest.fixture(scope="module")
def short_client(settings: Settings, tenants: dict[str, ProvisionedTenant]) -> Iterator[TestClient]:
    """Access tokens of 1 s, sessions of 4 s."""
    with app_with(settings, admin_access_ttl=1, admin_refresh_ttl=4) as client:
        yield client


@pytest.fixture(scope="module")
def open_client(settings: Settings, tenants: dict[str, ProvisionedTenant]) -> Iterator[TestClient]:
    """Sign-up open to anyone (and a budget no test reaches)."""
    with app_with(settings, registration="open", registration_rate_limit="1000/minute") as client:
        yield client
