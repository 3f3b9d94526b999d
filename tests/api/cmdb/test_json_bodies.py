"""Every way a JSON body is refused, in the CMDB's exact words and DATAGERRY's error shape (the
reader is shared with Gridly and Gainfully, each API words its refusals; these pin the CMDB's)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

URL = "http://tenantgrid.test/rest/users/"


@pytest.mark.parametrize(
    ("content", "headers", "status", "description", "message"),
    [
        (b"", {}, 400, "A JSON body is required", "A JSON body is required"),
        (
            b"{nope",
            {},
            400,
            "The body is not valid JSON",
            "unexpected character, expected a string key: line 1 column 2 (char 1)",
        ),
        (b"[1, 2]", {}, 400, "The body must be a JSON object", "The body must be a JSON object"),
        (b"x" * (64 * 1024 + 1), {}, 413, "Payload Too Large", f"The body exceeds {64 * 1024} bytes"),
        (
            b"{}",
            {"Content-Length": str(10**9)},
            413,
            "Payload Too Large",
            f"The body exceeds {64 * 1024} bytes",
        ),
        (
            b"{}",
            {"Content-Length": "1_2"},
            400,
            "Invalid Content-Length header",
            "expecting a number of bytes, got '1_2'",
        ),
    ],
)
def test_refused_bodies(
    client: TestClient,
    alpha_key: dict[str, str],
    content: bytes,
    headers: dict[str, str],
    status: int,
    description: str,
    message: str,
) -> None:
    response = client.post(
        "/rest/users/", headers={**alpha_key, "Content-Type": "application/json", **headers}, content=content
    )
    assert response.json() == {
        "status": status,
        "response": f"{'Bad Request' if status == 400 else 'Request Entity Too Large'}: {URL}",
        "description": description,
        "message": message,
    }
    assert response.status_code == status
    assert response.headers["x-api-version"] == "1.0"
