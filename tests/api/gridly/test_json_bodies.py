"""Every way a JSON body is refused, in Gridly's exact words and shape (the reader is shared with
the CMDB and Gainfully, each API words its refusals; these pin Gridly's)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


def refusal(message: str, code: str, field: str, resource: str) -> dict[str, object]:
    return {
        "message": message,
        "errors": [{"code": code, "field": field, "message": message, "resource": resource}],
    }


@pytest.mark.parametrize(
    ("content", "headers", "status", "expected"),
    [
        (b"", {}, 400, refusal("A JSON body is required.", "invalid", "body", "record")),
        (b"  \n", {}, 400, refusal("A JSON body is required.", "invalid", "body", "record")),
        (
            b"{nope",
            {},
            400,
            refusal("Unable to parse the request body as JSON.", "invalid", "body", "record"),
        ),
        (b"[1]", {}, 400, refusal("The request body must be a JSON object.", "invalid", "body", "record")),
        (b"x" * (64 * 1024 + 1), {}, 413, refusal("Payload Too Large", "too_large", "body", "request")),
        (
            b"{}",
            {"Content-Length": str(10**9)},
            413,
            refusal("Payload Too Large", "too_large", "body", "request"),
        ),
        (
            b"{}",
            {"Content-Length": "1_2"},
            400,
            refusal("Invalid Content-Length header", "invalid", "", "request"),
        ),
    ],
)
def test_refused_bodies(
    client: TestClient,
    alpha_gridly: dict[str, str],
    content: bytes,
    headers: dict[str, str],
    status: int,
    expected: dict[str, object],
) -> None:
    response = client.post(
        "/v1/projects",
        headers={**alpha_gridly, "Content-Type": "application/json", **headers},
        content=content,
    )
    assert (response.status_code, response.json()) == (status, expected)
    assert client.get("/v1/projects", headers=alpha_gridly).status_code == 200


def test_any_media_type_is_read_as_json(client: TestClient, alpha_gridly: dict[str, str]) -> None:
    response = client.post(
        "/v1/projects",
        headers={**alpha_gridly, "Content-Type": "text/plain"},
        content=b'{"name": "Read as JSON"}',
    )
    assert response.status_code == 201, response.text
