"""Random JSON at the framework's write routes is a 2xx or a 4xx, never a 5xx (hypothesis)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from tests.api.cmdb.framework_support import unique

KEYS = [
    "name", "type", "value", "fields", "label", "options", "ref_types", "regex", "required", "sections",
    "summary", "externals", "href", "render_meta", "acl", "groups", "includes", "activated", "parent", "types",
    "meta", "order", "type_id", "public_id", "active", "status", "author_id", "$date", "x",
]  # fmt: skip
KINDS = ["text", "password", "textarea", "number", "date", "checkbox", "radio", "select", "ref", "location"]
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=4),
    max_leaves=12,
)
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def made(client: TestClient, alpha_key: dict[str, str]) -> dict[str, int]:
    fields: list[dict[str, Any]] = [{"type": kind, "name": kind} for kind in KINDS]
    fields[0]["regex"] = "[a-z]*"
    fields[6]["options"] = fields[7]["options"] = [{"name": "a", "label": "A"}]
    response = client.post(
        "/rest/types/", headers=alpha_key, json={"name": unique("garbage"), "fields": fields}
    )
    assert response.status_code == 201, response.text
    type_id = response.json()["result_id"]
    object_id = client.post(
        "/rest/objects/", headers=alpha_key, json={"type_id": type_id, "fields": []}
    ).json()
    category = client.post("/rest/categories/", headers=alpha_key, json={"name": unique("garbage")}).json()
    return {"type": type_id, "object": object_id, "category": category["result_id"]}


@SETTINGS
@given(
    route=st.sampled_from(["POST /objects/", "PUT /objects/{object}", "PATCH /objects/{object}", "PUT bulk"]),
    fields=st.lists(
        st.fixed_dictionaries({"name": st.sampled_from([*KINDS, "other"]), "value": JSON}), max_size=4
    ),
    extra=JSON,
)
def test_object_writes(
    client: TestClient, alpha_key: dict[str, str], made: dict[str, int], route: str, fields: Any, extra: Any
) -> None:
    body = {"type_id": made["type"], "fields": fields, **(extra if isinstance(extra, dict) else {})}
    method, path = route.split(" ")
    if path == "bulk":
        path = f"/objects/0?objectIDs={made['object']}"
    response = client.request(
        method, "/rest" + path.format(**made), headers=alpha_key, content=json.dumps(body)
    )
    assert response.status_code < 500, (route, body, response.text)
    rendered = client.get(f"/rest/objects/{made['object']}", headers=alpha_key)
    assert rendered.status_code == 200, rendered.text


@SETTINGS
@given(
    route=st.sampled_from(
        [
            "POST /types/",
            "PUT /types/{type}",
            "PATCH /types/{type}",
            "POST /categories/",
            "PUT /categories/{category}",
        ]
    ),
    body=JSON,
)
def test_type_and_category_writes(
    client: TestClient, alpha_key: dict[str, str], made: dict[str, int], route: str, body: Any
) -> None:
    method, path = route.split(" ")
    response = client.request(
        method, "/rest" + path.format(**made), headers=alpha_key, content=json.dumps(body)
    )
    assert response.status_code < 500, (route, body, response.text)
