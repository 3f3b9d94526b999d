"""Helpers for the framework tests (types, categories, objects): unique names, factories that
create through the API, and the CMDB error check. Credentials come from conftest.py (helper B)."""

from __future__ import annotations

import secrets
from typing import Any

from starlette.testclient import TestClient


def unique(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


def create_type(
    client: TestClient, headers: dict[str, str], fields: list[dict[str, Any]] | None = None, **extra: Any
) -> dict[str, Any]:
    body = {
        "name": unique("type"),
        "label": "Server",
        "fields": fields
        if fields is not None
        else [{"type": "text", "name": "hostname", "label": "Hostname"}],
        **extra,
    }
    response = client.post("/rest/types/", headers=headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()["raw"]


def create_object(
    client: TestClient, headers: dict[str, str], type_id: int, fields: list[dict[str, Any]], **extra: Any
) -> int:
    response = client.post(
        "/rest/objects/", headers=headers, json={"type_id": type_id, "fields": fields, **extra}
    )
    assert response.status_code == 200, response.text
    return response.json()


def create_category(client: TestClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = client.post("/rest/categories/", headers=headers, json={"name": unique("cat"), **body})
    assert response.status_code == 201, response.text
    return response.json()["raw"]


def assert_cmdb_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["X-API-Version"] == "1.0"
    body = response.json()
    assert body["status"] == status
    assert set(body) >= {"status", "response", "description", "message"}
    return body
