"""Helpers for the tests of projects, databases, grids, views, columns and paths: view-scoped keys
made as `tenantgrid keys create --views` makes them, and Gridly's error shape."""

from __future__ import annotations

from typing import Any

import httpx

from tenantgrid.auth.keys import KeyKind, display_prefix, key_digest, new_key
from tests.conftest import Database


def scoped_key(db: Database, tenant: str, views: list[str]) -> dict[str, str]:
    """`Authorization` headers with a new secret key of `tenant` scoped to `views`."""
    key = new_key(KeyKind.SECRET)
    db.fetch(
        "INSERT INTO tenantgrid.api_keys (tenant_id, kind, prefix, key_hash, views) "
        "SELECT id, 'secret', $2, $3, $4 FROM tenantgrid.tenants WHERE name = $1",
        tenant,
        display_prefix(key),
        key_digest(key),
        views,
    )
    return {"Authorization": f"ApiKey {key}"}


def gridly_error(response: httpx.Response, status: int, field: str | None = None) -> dict[str, Any]:
    """Assert a Gridly error: the status, `{message, errors: [{code, field, message, resource}]}`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"message", "errors"}, body
    assert body["errors"] and set(body["errors"][0]) == {"code", "field", "message", "resource"}, body
    if field is not None:
        assert body["errors"][0]["field"] == field, body
    return body


def not_found(response: httpx.Response, resource: str, identifier: str) -> None:
    """The seed's 404: `{"message": "Validation failed.", "errors": [{resource, field, "missing", ...}]}`."""
    body = gridly_error(response, 404)
    assert body["message"] == "Validation failed."
    error = body["errors"][0]
    assert error["resource"] == resource and error["code"] == "missing", body
    assert error["message"] == f'{resource.capitalize()} "{identifier}" could not be found.', body
